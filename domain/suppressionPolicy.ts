import type { BounceType, MessageStatus } from './messages';

/** When soft bounces suppress an address: `limit` of them within `windowDays` suppress it for `suppressDays`. */
export interface SoftBouncePolicy {
  limit: number;
  windowDays: number;
  suppressDays: number;
}

/** The defaults README.md documents: three soft bounces in a week keep the address out for two weeks. */
export const DEFAULT_SOFT_BOUNCE_POLICY: SoftBouncePolicy = { limit: 3, windowDays: 7, suppressDays: 14 };

const DAY_MS = 24 * 3600 * 1000;

export type SuppressionDecision =
  { suppress: false } | { suppress: true; reason: 'hard_bounce' | 'complaint' | 'soft_bounce'; expiresAt?: Date };

/**
 * What an outcome does to its address. A hard bounce (the mailbox does not exist) and a complaint (the person
 * marked it spam) suppress at once and for good: mailing either again is what gets a sending domain blocklisted. A
 * soft bounce (full mailbox, greylisting, a receiving server's temporary block) suppresses only when it keeps
 * happening, and then for a while, since the mailbox usually recovers.
 */
export function suppressionFor(
  outcome: { status: MessageStatus; bounceType?: BounceType; at: Date },
  softBouncesInWindow: number,
  policy: SoftBouncePolicy,
): SuppressionDecision {
  if (outcome.status === 'complained') return { suppress: true, reason: 'complaint' };
  if (outcome.status !== 'bounced') return { suppress: false };
  if (outcome.bounceType !== 'soft') return { suppress: true, reason: 'hard_bounce' };
  if (softBouncesInWindow < policy.limit) return { suppress: false };
  return {
    suppress: true,
    reason: 'soft_bounce',
    expiresAt: new Date(outcome.at.getTime() + policy.suppressDays * DAY_MS),
  };
}

/** Where the soft-bounce window starts for an outcome at `at`. */
export const softBounceWindowStart = (at: Date, policy: SoftBouncePolicy): Date =>
  new Date(at.getTime() - policy.windowDays * DAY_MS);
