import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { migrationSource } from '../migrations';

export type Db = Knex;

// Counts (int8) and money (numeric) arrive as strings by default; every value we store fits a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

/** One knex pool for a process. */
export function createDb(url: string, poolMax = 10): Db {
  return knexFactory({
    client: 'pg',
    connection: { connectionString: url, connectionTimeoutMillis: 5_000 },
    pool: { min: 0, max: poolMax, acquireTimeoutMillis: 10_000 },
    migrations: { migrationSource },
    // Knex would print pool errors itself; they also reach the caller, who reports them through our logger.
    log: { warn() {}, error() {}, debug() {}, deprecate() {} },
  });
}

export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest()) as [number, string[]];
  return applied;
}
