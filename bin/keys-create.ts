import { parseArgs } from 'node:util';
import path from 'node:path';
import { loadConfig } from '../config/config';
import { createDb, migrateLatest } from '../db/knex';
import { ApiKeyStore, ROLES, type Role } from '../db/stores/apiKeys';
import { EmbeddedPostgres } from '../infra/embeddedPostgres';
import { ensureDatabase } from '../infra/stack';

/**
 * `npm run --silent keys:create -- --role chairman [--name "Jane"]`: prints the new key and nothing else.
 * With no DATABASE_URL it writes to the embedded PostgreSQL under DATA_DIR (start it if it is not running).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { role: { type: 'string' }, name: { type: 'string' } } });
  const role = values.role as Role | undefined;
  if (!role || !ROLES.includes(role)) {
    console.error(`--role is required: one of ${ROLES.join(', ')}`);
    process.exit(2);
  }
  const config = loadConfig();
  let url = config.DATABASE_URL;
  let pg: EmbeddedPostgres | undefined;
  if (!url) {
    pg = new EmbeddedPostgres(path.join(config.dataDir, 'postgres'), config.EMBEDDED_POSTGRES_PORT);
    // The product may be running and holding the cluster: then use it as it is.
    await pg.start().catch(() => (pg = undefined));
    url = await ensureDatabase(`postgres://postgres@127.0.0.1:${config.EMBEDDED_POSTGRES_PORT}/postgres`, 'gtm');
  }
  const db = createDb(url, 1);
  try {
    await migrateLatest(db);
    const { key } = await new ApiKeyStore(db).create(values.name ?? `${role} key`, role);
    process.stdout.write(`${key}\n`);
  } finally {
    await db.destroy();
    await pg?.stop();
  }
}

main().catch((err) => {
  console.error(`Cannot create a key: ${(err as Error).message}`);
  process.exit(1);
});
