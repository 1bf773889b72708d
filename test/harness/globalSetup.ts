import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createDb, migrateLatest } from '../../db/knex';
import { EmbeddedPostgres } from '../../infra/embeddedPostgres';
import { freePort } from '../../infra/ports';
import { startDevServer, type ManagedProcess } from '../../infra/temporalServer';
import { SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';

interface Shared {
  dir: string;
  postgres?: EmbeddedPostgres;
  temporal: ManagedProcess;
}

/**
 * Once per test run: a PostgreSQL (DATABASE_URL's server, else an embedded one) holding a migrated template
 * database that each test file clones, one Temporal dev server, and the workflow bundle built once.
 * What the test files need is passed to them in GTM_TEST_* environment variables.
 */
export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-test-'));
  fs.chmodSync(dir, 0o755); // the embedded PostgreSQL runs as another user when we are root
  const shared: Partial<Shared> = { dir };
  (globalThis as { __gtmShared?: Partial<Shared> }).__gtmShared = shared;

  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    shared.postgres = new EmbeddedPostgres(path.join(dir, 'pg'), await freePort());
    await shared.postgres.start();
    adminUrl = shared.postgres.url;
  }
  const template = `gtm_template_${process.pid}`;
  const admin = createDb(adminUrl, 1);
  await admin.raw(`DROP DATABASE IF EXISTS ${template}`);
  await admin.raw(`CREATE DATABASE ${template}`);
  await admin.destroy();
  const templateDb = createDb(withDatabase(adminUrl, template), 1);
  await migrateLatest(templateDb);
  await templateDb.destroy();

  const temporalPort = await freePort();
  shared.temporal = await startDevServer({
    port: temporalPort,
    logFile: path.join(dir, 'temporal.log'),
    searchAttributes: SEARCH_ATTRIBUTES,
  });

  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} },
  });
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  Object.assign(process.env, {
    GTM_TEST_DIR: dir,
    GTM_TEST_RUN_ID: String(process.pid),
    GTM_TEST_DB_ADMIN_URL: adminUrl,
    GTM_TEST_DB_TEMPLATE: template,
    GTM_TEST_TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    GTM_TEST_WORKFLOW_BUNDLE: bundlePath,
  });
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
