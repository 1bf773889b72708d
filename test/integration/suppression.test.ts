import { MockActivityEnvironment } from '@temporalio/testing';
import { deliverOnce, sendGuard, type Delivery, type SendGuard } from '../../activities/deliverOnce';
import { ContactStore } from '../../db/stores/contacts';
import { MessageStore } from '../../db/stores/messages';
import { OutboxStore, type OutboxClaim } from '../../db/stores/outbox';
import { SuppressionStore } from '../../db/stores/suppressions';
import type { MailCatcher } from '../../infra/mailCatcher';
import { createSmtpProvider, type EmailProvider } from '../../providers/email';
import { createTestDatabase, startSmtpSink, uniqueId, type TestDatabase } from '../harness';

// The send path against the suppression list, through a real SMTP server that refuses one mailbox (550).
let t: TestDatabase;
let sink: MailCatcher;
let email: EmailProvider;
let outbox: OutboxStore;
let guard: SendGuard;
let messages: MessageStore;
let suppressions: SuppressionStore;
const deadMailbox = 'gone@example.com';

beforeAll(async () => {
  t = await createTestDatabase();
  sink = await startSmtpSink({ rejectRecipients: [deadMailbox] });
  email = createSmtpProvider(sink.url);
  outbox = new OutboxStore(t.db);
  guard = sendGuard(t.db, { mustDeliver: ['password_reset'] });
  messages = new MessageStore(t.db);
  suppressions = new SuppressionStore(t.db);
});
afterAll(async () => {
  await email?.close();
  await sink?.stop();
  await t?.destroy();
});

async function claimFor(address: string, template = 'welcome'): Promise<OutboxClaim> {
  const { contact } = await new ContactStore(t.db).upsert({ externalId: uniqueId('c'), email: address });
  return {
    idempotencyKey: uniqueId('key'),
    contactId: contact.id,
    template,
    toEmail: contact.email,
    subject: 'Hello',
    marketing: template !== 'password_reset',
  };
}

const compose = () => ({ from: 'a@acme.test', subject: 'Hello', html: '<p>Hi</p>', text: 'Hi', headers: {} });
const now = Date.now();
const send = (claim: OutboxClaim): Promise<Delivery> =>
  new MockActivityEnvironment({
    attempt: 1,
    activityId: 'send',
    scheduledTimestampMs: now,
    currentAttemptScheduledTimestampMs: now,
  }).run(deliverOnce, { outbox, courier: email, guard }, claim, undefined, compose) as Promise<Delivery>;

const messageOf = async (key: string) => {
  const id = (await t.db('email_outbox').where({ idempotency_key: key }).first('id')).id as string;
  return (await messages.get(id))!;
};

test('a mailbox the server refuses (SMTP 550) is a hard bounce: suppressed at once, and the next email to it never reaches SMTP', async () => {
  const first = await claimFor(deadMailbox);
  expect(await send(first)).toEqual({ status: 'failed', reason: expect.stringContaining('SMTP 550') });
  const bounced = await messageOf(first.idempotencyKey);
  expect(bounced.status).toBe('bounced');
  expect(bounced.timeline.map((e) => [e.status, e.bounceType])).toEqual([
    ['queued', undefined],
    ['failed', undefined],
    ['bounced', 'hard'],
  ]);
  expect(await suppressions.active(deadMailbox)).toMatchObject({ reason: 'hard_bounce', expiresAt: null });

  const before = sink.count;
  const second = await claimFor(deadMailbox.toUpperCase());
  const result = await send(second);
  expect(result).toEqual({ status: 'suppressed', reason: expect.stringMatching(/^suppressed: hard bounce/) });
  expect(sink.count).toBe(before);
  const suppressed = await messageOf(second.idempotencyKey);
  expect(suppressed.status).toBe('suppressed');
  expect(suppressed.provider).toBeNull();
  expect(suppressed.timeline.map((e) => e.status)).toEqual(['queued', 'suppressed']);
  // The same key again is the same outcome, not a send.
  expect(await send(second)).toEqual(result);
  expect(sink.count).toBe(before);
});

test('a must-deliver template (a password reset) still reaches a suppressed address', async () => {
  const address = `${uniqueId('reset')}@example.com`;
  await suppressions.add({ email: address, reason: 'manual', createdBy: 'test' });
  const claim = await claimFor(address, 'password_reset');
  // No template named password_reset ships; the guard decides before rendering, which is what this test is about.
  expect((await send(claim)).status).toBe('sent');
  expect(sink.to(address)).toHaveLength(1);
});

test('an expired temporary suppression no longer holds; a live one does', async () => {
  const expired = `${uniqueId('soft')}@example.com`;
  await suppressions.add({ email: expired, reason: 'soft_bounce', createdBy: 'test', expiresAt: new Date(now - 1000) });
  expect((await send(await claimFor(expired))).status).toBe('sent');

  const live = `${uniqueId('soft')}@example.com`;
  await suppressions.add({
    email: live,
    reason: 'soft_bounce',
    createdBy: 'test',
    expiresAt: new Date(now + 3_600_000),
  });
  expect((await send(await claimFor(live))).status).toBe('suppressed');
  expect(sink.to(live)).toHaveLength(0);
});

test('a permanent entry is never shortened by a temporary one', async () => {
  const address = `${uniqueId('perm')}@example.com`;
  expect(await suppressions.add({ email: address, reason: 'complaint', createdBy: 'test' })).toBe(true);
  expect(
    await suppressions.add({
      email: address,
      reason: 'soft_bounce',
      createdBy: 'test',
      expiresAt: new Date(now + 1000),
    }),
  ).toBe(false);
  expect(await suppressions.active(address, new Date(now + 3_600_000))).toMatchObject({ reason: 'complaint' });
});
