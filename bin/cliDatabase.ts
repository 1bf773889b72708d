import type { Config } from '../config/config';
import { createDb, type Db } from '../db/knex';
import { databaseLocation, EMBEDDED_DATABASE_NAME, embeddedServerUrl, ensureDatabase } from '../infra/databaseLocation';
import { EmbeddedPostgres } from '../infra/embeddedPostgres';

/**
 * The database the product uses, for a one-off command, found as `npm start` finds it (`databaseLocation`):
 * DATABASE_URL, or the embedded PostgreSQL under DATA_DIR, used where the running product holds it, or started for
 * the command and stopped after it.
 */
export async function openCliDatabase(config: Config): Promise<{ db: Db; close(): Promise<void> }> {
  const location = databaseLocation(config);
  let url: string;
  let pg: EmbeddedPostgres | undefined;
  if (location.kind === 'url') {
    url = location.url;
  } else {
    if (!location.running) {
      pg = new EmbeddedPostgres(location.dir, location.port);
      try {
        await pg.start();
      } catch (err) {
        throw new Error(
          `the embedded PostgreSQL in ${location.dir} is not running and could not be started on port ${location.port} ` +
            `(EMBEDDED_POSTGRES_PORT): ${(err as Error).message}`,
        );
      }
    }
    url = await ensureDatabase(embeddedServerUrl(location.port), EMBEDDED_DATABASE_NAME);
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
