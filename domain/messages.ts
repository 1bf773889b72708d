/**
 * The message log's vocabulary, shared by the send path, the providers' webhooks, our own tracking and the API.
 * A message is one send on one channel; its timeline is a list of events, each with one of these statuses.
 */

/** How a message reaches a person: email, a text message, a signed POST to a URL, the in-app inbox, a push. */
export const CHANNELS = ['email', 'sms', 'webhook', 'in_app', 'push'] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * The template formats each channel sends: email and the in-app inbox HTML (or MJML), SMS plain text, a webhook
 * JSON, a push either (a text template's subject is its title; a JSON one renders `{title, body, data}`).
 */
export const CHANNEL_FORMATS: Record<Channel, readonly string[]> = {
  email: ['mjml', 'html'],
  in_app: ['mjml', 'html'],
  sms: ['text'],
  webhook: ['json'],
  push: ['text', 'json'],
};

export const MESSAGE_STATUSES = [
  'queued',
  'sent',
  'delivered',
  'deferred',
  'bounced',
  'dropped',
  'complained',
  'opened',
  'clicked',
  'unsubscribed',
  'failed',
  'suppressed',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/**
 * Where an event of the timeline came from: the send path, a provider's webhook (Twilio's delivery callbacks for
 * SMS), or our own tracking (the open pixel and links of email, reads and clicks in the in-app inbox).
 */
export const EVENT_SOURCES = ['engine', 'sendgrid', 'mailgun', 'twilio', 'tracking'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

export type BounceType = 'hard' | 'soft';

/**
 * One event a provider reported about a message, in the shape every provider's webhook parser produces. Matching to
 * a message tries `idempotencyKey` (our custom argument, set at send), then `providerMessageId`, then (bounces and
 * complaints only) the latest message to `email`.
 */
export interface ProviderEvent {
  provider: Exclude<EventSource, 'engine' | 'tracking'>;
  /** The provider's own id of this event: the same id twice is stored once. */
  eventId: string;
  status: MessageStatus;
  occurredAt: Date;
  /** The recipient, lower-cased. */
  email?: string;
  idempotencyKey?: string;
  providerMessageId?: string;
  bounceType?: BounceType;
  /** The provider's reason for a bounce, drop, deferral or failure. */
  reason?: string;
  /** The link clicked. */
  url?: string;
  userAgent?: string;
  ip?: string;
  /** The provider says a machine did it (Apple Mail Privacy Protection, a link scanner). */
  machine?: boolean;
}

/**
 * How far along a message got, for its one-word status: the highest rank among its events (machine opens and
 * clicks excluded). Ends that stop a message (bounced, dropped, failed, suppressed, complained) outrank engagement.
 */
export const STATUS_RANK: Record<MessageStatus, number> = {
  queued: 0,
  deferred: 1,
  sent: 2,
  delivered: 3,
  opened: 4,
  clicked: 5,
  unsubscribed: 6,
  complained: 7,
  bounced: 8,
  dropped: 8,
  failed: 8,
  suppressed: 8,
};
