/**
 * Catalogue rows: the validation schema of one influencer imported from CSV or JSON, and the two spellings of its
 * fields. JSON bodies use the API's camelCase (`followersCount`); CSV columns may be snake_case (`followers_count`,
 * the table's own names) or camelCase, in any case. A name the catalogue does not know is reported, never dropped
 * in silence: docs/influencers.md lists every field.
 */
import { z } from 'zod';
import { platforms } from './influencerTypes';

function blank(value: unknown): unknown {
  return value === null || (typeof value === 'string' && value.trim() === '') ? undefined : value;
}

function numeric(value: unknown): unknown {
  const v = blank(value);
  if (typeof v !== 'string') return v;
  const n = Number(v.trim());
  // Leave unreadable text as text so the schema reports "expected number" for that field.
  return Number.isNaN(n) ? v : n;
}

function list(value: unknown): unknown {
  const v = blank(value);
  if (v === undefined) return [];
  if (typeof v !== 'string') return v;
  const text = v.trim();
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return v;
    }
  }
  return text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function json(value: unknown): unknown {
  const v = blank(value);
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v; // Reported by the schema as "expected object".
  }
}

function bool(value: unknown): unknown {
  const v = blank(value);
  if (v === undefined) return false;
  if (typeof v !== 'string') return v;
  const text = v.trim().toLowerCase();
  if (['true', 'yes', 'y', '1'].includes(text)) return true;
  if (['false', 'no', 'n', '0'].includes(text)) return false;
  return v;
}

const requiredText = (max: number) =>
  z.preprocess(
    blank,
    z
      .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be text') })
      .trim()
      .max(max, `must be at most ${max} characters`),
  );

const jsonObject = z.preprocess(
  json,
  z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }).nullable().optional(),
);

/**
 * One catalogue row keyed by the table's column names, as CSV cells (all strings) or JSON values. Numbers are
 * coerced from text, lists accept a JSON array or `;`-separated text, JSON columns accept objects or JSON text; a
 * leading @ is dropped from the handle. engagement_rate must be a fraction 0..1 (a percentage such as 4.5 is
 * rejected, not guessed). Callers with API or CSV input go through {@link parseInfluencerJson} or
 * {@link parseInfluencerCsvRecord}, which map the names and report the unknown ones.
 */
export const influencerRowSchema = z.object({
  name: requiredText(200),
  handle: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().replace(/^@/, '') : blank(v)),
    z
      .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be text') })
      .min(1, 'is required')
      .max(100, 'must be at most 100 characters')
      .regex(/^\S+$/, 'must not contain spaces'),
  ),
  platform: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() : blank(v)),
    z.enum(platforms, { error: `must be one of ${platforms.join(', ')}` }),
  ),
  category: requiredText(100),
  followers_count: z.preprocess(
    numeric,
    z
      .number({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a number') })
      .int('must be a whole number')
      .min(0, 'must be >= 0')
      .max(2_147_483_647, 'is too large'),
  ),
  engagement_rate: z.preprocess(
    numeric,
    z
      .number({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a number') })
      .min(0, 'must be between 0 and 1')
      .max(1, 'must be a fraction between 0 and 1 (write 4.5% as 0.045)'),
  ),
  average_views: z.preprocess(
    numeric,
    z.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be >= 0').nullable().optional(),
  ),
  content_types: z.preprocess(list, z.array(z.string().trim().min(1), { error: 'must be a list' })),
  audience_demographics: jsonObject,
  brand_safety_score: z.preprocess(
    numeric,
    z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(0, 'must be between 0 and 100')
      .max(100, 'must be between 0 and 100')
      .nullable()
      .optional(),
  ),
  pricing_info: jsonObject,
  performance_history: z.preprocess(
    json,
    z
      .union([z.array(z.record(z.string(), z.unknown())), z.record(z.string(), z.unknown())], {
        error: 'must be a JSON array or object',
      })
      .nullable()
      .optional(),
  ),
  relevance_topics: z.preprocess(list, z.array(z.string().trim().min(1), { error: 'must be a list' })),
  blacklisted: z.preprocess(bool, z.boolean({ error: 'must be true or false' })),
  verification_status: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() || undefined : blank(v)),
    z
      .enum(['verified', 'unverified', 'pending'], { error: 'must be verified, unverified or pending' })
      .default('unverified'),
  ),
});

/** A validated catalogue row, keyed by the table's column names. */
export type InfluencerRow = z.output<typeof influencerRowSchema>;

/** A rejected field of a catalogue row, named as the caller spelled it. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** The outcome of parsing one row; `unknownFields` lists the names it carried that the catalogue does not know. */
export type RowParse = ({ ok: true; value: InfluencerRow } | { ok: false; problems: FieldProblem[] }) & {
  unknownFields: string[];
};

/** Where a catalogue comes from: a CSV file, or a JSON body of the API. */
export type CatalogueFormat = 'csv' | 'json';

/** The CSV column names, snake_case as in the influencers table. */
export const catalogueColumns = Object.keys(influencerRowSchema.shape) as (keyof InfluencerRow)[];

/** followers_count -> followersCount */
export function camelCaseName(column: string): string {
  return column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The JSON field names, camelCase like the rest of the API, in the order of {@link catalogueColumns}. */
export const catalogueJsonFields = catalogueColumns.map(camelCaseName);

const columnOfJsonField = new Map(catalogueColumns.map((c) => [camelCaseName(c), c]));

// Spelling-blind key: "Followers_Count", "followersCount" and "followers count" all meet at "followerscount".
const looseKey = (name: string) => name.replace(/[\s_-]/g, '').toLowerCase();
const columnOfLooseKey = new Map(catalogueColumns.map((c) => [looseKey(c), c]));

/** The valid name a JSON field was probably meant as (`followers_count` -> `followersCount`), if any. */
export function suggestJsonField(name: string): string | undefined {
  const column = columnOfLooseKey.get(looseKey(name));
  return column === undefined ? undefined : camelCaseName(column);
}

function describeUnknown(name: string, format: CatalogueFormat): string {
  const suggestion = format === 'json' ? suggestJsonField(name) : undefined;
  return suggestion === undefined ? name : `${name} (did you mean ${suggestion}?)`;
}

/** A sentence naming the unknown fields of an import, with the valid names for its format. */
export function unknownFieldsWarning(names: readonly string[], format: CatalogueFormat): string {
  const listed = names.map((n) => describeUnknown(n, format)).join(', ');
  return format === 'csv'
    ? `unknown columns were ignored: ${listed}. The columns are ${catalogueColumns.join(', ')} ` +
        '(camelCase spellings such as followersCount are accepted too).'
    : `unknown fields were ignored: ${listed}. The fields are ${catalogueJsonFields.join(', ')}.`;
}

/**
 * Validates the renamed row and names each problem as the caller spelled the field (`spelling` maps a column to
 * the caller's name; a missing field gets `missingName`).
 */
function validate(
  row: Record<string, unknown>,
  spelling: ReadonlyMap<string, string>,
  missingName: (column: string) => string,
  unknownFields: string[],
  extraProblems: FieldProblem[] = [],
): RowParse {
  const result = influencerRowSchema.safeParse(row);
  if (result.success && extraProblems.length === 0) return { ok: true, value: result.data, unknownFields };
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => {
        const [column, ...rest] = issue.path.map(String);
        const name = column === undefined ? '(row)' : (spelling.get(column) ?? missingName(column));
        return { field: [name, ...rest].join('.'), message: issue.message };
      });
  return { ok: false, problems: [...extraProblems, ...problems], unknownFields };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const notAnObject = (unknownFields: string[]): RowParse => ({
  ok: false,
  problems: [{ field: '(row)', message: 'must be a JSON object' }],
  unknownFields,
});

/** Validates one JSON catalogue row (camelCase fields); unknown fields are listed, not validated. */
export function parseInfluencerJson(row: unknown): RowParse {
  if (!isObject(row)) return notAnObject([]);
  const renamed: Record<string, unknown> = {};
  const spelling = new Map<string, string>();
  const unknownFields: string[] = [];
  for (const [name, value] of Object.entries(row)) {
    const column = columnOfJsonField.get(name);
    if (column === undefined) unknownFields.push(name);
    else {
      renamed[column] = value;
      spelling.set(column, name);
    }
  }
  return validate(renamed, spelling, camelCaseName, unknownFields);
}

/**
 * Validates one CSV record. A header may be the snake_case column or its camelCase spelling, in any case; two
 * headers for the same column are a problem of the row rather than a silent choice between them.
 */
export function parseInfluencerCsvRecord(record: unknown): RowParse {
  if (!isObject(record)) return notAnObject([]);
  const renamed: Record<string, unknown> = {};
  const spelling = new Map<string, string>();
  const unknownFields: string[] = [];
  const repeated: FieldProblem[] = [];
  for (const [header, value] of Object.entries(record)) {
    const column = columnOfLooseKey.get(looseKey(header));
    if (column === undefined) unknownFields.push(header);
    else if (spelling.has(column))
      repeated.push({ field: header, message: `repeats the column ${spelling.get(column)}` });
    else {
      renamed[column] = value;
      spelling.set(column, header);
    }
  }
  return validate(renamed, spelling, (column) => column, unknownFields, repeated);
}

/** Validates a row of the given format. */
export function parseCatalogueRow(row: unknown, format: CatalogueFormat): RowParse {
  return format === 'csv' ? parseInfluencerCsvRecord(row) : parseInfluencerJson(row);
}

/**
 * Validates one influencer sent in a request body (camelCase). Unlike an import, where one stray column should not
 * cost a thousand rows, an unknown field here is a problem: the request is a single, strict body like every other.
 */
export function parseInfluencerRow(
  row: unknown,
): { ok: true; value: InfluencerRow } | { ok: false; problems: FieldProblem[] } {
  const parsed = parseInfluencerJson(row);
  const unknown = parsed.unknownFields.map((name) => {
    const suggestion = suggestJsonField(name);
    return {
      field: name,
      message:
        (suggestion === undefined ? 'is not a field.' : `is not a field: did you mean ${suggestion}?`) +
        ` The fields are ${catalogueJsonFields.join(', ')}.`,
    };
  });
  if (parsed.ok && unknown.length === 0) return { ok: true, value: parsed.value };
  return { ok: false, problems: [...unknown, ...(parsed.ok ? [] : parsed.problems)] };
}
