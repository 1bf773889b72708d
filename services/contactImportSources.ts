import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { ImportFormat, RowRejection } from '../domain/contactImport';

/** One data row as read, with where it ends in the file (the offset to resume from once it is stored). */
export interface SourceRecord {
  row: number;
  /** Byte offset just past this row, from the start of the file. */
  end: number;
  record?: Record<string, unknown>;
  /** A row that could not even be read as a record (NDJSON that is not an object, too many CSV cells). */
  rejection?: RowRejection;
}

/** A file that cannot be read past some point: the import stops there, keeping what it stored before. */
export class ImportFormatError extends Error {
  override readonly name = 'ImportFormatError';
}

/** Where a resumed read starts: a byte offset at a row boundary, the rows before it, and the CSV header. */
export interface ReadFrom {
  offset: number;
  row: number;
  header?: string[];
}

/** A record larger than this is refused, so one unclosed quote cannot make the parser hold the whole file. */
const MAX_RECORD_BYTES = 1024 * 1024;

const CSV_PROBLEMS: Record<string, string> = {
  INVALID_OPENING_QUOTE: 'a quote (") inside a field that is not in quotes',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
  CSV_INVALID_CLOSING_QUOTE: 'text follows the closing quote of a field',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'text follows the closing quote of a field',
  CSV_MAX_RECORD_SIZE: `a record is larger than ${MAX_RECORD_BYTES} bytes`,
};

function csvParser() {
  return parse({
    bom: true,
    info: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    max_record_size: MAX_RECORD_BYTES,
  });
}

/** The parser's messages quote the cell (personal data): only the line and the kind of problem are told. */
function csvFormatError(err: unknown): unknown {
  if (!(err instanceof CsvError)) return err;
  const line = typeof err.lines === 'number' ? ` near line ${err.lines}` : '';
  return new ImportFormatError(`the CSV cannot be read${line}: ${CSV_PROBLEMS[err.code] ?? 'it is not valid CSV'}`);
}

function checkHeader(header: string[]): string[] {
  const names = header.map((h) => h.trim());
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new ImportFormatError(`the header row names the column '${name.slice(0, 100)}' twice`);
    seen.add(name);
  }
  if (names.length === 0 || names.every((n) => n === '')) throw new ImportFormatError('the header row is empty');
  return names;
}

/**
 * The data rows of a CSV stream, one at a time (the parser holds one record, not the file). Without `from.header`
 * the first record is the header; resuming, the stream starts at `from.offset` and the header is given.
 */
export async function* csvSource(
  input: Readable,
  from: ReadFrom = { offset: 0, row: 0 },
): AsyncGenerator<SourceRecord> {
  const parser = csvParser();
  input.on('error', (err) => parser.destroy(err));
  parser.on('error', () => undefined);
  input.pipe(parser);
  let header = from.header;
  let row = from.row;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { bytes: number } }>) {
      const end = from.offset + info.bytes;
      if (!header) {
        header = checkHeader(record);
        continue;
      }
      row++;
      if (record.length > header.length && record.slice(header.length).some((c) => c !== '')) {
        yield { row, end, rejection: { row, field: '(row)', message: 'has more cells than the header has columns' } };
        continue;
      }
      const fields: Record<string, unknown> = {};
      for (let i = 0; i < header.length; i++) fields[header[i]!] = record[i] ?? '';
      yield { row, end, record: fields };
    }
  } catch (err) {
    throw csvFormatError(err);
  } finally {
    input.unpipe(parser);
    input.destroy();
  }
}

/** The header of a CSV file and the offset where its first data row starts. */
export async function readCsvHeader(file: string): Promise<{ header: string[]; offset: number }> {
  const input = fs.createReadStream(file);
  const parser = csvParser();
  input.pipe(parser);
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { bytes: number } }>)
      return { header: checkHeader(record), offset: info.bytes };
  } catch (err) {
    throw csvFormatError(err);
  } finally {
    input.unpipe(parser);
    input.destroy();
  }
  throw new ImportFormatError('the file is empty: a CSV import needs a header row');
}

/** A line longer than this is rejected as a row without being held. */
const MAX_LINE_BYTES = 1024 * 1024;

/**
 * The rows of an NDJSON stream: one JSON object per line (blank lines are skipped and not numbered, as in a CSV).
 * Lines are cut from the byte stream, so a character split across chunks is decoded whole.
 */
export async function* ndjsonSource(
  input: Readable,
  from: ReadFrom = { offset: 0, row: 0 },
): AsyncGenerator<SourceRecord> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let tooLong = false;
  let offset = from.offset;
  let row = from.row;
  let first = from.offset === 0;
  const line = (bytes: Buffer, end: number): SourceRecord | undefined => {
    if (tooLong) {
      tooLong = false;
      row++;
      return { row, end, rejection: { row, field: '(row)', message: `is longer than ${MAX_LINE_BYTES} bytes` } };
    }
    let text = bytes.toString('utf8');
    if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    first = false;
    if (text.trim() === '') return undefined;
    row++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { row, end, rejection: { row, field: '(row)', message: 'is not valid JSON' } };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { row, end, rejection: { row, field: '(row)', message: 'is not a JSON object' } };
    return { row, end, record: value as Record<string, unknown> };
  };
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      const bytes = tooLong ? Buffer.alloc(0) : pending.length ? Buffer.concat([...pending, piece]) : piece;
      offset += nl - start + 1;
      pending = [];
      pendingBytes = 0;
      const out = line(bytes, offset);
      if (out) yield out;
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    offset += rest.length;
    if (!tooLong) {
      pendingBytes += rest.length;
      if (pendingBytes > MAX_LINE_BYTES) {
        tooLong = true;
        pending = [];
        pendingBytes = 0;
      } else if (rest.length) pending.push(Buffer.from(rest));
    }
  }
  if (pending.length || tooLong) {
    const out = line(Buffer.concat(pending), offset);
    if (out) yield out;
  }
}

/** The rows of an import stream in its format. */
export function importSource(format: ImportFormat, input: Readable, from?: ReadFrom): AsyncGenerator<SourceRecord> {
  return format === 'csv' ? csvSource(input, from) : ndjsonSource(input, from);
}
