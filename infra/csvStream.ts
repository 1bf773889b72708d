import { Transform, type Readable } from 'node:stream';
import { parse } from 'csv-parse';

/**
 * Reads a CSV stream record by record (header row = column names, lowercased), without holding the file. Past
 * `maxBytes` the stream fails with the error `tooLarge` makes.
 */
export function csvRecords(
  input: Readable,
  limit?: { maxBytes: number; tooLarge: () => Error },
): AsyncIterable<Record<string, string>> {
  const parser = parse({
    columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
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
  return parser;
}
