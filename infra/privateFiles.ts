import fs from 'node:fs';

/**
 * DATA_DIR holds the signing secret, API keys, caught mail with people's unsubscribe links, the database and
 * Temporal's history: only the user the product runs as may read it. Modes are set explicitly rather than left to
 * the umask, and tightened on directories and files an older version created open.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the directory (and missing parents) readable by its owner only, or tightens it if it exists. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  fs.chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Writes a file only its owner can read, also over one that an older version wrote open. */
export function writePrivateFile(file: string, data: string): void {
  fs.writeFileSync(file, data, { mode: PRIVATE_FILE_MODE });
  fs.chmodSync(file, PRIVATE_FILE_MODE);
}

/** Takes group and other permissions off a file an older version may have written open. */
export function makePrivate(file: string): void {
  if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, PRIVATE_FILE_MODE);
}

/**
 * Runs `spawn` with a umask that keeps every file the child ever creates private to the owner. A child inherits
 * the umask when it is forked, inside the synchronous spawn call; the process's own umask is restored at once.
 */
export function withPrivateUmask<T>(spawn: () => T): T {
  const previous = process.umask(0o077);
  try {
    return spawn();
  } finally {
    process.umask(previous);
  }
}
