import supertest from 'supertest';
import { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { Db } from '../../db/knex';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { ContactStore, type Contact } from '../../db/stores/contacts';
import { SuppressionStore } from '../../db/stores/suppressions';
import type { MailCatcher } from '../../infra/mailCatcher';
import { createSmtpProvider } from '../../providers/email';
import type { EmailProvider } from '../../providers/email/types';
import { LinkSigner } from '../../infra/signing';
import {
  connectDevServer,
  createTestApp,
  createTestDatabase,
  createTestWorker,
  createTimeSkippingEnv,
  eventually,
  startSmtpSink,
  uniqueId,
  type TestDatabase,
  type TimeSkippingEnv,
} from '../harness';

const signer = new LinkSigner('test-signing-secret-that-is-long-enough-000');
const THRESHOLD = 12;

let ts: TimeSkippingEnv;
let database: TestDatabase;
let db: Db;
let sink: MailCatcher;
let email: EmailProvider;
let taskQueue: string;
let worker: Worker | undefined;
let running: Promise<void>;
let api: ReturnType<typeof supertest>;
const keys: Record<string, string> = {};

function workerActivities() {
  return createActivities({
    db,
    email,
    signer,
    mail: {
      from: 'Acme <hello@acme.test>',
      productName: 'Acme Notes',
      companyName: 'Acme Inc.',
      publicUrl: 'http://localhost:3000',
      appUrl: 'https://app.acme.test',
      frequencyCap: { max: 1, windowMs: 24 * 3600_000 },
    },
    audience: { importDir: '/tmp', broadcastRatePerSecond: 100, broadcastCapped: 'skip' },
  });
}

function startWorker(): void {
  worker = undefined;
  running = createTestWorker(ts.env, { activities: workerActivities(), taskQueue }).then((w) => {
    worker = w;
    return w.run();
  });
}

async function stopWorker(): Promise<void> {
  const w = await eventually(async () => worker);
  w.shutdown();
  await running;
}

beforeAll(async () => {
  ts = await createTimeSkippingEnv();
  database = await createTestDatabase();
  db = database.db;
  sink = await startSmtpSink();
  email = createSmtpProvider(sink.url);
  taskQueue = uniqueId('bc');
  // The segments tables, as the segments migration declares them, until it is in this checkout.
  await db.raw(`CREATE TABLE IF NOT EXISTS segments (key varchar(100) PRIMARY KEY, name varchar(200) NOT NULL,
    definition jsonb NOT NULL DEFAULT '{}', created_at timestamptz NOT NULL DEFAULT now())`);
  await db.raw(`CREATE TABLE IF NOT EXISTS segment_members (
    segment_key varchar(100) NOT NULL REFERENCES segments(key) ON DELETE CASCADE,
    contact_id uuid NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    entered_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (segment_key, contact_id))`);
  startWorker();
  const apiKeys = new ApiKeyStore(db);
  for (const role of ['marketer', 'chairman'] as const) keys[role] = (await apiKeys.create(uniqueId(role), role)).key;
  api = supertest(
    createTestApp(db, ts.env.client, {
      signer,
      taskQueue,
      config: { APPROVAL_BROADCAST_RECIPIENTS_THRESHOLD: THRESHOLD, BROADCAST_RATE_LIMIT_PER_SECOND: 1000 },
    }),
  );
}, 60_000);

afterAll(async () => {
  await stopWorker().catch(() => undefined);
  await ts?.teardown();
  await email?.close();
  await sink?.stop();
  await database?.destroy();
});

const as = (role: 'marketer' | 'chairman') => ({ authorization: `Bearer ${keys[role]}` });

async function contact(timezone = 'UTC'): Promise<Contact> {
  const id = uniqueId('p');
  return (await new ContactStore(db).upsert({ externalId: id, email: `${id}@example.com`, timezone })).contact;
}

async function segmentOf(members: Contact[]): Promise<string> {
  const key = uniqueId('seg');
  await db('segments').insert({ key, name: key, definition: {} });
  if (members.length > 0) {
    await db('segment_members').insert(members.map((c) => ({ segment_key: key, contact_id: c.id })));
  }
  return key;
}

async function create(body: Record<string, unknown>) {
  const res = await api
    .post('/v1/broadcasts')
    .set(as('marketer'))
    .send({
      name: 'Spring news',
      template: 'nurture_intro',
      subject: 'News from {{product_name}}',
      topic: 'newsletter',
      ...body,
    });
  expect(res.status).toBe(201);
  return res.body as { id: string; status: string };
}

const get = async (id: string) => (await api.get(`/v1/broadcasts/${id}`).set(as('marketer'))).body;
const untilStatus = (id: string, status: string, ms = 30_000) =>
  eventually(async () => ((await get(id)).status === status ? get(id) : undefined), ms);
const received = (c: Contact) => sink.to(c.email).length;

test('exactly one email to each eligible member; none to the unsubscribed, those who left its topic, suppressed, capped, non-members or late joiners', async () => {
  const eligible = await Promise.all(Array.from({ length: 5 }, () => contact()));
  const [unsubscribed, leftTopic, suppressed, capped, outsider, late] = await Promise.all(
    Array.from({ length: 6 }, () => contact()),
  );
  await db('contacts').where({ id: unsubscribed!.id }).update({ unsubscribed_at: new Date() });
  // Left the newsletter, the broadcast's topic; other topics (onboarding) still reach them.
  await db('contact_topics').insert({
    contact_id: leftTopic!.id,
    topic_key: 'newsletter',
    state: 'unsubscribed',
    source: 'api',
  });
  await new SuppressionStore(db).add({ email: suppressed!.email, reason: 'complaint', createdBy: 'test' });
  // The cap is one marketing email a day: this contact had theirs an hour ago.
  await db('email_outbox').insert({
    idempotency_key: uniqueId('earlier'),
    contact_id: capped!.id,
    template: 'nurture_intro',
    to_email: capped!.email,
    subject: 'earlier',
    marketing: true,
    status: 'sent',
    sent_at: new Date(Date.now() - 3600_000),
  });
  const segment = await segmentOf([...eligible, unsubscribed!, leftTopic!, suppressed!, capped!]);
  const preview = await api.post('/v1/broadcasts/preview-audience').set(as('marketer')).send({ segment });
  expect(preview.body).toEqual({ segment, members: 9, eligible: 8 });
  // Under its topic, the one who left the newsletter is not eligible either; an unknown topic is named.
  const underTopic = await api
    .post('/v1/broadcasts/preview-audience')
    .set(as('marketer'))
    .send({ segment, topic: 'newsletter' });
  expect(underTopic.body).toEqual({ segment, members: 9, eligible: 7 });
  const unknownTopic = await api
    .post('/v1/broadcasts/preview-audience')
    .set(as('marketer'))
    .send({ segment, topic: 'gossip' });
  expect(unknownTopic.status).toBe(400);
  expect(unknownTopic.body.problems[0]).toMatchObject({
    path: 'topic',
    message: expect.stringContaining('newsletter'),
  });

  const b = await create({ segment });
  // A member who joins after the audience was frozen is not sent to.
  await eventually(async () => ((await get(b.id)).counts?.recipients === 9 ? true : undefined));
  await db('segment_members').insert({ segment_key: segment, contact_id: late!.id });
  const done = await untilStatus(b.id, 'completed');

  expect(done.counts).toEqual({
    recipients: 9,
    sent: 5,
    skipped: 4,
    skippedByReason: { unsubscribed: 1, unsubscribed_topic: 1, suppressed: 1, capped: 1 },
    failed: 0,
    remaining: 0,
  });
  for (const c of eligible) expect(received(c)).toBe(1);
  for (const c of [unsubscribed!, leftTopic!, suppressed!, capped!, outsider!, late!]) expect(received(c)).toBe(0);
  expect(sink.to(eligible[0]!.email)[0]!.subject).toBe('News from Acme Notes');
  expect(sink.to(eligible[0]!.email)[0]!.headers['list-unsubscribe']).toMatch(/^<http:\/\/localhost:3000\/u\//);
});

test('a worker stopped mid-run and replaced: every recipient gets exactly one email', async () => {
  // On the full dev server: the replacement must take over the run's workflow tasks from the stopped worker.
  const dev = await connectDevServer();
  const queue = uniqueId('bc-kill');
  const devApi = supertest(createTestApp(db, dev.client, { signer, taskQueue: queue }));
  const members = await Promise.all(Array.from({ length: 10 }, () => contact()));
  const segment = await segmentOf(members);
  const sentTo = () => members.reduce((n, c) => n + received(c), 0);
  const first = await createTestWorker(dev, { activities: workerActivities(), taskQueue: queue });
  const firstRun = first.run();
  const created = await devApi.post('/v1/broadcasts').set(as('marketer')).send({
    name: 'Kill',
    segment,
    template: 'nurture_intro',
    subject: 'News',
    topic: 'newsletter',
    rateLimitPerSecond: 2,
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  await eventually(async () => (sentTo() >= 3 ? true : undefined));
  first.shutdown();
  await firstRun;
  const atStop = sentTo();
  expect(atStop).toBeLessThan(10);
  const second = await createTestWorker(dev, { activities: workerActivities(), taskQueue: queue });
  const done = await second.runUntil(
    eventually(async () => {
      const view = (await devApi.get(`/v1/broadcasts/${id}`).set(as('marketer'))).body;
      return view.status === 'completed' ? view : undefined;
    }, 90_000),
  );
  expect(done.counts).toMatchObject({ recipients: 10, sent: 10, remaining: 0, failed: 0 });
  for (const c of members) expect(received(c)).toBe(1);
  expect(await db('email_outbox').where('idempotency_key', 'like', `broadcast:${id}:%`).count('* as n')).toEqual([
    { n: 10 },
  ]);
  await dev.teardown();
}, 120_000);

test('over the threshold it waits for the chairman: approved through the API it sends; rejected, nothing', async () => {
  const members = await Promise.all(Array.from({ length: THRESHOLD + 1 }, () => contact()));
  const segment = await segmentOf(members);
  const approveMe = await create({ segment, name: 'Big one' });
  const rejectMe = await create({ segment, name: 'Big two' });
  for (const b of [approveMe, rejectMe]) await untilStatus(b.id, 'awaiting_approval');
  expect(members.reduce((n, c) => n + received(c), 0)).toBe(0);

  const approvalOf = async (id: string) =>
    eventually(() => db('approvals').where({ subject_type: 'broadcast', subject_id: id }).first());
  const decide = async (id: string, decision: 'approve' | 'reject') => {
    const approval = await approvalOf(id);
    expect(approval.details).toMatchObject({ recipients: THRESHOLD + 1 });
    const marketerTry = await api.post(`/v1/approvals/${approval.id}/decision`).set(as('marketer')).send({ decision });
    expect(marketerTry.status).toBe(403);
    const res = await api.post(`/v1/approvals/${approval.id}/decision`).set(as('chairman')).send({ decision });
    expect(res.status).toBe(200);
  };
  await decide(rejectMe.id, 'reject');
  const rejected = await untilStatus(rejectMe.id, 'rejected');
  expect(rejected.counts.sent).toBe(0);
  expect(members.reduce((n, c) => n + received(c), 0)).toBe(0);

  await decide(approveMe.id, 'approve');
  const done = await untilStatus(approveMe.id, 'completed');
  expect(done.counts.sent).toBe(THRESHOLD + 1);
  for (const c of members) expect(received(c)).toBe(1);
}, 90_000);

test('pause stops sending, resume finishes it, cancel ends it with the rest unsent; refused actions are 409s', async () => {
  const members = await Promise.all(Array.from({ length: 10 }, () => contact()));
  const segment = await segmentOf(members);
  const sentTo = () => members.reduce((n, c) => n + received(c), 0);
  const b = await create({ segment, rateLimitPerSecond: 2 });
  await eventually(async () => (sentTo() >= 1 ? true : undefined));
  const paused = await api.post(`/v1/broadcasts/${b.id}/pause`).set(as('marketer'));
  expect(paused.body).toEqual({ id: b.id, status: 'paused' });
  expect((await api.post(`/v1/broadcasts/${b.id}/pause`).set(as('marketer'))).status).toBe(409);
  await new Promise((r) => setTimeout(r, 1_500)); // a send in flight at the pause may still land
  const atPause = sentTo();
  await new Promise((r) => setTimeout(r, 2_500));
  expect(sentTo()).toBe(atPause);
  expect(atPause).toBeLessThan(10);
  expect((await get(b.id)).status).toBe('paused');

  expect((await api.post(`/v1/broadcasts/${b.id}/resume`).set(as('marketer'))).body.status).toBe('sending');
  await eventually(async () => (sentTo() > atPause ? true : undefined));
  const cancelled = await api.post(`/v1/broadcasts/${b.id}/cancel`).set(as('marketer'));
  expect(cancelled.body.status).toBe('cancelled');
  await new Promise((r) => setTimeout(r, 1_500));
  const atCancel = sentTo();
  await new Promise((r) => setTimeout(r, 2_500));
  expect(sentTo()).toBe(atCancel);
  const view = await get(b.id);
  expect(view.status).toBe('cancelled');
  expect(view.counts.sent).toBe(atCancel);
  expect(view.counts.remaining).toBe(10 - atCancel);
  expect((await api.post(`/v1/broadcasts/${b.id}/resume`).set(as('marketer'))).status).toBe(409);
  for (const c of members) expect(received(c)).toBeLessThanOrEqual(1);
}, 60_000);

test('localTime: each recipient at 09:00 on their own clock, the next time on or after sendAt', async () => {
  const tokyo = await contact('Asia/Tokyo');
  const ny = await contact('America/New_York');
  const unknown = await contact('Mars/Olympus');
  const segment = await segmentOf([tokyo, ny, unknown]);
  // 2030-01-15T12:00Z: 21:00 in Tokyo (next 09:00 is 00:00Z on the 16th), 07:00 in New York (09:00 = 14:00Z).
  const now = await ts.env.currentTimeMs();
  const sendAt = new Date(Date.UTC(2030, 0, 15, 12));
  expect(sendAt.getTime()).toBeGreaterThan(now);
  const b = await create({ segment, sendAt: sendAt.toISOString(), localTime: '09:00' });
  await ts.env.sleep(sendAt.getTime() - now + 1_000);
  const rows = await eventually(async () => {
    const r = await db('broadcast_recipients').where({ broadcast_id: b.id });
    return r.length === 3 ? r : undefined;
  });
  const at = (c: Contact) => (rows.find((r) => r.contact_id === c.id)!.send_at as Date).toISOString();
  expect(at(ny)).toBe('2030-01-15T14:00:00.000Z');
  expect(at(tokyo)).toBe('2030-01-16T00:00:00.000Z');
  expect(at(unknown)).toBe('2030-01-16T09:00:00.000Z');
  expect(received(ny) + received(tokyo) + received(unknown)).toBe(0);

  await ts.env.sleep('121m');
  await sink.waitFor(() => received(ny) === 1, 20_000);
  expect(received(tokyo)).toBe(0);
  await ts.env.sleep('10h');
  await sink.waitFor(() => received(tokyo) === 1, 20_000);
  expect(received(unknown)).toBe(0);
  await ts.env.sleep('9h');
  await untilStatus(b.id, 'completed');
  expect([received(ny), received(tokyo), received(unknown)]).toEqual([1, 1, 1]);
}, 90_000);

test('a recipient suppressed or unsubscribed between the snapshot and their send is skipped and counted', async () => {
  const [stays, suppressed, unsubscribed] = await Promise.all(Array.from({ length: 3 }, () => contact()));
  const segment = await segmentOf([stays!, suppressed!, unsubscribed!]);
  // The audience is frozen at sendAt; everyone is sent two hours later, at the local time (all in UTC).
  const now = await ts.env.currentTimeMs();
  const sendAt = new Date(Math.ceil((now + 3_600_000) / 60_000) * 60_000);
  const at = new Date(sendAt.getTime() + 2 * 3_600_000);
  const localTime = at.toISOString().slice(11, 16);
  const b = await create({ segment, sendAt: sendAt.toISOString(), localTime });
  await ts.env.sleep(sendAt.getTime() - now + 1_000);
  await eventually(async () => ((await get(b.id)).counts?.recipients === 3 ? true : undefined));
  await new SuppressionStore(db).add({ email: suppressed!.email, reason: 'complaint', createdBy: 'test' });
  await db('contacts').where({ id: unsubscribed!.id }).update({ unsubscribed_at: new Date() });

  await ts.env.sleep('121m');
  const done = await untilStatus(b.id, 'completed');
  expect(done.counts).toEqual({
    recipients: 3,
    sent: 1,
    skipped: 2,
    skippedByReason: { suppressed: 1, unsubscribed: 1 },
    failed: 0,
    remaining: 0,
  });
  expect([received(stays!), received(suppressed!), received(unsubscribed!)]).toEqual([1, 0, 0]);
  const row = await db('email_outbox')
    .where({ idempotency_key: `broadcast:${b.id}:${suppressed!.id}` })
    .first();
  expect(row).toMatchObject({ status: 'suppressed', error: 'suppressed: complaint' });
}, 60_000);

test('a batch lost after its sends but before its outcomes were written: the next one sends nothing again and counts them sent', async () => {
  const members = await Promise.all(Array.from({ length: 6 }, () => contact()));
  // The database refuses the batch's first write of outcomes, after the emails were accepted and in the outbox.
  await db.raw(`CREATE TABLE lost_outcomes (contact_id uuid PRIMARY KEY)`);
  await db('lost_outcomes').insert(members.map((c) => ({ contact_id: c.id })));
  await db.raw(`CREATE SEQUENCE lost_outcomes_seq`);
  await db.raw(`CREATE FUNCTION lose_first_outcomes() RETURNS trigger AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM lost_outcomes WHERE contact_id = NEW.contact_id) AND nextval('lost_outcomes_seq') = 1 THEN
        RAISE EXCEPTION 'injected failure before the outcomes were written';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql`);
  await db.raw(`CREATE TRIGGER lose_outcomes BEFORE UPDATE ON broadcast_recipients FOR EACH ROW
    WHEN (NEW.status = 'sent') EXECUTE FUNCTION lose_first_outcomes()`);
  try {
    const segment = await segmentOf(members);
    const b = await create({ segment });
    const done = await untilStatus(b.id, 'completed');
    expect(Number((await db.raw(`SELECT last_value FROM lost_outcomes_seq`)).rows[0].last_value)).toBeGreaterThan(1);
    expect(done.counts).toMatchObject({ recipients: 6, sent: 6, failed: 0, remaining: 0 });
    for (const c of members) expect(received(c)).toBe(1);
    const outbox = await db('email_outbox').where('idempotency_key', 'like', `broadcast:${b.id}:%`);
    expect(outbox.map((r) => [r.status, r.attempts])).toEqual(Array.from({ length: 6 }, () => ['sent', 1]));
  } finally {
    await db.raw(`DROP TRIGGER lose_outcomes ON broadcast_recipients`);
    await db.raw(`DROP FUNCTION lose_first_outcomes(); DROP SEQUENCE lost_outcomes_seq; DROP TABLE lost_outcomes`);
  }
}, 60_000);

test('a test send goes to the address given only, and is not counted', async () => {
  const member = await contact();
  const segment = await segmentOf([member]);
  const b = await create({
    segment,
    sendAt: new Date((await ts.env.currentTimeMs()) + 86_400_000 * 400).toISOString(),
  });
  // The API waits for the test's workflow. Through the time-skipping client that wait would let the server skip
  // time, and the broadcast's own 400-day wait would end mid-test; a plain client on the same server waits in real
  // time, as production does.
  const plain = supertest(
    createTestApp(db, new Client({ connection: ts.env.connection }), {
      signer,
      taskQueue,
      config: { APPROVAL_BROADCAST_RECIPIENTS_THRESHOLD: THRESHOLD, BROADCAST_RATE_LIMIT_PER_SECOND: 1000 },
    }),
  );
  const res = await plain.post(`/v1/broadcasts/${b.id}/test`).set(as('marketer')).send({ email: 'me@acme.test' });
  expect(res.body).toEqual({ status: 'sent' });
  expect(sink.to('me@acme.test').map((m) => m.subject)).toEqual(['[Test] News from Acme Notes']);
  expect(received(member)).toBe(0);
  const view = await get(b.id);
  expect(view.status).toBe('scheduled');
  expect(view.counts).toMatchObject({ sent: 0, recipients: 0 });
  expect((await api.post(`/v1/broadcasts/${b.id}/cancel`).set(as('marketer'))).body.status).toBe('cancelled');
});

test('bad bodies are 400s naming the field', async () => {
  const segment = await segmentOf([]);
  const bad = async (body: Record<string, unknown>) => {
    const res = await api.post('/v1/broadcasts').set(as('marketer')).send(body);
    expect(res.status).toBe(400);
    return (res.body.problems as { path: string; message: string }[]).map((p) => p.path).sort();
  };
  const base = { name: 'x', segment, template: 'nurture_intro', subject: 'Hi', topic: 'newsletter' };
  expect(await bad({ ...base, segment: 'no-such-segment' })).toEqual(['segment']);
  const tpl = await api
    .post('/v1/broadcasts')
    .set(as('marketer'))
    .send({ ...base, template: 'nope' });
  expect(tpl.body.problems[0]).toMatchObject({ path: 'template', message: expect.stringContaining('nurture_intro') });
  expect(await bad({ ...base, localTime: '25:00' })).toEqual(['localTime']);
  expect(await bad({ ...base, sendAt: 'tomorrow' })).toEqual(['sendAt']);
  expect(await bad({ ...base, rateLimitPerSecond: 0 })).toEqual(['rateLimitPerSecond']);
  expect(await bad({ ...base, subject: '{{#if}}' })).toEqual(['subject']);
  expect(await bad({ ...base, extra: 1 })).toEqual(['(body)']);
  expect(await bad({})).toEqual(expect.arrayContaining(['name', 'segment', 'template']));
  // A marketing template goes out under a topic that exists; the 400 lists the topics.
  const { topic: _topic, ...untopical } = base;
  const noTopic = await api.post('/v1/broadcasts').set(as('marketer')).send(untopical);
  expect(noTopic.body.problems[0]).toMatchObject({ path: 'topic', message: expect.stringContaining('newsletter') });
  expect(await bad({ ...base, topic: 'gossip' })).toEqual(['topic']);
  const preview = await api.post('/v1/broadcasts/preview-audience').set(as('marketer')).send({ segment: 'none' });
  expect(preview.status).toBe(400);
  expect((await api.post('/v1/broadcasts/not-a-uuid/pause').set(as('marketer'))).status).toBe(400);
  expect((await api.get('/v1/broadcasts/00000000-0000-4000-8000-000000000000').set(as('marketer'))).status).toBe(404);
  const chair = await api.post('/v1/broadcasts').set(as('chairman')).send(base);
  expect(chair.status).toBe(403);
});
