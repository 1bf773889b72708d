import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import type { ImportFormat } from '../domain/contactImport';

/** Where an upload waits for its workflow: the API writes it, the worker reads and deletes it. */
export function importFilePath(importDir: string, importId: string, format: ImportFormat): string {
  return path.join(importDir, `${importId}.${format}`);
}

/** An upload past the largest import accepted. */
export class UploadTooLargeError extends Error {
  override readonly name = 'UploadTooLargeError';
}

/**
 * Streams an upload to its file, counting bytes; past `maxBytes` it stops, deletes the partial file and throws
 * `UploadTooLargeError`. Answers the size written.
 */
export async function spoolUpload(input: Readable, file: string, maxBytes: number): Promise<number> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  let bytes = 0;
  const out = fs.createWriteStream(file, { mode: 0o600 });
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) done(new UploadTooLargeError(`the import is larger than ${maxBytes} bytes`));
      else done(null, chunk);
    },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      // The rest of an oversized upload is read and dropped rather than the socket destroyed, so the client
      // gets its 413.
      counter.on('error', (err) => {
        input.unpipe(counter);
        input.resume();
        out.destroy();
        reject(err);
      });
      input.on('error', reject);
      input.on('aborted', () => reject(new Error('the upload was interrupted')));
      out.on('error', reject);
      out.on('finish', resolve);
      input.pipe(counter).pipe(out);
    });
  } catch (err) {
    await fs.promises.rm(file, { force: true });
    throw err;
  }
  return bytes;
}
