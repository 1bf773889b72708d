import { createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { eventually } from '../harness';
import type { client, TestStack } from '../harness/stack';

type Call = ReturnType<typeof client>;

/** An HTTP answer with its body parsed as JSON where it is JSON. */
export interface Answer {
  status: number;
  body: any;
}

/** A P-256 key pair standing in for SendGrid's: the public half goes into the stack's config, the private signs. */
export interface SendGridKeys {
  /** Base64 DER SubjectPublicKeyInfo, as SendGrid shows its verification key. */
  publicKey: string;
  privateKey: KeyObject;
}

/** A fresh key pair, so a test can sign webhooks exactly as SendGrid does (and sign with a wrong one). */
export function createSendGridKeys(): SendGridKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'), privateKey };
}

/** SendGrid's two signature headers for `body`: ECDSA SHA-256 over the timestamp string followed by the raw body. */
export function sendGridHeaders(
  keys: SendGridKeys,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const ts = String(timestamp);
  const signature = sign('sha256', Buffer.from(ts + body, 'utf8'), keys.privateKey).toString('base64');
  return {
    'x-twilio-email-event-webhook-signature': signature,
    'x-twilio-email-event-webhook-timestamp': ts,
  };
}

/** Posts raw bytes with these headers, as a provider's webhook delivery does: no API key. */
export async function postRaw(
  url: string,
  body: string,
  headers: Record<string, string>,
  contentType = 'application/json',
): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

/** What a webhook event needs to name one message of ours. */
export interface SentRef {
  email: string;
  /** Our idempotency key, as the provider echoes it back. */
  idempotencyKey: string;
  /** The provider's id of the message, as our message log keeps it. */
  providerMessageId: string;
}

/** One element of SendGrid's webhook array, shaped as its Event Webhook reference documents it. */
export function sendGridEvent(
  ref: SentRef,
  event: string,
  timestamp: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    email: ref.email,
    timestamp,
    event,
    sg_event_id: randomBytes(16).toString('base64url'),
    sg_message_id: `${ref.providerMessageId}.filterdrecv-5645d9c87f-6r2ch-1-5E5A8DFE-D.0`,
    'smtp-id': `<${ref.providerMessageId}@ismtpd-001>`,
    category: [],
    idempotency_key: ref.idempotencyKey,
    ...extra,
  };
}

/** Mailgun's `signature` object: the hex HMAC-SHA256, keyed with the webhook signing key, of timestamp + token. */
export function mailgunSignature(
  signingKey: string,
  timestamp = Math.floor(Date.now() / 1000),
  token = randomBytes(25).toString('hex'),
): { timestamp: string; token: string; signature: string } {
  const ts = String(timestamp);
  return {
    timestamp: ts,
    token,
    signature: createHmac('sha256', signingKey)
      .update(ts + token)
      .digest('hex'),
  };
}

/** A Mailgun webhook body (`signature` + `event-data`) about one message, freshly signed. */
export function mailgunWebhook(
  signingKey: string,
  ref: SentRef,
  event: string,
  timestamp: number,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    signature: mailgunSignature(signingKey),
    'event-data': {
      event,
      id: randomBytes(11).toString('base64url'),
      timestamp,
      recipient: ref.email,
      message: { headers: { 'message-id': ref.providerMessageId } },
      'user-variables': { idempotency_key: ref.idempotencyKey },
      ...extra,
    },
  });
}

/** Adds a contact and posts their signup; the built-in onboarding sequence sends the welcome email. */
export async function signUp(call: Call, id: string, email: string): Promise<void> {
  const created = await call('POST', '/v1/contacts', { id, email, traits: { first_name: 'Ada' } });
  expect(created.status).toBe(201);
  const signup = await call('POST', '/v1/events', { contactId: id, name: 'signup', idempotencyKey: `signup-${id}` });
  expect(signup.status).toBe(202);
  expect(signup.body.enrolled).toEqual(['onboarding']);
}

/** Polls the contact's message log until a message satisfies `match`; returns it. */
export async function awaitMessage(
  call: Call,
  contactId: string,
  match: (m: Record<string, any>) => boolean,
): Promise<Record<string, any>> {
  return eventually(async () => {
    const res = await call('GET', `/v1/contacts/${contactId}/messages`);
    return (res.body.messages as Record<string, any>[] | undefined)?.find(match);
  }, 15_000);
}

/** The message and its timeline as GET /v1/messages/:id shows them. */
export async function readMessage(call: Call, id: string): Promise<Record<string, any>> {
  const res = await call('GET', `/v1/messages/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}

/** The timeline as [status, source] pairs, oldest first. */
export function timelineOf(message: Record<string, any>): Array<[string, string]> {
  return (message.timeline as Array<{ status: string; source: string }>).map((e) => [e.status, e.source]);
}

/** The address's active suppression entry, if any, as GET /v1/suppressions?email= shows it. */
export async function suppressionOf(call: Call, email: string): Promise<Record<string, any> | undefined> {
  const res = await call('GET', `/v1/suppressions?email=${encodeURIComponent(email)}`);
  expect(res.status).toBe(200);
  return res.body.suppressions[0];
}

/** Seconds since the epoch, a little ahead so provider events sort after the engine's own on the timeline. */
export function eventClock(): number {
  return Math.ceil(Date.now() / 1000) + 1;
}

/** The stack's webhook URL for a provider. */
export function webhookUrl(t: TestStack, provider: 'sendgrid' | 'mailgun'): string {
  return `${t.api}/v1/webhooks/${provider}`;
}
