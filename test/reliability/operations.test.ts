import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDb } from '../../db/knex';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { ContactStore } from '../../db/stores/contacts';
import { getSequenceWorkflowId } from '../../domain/ids';
import { freePort } from '../../infra/ports';
import { connectDevServer, createTestDatabase, uniqueId, type TestDatabase } from '../harness';
import { HoldingSmtpSink, sleep, spawnTs, waitUntil } from './helpers';

let database: TestDatabase;
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  database = await createTestDatabase();
  env = await connectDevServer();
});
afterAll(async () => {
  await env?.teardown();
  await database?.destroy();
});

test('SIGTERM drains: a request in flight completes with 200, a send in flight completes once, and the process exits 0', async () => {
  const sink = new HoldingSmtpSink();
  await sink.start();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-drain-'));
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const key = (await new ApiKeyStore(database.db).create('ops', 'operator')).key;
  const { contact } = await new ContactStore(database.db).upsert({ externalId: 'drain-1', email: 'drain@example.com' });
  const child = spawnTs(
    'bin/start.ts',
    {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: String(port),
      PUBLIC_URL: api,
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: process.env.GTM_TEST_TEMPORAL_ADDRESS!,
      TASK_QUEUE: uniqueId('drain'),
      SMTP_URL: sink.url,
      SIGNING_SECRET: 'drain-signing-secret-that-is-long-enough-000',
      CHURN_SCAN_ENABLED: 'false',
    },
    'Press Ctrl-C to stop.',
  );
  const locker = createDb(database.url, 1);
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  try {
    await child.ready;
    // A send in flight: the provider takes 5 s to answer.
    sink.holdMs = 5_000;
    const signup = await fetch(`${api}/v1/events`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ contactId: 'drain-1', name: 'signup' }),
    });
    expect(signup.status).toBe(202);
    await waitUntil(
      () => sink.held,
      (n) => n === 1,
      20_000,
      'the welcome email in flight',
    );

    // A request in flight: it waits on a table lock that the test holds.
    const trx = await locker.transaction();
    await trx.raw('lock table contacts in access exclusive mode');
    const slow = fetch(`${api}/v1/contacts/drain-1`, { headers });
    await sleep(300);

    const stoppedAt = Date.now();
    child.child.kill('SIGTERM');
    await sleep(700);
    // No new connections once stopping, while the one in flight is still served.
    await expect(fetch(`${api}/healthz`)).rejects.toThrow();
    expect(child.child.exitCode).toBeNull();
    await trx.rollback();
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { id: string }).id).toBe('drain-1');

    expect(await child.exited).toBe(0);
    const exitMs = Date.now() - stoppedAt;
    // The send that was in flight finished: the provider answered on an open connection, once, and it is recorded.
    expect(sink.mails).toHaveLength(1);
    expect(sink.abandoned).toBe(0);
    const row = await database.db('email_outbox').where({ contact_id: contact.id }).first();
    expect(row).toMatchObject({ status: 'sent', attempts: 1 });
    const history = await env.client.workflow.getHandle(getSequenceWorkflowId('onboarding', contact.id)).fetchHistory();
    const events = history.events ?? [];
    expect(events.some((e) => e.activityTaskCompletedEventAttributes)).toBe(true);
    expect(events.some((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)).toBe(false);
    expect(child.output()).toContain('"msg":"stopped"');
    process.stdout.write(`reliability/operations: drained and exited ${exitMs} ms after SIGTERM\n`);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- output ---\n${child.output().slice(-4000)}`);
  } finally {
    if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
    await locker.destroy();
    await sink.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 90_000);
