import { MockActivityEnvironment } from '@temporalio/testing';
import { deliverOnce, sendGuard, type Delivery, type SendGuard } from '../../activities/deliverOnce';
import { ContactStore } from '../../db/stores/contacts';
import { OutboxStore, type OutboxClaim } from '../../db/stores/outbox';
import { createSmtpProvider, type EmailProvider } from '../../providers/email';
import { SlowSmtpServer } from '../fakes';
import { createTestDatabase, uniqueId, type TestDatabase } from '../harness';

// deliverOnce's lease, attempt against attempt: the situation Temporal creates when it starts a second attempt
// while the first is still talking to the provider (its heartbeat was late, or its worker looked dead).
let t: TestDatabase;
let slow: SlowSmtpServer;
let email: EmailProvider;
let outbox: OutboxStore;
let guard: SendGuard;
beforeAll(async () => {
  t = await createTestDatabase();
  slow = new SlowSmtpServer(300); // about 2 s for one message
  await slow.start();
  email = createSmtpProvider(slow.url);
  outbox = new OutboxStore(t.db);
  guard = sendGuard(t.db, { mustDeliver: ['password_reset'] });
});
afterAll(async () => {
  await email?.close();
  await slow?.stop();
  await t?.destroy();
});

async function claimFor(): Promise<OutboxClaim> {
  const { contact } = await new ContactStore(t.db).upsert({
    externalId: uniqueId('c'),
    email: `${uniqueId('c')}@example.com`,
  });
  return {
    idempotencyKey: uniqueId('key'),
    contactId: contact.id,
    template: 'welcome',
    toEmail: contact.email,
    subject: 'Welcome',
    marketing: true,
  };
}

const attempt = (n: number) =>
  new MockActivityEnvironment({
    attempt: n,
    activityId: 'send',
    scheduledTimestampMs: Date.now(),
    currentAttemptScheduledTimestampMs: Date.now(),
  });
/** One attempt of the send, as the activity's attempt number `n`. */
const deliver = (n: number, claim: OutboxClaim, provider: EmailProvider = email): Promise<Delivery> =>
  attempt(n).run(deliverOnce, { outbox, email: provider, guard }, claim, undefined, compose) as Promise<Delivery>;
const compose = () => ({ from: 'a@acme.test', subject: 'Welcome', html: '<p>Hi</p>', text: 'Hi', headers: {} });

test('a second attempt that starts while the first is sending waits for it, and answers with its outcome', async () => {
  const claim = await claimFor();
  const first = deliver(1, claim);
  await new Promise((r) => setTimeout(r, 400)); // the first holds the lease and is at the provider
  const second = deliver(2, claim);
  const [a, b] = await Promise.all([first, second]);
  expect(a.status).toBe('sent');
  expect(b).toEqual({ status: 'duplicate', providerMessageId: (a as { providerMessageId: string }).providerMessageId });
  expect(slow.accepted.filter((m) => m.to.includes(claim.toEmail))).toHaveLength(1);
  const row = await t.db('email_outbox').where({ idempotency_key: claim.idempotencyKey }).first();
  expect(row).toEqual(expect.objectContaining({ status: 'sent', attempts: 1, lease_until: null }));
}, 30_000);

test('a lease that was not renewed runs out, and the next attempt sends', async () => {
  const claim = await claimFor();
  // An attempt that claimed the send and died without a word: its lease is all that is left of it.
  const dead = await outbox.claim(claim, { owner: 'dead-attempt', ms: 1_500 });
  expect(dead.kind).toBe('claimed');
  expect(await outbox.claim(claim, { owner: 'another', ms: 30_000 })).toEqual(
    expect.objectContaining({ kind: 'leased', owner: 'dead-attempt' }),
  );
  const started = Date.now();
  const result = await deliver(2, claim);
  expect(result.status).toBe('sent');
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_000); // it waited for the lease to end
  const row = await t.db('email_outbox').where({ idempotency_key: claim.idempotencyKey }).first();
  expect(row).toEqual(expect.objectContaining({ status: 'sent', attempts: 2 }));
}, 30_000);

test('an attempt whose provider call fails gives its lease back, so its retry sends at once', async () => {
  const claim = await claimFor();
  const failing: EmailProvider = createSmtpProvider('smtp://127.0.0.1:1'); // nothing listens there
  await expect(deliver(1, claim, failing)).rejects.toThrow();
  await failing.close();
  const row = await t.db('email_outbox').where({ idempotency_key: claim.idempotencyKey }).first();
  expect(row).toEqual(expect.objectContaining({ status: 'pending', lease_until: null }));
  expect(row.error).toMatch(/ECONNREFUSED|connect/i);
  const started = Date.now();
  expect((await deliver(2, claim)).status).toBe('sent');
  expect(Date.now() - started).toBeLessThan(10_000);
}, 30_000);
