import { MockActivityEnvironment } from '@temporalio/testing';
import { deliverBatch, deliverOnce, sendGuard, type Delivery, type SendGuard } from '../../activities/deliverOnce';
import { ContactStore } from '../../db/stores/contacts';
import { SuppressionStore } from '../../db/stores/suppressions';
import type { MailCatcher } from '../../infra/mailCatcher';
import { OutboxStore, type OutboxClaim } from '../../db/stores/outbox';
import { createSmtpProvider, type EmailProvider } from '../../providers/email';
import { composeEmail } from '../../activities/composeEmail';
import { LinkSigner } from '../../infra/signing';
import type { ResolvedTemplate } from '../../templates/library';
import { SlowSmtpServer } from '../fakes';
import { createTestDatabase, startSmtpSink, uniqueId, type TestDatabase } from '../harness';

// deliverOnce's lease, attempt against attempt: the situation Temporal creates when it starts a second attempt
// while the first is still talking to the provider (its heartbeat was late, or its worker looked dead).
let t: TestDatabase;
let slow: SlowSmtpServer;
let email: EmailProvider;
let outbox: OutboxStore;
let guard: SendGuard;
let sink: MailCatcher;
let fast: EmailProvider;
beforeAll(async () => {
  sink = await startSmtpSink();
  fast = createSmtpProvider(sink.url);
  t = await createTestDatabase();
  slow = new SlowSmtpServer(300); // about 2 s for one message
  await slow.start();
  email = createSmtpProvider(slow.url);
  outbox = new OutboxStore(t.db);
  guard = sendGuard(t.db, { mustDeliver: ['password_reset'] });
});
afterAll(async () => {
  await fast?.close();
  await sink?.stop();
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
  attempt(n).run(deliverOnce, { outbox, courier: provider, guard }, claim, undefined, compose) as Promise<Delivery>;
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

/** An attempt whose previous attempt heartbeated `details` before it failed. */
const retryAfter = (details: unknown, claim: OutboxClaim): Promise<Delivery> =>
  new MockActivityEnvironment({
    attempt: 2,
    activityId: 'send',
    heartbeatDetails: details,
    scheduledTimestampMs: Date.now(),
    currentAttemptScheduledTimestampMs: Date.now(),
  }).run(deliverOnce, { outbox, courier: email, guard }, claim, undefined, compose) as Promise<Delivery>;

test("a previous attempt's acceptance counts for its own key only: another key's heartbeat does not stop this send", async () => {
  const claim = await claimFor();
  // An activity that sends many emails heartbeats about the last one it sent: not this one.
  const result = await retryAfter({ idempotencyKey: 'broadcast:other', providerMessageId: '<other@x>' }, claim);
  expect(result.status).toBe('sent');
  expect(slow.accepted.filter((m) => m.to.includes(claim.toEmail))).toHaveLength(1);
  const row = await t.db('email_outbox').where({ idempotency_key: claim.idempotencyKey }).first();
  expect(row.provider_message_id).not.toBe('<other@x>');
}, 30_000);

test("an acceptance heartbeated without a key, by a release whose activities sent one email each, is this send's", async () => {
  const bare = await claimFor();
  expect(await retryAfter({ providerMessageId: '<bare@x>' }, bare)).toEqual({
    status: 'duplicate',
    providerMessageId: '<bare@x>',
  });
  expect(slow.accepted.filter((m) => m.to.includes(bare.toEmail))).toHaveLength(0);
}, 30_000);

test("a previous attempt's acceptance of this key is recorded as sent, and nothing is sent again", async () => {
  const claim = await claimFor();
  // The first attempt claimed the send, handed it over, heartbeated the acceptance and died before recording it.
  expect((await outbox.claim(claim, { owner: 'first-attempt', ms: 30_000 })).kind).toBe('claimed');
  const result = await retryAfter({ idempotencyKey: claim.idempotencyKey, providerMessageId: '<mine@x>' }, claim);
  expect(result).toEqual({ status: 'duplicate', providerMessageId: '<mine@x>' });
  expect(slow.accepted.filter((m) => m.to.includes(claim.toEmail))).toHaveLength(0);
  const row = await t.db('email_outbox').where({ idempotency_key: claim.idempotencyKey }).first();
  expect(row).toEqual(expect.objectContaining({ status: 'sent', provider_message_id: '<mine@x>' }));
}, 30_000);

/** One batch activity: the outcome of each send by index, and the attempt's own lease owner's prefix. */
async function batch(
  claims: OutboxClaim[],
  opts: { cap?: { max: number; windowMs: number }; concurrency?: number; sliceSize?: number } = {},
  hooks: { onOutcome?: (i: number) => Promise<void>; stopped?: () => boolean } = {},
): Promise<(Delivery | undefined)[]> {
  const outcomes: (Delivery | undefined)[] = claims.map(() => undefined);
  await new MockActivityEnvironment({
    attempt: 1,
    activityId: uniqueId('batch'),
    scheduledTimestampMs: Date.now(),
    currentAttemptScheduledTimestampMs: Date.now(),
  }).run(deliverBatch, { outbox, courier: fast, guard }, claims, opts.cap, () => compose(), {
    concurrency: opts.concurrency ?? 4,
    ...(opts.sliceSize ? { sliceSize: opts.sliceSize } : {}),
    ...(hooks.stopped ? { stopped: hooks.stopped } : {}),
    onOutcome: async (i: number, o: Delivery) => {
      outcomes[i] = o;
      await hooks.onOutcome?.(i);
    },
  });
  return outcomes;
}
const at = (c: OutboxClaim) => sink.to(c.toEmail).length;

test('a batch keeps every promise of deliverOnce: sent once, a key already sent, one in flight elsewhere, suppressed, capped', async () => {
  const [fresh, sentBefore, held, suppressed, capped] = await Promise.all(Array.from({ length: 5 }, () => claimFor()));
  expect((await batch([sentBefore!]))[0]!.status).toBe('sent');
  await new SuppressionStore(t.db).add({ email: suppressed!.toEmail, reason: 'complaint', createdBy: 'test' });
  await t.db('email_outbox').insert({
    idempotency_key: uniqueId('earlier'),
    contact_id: capped!.contactId,
    template: 'welcome',
    to_email: capped!.toEmail,
    subject: 'earlier',
    marketing: true,
    status: 'sent',
    sent_at: new Date(Date.now() - 3_600_000),
  });
  // Another attempt holds this send and records its acceptance a moment later: its outcome is this one's.
  expect((await outbox.claim(held!, { owner: 'other-attempt', ms: 30_000 })).kind).toBe('claimed');
  const holder = new Promise((r) => setTimeout(r, 1_200)).then(() =>
    outbox.markSent(held!.idempotencyKey, 'smtp', '<held@elsewhere>'),
  );
  const claims = [fresh!, sentBefore!, held!, suppressed!, capped!];
  const cap = { max: 1, windowMs: 86_400_000 };
  const first = await batch(claims, { cap });
  await holder;
  expect(first.map((o) => o?.status)).toEqual(['sent', 'duplicate', 'duplicate', 'suppressed', 'deferred']);
  expect(first[2]).toEqual({ status: 'duplicate', providerMessageId: '<held@elsewhere>' });
  expect(claims.map(at)).toEqual([1, 1, 0, 0, 0]);
  // The same batch again (a retry): nothing more is sent.
  const again = await batch(claims, { cap });
  expect(again.map((o) => o?.status)).toEqual(['duplicate', 'duplicate', 'duplicate', 'suppressed', 'deferred']);
  expect(claims.map(at)).toEqual([1, 1, 0, 0, 0]);
  const rows = await t.db('email_outbox').whereIn(
    'idempotency_key',
    claims.map((c) => c.idempotencyKey),
  );
  const row = (c: OutboxClaim) => rows.find((r) => r.idempotency_key === c.idempotencyKey);
  expect(row(fresh!)).toMatchObject({ status: 'sent', attempts: 1, lease_until: null, subject: 'Welcome' });
  expect(row(suppressed!)).toMatchObject({ status: 'suppressed', error: 'suppressed: complaint' });
  expect(row(capped!)).toMatchObject({ status: 'deferred' });
  const timeline = await t
    .db('message_events')
    .where({ message_id: row(fresh!).id })
    .orderBy('id')
    .pluck('status');
  expect(timeline).toEqual(['queued', 'sent']);
}, 30_000);

test('an address suppressed while the batch runs is not sent to', async () => {
  const claims = await Promise.all(Array.from({ length: 4 }, () => claimFor()));
  const outcomes = await batch(
    claims,
    { concurrency: 1, sliceSize: 1 },
    {
      onOutcome: async (i) => {
        if (i === 0)
          await new SuppressionStore(t.db).add({ email: claims[3]!.toEmail, reason: 'manual', createdBy: 'test' });
      },
    },
  );
  expect(outcomes.map((o) => o?.status)).toEqual(['sent', 'sent', 'sent', 'suppressed']);
  expect(claims.map(at)).toEqual([1, 1, 1, 0]);
}, 30_000);

test('a stopped batch leaves the rest unsent and gives their claims back, so the next attempt sends them at once', async () => {
  const claims = await Promise.all(Array.from({ length: 4 }, () => claimFor()));
  let stop = false;
  const outcomes = await batch(
    claims,
    { concurrency: 1, sliceSize: 4 },
    {
      onOutcome: async () => void (stop = true),
      stopped: () => stop,
    },
  );
  expect(outcomes.map((o) => o?.status)).toEqual(['sent', undefined, undefined, undefined]);
  expect(claims.map(at)).toEqual([1, 0, 0, 0]);
  const rest = await t.db('email_outbox').whereIn(
    'idempotency_key',
    claims.slice(1).map((c) => c.idempotencyKey),
  );
  expect(rest.map((r) => [r.status, r.lease_until])).toEqual([
    ['pending', null],
    ['pending', null],
    ['pending', null],
  ]);
  const started = Date.now();
  expect((await batch(claims)).map((o) => o?.status)).toEqual(['duplicate', 'sent', 'sent', 'sent']);
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(claims.map(at)).toEqual([1, 1, 1, 1]);
}, 30_000);

test('a template that cannot render fails that message with the reason, once: no send, no retry', async () => {
  const claim = await claimFor();
  // A version whose artifact names a partial it does not carry: Handlebars refuses it at render time.
  const template: ResolvedTemplate = {
    key: 'broken',
    version: 1,
    format: 'html',
    transactional: false,
    from: null,
    replyTo: null,
    cta: 'broken',
    defaultLocale: 'en',
    artifacts: { en: { subject: 'Hi', html: '<p>{{> missing_footer}}</p>', text: null, partials: {} } },
  };
  const compose = composeEmail(
    {
      mail: {
        from: 'a@acme.test',
        productName: 'Acme',
        companyName: 'Acme',
        publicUrl: 'http://localhost:3000',
        appUrl: 'http://localhost:3000',
        frequencyCap: { max: 10, windowMs: 3_600_000 },
      },
      signer: new LinkSigner('test-signing-secret-that-is-long-enough-000'),
    },
    { contactId: claim.contactId!, email: claim.toEmail, traits: {} },
    { template, from: 'a@acme.test', campaign: 'test', marketing: true },
  );
  const run = (n: number) =>
    attempt(n).run(deliverOnce, { outbox, courier: fast, guard }, claim, undefined, compose) as Promise<Delivery>;
  const first = await run(1);
  expect(first).toEqual({ status: 'failed', reason: expect.stringMatching(/could not be rendered: .*missing_footer/) });
  expect(await run(2)).toEqual({ status: 'failed', reason: 'failed earlier' });
  const row = await t.db('email_outbox').where({ idempotency_key: claim.idempotencyKey }).first();
  expect(row).toEqual(expect.objectContaining({ status: 'failed', error: expect.stringContaining('missing_footer') }));
  expect(sink.to(claim.toEmail)).toHaveLength(0);
});
