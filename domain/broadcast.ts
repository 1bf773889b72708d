/**
 * Broadcasts: one message (an email, a text, an in-app message or a push) to a frozen snapshot of a segment. Types
 * and pure rules shared by API, workflow and activities.
 */
import type { Channel } from './messages';

/**
 * The channels a broadcast sends on. A webhook is not one: it goes to one URL per send, from a sequence step.
 */
export const BROADCAST_CHANNELS = ['email', 'sms', 'in_app', 'push'] as const satisfies readonly Channel[];
export type BroadcastChannel = (typeof BROADCAST_CHANNELS)[number];

export const BROADCAST_STATUSES = [
  'draft',
  'scheduled',
  'awaiting_approval',
  'sending',
  'paused',
  'completed',
  'cancelled',
  'rejected',
  'failed',
] as const;
export type BroadcastStatus = (typeof BROADCAST_STATUSES)[number];

/** Statuses a broadcast never leaves. */
export const FINAL_BROADCAST_STATUSES: readonly BroadcastStatus[] = ['completed', 'cancelled', 'rejected', 'failed'];

export const RECIPIENT_STATUSES = ['pending', 'sending', 'sent', 'skipped', 'failed'] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

/**
 * Why a recipient was not sent to. Beyond email: `no_consent`, the contact has not agreed to texts (or sent STOP);
 * `no_address`, the contact has nowhere to receive it on the channel (no phone number, no push device).
 */
export const SKIP_REASONS = [
  'unsubscribed',
  'unsubscribed_topic',
  'suppressed',
  'capped',
  'contact_deleted',
  'no_consent',
  'no_address',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** What a marketing broadcast does with a recipient over the frequency cap. */
export type CappedPolicy = 'skip' | 'defer';

/** A local time of day, HH:MM on a 24-hour clock. */
export const LOCAL_TIME_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;

/** One broadcast, one workflow: its id is derived from the broadcast's, so a second start finds the first. */
export function getBroadcastWorkflowId(broadcastId: string): string {
  return `broadcast:${broadcastId}`;
}

/** The outbox key of one recipient's message: a retried or resumed batch finds the first attempt's row. */
export function getBroadcastIdempotencyKey(broadcastId: string, contactId: string): string {
  return `broadcast:${broadcastId}:${contactId}`;
}

/**
 * How many recipients one batch activity claims: about twenty seconds of sending at the broadcast's rate, at least
 * one and at most 500, so a pause takes effect quickly and a lost batch costs little to redo.
 */
export function broadcastBatchSize(ratePerSecond: number): number {
  return Math.max(1, Math.min(500, Math.floor(ratePerSecond * 20)));
}

/** How many sends one batch runs at once: enough to keep the rate when each send waits on the database and SMTP. */
export function broadcastConcurrency(ratePerSecond: number): number {
  return Math.max(1, Math.min(32, Math.ceil(ratePerSecond / 20)));
}

/** Per-status counts of a broadcast's recipients, as GET /v1/broadcasts/:id shows them. */
export interface BroadcastCounts {
  recipients: number;
  sent: number;
  skipped: number;
  skippedByReason: Partial<Record<SkipReason, number>>;
  failed: number;
  /** Not yet sent, skipped or failed (pending, or in a batch now). */
  remaining: number;
}
