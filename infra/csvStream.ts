import { Transform, type Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';

/**
 * What is wrong with a CSV that cannot be read, by the parser's error code, in words that quote nothing of the
 * file: the parser's own messages carry the cell ("value is ..."), which may be personal data and must reach
 * neither the answer nor the log.
 */
const PROBLEMS: Record<string, string> = {
  INVALID_OPENING_QUOTE:
    'a quote (") inside a field that is not in quotes; put the whole field in double quotes and write each quote in it twice ("")',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field that starts on this line is never closed',
  CSV_INVALID_CLOSING_QUOTE:
    'text follows the closing quote of a field; put the whole field in double quotes and write each quote in it twice ("")',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE:
    'text follows the closing quote of a field; put the whole field in double quotes and write each quote in it twice ("")',
  CSV_MAX_RECORD_SIZE: 'a record is too large',
  CSV_OPTION_COLUMNS_MISSING_NAME: 'a column in the header row has no name',
  CSV_INVALID_COLUMN_MAPPING: 'the header row is not a list of column names',
};

/** A CSV that cannot be read: the 1-based line of the file (the header is line 1) and what is wrong there. */
export class CsvFormatError extends Error {
  override readonly name = 'CsvFormatError';

  constructor(
    readonly line: number,
    readonly problem: string,
    readonly code: string,
  ) {
    super(`line ${line}: ${problem}`);
  }
}

/**
 * Reads a CSV stream record by record (header row = column names, lowercased), without holding the file. Past
 * `maxBytes` the stream fails with the error `tooLarge` makes; a file that is not valid CSV fails with a
 * `CsvFormatError` naming the line.
 */
export function csvRecords(
  input: Readable,
  limit?: { maxBytes: number; tooLarge: () => Error },
): AsyncIterable<Record<string, string>> {
  // Where the last good record ended: an unclosed quote is only noticed at the end of the file, many lines later.
  let lastRecord = { lines: 1, emptyLines: 0 };
  const parser = parse({
    columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    on_record: (record: Record<string, string>, context) => {
      lastRecord = { lines: context.lines, emptyLines: context.empty_lines };
      return record;
    },
  });
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (limit && seen > limit.maxBytes) {
        input.unpipe(counter);
        input.resume();
        done(limit.tooLarge());
        return;
      }
      done(null, chunk);
    },
  });
  input.on('error', (err) => parser.destroy(err));
  counter.on('error', (err) => parser.destroy(err));
  // The reader of the records gets the error; once it has stopped reading, a late second emit must not crash.
  parser.on('error', () => undefined);
  input.pipe(counter).pipe(parser);

  const formatError = (err: CsvError): CsvFormatError => {
    const lines = typeof err.lines === 'number' ? err.lines : 0;
    const emptyLines = typeof err.empty_lines === 'number' ? err.empty_lines : lastRecord.emptyLines;
    const line =
      err.code === 'CSV_QUOTE_NOT_CLOSED' ? lastRecord.lines + 1 + (emptyLines - lastRecord.emptyLines) : lines;
    return new CsvFormatError(line, PROBLEMS[err.code] ?? 'the file is not valid CSV', err.code);
  };
  return (async function* records() {
    try {
      for await (const record of parser) yield record as Record<string, string>;
    } catch (err) {
      throw err instanceof CsvError ? formatError(err) : err;
    }
  })();
}
