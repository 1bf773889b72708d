/**
 * Contact import rows: typing CSV cells, validating a row, and folding the rows of one batch that name the same
 * contact. Pure: the checks that need the database (does this venture exist, which contact has this email) are
 * done by the caller, which hands in what it found.
 */

/** Rows upserted per statement. */
export const IMPORT_BATCH_SIZE = 1_000;
/** The answer and the import's record list at most this many rejections; the count covers them all. */
export const MAX_REPORTED_REJECTIONS = 1_000;
export const MAX_ID_CHARS = 200;
export const MAX_EMAIL_CHARS = 320;
export const MAX_TIMEZONE_CHARS = 64;
export const MAX_LOCALE_CHARS = 35;
export const MAX_TRAIT_KEY_CHARS = 100;
/** A trait's value, as text (a string's length, or its JSON for other values). */
export const MAX_TRAIT_VALUE_CHARS = 2_000;
export const MAX_TRAITS_PER_ROW = 200;

export type ImportFormat = 'csv' | 'ndjson';

/** Why one row was not imported: its 1-based number among the data rows (a CSV header is not counted). */
export interface RowRejection {
  row: number;
  field: string;
  message: string;
}

/** A valid row, ready to upsert. `externalId` is absent for a row known by its email only. */
export interface ImportRow {
  row: number;
  externalId?: string;
  email?: string;
  timezone?: string;
  ventureId?: string;
  traits: Record<string, unknown>;
}

export type RowResult = { ok: true; value: ImportRow } | { ok: false; rejection: RowRejection };

/** The columns (CSV) or fields (NDJSON) that are not traits; matched without regard to case or `_`. */
const RESERVED: Record<string, 'id' | 'email' | 'timezone' | 'locale' | 'ventureId' | 'traits'> = {
  id: 'id',
  email: 'email',
  timezone: 'timezone',
  locale: 'locale',
  ventureid: 'ventureId',
  traits: 'traits',
};

export const reservedField = (name: string) => RESERVED[name.toLowerCase().replace(/_/g, '')];

const INTEGER = /^-?(?:0|[1-9]\d*)$/;
const DECIMAL = /^-?(?:0|[1-9]\d*)\.\d+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The same shape zod's `z.email()` accepts, so an import admits what POST /v1/contacts admits. */
const EMAIL = /^(?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$/;

/**
 * A CSV cell as a trait value: whole numbers and decimals become numbers (not ones with a leading zero, such as a
 * postcode, nor integers past 2^53, such as a long account number: those stay text), `true`/`false` become
 * booleans, an empty cell means "not set" (undefined), and everything else, ISO dates included, stays text.
 */
export function typeCell(cell: string): unknown {
  if (cell === '') return undefined;
  if (INTEGER.test(cell)) {
    const n = Number(cell);
    return Number.isSafeInteger(n) ? n : cell;
  }
  if (DECIMAL.test(cell) && cell.length <= 20) return Number(cell);
  const lower = cell.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return cell;
}

export const isEmail = (s: string) => s.length <= MAX_EMAIL_CHARS && EMAIL.test(s);

export interface RowChecks {
  isValidTimeZone(tz: string): boolean;
}

/** A field's value as text, or a rejection message when it is not a string (NDJSON). */
function text(value: unknown): string | undefined | { error: string } {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return { error: 'must be text' };
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

const valueChars = (v: unknown) => (typeof v === 'string' ? v.length : (JSON.stringify(v)?.length ?? 0));

/**
 * Validates one row: a CSV record (cells as text, typed here) or an NDJSON object (values kept as given). Reserved
 * fields are checked; every other field is a trait, and an NDJSON `traits` object adds more. The first problem
 * found rejects the row.
 */
export function validateRow(
  row: number,
  record: Record<string, unknown>,
  format: ImportFormat,
  checks: RowChecks,
): RowResult {
  const reject = (field: string, message: string): RowResult => ({ ok: false, rejection: { row, field, message } });
  const fields: Partial<Record<'id' | 'email' | 'timezone' | 'locale' | 'ventureId', string>> = {};
  const traits: Record<string, unknown> = {};
  let count = 0;
  const addTrait = (key: string, raw: unknown): RowResult | undefined => {
    const value = format === 'csv' && typeof raw === 'string' ? typeCell(raw) : raw;
    if (value === undefined || value === null) return undefined;
    if (key.length === 0) return reject('(header)', 'a column has no name');
    if (key.length > MAX_TRAIT_KEY_CHARS)
      return reject(key.slice(0, 40), `trait names are at most ${MAX_TRAIT_KEY_CHARS} characters`);
    if (valueChars(value) > MAX_TRAIT_VALUE_CHARS)
      return reject(key, `is longer than ${MAX_TRAIT_VALUE_CHARS} characters`);
    if (++count > MAX_TRAITS_PER_ROW) return reject(key, `a row has at most ${MAX_TRAITS_PER_ROW} traits`);
    traits[key] = value;
    return undefined;
  };

  for (const [key, raw] of Object.entries(record)) {
    const reserved = reservedField(key);
    if (reserved === 'traits' && format === 'ndjson') {
      if (raw === undefined || raw === null) continue;
      if (typeof raw !== 'object' || Array.isArray(raw)) return reject('traits', 'must be an object');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        const problem = addTrait(k, v);
        if (problem) return problem;
      }
    } else if (reserved && reserved !== 'traits') {
      const value = text(raw);
      if (typeof value === 'object') return reject(reserved, value.error);
      if (value !== undefined) fields[reserved] = value;
    } else {
      const problem = addTrait(key, raw);
      if (problem) return problem;
    }
  }

  const { id, email, timezone, locale, ventureId } = fields;
  if (id === undefined && email === undefined) return reject('id', 'a row needs an id or an email');
  if (id !== undefined && id.length > MAX_ID_CHARS) return reject('id', `is longer than ${MAX_ID_CHARS} characters`);
  if (email !== undefined && !isEmail(email)) return reject('email', 'is not an email address');
  if (timezone !== undefined) {
    if (timezone.length > MAX_TIMEZONE_CHARS || !checks.isValidTimeZone(timezone))
      return reject('timezone', 'is not an IANA time zone such as Europe/Berlin');
  }
  if (locale !== undefined) {
    if (locale.length > MAX_LOCALE_CHARS || !isLocale(locale))
      return reject('locale', 'is not a language tag such as en or de-DE');
    // Kept as a trait: the contact has no column of its own for it, and segments and templates read traits.
    traits.locale = locale;
  }
  if (ventureId !== undefined && !UUID.test(ventureId))
    return reject('ventureId', 'is not a venture id (GET /v1/ventures lists them)');
  return {
    ok: true,
    value: {
      row,
      ...(id !== undefined ? { externalId: id } : {}),
      ...(email !== undefined ? { email } : {}),
      ...(timezone !== undefined ? { timezone } : {}),
      ...(ventureId !== undefined ? { ventureId: ventureId.toLowerCase() } : {}),
      traits,
    },
  };
}

function isLocale(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

/** The external id a row known only by its email gets when no contact has that email yet. */
export const idForEmail = (email: string) => email.toLowerCase();

/** Rows of one batch that name the same contact, folded into one upsert (later rows win, traits merge). */
export interface FoldedRow {
  externalId: string;
  email?: string;
  timezone?: string;
  ventureId?: string;
  traits: Record<string, unknown>;
  /** The row numbers folded in, in file order. */
  rows: number[];
}

/**
 * Folds rows that resolve to the same external id, in file order: the result is what upserting them one after
 * the other would leave (a later row's fields replace an earlier one's, traits merge key by key). A single
 * multi-row statement cannot touch one contact twice, hence the fold.
 */
export function foldBatch(rows: readonly (ImportRow & { externalId: string })[]): FoldedRow[] {
  const byId = new Map<string, FoldedRow>();
  for (const r of rows) {
    const seen = byId.get(r.externalId);
    if (!seen) {
      byId.set(r.externalId, {
        externalId: r.externalId,
        ...(r.email !== undefined ? { email: r.email } : {}),
        ...(r.timezone !== undefined ? { timezone: r.timezone } : {}),
        ...(r.ventureId !== undefined ? { ventureId: r.ventureId } : {}),
        traits: { ...r.traits },
        rows: [r.row],
      });
      continue;
    }
    if (r.email !== undefined) seen.email = r.email;
    if (r.timezone !== undefined) seen.timezone = r.timezone;
    if (r.ventureId !== undefined) seen.ventureId = r.ventureId;
    Object.assign(seen.traits, r.traits);
    seen.rows.push(r.row);
  }
  return [...byId.values()];
}

/** Counts of an import so far. */
export interface ImportCounts {
  rows: number;
  created: number;
  updated: number;
  rejected: number;
}

export const emptyCounts = (): ImportCounts => ({ rows: 0, created: 0, updated: 0, rejected: 0 });
