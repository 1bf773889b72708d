import path from 'node:path';
import type { Config } from '../config/config';
import { createDb, type Db } from '../db/knex';
import { EmbeddedPostgres } from '../infra/embeddedPostgres';
import { ensureDatabase } from '../infra/stack';

/**
 * The database the product uses, for a one-off command: DATABASE_URL, or the embedded PostgreSQL under DATA_DIR
 * (started for the command, or used as it is when the product is running and holds it).
 */
export async function openCliDatabase(config: Config): Promise<{ db: Db; close(): Promise<void> }> {
  let url = config.DATABASE_URL;
  let pg: EmbeddedPostgres | undefined;
  if (!url) {
    pg = new EmbeddedPostgres(path.join(config.dataDir, 'postgres'), config.EMBEDDED_POSTGRES_PORT);
    await pg.start().catch(() => (pg = undefined));
    url = await ensureDatabase(`postgres://postgres@127.0.0.1:${config.EMBEDDED_POSTGRES_PORT}/postgres`, 'gtm');
  }
  const db = createDb(url, 2);
  return {
    db,
    async close() {
      await db.destroy();
      await pg?.stop();
    },
  };
}
