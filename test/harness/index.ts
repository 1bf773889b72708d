import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';
import { createApp, type AppDeps } from '../../api/app';
import { createDb, type Db } from '../../db/knex';
import { createLogger } from '../../infra/logger';
import { LinkSigner } from '../../infra/signing';
import { MailCatcher } from '../../infra/mailCatcher';
import { freePort } from '../../infra/ports';
import { startTestServer, type ManagedProcess } from '../../infra/temporalServer';
import { withDatabase } from './globalSetup';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (npm test), whose global setup sets it`);
  return value;
}

export interface TestDatabase {
  db: Db;
  url: string;
  name: string;
  destroy(): Promise<void>;
}

/** A fresh database for one test file, cloned from the migrated template in a few milliseconds. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = env('GTM_TEST_DB_ADMIN_URL');
  const name = `gtm_test_${env('GTM_TEST_RUN_ID')}_${randomBytes(4).toString('hex')}`;
  const admin = createDb(adminUrl, 1);
  // CREATE DATABASE ... TEMPLATE needs the template to have no other session; retry while another file clones it.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.raw(`CREATE DATABASE ${name} TEMPLATE ${env('GTM_TEST_DB_TEMPLATE')}`);
      break;
    } catch (err) {
      if (attempt > 50 || !/being accessed by other users/.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await admin.destroy();
  const url = withDatabase(adminUrl, name);
  const db = createDb(url, 5);
  return {
    db,
    url,
    name,
    async destroy() {
      await db.destroy();
      const admin2 = createDb(adminUrl, 1);
      await admin2.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin2.destroy();
    },
  };
}

/** A real SMTP server on a free loopback port whose messages a test can await. */
export async function startSmtpSink(options: { rejectRecipients?: string[] } = {}): Promise<MailCatcher> {
  const sink = new MailCatcher({ port: await freePort(), ...options });
  await sink.start();
  return sink;
}

export interface TimeSkippingEnv {
  env: TestWorkflowEnvironment;
  teardown(): Promise<void>;
}

/**
 * A time-skipping Temporal environment of its own: time skipping is global to a test server, so each
 * test file gets one rather than sharing it with files running in parallel.
 */
export async function createTimeSkippingEnv(): Promise<TimeSkippingEnv> {
  const port = await freePort();
  const server: ManagedProcess = await startTestServer(port);
  // The SDK's public constructors either download the server or mark an existing one as not time-skipping;
  // its internal factory connects to our own process with time skipping on.
  const create = (TestWorkflowEnvironment as unknown as { create(opts: object): Promise<TestWorkflowEnvironment> })
    .create;
  const testEnv = await create.call(TestWorkflowEnvironment, {
    server: { type: 'existing' },
    supportsTimeSkipping: true,
    address: `127.0.0.1:${port}`,
    namespace: 'default',
  });
  // The workflows set custom search attributes; the test server must know them as the dev server does.
  await testEnv.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(
      Object.keys(SEARCH_ATTRIBUTES).map((name) => [
        name,
        temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      ]),
    ),
  });
  return {
    env: testEnv,
    async teardown() {
      await testEnv.teardown();
      await server.stop('SIGKILL');
    },
  };
}

/** The run's shared Temporal dev server, for tests that need the full server (search attributes, real time). */
export async function connectDevServer(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({ address: env('GTM_TEST_TEMPORAL_ADDRESS') });
}

/** A worker on the prebuilt workflow bundle, on a task queue of its own unless one is given. */
export async function createTestWorker(
  testEnv: TestWorkflowEnvironment,
  options: Partial<WorkerOptions> & Pick<WorkerOptions, 'activities'>,
): Promise<Worker> {
  return Worker.create({
    connection: testEnv.nativeConnection,
    namespace: testEnv.namespace ?? 'default',
    taskQueue: options.taskQueue ?? uniqueId('tq'),
    workflowBundle: { codePath: env('GTM_TEST_WORKFLOW_BUNDLE') },
    ...options,
  });
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** Polls the probe until it returns something other than undefined; fails after timeoutMs. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The API as production assembles it, on a test database and the shared dev server: local URLs, a silent log and
 * a test secret unless the test gives its own.
 */
export function createTestApp(
  db: Db,
  temporal: AppDeps['temporal'],
  { config, ...deps }: Partial<Omit<AppDeps, 'config'>> & { config?: Partial<AppDeps['config']> } = {},
): Express {
  return createApp({
    db,
    temporal,
    log: createLogger('silent'),
    signer: new LinkSigner('test-signing-secret-that-is-long-enough-000'),
    ...deps,
    config: {
      publicUrl: 'http://localhost:3000',
      temporalUiUrl: 'http://localhost:8233',
      TEMPORAL_NAMESPACE: 'default',
      ...config,
    },
  });
}

/** Every (table, column) in the database whose text holds the needle, case-insensitively (erasure tests). */
export async function findEverywhere(db: Db, needle: string): Promise<string[]> {
  const { rows: columns } = await db.raw(
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'character', 'jsonb', 'json', 'uuid')`,
  );
  const found: string[] = [];
  for (const { table_name: table, column_name: column } of columns as { table_name: string; column_name: string }[]) {
    const hit = await db(table)
      .whereRaw('??::text ILIKE ?', [column, `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`])
      .first(db.raw('1'));
    if (hit) found.push(`${table}.${column}`);
  }
  return found;
}
