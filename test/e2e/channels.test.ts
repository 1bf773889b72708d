import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '../../providers/webhook/webhookSender';
import { eventually, uniqueId } from '../harness';
import { startFakeTwilio, type FakeTwilio } from '../harness/fakeTwilio';
import { client, startTestStack, type TestStack } from '../harness/stack';

// One sequence, three channels, through the HTTP API against the whole product: a signed webhook to the team's own
// system, a message in the contact's in-app inbox and a text message through a Twilio-shaped server, each exactly
// once and each in the contact's message log; a STOP reply withdraws SMS consent, and the next text is not sent.

const SECRET = 'webhook-signing-secret-for-tests';
let t: TestStack;
let twilio: FakeTwilio;
let receiver: http.Server;
let receiverUrl: string;
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  twilio = await startFakeTwilio();
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/gtm`;
  t = await startTestStack({
    PRODUCT_NAME: 'Acme Notes',
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_FROM: '+15005550006',
    TWILIO_API_URL: twilio.url,
    WEBHOOK_SIGNING_SECRET: SECRET,
    // The receiver is on loopback, which webhooks refuse unless a team allows its private network.
    WEBHOOK_ALLOW_PRIVATE: 'true',
    // Four marketing messages reach one contact here within minutes; the cap (across channels) has its own tests.
    FREQUENCY_CAP: '10',
  });
}, 90_000);
afterAll(async () => {
  await t?.stop();
  await twilio?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

const event = (contactId: string, name: string, properties: Record<string, unknown> = {}) =>
  client(t)('POST', '/v1/events', {
    events: [{ contactId, name, occurredAt: new Date().toISOString(), properties }],
  });

async function templates(prefix: string) {
  const marketer = client(t);
  const made = [
    {
      key: `${prefix}_hook`,
      name: 'Signup to the CRM',
      format: 'json',
      subject: 'New signup',
      body: '{"type":"signup","contact":"{{email}}","plan":"{{traits.plan}}","note":"{{trigger.note}}"}',
      transactional: true,
    },
    {
      key: `${prefix}_inbox`,
      name: 'Welcome in the app',
      format: 'html',
      subject: 'Welcome, {{first_name}}',
      body: '<p>Your {{product_name}} workspace is ready. <a href="{{cta_url}}">Open it</a></p><p><a href="{{unsubscribe_url}}">Unsubscribe</a></p>',
    },
    {
      key: `${prefix}_sms`,
      name: 'Welcome text',
      format: 'text',
      subject: '',
      body: 'Hi {{first_name}}, welcome to {{product_name}}! Reply STOP to opt out.',
    },
  ];
  for (const tpl of made) {
    const res = await marketer('POST', '/v1/templates', tpl);
    expect(res.status).toBe(201);
  }
}

test('a sequence sends a signed webhook, an in-app message and an SMS to one contact, each once and each logged; STOP is honoured', async () => {
  const marketer = client(t);
  const prefix = uniqueId('ch').toLowerCase().replace(/-/g, '_');
  const seq = prefix.replace(/_/g, '-');
  await templates(prefix);

  const defined = await marketer('POST', '/v1/sequences', {
    key: seq,
    name: 'Welcome on every channel',
    topic: 'onboarding',
    triggers: [{ event: `${seq}_start` }],
    steps: [
      { id: 'crm', type: 'send', channel: 'webhook', url: receiverUrl, template: `${prefix}_hook` },
      { id: 'inbox', type: 'send', channel: 'in_app', template: `${prefix}_inbox` },
      { id: 'text', type: 'send', channel: 'sms', template: `${prefix}_sms` },
      { id: 'wait', type: 'waitFor', event: 'again', timeout: 'P3D', onEvent: 'text2', onTimeout: 'end' },
      { id: 'text2', type: 'send', channel: 'sms', template: `${prefix}_sms` },
      { id: 'end', type: 'exit' },
    ],
  });
  expect(defined.body.problems ?? defined.body).toMatchObject({ key: seq });

  const id = uniqueId('ana');
  const email = `${id}@example.com`;
  const saved = await marketer('POST', '/v1/contacts', {
    id,
    email,
    phone: '+1 (415) 555-0123',
    smsConsent: { source: 'signup form: text me updates' },
    traits: { first_name: 'Ana', plan: 'pro' },
  });
  expect(saved.status).toBe(201);
  expect(saved.body).toMatchObject({ phone: '+14155550123', smsConsent: { source: 'signup form: text me updates' } });

  expect((await event(id, `${seq}_start`, { note: 'came from "ads"\n}' })).status).toBeLessThan(300);

  // The SMS reached the Twilio-shaped server once, from our number, rendered.
  await eventually(async () => (twilio.messages.length >= 1 ? true : undefined));
  expect(twilio.messages).toHaveLength(1);
  expect(twilio.messages[0]).toMatchObject({
    to: '+14155550123',
    from: '+15005550006',
    body: 'Hi Ana, welcome to Acme Notes! Reply STOP to opt out.',
  });

  // The webhook arrived once, signed; its JSON survived a value with a quote and a brace in it.
  expect(received).toHaveLength(1);
  const hook = received[0]!;
  expect(verifyWebhookSignature(SECRET, String(hook.headers['x-gtm-signature']), hook.body)).toBe(true);
  expect(verifyWebhookSignature('another-secret-entirely-00', String(hook.headers['x-gtm-signature']), hook.body)).toBe(
    false,
  );
  expect(JSON.parse(hook.body)).toEqual({ type: 'signup', contact: email, plan: 'pro', note: 'came from "ads"\n}' });
  expect(hook.headers['x-gtm-message-id']).toEqual(expect.any(String));

  // The in-app message is in Ana's inbox, unread.
  const inbox = await marketer('GET', `/v1/contacts/${id}/inbox`);
  expect(inbox.body.unread).toBe(1);
  expect(inbox.body.messages).toHaveLength(1);
  expect(inbox.body.messages[0].title).toBe('Welcome, Ana');
  expect(inbox.body.messages[0].html).toContain('Your Acme Notes workspace is ready.');

  // The message log has each of the three, sent, on its channel.
  const log = await eventually(async () => {
    const r = await marketer('GET', `/v1/contacts/${id}/messages`);
    return r.body.messages?.length >= 3 ? r.body.messages : undefined;
  });
  const byChannel = Object.fromEntries(log.map((m: { channel: string }) => [m.channel, m]));
  expect(Object.keys(byChannel).sort()).toEqual(['in_app', 'sms', 'webhook']);
  for (const m of Object.values(byChannel) as { status: string }[]) expect(m.status).toBe('sent');
  expect(log).toHaveLength(3);
  expect(String(hook.headers['x-gtm-message-id'])).toBe(byChannel.webhook.id);

  // Twilio reports the text delivered, to the callback the send asked for: the message's timeline shows it.
  expect(twilio.messages[0]!.statusCallback).toBe(`${t.api}/v1/webhooks/twilio/status`);
  const status = await twilio.sendStatusCallback(twilio.messages[0]!, 'delivered');
  expect(status.status).toBe(200);
  const timeline = await marketer('GET', `/v1/messages/${byChannel.sms.id}`);
  expect(timeline.body.timeline.map((e: { status: string }) => e.status)).toContain('delivered');
  // A forged callback (not signed with the auth token) stores nothing.
  const forged = await fetch(`${t.api}/v1/webhooks/twilio/status`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' },
    body: new URLSearchParams({ MessageSid: twilio.messages[0]!.sid, MessageStatus: 'undelivered' }).toString(),
  });
  expect(forged.status).toBe(403);

  // Ana texts STOP: the carrier-required confirmation comes back, and her consent is withdrawn.
  const stop = await twilio.sendInbound(`${t.api}/v1/webhooks/twilio/inbound`, {
    from: '+14155550123',
    to: '+15005550006',
    body: 'Stop',
  });
  expect(stop.status).toBe(200);
  expect(await stop.text()).toContain('You are unsubscribed from Acme Notes messages');
  const consent = await marketer('GET', `/v1/contacts/${id}/sms-consent`);
  expect(consent.body.smsConsent).toBeNull();
  expect(consent.body.history.map((h: { action: string; source: string }) => `${h.action} ${h.source}`)).toEqual([
    'opt_out sms:STOP',
    'opt_in signup form: text me updates',
  ]);

  // The next text of the sequence is not sent: the log says why.
  await event(id, 'again');
  const refused = await eventually(async () => {
    const r = await marketer('GET', `/v1/contacts/${id}/messages`);
    return r.body.messages.find(
      // Claimed (queued) first, then refused: wait for the outcome.
      (m: { stepId: string; status: string }) => m.stepId === 'text2' && !['pending', 'queued'].includes(m.status),
    );
  });
  expect(refused).toMatchObject({ channel: 'sms', status: 'suppressed' });
  expect(refused.error).toContain('no_sms_consent');
  expect(twilio.messages).toHaveLength(1);
});

test('a phone that is no number, a webhook step without a URL and an unknown channel are 400s naming the field', async () => {
  const marketer = client(t);
  const bad = await marketer('POST', '/v1/contacts', { id: uniqueId('b'), email: 'b@example.com', phone: 'call me' });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toContain('phone');

  const noUrl = await marketer('POST', '/v1/sequences', {
    key: uniqueId('nourl').toLowerCase(),
    name: 'Webhook without a URL',
    category: 'transactional',
    triggers: [{ event: 'x' }],
    steps: [{ id: 'a', type: 'send', channel: 'webhook', template: 'welcome' }],
  });
  expect(noUrl.status).toBe(400);
  expect(JSON.stringify(noUrl.body)).toContain('steps.0.url');

  const wrongChannel = await marketer('POST', '/v1/sequences', {
    key: uniqueId('bad').toLowerCase(),
    name: 'Bad',
    triggers: [{ event: 'x' }],
    steps: [{ id: 'a', type: 'send', channel: 'fax', template: 'welcome' }],
  });
  expect(wrongChannel.status).toBe(400);
  expect(JSON.stringify(wrongChannel.body)).toMatch(/email.*sms.*webhook.*in_app.*push/);
});
