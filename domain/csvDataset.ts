/**
 * Turns parsed CSV records (header -> string value) into a numeric design matrix for a linear model, and keeps
 * the encoding as plain JSON so that a stored model can score new records with exactly the same transformation.
 *
 * Numeric columns are standardised (z-scores, population standard deviation). Categorical columns are one-hot
 * encoded in full, one indicator per level seen in training, with no level dropped: the model is always fitted
 * with an L2 penalty, which makes the otherwise collinear indicators identifiable, treats every level
 * symmetrically (no arbitrary baseline level), and lets a level never seen in training encode as all zeros.
 */

/** One parsed CSV record: header -> raw cell text. */
export type CsvRecord = Readonly<Record<string, string | undefined>>;

/** Encoding of a numeric column: (value - mean) / std; a missing value encodes as the mean, i.e. 0. */
export interface NumericColumnEncoder {
  kind: 'numeric';
  name: string;
  mean: number;
  std: number;
}

/** Encoding of a categorical column: one indicator per level, in this order. */
export interface CategoricalColumnEncoder {
  kind: 'categorical';
  name: string;
  levels: string[];
}

/** How one input column becomes features. */
export type ColumnEncoder = NumericColumnEncoder | CategoricalColumnEncoder;

/** The whole, JSON-serialisable encoding of a record into a feature vector. */
export interface DatasetEncoder {
  version: 1;
  /** Column holding the 0/1 outcome; never used as a feature. */
  label: string;
  columns: ColumnEncoder[];
  /** One name per feature, in vector order (`col` or `col=level`). */
  featureNames: string[];
}

/** Options for {@link fitEncoder} and {@link buildDesignMatrix}. */
export interface EncoderOptions {
  label: string;
  /** Columns to leave out, e.g. ones that describe the outcome's timing rather than anything known beforehand. */
  exclude?: readonly string[];
  /** Columns to treat as categorical even if every value looks numeric (codes, zip codes, ...). */
  categorical?: readonly string[];
}

/** A design matrix with its labels and the encoder that produced it. */
export interface DesignMatrix {
  encoder: DatasetEncoder;
  X: number[][];
  y: number[];
}

const TRUE_LABELS = new Set(['1', 'true', 'yes', 'y', 't']);
const FALSE_LABELS = new Set(['0', 'false', 'no', 'n', 'f']);

/** Maps a label cell to 0/1: accepts 1/0, 1.0/0.0, true/false, yes/no (any case); throws on anything else. */
export function parseLabel(value: string | undefined): 0 | 1 {
  const text = (value ?? '').trim().toLowerCase();
  if (TRUE_LABELS.has(text)) return 1;
  if (FALSE_LABELS.has(text)) return 0;
  // Numeric spellings such as 1.0 or 0.00 are common in exported data.
  if (text !== '' && Number.isFinite(Number(text))) {
    const n = Number(text);
    if (n === 1) return 1;
    if (n === 0) return 0;
  }
  throw new Error(`label value ${JSON.stringify(value)} is not one of 1/0, true/false, yes/no`);
}

function cell(record: CsvRecord, column: string): string {
  return (record[column] ?? '').trim();
}

function numericValue(text: string): number | undefined {
  if (text === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** Learns the encoding (column kinds, means, standard deviations, levels) from training records. */
export function fitEncoder(records: readonly CsvRecord[], options: EncoderOptions): DatasetEncoder {
  if (records.length === 0) throw new Error('cannot fit an encoder on no records');
  const excluded = new Set(options.exclude ?? []);
  const forcedCategorical = new Set(options.categorical ?? []);
  // Column order follows first appearance so the feature order is stable for a given file.
  const names: string[] = [];
  const seen = new Set<string>();
  for (const record of records) {
    for (const key of Object.keys(record)) {
      if (!seen.has(key)) {
        seen.add(key);
        names.push(key);
      }
    }
  }
  if (!seen.has(options.label)) throw new Error(`label column ${JSON.stringify(options.label)} is not in the records`);

  const columns: ColumnEncoder[] = [];
  for (const name of names) {
    if (name === options.label || excluded.has(name)) continue;
    const texts = records.map((r) => cell(r, name));
    const present = texts.filter((t) => t !== '');
    if (present.length === 0) continue; // An empty column carries no information.
    const isNumeric = !forcedCategorical.has(name) && present.every((t) => numericValue(t) !== undefined);
    if (isNumeric) {
      const values = present.map((t) => Number(t));
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
      // A constant column would divide by zero; std 1 makes it encode as a harmless 0.
      const std = variance > 0 ? Math.sqrt(variance) : 1;
      columns.push({ kind: 'numeric', name, mean, std });
    } else {
      const levels = [...new Set(present)].sort();
      columns.push({ kind: 'categorical', name, levels });
    }
  }

  const featureNames = columns.flatMap((c) =>
    c.kind === 'numeric' ? [c.name] : c.levels.map((l) => `${c.name}=${l}`),
  );
  return { version: 1, label: options.label, columns, featureNames };
}

/** Encodes one record into a feature vector with a fitted encoder; unseen levels and missing cells encode as 0. */
export function encodeRow(encoder: DatasetEncoder, record: CsvRecord): number[] {
  const out: number[] = [];
  for (const column of encoder.columns) {
    const text = cell(record, column.name);
    if (column.kind === 'numeric') {
      const n = numericValue(text);
      out.push(n === undefined ? 0 : (n - column.mean) / column.std);
    } else {
      for (const level of column.levels) out.push(text === level ? 1 : 0);
    }
  }
  return out;
}

/** Fits an encoder on the records (unless one is given) and returns the design matrix and 0/1 labels. */
export function buildDesignMatrix(
  records: readonly CsvRecord[],
  options: EncoderOptions,
  encoder: DatasetEncoder = fitEncoder(records, options),
): DesignMatrix {
  const X: number[][] = [];
  const y: number[] = [];
  records.forEach((record, i) => {
    try {
      y.push(parseLabel(record[encoder.label]));
    } catch (err) {
      throw new Error(`record ${i + 1}: ${(err as Error).message}`);
    }
    X.push(encodeRow(encoder, record));
  });
  return { encoder, X, y };
}
