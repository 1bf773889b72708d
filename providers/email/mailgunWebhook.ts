import { createHmac, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { MessageStatus, ProviderEvent } from '../../domain/messages';
import { stripAngleBrackets } from './mailgun';

/** What verifying a webhook's signature concluded: 401 when it is missing, 403 when it is wrong or used up. */
export type MailgunSignatureCheck = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/** Input of verifyMailgunSignature. */
export interface MailgunSignatureInput {
  /** The HTTP webhook signing key of the Mailgun account (not the API key). */
  signingKey: string;
  /** The `signature` object of the webhook's JSON body. */
  signature: unknown;
  /** Milliseconds since the epoch; defaults to Date.now(). */
  now?: number;
  /** How far the signed timestamp may be from now, either way; defaults to 300. */
  toleranceSeconds?: number;
  /** True when this token was used before: the request is a replay. Asked only once the signature is valid. */
  seenToken?: (token: string) => boolean;
}

const signatureFields = z.object({
  timestamp: z.union([z.string().min(1), z.number()]),
  token: z.string().min(1),
  signature: z.string().min(1),
  'parent-signature': z.string().optional().catch(undefined),
});

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/**
 * Checks that a webhook came from Mailgun: the hex HMAC-SHA256, keyed with the signing key, of timestamp + token.
 * The signature does not cover the event itself, only that Mailgun made this token recently; so the timestamp must
 * be fresh and, with `seenToken`, each token is accepted once, which keeps a captured signature from carrying a
 * second body. A subaccount's event also carries a `parent-signature` made with the primary account's key: either
 * signature matching the key is accepted, so one primary key serves every subaccount.
 */
export function verifyMailgunSignature(input: MailgunSignatureInput): MailgunSignatureCheck {
  const parsed = signatureFields.safeParse(input.signature);
  if (!parsed.success) {
    return { ok: false, status: 401, reason: 'no Mailgun signature: timestamp, token and signature are required' };
  }
  const { token, signature } = parsed.data;
  const timestamp = String(parsed.data.timestamp);
  const parentSignature = parsed.data['parent-signature'];

  if (!HEX_SHA256.test(signature)) return { ok: false, status: 403, reason: 'signature is not 64 hex digits' };
  const expected = createHmac('sha256', input.signingKey)
    .update(timestamp + token)
    .digest();
  // Both comparisons always run, so timing says nothing about which one failed.
  const matches = [signature, parentSignature]
    .map(
      (candidate) =>
        !!candidate && HEX_SHA256.test(candidate) && timingSafeEqual(Buffer.from(candidate, 'hex'), expected),
    )
    .some(Boolean);
  if (!matches) return { ok: false, status: 403, reason: 'signature does not match the signing key' };

  const toleranceSeconds = input.toleranceSeconds ?? 300;
  const signedAt = Number(timestamp);
  const nowSeconds = (input.now ?? Date.now()) / 1000;
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - signedAt) > toleranceSeconds) {
    return { ok: false, status: 403, reason: `timestamp ${timestamp} is not within ${toleranceSeconds} s of now` };
  }
  // Last, so only genuine, fresh tokens take a place in the memory: forged requests cannot crowd real ones out.
  if (input.seenToken?.(token)) return { ok: false, status: 403, reason: 'token already used: a replay' };
  return { ok: true };
}

/**
 * Remembers the tokens of accepted webhooks, to turn replays away, in a bounded LRU. Per process: behind several
 * API processes a replay can land on one that has not seen the token, and the timestamp check still bounds it to
 * the tolerance. A token only needs remembering for the tolerance window, so size it above the events per window.
 */
export function createTokenMemory(maxTokens = 10_000): (token: string) => boolean {
  const tokens = new LRUCache<string, true>({ max: maxTokens });
  return (token) => {
    if (tokens.has(token)) return true;
    tokens.set(token, true);
    return false;
  };
}

/** What parseMailgunEvent made of a webhook body: an event to record, or why there is none. */
export interface MailgunEventParse {
  event?: ProviderEvent;
  /** A well-formed event we do not track (accepted, stored, ...): acknowledge it and move on. */
  ignored?: string;
  /** A body that is not a Mailgun event. */
  invalid?: string;
}

// Optional fields fall back to undefined when malformed: one odd field should not lose the event.
const text = z.string().optional().catch(undefined);
const eventData = z.looseObject({
  event: z.string().min(1),
  id: z.string().min(1),
  /** Seconds since the epoch, with a fraction. */
  timestamp: z.number().finite(),
  recipient: text,
  severity: text,
  reason: text,
  url: text,
  ip: text,
  'delivery-status': z.looseObject({ message: text, description: text }).optional().catch(undefined),
  message: z
    .looseObject({ headers: z.looseObject({ 'message-id': text }).optional().catch(undefined) })
    .optional()
    .catch(undefined),
  'user-variables': z.looseObject({ idempotency_key: text }).optional().catch(undefined),
  'client-info': z
    .looseObject({ 'user-agent': text, 'client-name': text, bot: z.unknown().optional() })
    .optional()
    .catch(undefined),
});
const webhookBody = z.looseObject({ 'event-data': eventData });
type EventData = z.infer<typeof eventData>;

const SIMPLE_STATUSES: Partial<Record<string, MessageStatus>> = {
  delivered: 'delivered',
  complained: 'complained',
  opened: 'opened',
  clicked: 'clicked',
  unsubscribed: 'unsubscribed',
};

/**
 * Turns the body of a Mailgun webhook into the event every provider's parser produces. Verify its signature first:
 * nothing here is trusted. A permanent failure is a hard bounce, except when Mailgun did not even try because the
 * address is on its own suppression list (reason `suppress-*`): that is a drop, not news about the mailbox.
 */
export function parseMailgunEvent(body: unknown): MailgunEventParse {
  const parsed = webhookBody.safeParse(body);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') || 'body';
    return { invalid: `not a Mailgun event: ${where} is missing or malformed` };
  }
  const data = parsed.data['event-data'];

  let status: MessageStatus | undefined = SIMPLE_STATUSES[data.event];
  let extra: Partial<ProviderEvent> = {};
  if (data.event === 'failed') {
    const reason = failureReason(data);
    if (data.severity === 'temporary') {
      status = 'deferred';
    } else if (data.severity === 'permanent') {
      status = data.reason?.startsWith('suppress-') ? 'dropped' : 'bounced';
      if (status === 'bounced') extra = { bounceType: 'hard' };
    } else {
      return { invalid: `failed event ${data.id} has no permanent or temporary severity` };
    }
    if (reason) extra = { ...extra, reason };
  }
  if (!status) return { ignored: `Mailgun event '${data.event}' is not tracked` };

  if (data.event === 'opened' || data.event === 'clicked') {
    const client = data['client-info'];
    extra = {
      ...(data.event === 'clicked' && data.url ? { url: data.url } : {}),
      ...(client?.['user-agent'] ? { userAgent: client['user-agent'] } : {}),
      ...(data.ip ? { ip: data.ip } : {}),
      machine:
        !!client?.bot || (data.event === 'opened' && client?.['client-name'] === 'Apple Mail Privacy Protection'),
    };
  }

  const messageId = data.message?.headers?.['message-id'];
  const idempotencyKey = data['user-variables']?.idempotency_key;
  return {
    event: {
      provider: 'mailgun',
      eventId: data.id,
      status,
      occurredAt: new Date(Math.round(data.timestamp * 1000)),
      ...(data.recipient ? { email: data.recipient.trim().toLowerCase() } : {}),
      ...(idempotencyKey ? { idempotencyKey } : {}),
      ...(messageId ? { providerMessageId: stripAngleBrackets(messageId) } : {}),
      ...extra,
    },
  };
}

/** The receiving server's words when Mailgun passes them on, else Mailgun's own short reason. */
function failureReason(data: EventData): string | undefined {
  const status = data['delivery-status'];
  return [status?.message, status?.description, data.reason].map((r) => r?.trim()).find((r) => !!r);
}
