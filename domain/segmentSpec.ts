import { z } from 'zod';
import { isValidTimeZone } from './sequences/time';

/** Segment's own limits, so a source that respects them upstream is never refused here. */
export const SEGMENT_CALL_MAX_BYTES = 32 * 1024;
export const SEGMENT_BATCH_MAX_BYTES = 500 * 1024;

/** The call types a batch may carry; only identify and track change anything here. */
export const SEGMENT_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
export type SegmentType = (typeof SEGMENT_TYPES)[number];

/** Event names the product emits itself (contract: POST /v1/events refuses them too). */
export const RESERVED_EVENT_PREFIXES = ['email.', 'segment.'] as const;

/** The idempotency key an event from a Segment message is stored under: a redelivered message is a no-op. */
export const segmentIdempotencyKey = (messageId: string) => `segment:${messageId}`;

/** Segment sends ids as strings, some libraries as numbers; both are the same user. */
const id = z
  .union([z.string(), z.number().finite()])
  .transform(String)
  .pipe(z.string().trim().max(200, 'must be at most 200 characters'));
const record = z.record(z.string(), z.unknown());

/**
 * The fields of a Segment message this product reads. Sources send many more (`integrations`, `sentAt`, `channel`,
 * `version`...), so unknown fields pass and are ignored.
 */
const message = z.object({
  type: z.string().optional(),
  userId: id.nullish(),
  anonymousId: id.nullish(),
  messageId: z.string().min(1).max(190, 'must be at most 190 characters').optional(),
  timestamp: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date and time with a zone' }).optional(),
  event: z
    .string()
    .trim()
    .min(1, 'a track call needs an event name')
    .max(200, 'must be at most 200 characters')
    .regex(/^[^\u0000-\u001f\u007f]+$/, 'may not hold control characters')
    .refine(
      (name) => !RESERVED_EVENT_PREFIXES.some((p) => name.startsWith(p)),
      `names starting with ${RESERVED_EVENT_PREFIXES.join(' or ')} are the product's own events`,
    )
    .optional(),
  traits: z
    .record(z.string().max(100, 'trait names are at most 100 characters'), z.unknown())
    .nullish()
    .transform((t) => t ?? {}),
  properties: z
    .record(z.string().max(200), z.unknown())
    .nullish()
    .transform((p) => p ?? {}),
  context: record.nullish().transform((c) => c ?? {}),
});

/** What one Segment message asks of the product, once read. */
export type SpecCall =
  | {
      kind: 'identify';
      userId: string;
      email?: string;
      timezone?: string;
      /** Every trait but the email, which is the contact's address rather than a trait. */
      traits: Record<string, unknown>;
    }
  | {
      kind: 'track';
      userId: string;
      event: string;
      properties: Record<string, unknown>;
      occurredAt?: Date;
      idempotencyKey?: string;
      /** From `context.traits`: what creates the contact when the user is not known yet. */
      newContact?: { email: string; timezone?: string; traits: Record<string, unknown> };
    }
  /** Only an anonymousId: nobody to address yet, so it is counted and not kept. */
  | { kind: 'anonymous' }
  /** page, screen, group, alias: valid Segment calls this product has no use for. */
  | { kind: 'ignored'; type: SegmentType };

/** Why a message was refused: the field at fault and a sentence for the source's delivery log. */
export interface SpecRefusal {
  field: string;
  reason: string;
}

export type SpecParse = { ok: true; call: SpecCall } | ({ ok: false } & SpecRefusal);

const utf8 = new TextEncoder();
const refuse = (field: string, reason: string): SpecParse => ({ ok: false, field, reason });
const emailSchema = z.email().max(320);

/** The email in a traits object, when there is a valid one; a present but invalid one is a refusal. */
function emailIn(traits: Record<string, unknown>, field: string): { email?: string } | SpecRefusal {
  const raw = traits.email;
  if (raw === undefined || raw === null || raw === '') return {};
  const parsed = emailSchema.safeParse(typeof raw === 'string' ? raw.trim() : raw);
  return parsed.success ? { email: parsed.data } : { field, reason: 'must be an email address' };
}

/** A device's time zone that is not an IANA name is dropped rather than refused: the call is still worth having. */
const timezoneIn = (context: Record<string, unknown>) =>
  typeof context.timezone === 'string' && isValidTimeZone(context.timezone) ? context.timezone : undefined;

const withoutEmail = ({ email: _email, ...rest }: Record<string, unknown>) => rest;

/**
 * Reads one Segment message. `type` is the route's (identify, track) or, in a batch, the message's own. Each
 * problem names its field, as Segment's spec names it, so a source's owner can find it in their payload.
 */
export function parseSpecCall(raw: unknown, routeType?: 'identify' | 'track'): SpecParse {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return refuse('(item)', 'must be a Segment message object');
  const json = JSON.stringify(raw);
  const bytes = utf8.encode(json).length;
  if (bytes > SEGMENT_CALL_MAX_BYTES)
    return refuse('(item)', `the message is ${bytes} bytes; Segment's limit is 32 KB per call`);
  // PostgreSQL cannot store a NUL character in text or jsonb: refused here, so one message cannot sink its batch.
  if (json.includes('\\u0000')) return refuse('(item)', 'holds a NUL character (\\u0000), which cannot be stored');
  const parsed = message.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return refuse(issue.path.map(String).join('.') || '(item)', issue.message);
  }
  const m = parsed.data;
  const type = routeType ?? m.type;
  if (!type || !(SEGMENT_TYPES as readonly string[]).includes(type))
    return refuse('type', `must be one of ${SEGMENT_TYPES.join(', ')}`);
  if (!m.userId && !m.anonymousId) return refuse('userId', 'a message needs a userId or an anonymousId');
  if (type !== 'identify' && type !== 'track')
    return { ok: true, call: { kind: 'ignored', type: type as SegmentType } };
  if (type === 'track' && !m.event) return refuse('event', 'a track call needs an event name');
  if (!m.userId) return { ok: true, call: { kind: 'anonymous' } };
  const timezone = timezoneIn(m.context);

  if (type === 'identify') {
    const found = emailIn(m.traits, 'traits.email');
    if ('reason' in found) return refuse(found.field, found.reason);
    return {
      ok: true,
      call: {
        kind: 'identify',
        userId: m.userId,
        ...found,
        ...(timezone ? { timezone } : {}),
        traits: withoutEmail(m.traits),
      },
    };
  }

  const contextTraits = record.safeParse(m.context.traits);
  const traits = contextTraits.success ? contextTraits.data : {};
  const found = emailIn(traits, 'context.traits.email');
  if ('reason' in found) return refuse(found.field, found.reason);
  return {
    ok: true,
    call: {
      kind: 'track',
      userId: m.userId,
      event: m.event!,
      properties: m.properties,
      ...(m.timestamp ? { occurredAt: new Date(m.timestamp) } : {}),
      ...(m.messageId ? { idempotencyKey: segmentIdempotencyKey(m.messageId) } : {}),
      ...(found.email
        ? {
            newContact: {
              email: found.email,
              ...(timezone ? { timezone } : {}),
              traits: withoutEmail(traits),
            },
          }
        : {}),
    },
  };
}
