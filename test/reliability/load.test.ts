import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config/config';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { createLogger } from '../../infra/logger';
import { freePort } from '../../infra/ports';
import { startStack, type Stack } from '../../app/stack';
import { createTestDatabase, uniqueId, type TestDatabase } from '../harness';
import { HoldingSmtpSink, startWorkerProcess, waitUntil, type Child } from './helpers';

const SIGNING_SECRET = 'reliability-signing-secret-0000000000000';
/**
 * New contacts who sign up in the burst. Each enrollment costs the worker and the Temporal server about 0.1 s of CPU
 * (a workflow, its activities and the send), so 2,000 of them take two minutes on 2 cores: CI runs 600 and
 * LOAD_SIGNUPS=2000 runs the full figure. The burst is 10,000 events either way.
 */
const NEW_CONTACTS = Number(process.env.LOAD_SIGNUPS ?? 600);
const OTHER_CONTACTS = 500;
const BATCHES = 10;
const BATCH_SIZE = 1_000;

let database: TestDatabase;
let sink: HoldingSmtpSink;
let stack: Stack;
let dataDir: string;
const workers: Child[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  sink = new HoldingSmtpSink();
  await sink.start();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-load-'));
}, 30_000);
afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await stack?.stop();
  await sink?.stop();
  await database?.destroy();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** A seeded shuffle, so a failing run can be repeated event for event. */
function shuffle<T>(items: T[], seed: number): T[] {
  let s = seed;
  const rand = () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

test(`10,000 events in batches of 1,000 (${NEW_CONTACTS} signups) while the worker restarts: every accepted event is stored, every signup enrolled once and welcomed once`, async () => {
  const port = await freePort();
  const taskQueue = uniqueId('load');
  const env = {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: process.env.GTM_TEST_TEMPORAL_ADDRESS!,
    SMTP_URL: sink.url,
    SIGNING_SECRET,
    TASK_QUEUE: taskQueue,
    LOG_LEVEL: 'error',
    CHURN_SCAN_ENABLED: 'false',
  };
  stack = await startStack(
    loadConfig({ ...env, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, RUN_WORKER: 'false' }),
    createLogger('silent'),
    { taskQueue },
  );
  const db = stack.db;
  const key = (await new ApiKeyStore(db).create('loader', 'marketer')).key;
  workers.push(await startWorkerProcess(env));

  // The contacts exist before their events (the events API refuses unknown ones); written in one statement.
  const fresh = Array.from({ length: NEW_CONTACTS }, (_, i) => `new-${i}`);
  const others = Array.from({ length: OTHER_CONTACTS }, (_, i) => `old-${i}`);
  await db('contacts').insert(
    [...fresh, ...others].map((id) => ({ external_id: id, email: `${id}@example.com`, timezone: 'UTC', traits: {} })),
  );

  // The signups and, to make up 10,000, product events (page views, features used, logins) by contacts in no
  // sequence, shuffled, each with an idempotency key so that a batch retried after a 503 is not stored twice.
  const names = ['page_viewed', 'feature_used', 'login', 'report_exported'];
  const events = shuffle(
    [
      ...fresh.map((id) => ({ contactId: id, name: 'signup' })),
      ...Array.from({ length: BATCHES * BATCH_SIZE - NEW_CONTACTS }, (_, i) => ({
        contactId: others[i % OTHER_CONTACTS]!,
        name: names[i % names.length]!,
        properties: { n: i },
      })),
    ].map((e, i) => ({ ...e, idempotencyKey: `event-${i}` })),
    42,
  );
  expect(events).toHaveLength(BATCHES * BATCH_SIZE);

  const started = Date.now();
  const statuses: Record<number, number> = {};
  let accepted = 0;
  let posted = 0;
  let restart: Promise<void> | undefined;
  const post = async (batch: unknown[]) => {
    for (;;) {
      const res = await fetch(`${stack.urls.api}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: batch }),
      });
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      const body = (await res.json()) as { accepted: number; duplicates: number; rejected: unknown[] };
      if (res.status === 503) continue; // the documented answer to retry; the idempotency keys make it safe
      expect(res.status).toBe(202);
      expect(body.rejected).toEqual([]);
      accepted += body.accepted;
      break;
    }
    posted++;
    if (posted === 3) {
      // Mid-burst: the worker is stopped (SIGTERM, as a deployment does) and another one started.
      const first = workers[0]!;
      restart = (async () => {
        first.child.kill('SIGTERM');
        expect(await first.exited).toBe(0);
        workers.push(await startWorkerProcess(env));
      })();
    }
  };
  // Five clients post at once, two batches each.
  const batches = Array.from({ length: BATCHES }, (_, b) => events.slice(b * BATCH_SIZE, (b + 1) * BATCH_SIZE));
  await Promise.all(
    [0, 1, 2, 3, 4].map(async (client) => {
      for (const batch of batches.filter((_, i) => i % 5 === client)) await post(batch);
    }),
  );
  const postedMs = Date.now() - started;
  await restart;

  const stored = Number((await db('events').count({ n: '*' }).first())?.n);
  expect(accepted).toBe(BATCHES * BATCH_SIZE);
  expect(stored).toBe(accepted);

  await waitUntil(
    () => sink.mails.length,
    (n) => n >= NEW_CONTACTS,
    240_000,
    'a welcome email per signup',
    500,
  );
  const welcomedMs = Date.now() - started;
  await waitUntil(
    () => db('email_outbox').where({ status: 'sent' }).count({ n: '*' }).first(),
    (r) => Number(r?.n) === NEW_CONTACTS,
    60_000,
    'every send recorded',
  );
  const counts = sink.counts();
  expect(counts.size).toBe(NEW_CONTACTS);
  for (const id of fresh) if (counts.get(`${id}@example.com`) !== 1) throw new Error(`${id}: ${counts.get(id)} emails`);
  const perContact: { contact_id: string; sequence_key: string; n: string | number }[] = await db('enrollments')
    .select('contact_id', 'sequence_key')
    .count({ n: '*' })
    .groupBy('contact_id', 'sequence_key');
  expect(perContact).toHaveLength(NEW_CONTACTS);
  expect(perContact.every((r) => r.sequence_key === 'onboarding' && Number(r.n) === 1)).toBe(true);
  process.stdout.write(
    `reliability/load figures: ${JSON.stringify({ eventsPosted: BATCHES * BATCH_SIZE, statuses, accepted, stored, enrollments: perContact.length, emailsExpected: NEW_CONTACTS, emailsReceived: sink.mails.length, postedMs, welcomedMs })}\n`,
  );
}, 400_000); // about a minute on a quiet machine; generous so a busy one does not fail it
