import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { BounceType, MessageStatus, ProviderEvent } from '../../domain/messages';

const KEY_VARIABLE = 'SENDGRID_WEBHOOK_PUBLIC_KEY';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * Reads the verification key SendGrid shows for its Signed Event Webhook. Called when configuration is validated,
 * so a mistyped key stops the start-up instead of turning every webhook into a 403.
 */
export function parseSendGridPublicKey(base64: string): KeyObject {
  const text = base64.replace(/\s+/g, '');
  const expected =
    `${KEY_VARIABLE} must be the verification key shown in SendGrid's Signed Event Webhook settings: ` +
    'the base64 of a P-256 (prime256v1) public key in DER SubjectPublicKeyInfo form';
  if (!text) throw new Error(`${expected}; it is empty`);
  if (!BASE64.test(text)) throw new Error(`${expected}; it is not base64`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new Error(`${expected}; it does not decode to a public key`);
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') {
    const found =
      key.asymmetricKeyType === 'ec'
        ? `an EC key on ${curve ?? 'an unknown curve'}`
        : `a ${key.asymmetricKeyType ?? 'different'} key`;
    throw new Error(`${expected}; it is ${found}`);
  }
  return key;
}

/** What the route needs to check one webhook request: the configured key, the two headers and the raw body. */
export interface SendGridRequest {
  key: KeyObject;
  /** The `X-Twilio-Email-Event-Webhook-Signature` header. */
  signature: string | undefined;
  /** The `X-Twilio-Email-Event-Webhook-Timestamp` header. */
  timestamp: string | undefined;
  /** The body exactly as received: re-serialised JSON would not match the signature. */
  rawBody: Buffer;
  /** The current time in ms; defaults to Date.now(). */
  now?: number;
  /** How far the signed timestamp may be from now, either way; defaults to 300 seconds. */
  toleranceSeconds?: number;
}

export type SendGridVerification = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/**
 * Checks that a webhook request was signed by SendGrid and recently. The signed timestamp bounds replays of a
 * captured request to the tolerance window; duplicates inside it are stopped by the event id. Never throws: a
 * request anyone can send must not be able to crash the route.
 */
export function verifySendGridRequest(input: SendGridRequest): SendGridVerification {
  const { key, signature, timestamp, rawBody } = input;
  if (!signature || !timestamp) {
    return { ok: false, status: 401, reason: 'The request is not signed: SendGrid signature headers are missing' };
  }
  if (!/^\d{1,15}$/.test(timestamp)) {
    return { ok: false, status: 403, reason: 'The signature timestamp is not a number of seconds' };
  }
  const now = input.now ?? Date.now();
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const skew = Number(timestamp) - now / 1000;
  if (skew < -tolerance) {
    return { ok: false, status: 403, reason: `The signature timestamp is more than ${tolerance} seconds old` };
  }
  if (skew > tolerance) {
    return { ok: false, status: 403, reason: `The signature timestamp is more than ${tolerance} seconds ahead` };
  }
  if (!BASE64.test(signature)) return { ok: false, status: 403, reason: 'The signature is not base64' };
  let valid: boolean;
  try {
    const payload = Buffer.concat([Buffer.from(timestamp, 'utf8'), rawBody]);
    valid = verify('sha256', payload, key, Buffer.from(signature, 'base64'));
  } catch {
    // A signature that is not DER, or a key of the wrong type: either way, not SendGrid's signature.
    valid = false;
  }
  return valid ? { ok: true } : { ok: false, status: 403, reason: 'The signature does not match the request' };
}

/** One element of SendGrid's webhook array; loose because SendGrid adds fields, and custom args arrive at the top. */
export const sendGridEventSchema = z.looseObject({
  event: z.string(),
  sg_event_id: z.string().min(1),
  timestamp: z.number().nonnegative(),
  email: z.string(),
  sg_message_id: z.string().optional(),
  idempotency_key: z.string().optional(),
  reason: z.string().optional(),
  response: z.string().optional(),
  status: z.string().optional(),
  type: z.enum(['bounce', 'blocked']).optional(),
  bounce_classification: z.string().optional(),
  url: z.string().optional(),
  useragent: z.string().optional(),
  ip: z.string().optional(),
  sg_machine_open: z.boolean().optional(),
});
export type SendGridEvent = z.infer<typeof sendGridEventSchema>;

const STATUS_BY_EVENT: Partial<Record<string, MessageStatus>> = {
  delivered: 'delivered',
  deferred: 'deferred',
  bounce: 'bounced',
  dropped: 'dropped',
  spamreport: 'complained',
  open: 'opened',
  click: 'clicked',
  unsubscribe: 'unsubscribed',
  group_unsubscribe: 'unsubscribed',
};

// On these, `ip` is the address SendGrid sent from, not the recipient's, so it is not reported as theirs.
const DELIVERY_EVENTS = new Set(['delivered', 'deferred', 'bounce', 'dropped']);

/** The outcome of one webhook body: events to record, how many we have no use for, and elements we could not read. */
export interface ParsedSendGridEvents {
  events: ProviderEvent[];
  /** `processed`, `group_resubscribe` and event names we do not know. */
  ignored: number;
  invalid: { index: number; error: string }[];
}

/**
 * Turns SendGrid's webhook body into our provider events. One unreadable element must not cost the rest of the
 * batch (SendGrid would retry it whole), so elements are checked one by one and the bad ones reported, not thrown.
 */
export function parseSendGridEvents(body: unknown): ParsedSendGridEvents {
  if (!Array.isArray(body)) {
    throw new Error(`A SendGrid webhook body must be a JSON array of events; received ${describe(body)}`);
  }
  const result: ParsedSendGridEvents = { events: [], ignored: 0, invalid: [] };
  body.forEach((element: unknown, index) => {
    const parsed = sendGridEventSchema.safeParse(element);
    if (!parsed.success) {
      result.invalid.push({ index, error: formatIssues(parsed.error) });
      return;
    }
    const event = toProviderEvent(parsed.data);
    if (event) result.events.push(event);
    else result.ignored += 1;
  });
  return result;
}

function toProviderEvent(e: SendGridEvent): ProviderEvent | undefined {
  const status = STATUS_BY_EVENT[e.event];
  if (!status) return undefined;
  const event: ProviderEvent = {
    provider: 'sendgrid',
    eventId: e.sg_event_id,
    status,
    occurredAt: new Date(e.timestamp * 1000),
  };
  const email = e.email.trim().toLowerCase();
  if (email) event.email = email;
  if (e.idempotency_key) event.idempotencyKey = e.idempotency_key;
  // SendGrid reports the X-Message-Id we stored followed by a filter suffix: `<id>.filter0001.16648.5515E0B88.0`.
  const messageId = e.sg_message_id?.split('.')[0];
  if (messageId) event.providerMessageId = messageId;

  const reason = reasonOf(e);
  if (reason) event.reason = reason;
  const bounceType = bounceTypeOf(e);
  if (bounceType) event.bounceType = bounceType;
  if (e.event === 'open') event.machine = e.sg_machine_open === true;
  if (e.event === 'click' && e.url) event.url = e.url;
  if (!DELIVERY_EVENTS.has(e.event)) {
    if (e.useragent) event.userAgent = e.useragent;
    if (e.ip) event.ip = e.ip;
  }
  return event;
}

function reasonOf(e: SendGridEvent): string | undefined {
  // A deferral's explanation is the receiving server's answer, which SendGrid puts in `response`.
  if (e.event === 'deferred') return e.response ?? e.reason;
  if (e.event === 'bounce' || e.event === 'dropped') return e.reason;
  return undefined;
}

function bounceTypeOf(e: SendGridEvent): BounceType | undefined {
  if (e.event !== 'bounce') return undefined;
  // `blocked` is a refusal of this message (reputation, content), not of the address: worth trying again later.
  return e.type === 'blocked' ? 'soft' : 'hard';
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'element'}: ${issue.message}`)
    .join('; ');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
