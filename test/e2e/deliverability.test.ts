import { eventually, uniqueId } from '../harness';
import { client, startTestStack, type TestStack } from '../harness/stack';
import { MailgunFake, SendGridFake } from '../fakes';
import {
  awaitMessage,
  createSendGridKeys,
  eventClock,
  mailgunWebhook,
  postRaw,
  readMessage,
  sendGridEvent,
  sendGridHeaders,
  signUp,
  suppressionOf,
  timelineOf,
  webhookUrl,
  type SentRef,
} from './deliverabilityHelpers';

const SENDGRID_KEY = 'SG.test-key';
const MAILGUN_KEY = 'key-test-mailgun';
const MAILGUN_DOMAIN = 'mg.example.test';
const MAILGUN_SIGNING_KEY = 'mailgun-webhook-signing-key-test';
const sendGridKeys = createSendGridKeys();

let sg: TestStack;
let sgFake: SendGridFake;
let mg: TestStack;
let mgFake: MailgunFake;

beforeAll(async () => {
  [sgFake, mgFake] = await Promise.all([
    SendGridFake.start(SENDGRID_KEY),
    MailgunFake.start(MAILGUN_KEY, MAILGUN_DOMAIN),
  ]);
  [sg, mg] = await Promise.all([
    startTestStack({
      EMAIL_PROVIDER: 'sendgrid',
      SENDGRID_API_KEY: SENDGRID_KEY,
      SENDGRID_API_URL: sgFake.baseUrl,
      SENDGRID_WEBHOOK_PUBLIC_KEY: sendGridKeys.publicKey,
    }),
    startTestStack({
      EMAIL_PROVIDER: 'mailgun',
      MAILGUN_API_KEY: MAILGUN_KEY,
      MAILGUN_DOMAIN,
      MAILGUN_API_URL: mgFake.baseUrl,
      MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_SIGNING_KEY,
    }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([sg?.stop(), mg?.stop()]);
  await Promise.all([sgFake?.server.stop(), mgFake?.server.stop()]);
});

/** Bodies the SendGrid fake accepted for this address. */
const sentTo = (email: string) => sgFake.sent.filter((b) => b.personalizations?.[0]?.to?.[0]?.email === email);

/**
 * Signs up a contact on the SendGrid stack, waits for the welcome email to reach the fake and be logged as sent,
 * and returns what a webhook event needs to name it.
 */
async function welcomeViaSendGrid(): Promise<SentRef & { contactId: string; messageId: string }> {
  const call = client(sg);
  const contactId = uniqueId('c');
  const email = `${contactId}@example.com`;
  await signUp(call, contactId, email);
  const [body] = await eventually(async () => (sentTo(email).length ? sentTo(email) : undefined));
  expect(body!.subject).toBe('Welcome to GTM Strategist');
  const message = await awaitMessage(call, contactId, (m) => m.status === 'sent');
  expect(message).toMatchObject({ provider: 'sendgrid', to: email, template: 'welcome' });
  return {
    contactId,
    email,
    messageId: message.id,
    idempotencyKey: body!.custom_args.idempotency_key,
    providerMessageId: message.providerMessageId,
  };
}

/** The timeline is the engine's queued and sent, then these provider events in the order they happened. */
function expectTimeline(message: Record<string, any>, providerEvents: Array<[string, string]>): void {
  expect(timelineOf(message)).toEqual([['queued', 'engine'], ['sent', 'engine'], ...providerEvents]);
  expect(Date.parse(message.sentAt)).toBeGreaterThanOrEqual(Date.parse(message.createdAt));
}

/** Posts a SendGrid webhook body signed with the test's key. */
const postSendGrid = (events: unknown[]) => {
  const body = JSON.stringify(events);
  return postRaw(webhookUrl(sg, 'sendgrid'), body, sendGridHeaders(sendGridKeys, body));
};

describe('SendGrid', () => {
  test('delivered, open and click events move the welcome email to clicked, once, in any order', async () => {
    const call = client(sg);
    const ref = await welcomeViaSendGrid();
    const at = eventClock();
    const batch = [
      sendGridEvent(ref, 'delivered', at, { response: '250 2.0.0 OK', ip: '167.89.0.1' }),
      sendGridEvent(ref, 'open', at + 1, { sg_machine_open: false, useragent: 'Mozilla/5.0', ip: '203.0.113.9' }),
      sendGridEvent(ref, 'click', at + 2, { url: 'https://example.com/start', useragent: 'Mozilla/5.0' }),
    ];
    const body = JSON.stringify(batch);
    const headers = sendGridHeaders(sendGridKeys, body);
    const first = await postRaw(webhookUrl(sg, 'sendgrid'), body, headers);
    expect(first).toEqual({ status: 200, body: { stored: 3, duplicates: 0, unmatched: 0, ignored: 0, invalid: 0 } });

    const listed = await call('GET', `/v1/contacts/${ref.contactId}/messages`);
    expect(listed.body.messages).toEqual([expect.objectContaining({ id: ref.messageId, status: 'clicked' })]);
    const message = await readMessage(call, ref.messageId);
    expectTimeline(message, [
      ['delivered', 'sendgrid'],
      ['opened', 'sendgrid'],
      ['clicked', 'sendgrid'],
    ]);
    expect(message.timeline[4].url).toBe('https://example.com/start');

    // SendGrid retries a delivery it thinks failed: the same batch again is recognised, event by event.
    const again = await postRaw(webhookUrl(sg, 'sendgrid'), body, headers);
    expect(again).toEqual({ status: 200, body: { stored: 0, duplicates: 3, unmatched: 0, ignored: 0, invalid: 0 } });
    expect((await readMessage(call, ref.messageId)).timeline).toEqual(message.timeline);

    // Another contact's events arrive click first, delivered last: same status, timeline in the order things happened.
    const other = await welcomeViaSendGrid();
    const t0 = eventClock();
    for (const [event, offset, extra] of [
      ['click', 2, { url: 'https://example.com/start' }],
      ['open', 1, { sg_machine_open: false }],
      ['delivered', 0, {}],
    ] as const) {
      const res = await postSendGrid([sendGridEvent(other, event, t0 + offset, extra)]);
      expect(res.body).toMatchObject({ stored: 1, duplicates: 0 });
    }
    const otherMessage = await readMessage(call, other.messageId);
    expect(otherMessage.status).toBe('clicked');
    expectTimeline(otherMessage, [
      ['delivered', 'sendgrid'],
      ['opened', 'sendgrid'],
      ['clicked', 'sendgrid'],
    ]);
  });

  test('an open reported by SendGrid and seen by our pixel is one open: in the funnel and for sequences', async () => {
    const call = client(sg);
    const welcomeOpens = async () => {
      const stats = await call('GET', '/v1/sequences/onboarding/stats');
      return stats.body.steps.find((s: { stepId: string }) => s.stepId === 'welcome').funnel.opened as number;
    };
    const ref = await welcomeViaSendGrid();
    const before = await welcomeOpens();
    const [sent] = sentTo(ref.email);
    const html = (sent!.content as { type: string; value: string }[]).find((c) => c.type === 'text/html')!.value;
    const pixel = /src="([^"]*\/t\/o\/[^"]+)"/.exec(html)![1]!;

    expect((await postSendGrid([sendGridEvent(ref, 'open', eventClock())])).body).toMatchObject({ stored: 1 });
    const seen = await fetch(pixel, { headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0) Chrome/131.0' } });
    expect([seen.status, seen.headers.get('content-type')]).toEqual([200, 'image/gif']);

    const message = await readMessage(call, ref.messageId);
    const opens = timelineOf(message).filter(([status]) => status === 'opened');
    expect(opens.sort()).toEqual([
      ['opened', 'sendgrid'],
      ['opened', 'tracking'],
    ]);
    expect(await welcomeOpens()).toBe(before + 1);
    const contact = await call('GET', `/v1/contacts/${ref.contactId}`);
    const opened = await sg.stack.db('events').where({ contact_id: contact.body.internalId, name: 'email.opened' });
    expect(opened).toHaveLength(1);
  });

  test('a hard bounce suppresses the address: the next email is logged as suppressed and never sent', async () => {
    const call = client(sg);
    const ref = await welcomeViaSendGrid();
    const bounced = await postSendGrid([
      sendGridEvent(ref, 'bounce', eventClock(), {
        type: 'bounce',
        status: '5.1.1',
        reason: '550 5.1.1 The email account that you tried to reach does not exist',
        bounce_classification: 'Invalid Address',
      }),
    ]);
    expect(bounced.body).toMatchObject({ stored: 1 });
    expect(await suppressionOf(call, ref.email)).toMatchObject({ email: ref.email, reason: 'hard_bounce' });
    expect((await readMessage(call, ref.messageId)).status).toBe('bounced');

    const defined = await call('POST', '/v1/sequences', {
      key: 'follow-up',
      name: 'Follow-up',
      topic: 'onboarding',
      triggers: [{ event: 'follow_up_requested' }],
      steps: [{ id: 'follow_up', type: 'send', template: 'first_action', subject: 'Following up' }],
    });
    expect(defined.status).toBe(201);
    const event = await call('POST', '/v1/events', { contactId: ref.contactId, name: 'follow_up_requested' });
    expect(event.body.enrolled).toEqual(['follow-up']);

    // The row exists from the moment the send is claimed ('queued'); the suppression check ends it a moment later.
    const followUp = await awaitMessage(
      call,
      ref.contactId,
      (m) => m.sequenceKey === 'follow-up' && m.status !== 'queued',
    );
    expect(followUp).toMatchObject({
      stepId: 'follow_up',
      status: 'suppressed',
      sentAt: null,
      providerMessageId: null,
    });
    expect(followUp.error).toMatch(/hard bounce/);
    expect(sentTo(ref.email)).toHaveLength(1);
  });

  test('soft bounces suppress only when they repeat: the third within a week keeps the address out for two weeks', async () => {
    const call = client(sg);
    const ref = await welcomeViaSendGrid();
    const soft = (n: number) =>
      sendGridEvent(ref, 'bounce', eventClock() + n, { type: 'blocked', reason: '452 4.2.2 Mailbox full' });
    for (const n of [1, 2]) {
      expect((await postSendGrid([soft(n)])).body).toMatchObject({ stored: 1 });
      expect(await suppressionOf(call, ref.email)).toBeUndefined();
    }
    expect((await postSendGrid([soft(3)])).body).toMatchObject({ stored: 1 });
    const entry = await suppressionOf(call, ref.email);
    expect(entry).toMatchObject({ reason: 'soft_bounce', detail: '452 4.2.2 Mailbox full' });
    const days = (Date.parse(entry!.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(13.9);
    expect(days).toBeLessThan(14.1);
    const message = await readMessage(call, ref.messageId);
    expect(message.timeline.filter((e: { bounceType?: string }) => e.bounceType === 'soft')).toHaveLength(3);
  });

  test('forged, tampered, foreign-key and stale webhooks are refused and change nothing', async () => {
    const call = client(sg);
    const ref = await welcomeViaSendGrid();
    const body = JSON.stringify([sendGridEvent(ref, 'bounce', eventClock(), { type: 'bounce', reason: '550 no' })]);
    const snapshot = async () => ({
      message: await readMessage(call, ref.messageId),
      entry: await suppressionOf(call, ref.email),
      list: (await call('GET', '/v1/suppressions')).body,
    });
    const before = await snapshot();
    expect(before.entry).toBeUndefined();

    const url = webhookUrl(sg, 'sendgrid');
    expect((await postRaw(url, body, {})).status).toBe(401);
    const tampered = body.replace(ref.email, 'someone-else@example.com');
    expect((await postRaw(url, tampered, sendGridHeaders(sendGridKeys, body))).status).toBe(403);
    expect((await postRaw(url, body, sendGridHeaders(createSendGridKeys(), body))).status).toBe(403);
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    expect((await postRaw(url, body, sendGridHeaders(sendGridKeys, body, tenMinutesAgo))).status).toBe(403);

    expect(await snapshot()).toEqual(before);
    // An operator sees the refusals, and the provider's sends, on /metrics.
    const metrics = await (await fetch(`${sg.api}/metrics`)).text();
    const refused = /gtm_webhook_events_total\{provider="sendgrid",outcome="refused"\} (\d+)/.exec(metrics);
    expect(Number(refused?.[1])).toBeGreaterThanOrEqual(4);
    expect(metrics).toMatch(/gtm_email_provider_send_seconds_count\{provider="sendgrid"\} [1-9]/);
    expect(metrics).toMatch(/gtm_email_provider_sends_total\{provider="sendgrid",outcome="accepted"\} [1-9]/);
    // The same body, signed as SendGrid signs it, is accepted: the refusals above were about the signatures.
    expect((await postRaw(url, body, sendGridHeaders(sendGridKeys, body))).status).toBe(200);
    expect(await suppressionOf(call, ref.email)).toMatchObject({ reason: 'hard_bounce' });
  });

  test('a spam complaint suppresses the address and unsubscribes the contact', async () => {
    const call = client(sg);
    const ref = await welcomeViaSendGrid();
    expect((await call('GET', `/v1/contacts/${ref.contactId}`)).body.unsubscribedAt).toBeNull();

    const res = await postSendGrid([sendGridEvent(ref, 'spamreport', eventClock())]);
    expect(res.body).toMatchObject({ stored: 1 });
    expect(await suppressionOf(call, ref.email)).toMatchObject({ reason: 'complaint' });
    const contact = await call('GET', `/v1/contacts/${ref.contactId}`);
    expect(contact.body.unsubscribedAt).toEqual(expect.any(String));
    expect((await readMessage(call, ref.messageId)).status).toBe('complained');
  });

  test('the suppression list: add, add again, bad input, roles, CSV import, remove', async () => {
    const marketer = client(sg, 'marketer');
    const email = `${uniqueId('manual')}@example.com`;
    const added = await marketer('POST', '/v1/suppressions', { email, detail: 'asked by phone' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ email, reason: 'manual', detail: 'asked by phone', expiresAt: null });
    expect((await marketer('POST', '/v1/suppressions', { email })).status).toBe(200);

    const bad = await marketer('POST', '/v1/suppressions', { email: 'not-an-email' });
    expect(bad.status).toBe(400);
    expect(bad.body.problems.map((p: { path: string }) => p.path)).toContain('email');
    const chairman = await client(sg, 'chairman')('POST', '/v1/suppressions', { email: 'x@example.com' });
    expect(chairman.status).toBe(403);
    expect(await suppressionOf(marketer, 'x@example.com')).toBeUndefined();

    const [a, b] = [`${uniqueId('csv')}@example.com`, `${uniqueId('csv')}@example.com`];
    const csv = `email,detail\n${a},old list\nnot-an-address,typo\n${b},\n`;
    const imported = await postRaw(
      `${sg.api}/v1/suppressions/import`,
      csv,
      { authorization: `Bearer ${sg.keys.marketer}` },
      'text/csv',
    );
    expect(imported.status).toBe(200);
    expect(imported.body).toEqual({ imported: 2, unchanged: 0, invalid: [{ line: 3, error: expect.any(String) }] });
    expect(await suppressionOf(marketer, b)).toMatchObject({ reason: 'import' });

    expect((await marketer('DELETE', `/v1/suppressions/${encodeURIComponent(email)}`)).status).toBe(204);
    expect(await suppressionOf(marketer, email)).toBeUndefined();
    expect((await marketer('DELETE', `/v1/suppressions/${encodeURIComponent(email)}`)).status).toBe(404);
  });
});

describe('Mailgun', () => {
  test('delivered and opened reach the timeline, a replayed token is refused, a permanent failure suppresses', async () => {
    const call = client(mg);
    const contactId = uniqueId('m');
    const email = `${contactId}@example.com`;
    await signUp(call, contactId, email);
    const sent = await eventually(async () => mgFake.sent.find((m) => m.field('to')?.includes(email)));
    expect(sent.field('subject')).toBe('Welcome to GTM Strategist');
    const message = await awaitMessage(call, contactId, (m) => m.status === 'sent');
    expect(message.provider).toBe('mailgun');
    expect(message.providerMessageId).toBe(sent.id.replace(/^<|>$/g, ''));
    const ref: SentRef = {
      email,
      idempotencyKey: sent.field('v:idempotency_key')!,
      providerMessageId: message.providerMessageId,
    };

    const url = webhookUrl(mg, 'mailgun');
    const at = eventClock();
    const delivered = mailgunWebhook(MAILGUN_SIGNING_KEY, ref, 'delivered', at + 0.25);
    expect((await postRaw(url, delivered, {})).body).toMatchObject({ stored: 1, unmatched: 0 });
    const opened = mailgunWebhook(MAILGUN_SIGNING_KEY, ref, 'opened', at + 1.5, {
      'client-info': { 'client-name': 'Firefox', 'user-agent': 'Mozilla/5.0' },
    });
    expect((await postRaw(url, opened, {})).body).toMatchObject({ stored: 1 });
    const afterOpen = await readMessage(call, message.id);
    expect(afterOpen.status).toBe('opened');
    expectTimeline(afterOpen, [
      ['delivered', 'mailgun'],
      ['opened', 'mailgun'],
    ]);

    // A captured request sent again: its token was used, so it is refused even though the signature is genuine.
    expect((await postRaw(url, delivered, {})).status).toBe(403);
    expect((await readMessage(call, message.id)).timeline).toEqual(afterOpen.timeline);

    const failed = mailgunWebhook(MAILGUN_SIGNING_KEY, ref, 'failed', at + 3, {
      severity: 'permanent',
      reason: 'bounce',
      'delivery-status': { code: 550, message: '5.1.1 The email account does not exist', description: '' },
    });
    expect((await postRaw(url, failed, {})).body).toMatchObject({ stored: 1 });
    expect(await suppressionOf(call, email)).toMatchObject({ reason: 'hard_bounce' });
    expect((await readMessage(call, message.id)).status).toBe('bounced');
  });
});
