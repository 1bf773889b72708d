import request from 'supertest';
import { createTestApp } from '../harness';
import { client, startTestStack, type TestStack } from '../harness/stack';

const WRITE_KEY = 'segment-write-key-for-tests-0001';
let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({ SEGMENT_WRITE_KEY: WRITE_KEY });
}, 60_000);
afterAll(async () => t?.stop());

const basic = (user: string, password = '') => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A call as a Segment source makes it: the write key as the basic-auth user name, an empty password. */
async function segment(path: string, body: unknown, authorization = basic(WRITE_KEY)) {
  const res = await fetch(`${t.api}/v1/segment/${path}`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.status, body: json, headers: res.headers };
}

const countEvents = async (where: Record<string, unknown>) =>
  Number((await t.stack.db('events').where(where).count({ n: '*' }).first())!.n);
const contactRow = (externalId: string) => t.stack.db('contacts').where({ external_id: externalId }).first();

test('identify stores the contact: userId as its id, traits.email as its email, context.timezone, other traits merged', async () => {
  const first = await segment('identify', {
    userId: 'seg-ada',
    traits: { email: 'ada@example.com', plan: 'trial', name: 'Ada' },
    context: { timezone: 'Europe/Berlin', ip: '127.0.0.1' },
    messageId: 'm-identify-1',
    timestamp: '2026-03-02T09:30:00Z',
  });
  expect([first.status, first.body.success]).toEqual([200, true]);
  const stored = await contactRow('seg-ada');
  expect(stored).toMatchObject({ email: 'ada@example.com', timezone: 'Europe/Berlin' });
  expect(stored.traits).toEqual({ plan: 'trial', name: 'Ada' });

  // A later identify without an email keeps the address and merges the new traits into the old ones.
  const second = await segment('identify', { userId: 'seg-ada', traits: { plan: 'pro', country: 'DE' } });
  expect(second.status).toBe(200);
  const updated = await contactRow('seg-ada');
  expect(updated.email).toBe('ada@example.com');
  expect(updated.traits).toEqual({ plan: 'pro', name: 'Ada', country: 'DE' });
  // The product's own API shows the same contact.
  const read = await client(t)('GET', '/v1/contacts/seg-ada');
  expect(read.body).toMatchObject({ id: 'seg-ada', email: 'ada@example.com', traits: { plan: 'pro' } });
});

test('a signup track enrolls the contact in the onboarding sequence, and a retried delivery stores the event once', async () => {
  expect((await segment('identify', { userId: 'seg-bob', traits: { email: 'bob@example.com' } })).status).toBe(200);
  const track = {
    userId: 'seg-bob',
    event: 'signup',
    properties: { plan: 'trial' },
    timestamp: '2026-03-02T10:00:00.000Z',
    messageId: 'm-signup-bob',
  };
  const first = await segment('track', track);
  expect(first.body).toMatchObject({ success: true, accepted: 1, duplicates: 0 });
  const again = await segment('track', track);
  expect(again.body).toMatchObject({ success: true, accepted: 0, duplicates: 1 });

  const contact = await contactRow('seg-bob');
  expect(await countEvents({ contact_id: contact.id, name: 'signup' })).toBe(1);
  const event = await t.stack.db('events').where({ contact_id: contact.id }).first();
  expect(event.idempotency_key).toBe('segment:m-signup-bob');
  expect(event.properties).toEqual({ plan: 'trial' });
  expect(new Date(event.occurred_at).toISOString()).toBe('2026-03-02T10:00:00.000Z');

  const read = await client(t)('GET', '/v1/contacts/seg-bob');
  expect(read.body.enrollments).toEqual([expect.objectContaining({ sequenceKey: 'onboarding' })]);
  await t.smtp.waitFor((m) => m.some((x) => x.envelopeTo.includes('bob@example.com')), 10_000);
  expect(t.smtp.to('bob@example.com')).toHaveLength(1);
});

test('a batch does identify then track in order, and a redelivered batch stores nothing twice', async () => {
  const batch = {
    batch: [
      { type: 'identify', userId: 'seg-cy', traits: { email: 'cy@example.com', plan: 'pro' }, messageId: 'b1-0' },
      { type: 'track', userId: 'seg-cy', event: 'Report Exported', properties: { rows: 12 }, messageId: 'b1-1' },
      { type: 'track', userId: 'seg-cy', event: 'Report Exported', properties: { rows: 40 }, messageId: 'b1-2' },
      { type: 'page', userId: 'seg-cy', name: 'Pricing', messageId: 'b1-3' },
      { type: 'track', anonymousId: 'anon-1', event: 'Viewed Pricing', messageId: 'b1-4' },
    ],
  };
  const first = await segment('batch', batch);
  expect(first.status).toBe(200);
  expect(first.body).toEqual({
    success: true,
    accepted: 2,
    duplicates: 0,
    identified: 1,
    anonymous: 1,
    ignored: 1,
    rejected: [],
  });
  const again = await segment('batch', batch);
  expect(again.body).toMatchObject({ success: true, accepted: 0, duplicates: 2, rejected: [] });
  const contact = await contactRow('seg-cy');
  expect(await countEvents({ contact_id: contact.id, name: 'Report Exported' })).toBe(2);
  // The anonymous call is counted, not kept: no contact, no event.
  expect(await countEvents({ name: 'Viewed Pricing' })).toBe(0);
});

test('bad items in a batch are reported by index while the rest are accepted; reserved names are refused', async () => {
  const res = await segment('batch', {
    batch: [
      { type: 'track', userId: 'seg-dee', event: 'email.opened', messageId: 'b2-0' },
      { type: 'track', userId: 'seg-dee', event: 'segment.entered', properties: { segment: 'x' }, messageId: 'b2-1' },
      { type: 'track', userId: 'nobody-known', event: 'login', messageId: 'b2-2' },
      {
        type: 'track',
        userId: 'seg-dee',
        event: 'login',
        context: { traits: { email: 'dee@example.com', plan: 'team' } },
        messageId: 'b2-3',
      },
      { type: 'track', userId: 'seg-dee', messageId: 'b2-4' },
      { type: 'identify', userId: 'seg-eve', traits: { plan: 'pro' }, messageId: 'b2-5' },
      { type: 'launch', userId: 'seg-dee', messageId: 'b2-6' },
      { type: 'track', event: 'login', messageId: 'b2-7' },
      { type: 'track', userId: 'seg-dee', event: 'login', timestamp: 'yesterday', messageId: 'b2-8' },
      { type: 'track', userId: 'seg-dee', event: 'big', properties: { pad: 'x'.repeat(33 * 1024) } },
      'not an object',
    ],
  });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ success: true, accepted: 1, identified: 0 });
  const rejected = res.body.rejected as { index: number; field: string; reason: string }[];
  expect(rejected.map((r) => [r.index, r.field])).toEqual([
    [0, 'event'],
    [1, 'event'],
    [2, 'userId'],
    [4, 'event'],
    [5, 'traits.email'],
    [6, 'type'],
    [7, 'userId'],
    [8, 'timestamp'],
    [9, '(item)'],
    [10, '(item)'],
  ]);
  const reason = (index: number) => rejected.find((r) => r.index === index)!.reason;
  expect(reason(0)).toMatch(/email\./);
  expect(reason(1)).toMatch(/segment\./);
  expect(reason(2)).toMatch(/nobody-known/);
  expect(reason(6)).toMatch(/identify, track/);
  expect(reason(9)).toMatch(/32 KB/);

  // The track that carried context.traits.email created its contact; nothing of the refused ones was stored.
  const dee = await contactRow('seg-dee');
  expect(dee).toMatchObject({ email: 'dee@example.com' });
  expect(dee.traits).toEqual({ plan: 'team' });
  expect(await countEvents({ contact_id: dee.id })).toBe(1);
  expect(await contactRow('seg-eve')).toBeUndefined();
  expect(await contactRow('nobody-known')).toBeUndefined();
  expect(await countEvents({ name: 'email.opened' })).toBe(0);
});

test('a single call with a problem is a 400 naming the field; an anonymous call is a 200 that stores nothing', async () => {
  const reserved = await segment('track', { userId: 'seg-ada', event: 'segment.left', messageId: 's-1' });
  expect(reserved.status).toBe(400);
  expect(reserved.body.problems).toEqual([{ path: 'event', message: expect.stringMatching(/segment\./) }]);
  const noEmail = await segment('identify', { userId: 'seg-new', traits: { plan: 'pro' } });
  expect(noEmail.status).toBe(400);
  expect(noEmail.body.problems).toEqual([{ path: 'traits.email', message: expect.any(String) }]);
  const anonymous = await segment('identify', { anonymousId: 'anon-2', traits: { email: 'anon@example.com' } });
  expect(anonymous.body).toMatchObject({ success: true, anonymous: 1 });
  expect(await t.stack.db('contacts').where({ email: 'anon@example.com' }).first()).toBeUndefined();
  const notBatch = await segment('batch', { events: [] });
  expect(notBatch.status).toBe(400);
  expect(notBatch.body.problems).toEqual([expect.objectContaining({ path: 'batch' })]);
});

test('a single message with a type at the batch route is taken as a batch of one (a webhook destination)', async () => {
  const res = await segment('batch', { type: 'identify', userId: 'seg-hook', traits: { email: 'hook@example.com' } });
  expect(res.body).toMatchObject({ success: true, identified: 1, rejected: [] });
  expect(await contactRow('seg-hook')).toMatchObject({ email: 'hook@example.com' });
});

test('a wrong or missing write key is a 401 and stores nothing', async () => {
  const before = await t.stack.db('contacts').count({ n: '*' }).first();
  const body = { userId: 'seg-intruder', traits: { email: 'intruder@example.com' } };
  const wrong = await segment('identify', body, basic('not-the-write-key-at-all'));
  expect(wrong.status).toBe(401);
  expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
  expect((await segment('identify', body, `Bearer ${t.keys.marketer}`)).status).toBe(401);
  expect((await segment('identify', body, basic(WRITE_KEY.slice(0, -1)))).status).toBe(401);
  expect((await segment('identify', body, 'Basic !!!')).status).toBe(401);
  expect(await t.stack.db('contacts').count({ n: '*' }).first()).toEqual(before);
});

test('over 500 KB a batch is a 413, over 32 KB a single call is too, and neither stores anything', async () => {
  const items = Array.from({ length: 30 }, (_, i) => ({
    type: 'track',
    userId: 'seg-ada',
    event: 'padded',
    properties: { pad: 'x'.repeat(20 * 1024) },
    messageId: `big-${i}`,
  }));
  const batch = await segment('batch', { batch: items });
  expect(batch.status).toBe(413);
  const single = await segment('track', { ...items[0], properties: { pad: 'x'.repeat(33 * 1024) } });
  expect(single.status).toBe(413);
  expect(await countEvents({ name: 'padded' })).toBe(0);
  const text = await segment('track', 'userId=seg-ada&event=x');
  expect(text.status).toBe(400);
});

test('without SEGMENT_WRITE_KEY the routes answer 503 naming the setting', async () => {
  const app = createTestApp(t.stack.db, t.stack.temporal);
  for (const path of ['identify', 'track', 'batch']) {
    const res = await request(app)
      .post(`/v1/segment/${path}`)
      .set('authorization', basic(WRITE_KEY))
      .send({ userId: 'seg-ada', event: 'x', batch: [] });
    expect([path, res.status]).toEqual([path, 503]);
    expect(res.body.error).toContain('SEGMENT_WRITE_KEY');
  }
});
