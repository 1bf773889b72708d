import fs from 'node:fs';
import { createDb } from '../../db/knex';
import type { EmbeddedPostgres } from '../../infra/embeddedPostgres';
import type { ManagedProcess } from '../../infra/temporalServer';

export default async function globalTeardown(): Promise<void> {
  const shared = (
    globalThis as { __gtmShared?: { dir?: string; postgres?: EmbeddedPostgres; temporal?: ManagedProcess } }
  ).__gtmShared;
  if (!shared) return;
  await shared.temporal?.stop('SIGKILL');
  if (shared.postgres) {
    await shared.postgres.stop();
  } else if (process.env.GTM_TEST_DB_ADMIN_URL) {
    // On a server we do not own, drop the databases this run made.
    const admin = createDb(process.env.GTM_TEST_DB_ADMIN_URL, 1);
    const { rows } = await admin.raw<{ rows: { datname: string }[] }>(
      `SELECT datname FROM pg_database WHERE datname LIKE ? OR datname = ?`,
      [`gtm_test_${process.pid}_%`, process.env.GTM_TEST_DB_TEMPLATE ?? ''],
    );
    for (const { datname } of rows) await admin.raw(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await admin.destroy();
  }
  if (shared.dir) fs.rmSync(shared.dir, { recursive: true, force: true });
}
