import supertest from 'supertest';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { Db } from '../../db/knex';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { DeviceStore } from '../../db/stores/devices';
import type { MailCatcher } from '../../infra/mailCatcher';
import { LinkSigner } from '../../infra/signing';
import { createSmtpProvider } from '../../providers/email';
import type { EmailProvider } from '../../providers/email/types';
import {
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
import { fakeChannelProviders } from '../harness/fakeChannels';
import { startFakeFcm, type FakeFcm } from '../harness/fakeFcm';
import { startFakeTwilio, type FakeTwilio } from '../harness/fakeTwilio';

// Broadcasts on the channels beyond email, through the API and the broadcast workflow on the Temporal test server,
// against a real database: a text message through a Twilio-shaped server, a message in the in-app inbox, a push
// through an FCM-shaped server; each recipient at most once, whatever the batch's retry.

const signer = new LinkSigner('test-signing-secret-that-is-long-enough-000');

let ts: TimeSkippingEnv;
let database: TestDatabase;
let db: Db;
let sink: MailCatcher;
let email: EmailProvider;
let twilio: FakeTwilio;
let fcm: FakeFcm;
let worker: Worker | undefined;
let running: Promise<void>;
let api: ReturnType<typeof supertest>;
let key: string;

beforeAll(async () => {
  ts = await createTimeSkippingEnv();
  database = await createTestDatabase();
  db = database.db;
  sink = await startSmtpSink();
  email = createSmtpProvider(sink.url);
  twilio = await startFakeTwilio();
  fcm = await startFakeFcm();
  const taskQueue = uniqueId('bc-ch');
  const activities = createActivities({
    db,
    email,
    signer,
    channels: fakeChannelProviders(twilio, fcm),
    mail: {
      from: 'Acme <hello@acme.test>',
      productName: 'Acme Notes',
      companyName: 'Acme Inc.',
      publicUrl: 'http://localhost:3000',
      appUrl: 'https://app.acme.test',
      frequencyCap: { max: 100, windowMs: 24 * 3600_000 },
    },
    audience: { importDir: '/tmp', broadcastRatePerSecond: 100, broadcastCapped: 'skip' },
  });
  running = createTestWorker(ts.env, { activities, taskQueue }).then((w) => {
    worker = w;
    return w.run();
  });
  key = (await new ApiKeyStore(db).create(uniqueId('marketer'), 'marketer')).key;
  api = supertest(createTestApp(db, ts.env.client, { signer, taskQueue }));
}, 60_000);

afterAll(async () => {
  (await eventually(async () => worker).catch(() => undefined))?.shutdown();
  await running?.catch(() => undefined);
  await ts?.teardown();
  await email?.close();
  await sink?.stop();
  await twilio?.close();
  await fcm?.close();
  await database?.destroy();
});

const call = (method: 'get' | 'post', path: string) => api[method](path).set('authorization', `Bearer ${key}`);

interface Person {
  id: string;
  /** The contact's id in the database. */
  contactId: string;
  email: string;
}

async function person(extra: Record<string, unknown> = {}): Promise<Person> {
  const id = uniqueId('p');
  const res = await call('post', '/v1/contacts')
    .send({ id, email: `${id}@example.com`, traits: { first_name: 'Ana' }, ...extra })
    .expect(201);
  return { id, contactId: res.body.internalId as string, email: `${id}@example.com` };
}

async function segmentOf(members: Person[]): Promise<string> {
  const segment = uniqueId('seg');
  await db('segments').insert({ key: segment, name: segment, definition: {} });
  if (members.length > 0) {
    await db('segment_members').insert(members.map((m) => ({ segment_key: segment, contact_id: m.contactId })));
  }
  return segment;
}

async function template(format: 'text' | 'json', body: string): Promise<string> {
  const templateKey = uniqueId('tpl').toLowerCase().replace(/-/g, '_');
  const res = await call('post', '/v1/templates').send({
    key: templateKey,
    name: `A ${format} template`,
    format,
    subject: format === 'text' ? 'News' : '',
    body,
  });
  expect(res.status).toBe(201);
  return templateKey;
}

const broadcast = (body: Record<string, unknown>) =>
  call('post', '/v1/broadcasts').send({ name: 'Spring news', topic: 'newsletter', ...body });

const get = async (id: string) => (await call('get', `/v1/broadcasts/${id}`)).body;
const untilCompleted = (id: string) =>
  eventually(async () => ((await get(id)).status === 'completed' ? get(id) : undefined), 30_000);

/**
 * The first write of outcomes for these contacts fails, after their sends went out: the workflow retries the
 * batch, which must find the sends in the outbox instead of sending again. Answers how many writes were tried,
 * and a cleanup.
 */
async function loseFirstOutcomeWrite(members: Person[]) {
  const table = uniqueId('lost').toLowerCase().replace(/-/g, '_');
  await db.raw(`CREATE TABLE ${table} (contact_id uuid PRIMARY KEY)`);
  await db(table).insert(members.map((m) => ({ contact_id: m.contactId })));
  await db.raw(`CREATE SEQUENCE ${table}_seq`);
  await db.raw(`CREATE FUNCTION ${table}_fn() RETURNS trigger AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM ${table} WHERE contact_id = NEW.contact_id) AND nextval('${table}_seq') = 1 THEN
        RAISE EXCEPTION 'injected failure before the outcomes were written';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql`);
  await db.raw(`CREATE TRIGGER ${table}_trg BEFORE UPDATE ON broadcast_recipients FOR EACH ROW
    WHEN (NEW.status IN ('sent', 'skipped', 'failed')) EXECUTE FUNCTION ${table}_fn()`);
  return {
    tries: async () => Number((await db.raw(`SELECT last_value FROM ${table}_seq`)).rows[0].last_value),
    async drop() {
      await db.raw(`DROP TRIGGER ${table}_trg ON broadcast_recipients`);
      await db.raw(`DROP FUNCTION ${table}_fn(); DROP SEQUENCE ${table}_seq; DROP TABLE ${table}`);
    },
  };
}

test('an SMS broadcast texts only the contact who consented; the others are skipped with their reasons, and the retried batch sends nothing more', async () => {
  const consented = await person({ phone: '+14155550101', smsConsent: { source: 'signup form' } });
  const noConsent = await person({ phone: '+14155550102' });
  const noPhone = await person();
  const sms = await template('text', 'Hi {{first_name}}, spring is here at {{product_name}}. Reply STOP to opt out.');
  const segment = await segmentOf([consented, noConsent, noPhone]);

  // Before it is sent: of the three, only the one with a number and consent can receive a text.
  const preview = await call('post', '/v1/broadcasts/preview-audience').send({ segment, channel: 'sms' });
  expect(preview.body).toEqual({ segment, members: 3, eligible: 1 });

  const lost = await loseFirstOutcomeWrite([consented, noConsent, noPhone]);
  try {
    const created = await broadcast({ segment, template: sms, channel: 'sms' });
    expect(created.status).toBe(201);
    expect(created.body.channel).toBe('sms');
    const done = await untilCompleted(created.body.id);
    // The first batch's outcomes were lost: a second batch ran, and found every send in the outbox.
    expect(await lost.tries()).toBeGreaterThan(1);
    expect(done.channel).toBe('sms');
    expect(done.counts).toEqual({
      recipients: 3,
      sent: 1,
      skipped: 2,
      skippedByReason: { no_consent: 1, no_address: 1 },
      failed: 0,
      remaining: 0,
    });
    expect(twilio.messages).toHaveLength(1);
    expect(twilio.messages[0]).toMatchObject({
      to: '+14155550101',
      body: 'Hi Ana, spring is here at Acme Notes. Reply STOP to opt out.',
    });
    // Each skip says why, in the recipient's row and in the message log.
    const rows = await db('broadcast_recipients').where({ broadcast_id: created.body.id });
    const errorOf = (p: Person) => rows.find((r) => r.contact_id === p.contactId)!.error as string;
    expect(errorOf(noConsent)).toContain('has not opted in to text messages');
    expect(errorOf(noPhone)).toContain('has no phone number');
    const outbox = await db('email_outbox').where('idempotency_key', 'like', `broadcast:${created.body.id}:%`);
    expect(outbox.map((r) => [r.channel, r.status, r.attempts]).sort()).toEqual([
      ['sms', 'sent', 1],
      ['sms', 'suppressed', 1],
      ['sms', 'suppressed', 1],
    ]);
    // No email went to any of them.
    for (const p of [consented, noConsent, noPhone]) expect(sink.to(p.email)).toHaveLength(0);
  } finally {
    await lost.drop();
  }
});

test('an in-app broadcast puts one message in each recipient’s inbox, once, whatever the retry', async () => {
  const members = await Promise.all([person(), person(), person()]);
  const segment = await segmentOf(members);
  const lost = await loseFirstOutcomeWrite(members);
  try {
    const created = await broadcast({
      segment,
      template: 'nurture_intro',
      subject: 'News from {{product_name}}',
      channel: 'in_app',
    });
    expect(created.status).toBe(201);
    const done = await untilCompleted(created.body.id);
    expect(await lost.tries()).toBeGreaterThan(1);
    expect(done.counts).toMatchObject({ recipients: 3, sent: 3, skipped: 0, failed: 0, remaining: 0 });
    for (const p of members) {
      const inbox = await db('inbox_messages').where({ contact_id: p.contactId });
      expect(inbox.map((m) => m.title)).toEqual(['News from Acme Notes']);
      expect(sink.to(p.email)).toHaveLength(0);
    }
  } finally {
    await lost.drop();
  }
});

test('a push broadcast goes to the contact with a device; one without is skipped', async () => {
  const withDevice = await person();
  const without = await person();
  const token = `fcm-token-${'x'.repeat(24)}`;
  await new DeviceStore(db).register(withDevice.contactId, token, 'android');
  const push = await template('text', 'Spring is here at {{product_name}}.');
  const segment = await segmentOf([withDevice, without]);
  const preview = await call('post', '/v1/broadcasts/preview-audience').send({ segment, channel: 'push' });
  expect(preview.body).toEqual({ segment, members: 2, eligible: 1 });

  const created = await broadcast({ segment, template: push, channel: 'push' });
  expect(created.status).toBe(201);
  const done = await untilCompleted(created.body.id);
  expect(done.counts).toEqual({
    recipients: 2,
    sent: 1,
    skipped: 1,
    skippedByReason: { no_address: 1 },
    failed: 0,
    remaining: 0,
  });
  expect(fcm.sent).toEqual([expect.objectContaining({ token, title: 'News', body: 'Spring is here at Acme Notes.' })]);
});

test('a template whose format the channel does not send, a webhook and an unknown channel are 400s naming the field', async () => {
  const segment = await segmentOf([]);
  const problemsOf = async (body: Record<string, unknown>) => {
    const res = await broadcast({ segment, template: 'nurture_intro', ...body });
    expect(res.status).toBe(400);
    return res.body.problems as { path: string; message: string }[];
  };

  const mjmlAsText = await problemsOf({ channel: 'sms' });
  expect(mjmlAsText).toEqual([{ path: 'template', message: expect.stringContaining('sms sends text templates') }]);
  const text = await template('text', 'Spring is here. Reply STOP to opt out.');
  const textAsEmail = await problemsOf({ template: text });
  expect(textAsEmail).toEqual([
    { path: 'template', message: expect.stringContaining('email sends mjml or html templates') },
  ]);

  const webhook = await problemsOf({ channel: 'webhook' });
  expect(webhook).toEqual([{ path: 'channel', message: expect.stringContaining('sequence step') }]);
  expect(webhook[0]!.message).toContain('email, sms, in_app, push');
  const fax = await problemsOf({ channel: 'fax' });
  expect(fax).toEqual([{ path: 'channel', message: expect.stringContaining('email, sms, in_app, push') }]);

  // Without a channel a broadcast is an email, as before.
  const emailOne = await broadcast({
    segment,
    template: 'nurture_intro',
    sendAt: new Date((await ts.env.currentTimeMs()) + 86_400_000 * 400).toISOString(),
  });
  expect(emailOne.status).toBe(201);
  expect(emailOne.body.channel).toBe('email');
  expect((await call('post', `/v1/broadcasts/${emailOne.body.id}/cancel`)).body.status).toBe('cancelled');
});

test('a test send of an SMS broadcast is refused: a test goes to an email address', async () => {
  const segment = await segmentOf([]);
  const sms = await template('text', 'Spring is here. Reply STOP to opt out.');
  const created = await broadcast({
    segment,
    template: sms,
    channel: 'sms',
    sendAt: new Date((await ts.env.currentTimeMs()) + 86_400_000 * 400).toISOString(),
  });
  expect(created.status).toBe(201);
  const res = await call('post', `/v1/broadcasts/${created.body.id}/test`).send({ email: 'me@acme.test' });
  expect(res.status).toBe(409);
  expect(res.body.error).toContain('a test of an SMS broadcast');
  expect(sink.to('me@acme.test')).toHaveLength(0);
  const listed = (await call('get', '/v1/broadcasts?limit=10')).body.broadcasts as { id: string; channel: string }[];
  expect(listed.find((b) => b.id === created.body.id)?.channel).toBe('sms');
  expect((await call('post', `/v1/broadcasts/${created.body.id}/cancel`)).body.status).toBe('cancelled');
});
