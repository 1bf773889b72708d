import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config';
import pg from 'pg';

/** Where the product's database is: a server named by DATABASE_URL, or the embedded cluster under DATA_DIR. */
export type DatabaseLocation =
  | { kind: 'url'; url: string }
  | {
      kind: 'embedded';
      /** The cluster's directory, DATA_DIR/postgres. */
      dir: string;
      port: number;
      /** Whether a server holds the cluster now (a running `npm start`), on `port`. */
      running: boolean;
    };

/** The name of the product's database on the embedded server. */
export const EMBEDDED_DATABASE_NAME = 'gtm';

/**
 * The database `npm start` uses, for every process that needs it. With no DATABASE_URL it is the embedded cluster
 * in DATA_DIR/postgres: on the port the server that holds the cluster listens on when one does (PostgreSQL writes
 * it to postmaster.pid, so a stack started with another EMBEDDED_POSTGRES_PORT is still found), otherwise on
 * EMBEDDED_POSTGRES_PORT, where it is to be started.
 */
export function databaseLocation(
  config: Pick<Config, 'DATABASE_URL' | 'EMBEDDED_POSTGRES_PORT' | 'dataDir'>,
): DatabaseLocation {
  if (config.DATABASE_URL) return { kind: 'url', url: config.DATABASE_URL };
  const dir = path.join(config.dataDir, 'postgres');
  const port = runningPort(dir);
  return port === undefined
    ? { kind: 'embedded', dir, port: config.EMBEDDED_POSTGRES_PORT, running: false }
    : { kind: 'embedded', dir, port, running: true };
}

/** The server URL of an embedded cluster on `port` (its `postgres` maintenance database). */
export function embeddedServerUrl(port: number): string {
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

/**
 * Creates the database on the server if it is missing; returns its URL. Here rather than beside the stack, so that a
 * one-off command can open the product's database without loading the whole product.
 */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${JSON.stringify(name)}`);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

// postmaster.pid: line 1 the server's pid, line 4 its port. A file left by a server that died names a dead pid.
function runningPort(clusterDir: string): number | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return undefined;
  return isAlive(pid) ? port : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user (the cluster runs as `postgres` under root).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
