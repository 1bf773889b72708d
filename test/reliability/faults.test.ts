import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { loadConfig } from '../../config/config';
import { ContactStore, type Contact } from '../../db/stores/contacts';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { type createDb } from '../../db/knex';
import { getSequenceWorkflowId } from '../../domain/ids';
import { EmbeddedPostgres } from '../../infra/embeddedPostgres';
import { createLogger } from '../../infra/logger';
import { freePort } from '../../infra/ports';
import { LinkSigner } from '../../infra/signing';
import { startStack } from '../../app/stack';
import { ensureDatabase } from '../../infra/databaseLocation';
import { startDevServer, type ManagedProcess } from '../../infra/temporalServer';
import { SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';
import { SEND_TIMINGS } from '../../domain/sendTimings';
import { EnrollmentService } from '../../services/enrollment';
import { startSequenceHarness } from '../workflows/sequenceHarness';
import { connectDevServer, createTestDatabase, uniqueId } from '../harness';
import { defineSequence, HoldingSmtpSink, sleep, startWorkerProcess, waitUntil } from './helpers';

const SIGNING_SECRET = 'reliability-signing-secret-0000000000000';
/** What one fault test injected and saw, printed at the end of the file for the record. */
const figures: Record<string, unknown> = {};
afterAll(() => {
  process.stdout.write(`reliability/faults figures: ${JSON.stringify(figures, null, 2)}\n`);
});

async function contacts(db: ReturnType<typeof createDb>, prefix: string, n: number): Promise<Contact[]> {
  const store = new ContactStore(db);
  const list: Contact[] = [];
  for (let i = 0; i < n; i++) {
    list.push((await store.upsert({ externalId: `${prefix}-${i}`, email: `${prefix}-${i}@example.com` })).contact);
  }
  return list;
}

async function outboxByStatus(db: ReturnType<typeof createDb>): Promise<Record<string, number>> {
  const rows: { status: string; n: string | number }[] = await db('email_outbox')
    .select('status')
    .count({ n: '*' })
    .groupBy('status');
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

const eventsFor = (list: Contact[], name: string) =>
  list.map((contact) => ({ contact, contactId: contact.id, name, properties: {}, occurredAt: new Date() }));

test('a worker killed with SIGKILL while sends are in flight: a new worker finishes every enrollment, and each email arrives once', async () => {
  const database = await createTestDatabase();
  const sink = new HoldingSmtpSink();
  await sink.start();
  const env = await connectDevServer();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-kill-'));
  const taskQueue = uniqueId('kill');
  const workerEnv = {
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
  const workers: Awaited<ReturnType<typeof startWorkerProcess>>[] = [];
  try {
    const db = database.db;
    await defineSequence(db, {
      key: 'ping',
      name: 'Ping',
      triggers: [{ event: 'ping' }],
      steps: [{ id: 'hello', type: 'send', template: 'welcome', subject: 'Hello from {{product_name}}' }],
    });
    const service = new EnrollmentService(db, env.client, undefined, taskQueue);
    const [before, during, after] = [
      await contacts(db, 'before', 20),
      await contacts(db, 'during', 20),
      await contacts(db, 'after', 20),
    ];
    const all = [...before, ...during, ...after];

    workers.push(await startWorkerProcess(workerEnv));
    await service.ingest(eventsFor(before, 'ping'));
    await waitUntil(
      () => sink.mails.length,
      (n) => n === 20,
      20_000,
      'the first 20 emails',
    );

    // The provider now takes 3 s to answer; the worker is killed while it waits for those answers (on each of
    // the SMTP pool's connections).
    sink.holdMs = 3_000;
    await service.ingest(eventsFor(during, 'ping'));
    await waitUntil(
      () => sink.held,
      (n) => n >= SEND_TIMINGS.smtp.maxConnections,
      20_000,
      'sends in flight',
    );
    const inFlight = sink.held;
    workers[0]!.child.kill('SIGKILL');
    expect(await workers[0]!.exited).toBeNull(); // killed by the signal, not exited
    // Enrollments that arrive while no worker runs wait on the task queue.
    await service.ingest(eventsFor(after, 'ping'));
    await sleep(3_100);
    expect(sink.abandoned).toBeGreaterThan(0); // the provider never answered those: SMTP did not take them
    sink.holdMs = 0;

    const started = Date.now();
    workers.push(await startWorkerProcess(workerEnv));
    // An activity lost with its worker is retried when its heartbeat timeout (30 s) passes.
    await waitUntil(
      () => db('enrollments').where({ status: 'completed' }).count({ n: '*' }).first(),
      (r) => Number(r?.n) === 60,
      75_000,
      'all 60 enrollments completed',
      500,
    );
    const recoveredMs = Date.now() - started;
    await sleep(1_000); // nothing more may arrive
    const counts = sink.counts();
    expect(counts.size).toBe(60);
    for (const c of all) expect([c.email, counts.get(c.email)]).toEqual([c.email, 1]);
    expect(await outboxByStatus(db)).toEqual({ sent: 60 });
    for (const c of all) {
      const run = await env.client.workflow.getHandle(getSequenceWorkflowId('ping', c.id)).describe();
      expect(run.status.name).toBe('COMPLETED');
    }
    const enrollments = await db('enrollments').count({ n: '*' }).first();
    expect(Number(enrollments?.n)).toBe(60);
    figures.workerKill = {
      enrollments: 60,
      sendsInFlightAtKill: inFlight,
      abandonedByProvider: sink.abandoned,
      emailsExpected: 60,
      emailsReceived: sink.mails.length,
      recoveredMs,
    };
  } finally {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await sink.stop();
    await env.teardown();
    await database.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);

test('the Temporal server killed with SIGKILL and restarted on its SQLite file: 100 enrollments asleep in a 12-second wait all wake and send', async () => {
  const database = await createTestDatabase();
  const sink = new HoldingSmtpSink();
  await sink.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-temporal-'));
  const port = await freePort();
  const serverOptions = {
    port,
    dbFile: path.join(dir, 'temporal.sqlite'),
    logFile: path.join(dir, 'temporal.log'),
    searchAttributes: SEARCH_ATTRIBUTES,
  };
  let server: ManagedProcess = await startDevServer(serverOptions);
  const address = `127.0.0.1:${port}`;
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const taskQueue = uniqueId('restart');
  const db = database.db;
  // The worker runs in a process of its own: its connection errors while the server is down are its own output.
  const worker = await startWorkerProcess({
    NODE_ENV: 'test',
    DATA_DIR: path.join(dir, 'data'),
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: address,
    SMTP_URL: sink.url,
    SIGNING_SECRET,
    TASK_QUEUE: taskQueue,
    LOG_LEVEL: 'error',
    CHURN_SCAN_ENABLED: 'false',
  });
  const app = createApp({
    db,
    temporal: client,
    config: { publicUrl: 'http://localhost', temporalUiUrl: 'http://localhost', TEMPORAL_NAMESPACE: 'default' },
    log: createLogger('silent'),
    signer: new LinkSigner(SIGNING_SECRET),
    taskQueue,
  });
  const key = (await new ApiKeyStore(db).create('ops', 'operator')).key;
  try {
    await defineSequence(db, {
      key: 'nap',
      name: 'Nap',
      triggers: [{ event: 'nap' }],
      steps: [
        { id: 'sleep', type: 'wait', duration: 'PT12S' },
        { id: 'wake', type: 'send', template: 'welcome', subject: 'Good morning from {{product_name}}' },
      ],
    });
    const people = await contacts(db, 'nap', 100);
    const service = new EnrollmentService(db, client, undefined, taskQueue);
    const enrolledAt = Date.now();
    await service.ingest(eventsFor(people, 'nap'));
    const asleep = async () => {
      const states = await Promise.all(
        people.map((p) =>
          client.workflow
            .getHandle(getSequenceWorkflowId('nap', p.id))
            .query<{ currentStep: string | null }>('state')
            .then((s) => s.currentStep)
            .catch(() => null),
        ),
      );
      return states.filter((s) => s === 'sleep').length;
    };
    await waitUntil(asleep, (n) => n === 100, 15_000, 'all 100 asleep in the wait', 500);

    await server.stop('SIGKILL');
    const killedAt = Date.now();
    const ready = await request(app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toEqual({ database: 'ok', temporal: expect.stringMatching(/^unavailable/) });
    // An event posted now is stored at once; its delivery to the run is retried by the Temporal client for ~20 s,
    // so a short outage is answered late but never refused, and a long one is a 503 to retry (never a 500).
    const during = request(app)
      .post('/v1/events')
      .set('authorization', `Bearer ${key}`)
      .send({ contactId: 'nap-0', name: 'page_viewed', idempotencyKey: 'during-outage' })
      .then((r) => r);
    await sleep(2_000);

    server = await startDevServer(serverOptions).catch((err) => {
      throw new Error(`${err.message}\n${fs.readFileSync(serverOptions.logFile, 'utf8').slice(-5000)}`);
    });
    const downMs = Date.now() - killedAt;
    await waitUntil(
      () => request(app).get('/readyz'),
      (r) => r.status === 200,
      15_000,
      'readyz after the restart',
    );
    let answer = await during;
    const duringStatus = answer.status;
    expect([202, 503]).toContain(duringStatus);
    if (duringStatus === 503) {
      expect(answer.headers['retry-after']).toBeDefined();
      // The client retries under the same key: stored once, delivered now.
      answer = await request(app)
        .post('/v1/events')
        .set('authorization', `Bearer ${key}`)
        .send({ contactId: 'nap-0', name: 'page_viewed', idempotencyKey: 'during-outage' });
      expect(answer.status).toBe(200);
    }
    expect(await db('events').where({ idempotency_key: 'during-outage' }).whereNotNull('delivered_at')).toHaveLength(1);

    await waitUntil(
      () => sink.mails.length,
      (n) => n >= 100,
      60_000,
      'all 100 wake-up emails',
      500,
    );
    const wokeMs = Date.now() - enrolledAt;
    await waitUntil(
      () => db('enrollments').where({ status: 'completed' }).count({ n: '*' }).first(),
      (r) => Number(r?.n) === 100,
      20_000,
      'all 100 enrollments completed',
    );
    await sleep(500);
    const counts = sink.counts();
    expect(counts.size).toBe(100);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(await outboxByStatus(db)).toEqual({ sent: 100 });
    figures.temporalRestart = {
      enrollmentsAsleep: 100,
      serverDownMs: downMs,
      eventPostedDuringOutage: duringStatus,
      emailsExpected: 100,
      emailsReceived: sink.mails.length,
      allWokeWithinMs: wokeMs,
    };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- worker output ---\n${worker.output().slice(-5000)}`);
  } finally {
    worker.child.kill('SIGKILL');
    await connection.close();
    await server.stop('SIGKILL');
    await sink.stop();
    await database.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

test('the SMTP server refusing mail for 10 minutes: 20 sends retry with backoff, none is marked failed, each arrives once', async () => {
  const h = await startSequenceHarness();
  try {
    const people = await Promise.all(Array.from({ length: 20 }, () => h.contact()));
    h.sink.refuse = true;
    for (const p of people) await h.send(p, 'signup');
    await h.env.sleep('10m'); // skipped time: the retries back off 2 s, 4 s, 8 s ... up to 5 min apart
    const during = await h.db('email_outbox').whereIn(
      'contact_id',
      people.map((p) => p.id),
    );
    expect(during).toHaveLength(20);
    expect(during.every((r) => r.status === 'pending')).toBe(true); // delayed, not failed
    const attempts = during.map((r) => r.attempts as number);
    expect(Math.min(...attempts)).toBeGreaterThanOrEqual(4);
    h.sink.refuse = false;
    await h.env.sleep('6m');
    await h.sink.waitFor(() => people.every((p) => h.subjects(p).length >= 1), 30_000);
    await h.settle(500);
    for (const p of people) expect(h.subjects(p)).toEqual(['Welcome to Acme Notes']);
    const after = await h.db('email_outbox').whereIn(
      'contact_id',
      people.map((p) => p.id),
    );
    expect(after.map((r) => r.status)).toEqual(Array(20).fill('sent'));
    figures.smtpOutage = {
      sends: 20,
      skippedOutage: '10m',
      attemptsDuringOutage: { min: Math.min(...attempts), max: Math.max(...attempts) },
      emailsExpected: 20,
      emailsReceived: people.reduce((n, p) => n + h.subjects(p).length, 0),
      failed: after.filter((r) => r.status === 'failed').length,
    };
  } finally {
    await h.teardown();
  }
}, 90_000);

test('PostgreSQL restarted while events are posted: the API answers 503 while it is down, never 500, and every event it took is stored and acted on', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-pg-'));
  fs.chmodSync(dir, 0o755); // the embedded PostgreSQL runs as another user when we are root
  const pg = new EmbeddedPostgres(path.join(dir, 'pg'), await freePort());
  await pg.start();
  const sink = new HoldingSmtpSink();
  await sink.start();
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    DATA_DIR: path.join(dir, 'data'),
    DATABASE_URL: await ensureDatabase(pg.url, 'gtm'),
    TEMPORAL_ADDRESS: process.env.GTM_TEST_TEMPORAL_ADDRESS!,
    SMTP_URL: sink.url,
    SIGNING_SECRET,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'silent',
    CHURN_SCAN_ENABLED: 'false',
    RUN_WORKER: 'false',
    // About 130 requests in ten seconds is over the default 600 a minute; this test is about the outage, not limits.
    RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_BURST: '10000',
  });
  const taskQueue = uniqueId('pg');
  const stack = await startStack(config, createLogger('silent'), { taskQueue });
  // The worker in a process of its own, as in production; its retries while the database is down are its output.
  const worker = await startWorkerProcess({
    NODE_ENV: 'test',
    DATA_DIR: path.join(dir, 'worker'),
    DATABASE_URL: config.DATABASE_URL!,
    TEMPORAL_ADDRESS: process.env.GTM_TEST_TEMPORAL_ADDRESS!,
    SMTP_URL: sink.url,
    SIGNING_SECRET,
    TASK_QUEUE: taskQueue,
    LOG_LEVEL: 'error',
    CHURN_SCAN_ENABLED: 'false',
  });
  const api = stack.urls.api!;
  const key = (await new ApiKeyStore(stack.db).create('ops', 'marketer')).key;
  const post = async (p: string, body: unknown) => {
    const res = await fetch(`${api}${p}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() };
  };
  try {
    const ids = Array.from({ length: 60 }, (_, i) => `pg-${i}`);
    for (const id of ids) expect((await post('/v1/contacts', { id, email: `${id}@example.com` })).status).toBe(201);

    const statuses = new Map<number, number>();
    const acceptedIds: string[] = [];
    let bad: string | undefined;
    let done = 0;
    // Three clients post one signup each 40 ms, retrying a 503 after a pause under the same idempotency key.
    const poster = async (mine: string[]) => {
      for (const id of mine) {
        for (;;) {
          const res = await post('/v1/events', { contactId: id, name: 'signup', idempotencyKey: `signup-${id}` });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status === 202 || res.status === 200) {
            acceptedIds.push(id);
            break;
          }
          if (res.status !== 503 || !res.retryAfter) bad ??= `${res.status} ${res.body}`;
          if (res.status !== 503) break;
          await sleep(250);
        }
        done++;
        await sleep(40);
      }
    };
    const posting = Promise.all([0, 1, 2].map((k) => poster(ids.filter((_, i) => i % 3 === k))));
    await waitUntil(
      () => done,
      (n) => n >= 10,
      20_000,
      'the first events',
    );
    await pg.stop();
    const downAt = Date.now();
    const ready = await fetch(`${api}/readyz`);
    const readyBody = (await ready.json()) as { checks: Record<string, string> };
    await sleep(3_000);
    await pg.start();
    const downMs = Date.now() - downAt;
    await posting;

    expect(bad).toBeUndefined();
    expect(statuses.get(500)).toBeUndefined();
    expect(statuses.get(503)).toBeGreaterThan(0);
    expect(ready.status).toBe(503);
    expect(readyBody.checks).toEqual({ database: expect.stringMatching(/^unavailable/), temporal: 'ok' });
    expect(new Set(acceptedIds).size).toBe(60);

    const db = stack.db;
    const stored = await db('events').select('idempotency_key', 'delivered_at');
    expect(stored.map((e) => e.idempotency_key).sort()).toEqual(ids.map((id) => `signup-${id}`).sort());
    expect(stored.every((e) => e.delivered_at !== null)).toBe(true);
    await waitUntil(
      () => sink.mails.length,
      (n) => n >= 60,
      45_000,
      'a welcome email for each of the 60',
      500,
    );
    await sleep(500);
    const counts = sink.counts();
    for (const id of ids) expect([id, counts.get(`${id}@example.com`)]).toEqual([id, 1]);
    const enrollments = await db('enrollments').select('contact_id');
    expect(enrollments).toHaveLength(60);
    figures.postgresRestart = {
      eventsPosted: [...statuses.values()].reduce((a, b) => a + b, 0),
      statuses: Object.fromEntries(statuses),
      eventsAccepted: acceptedIds.length,
      eventsStored: stored.length,
      databaseDownMs: downMs,
      emailsExpected: 60,
      emailsReceived: sink.mails.length,
    };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- worker output ---\n${worker.output().slice(-5000)}`);
  } finally {
    worker.child.kill('SIGKILL');
    await stack.stop();
    await pg.stop();
    await sink.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
