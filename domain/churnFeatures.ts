/** Behavioural churn signals of one user, computed from the user's stored events. */

/** A stored behavioural event. */
export interface BehaviourEvent {
  name: string;
  occurredAt: Date | string;
  properties?: Readonly<Record<string, unknown>> | null;
}

/** Length of the recent window and of the baseline window just before it, in days. */
export interface FeatureWindows {
  recentDays: number;
  baselineDays: number;
}

/** The behavioural churn signals of one user. */
export interface ChurnFeatures {
  /** Share of the baseline daily login rate lost in the recent window, 0..1 (0 when there is no baseline). */
  login_frequency_decline: number;
  /** Same measure for product usage events, 0..1. */
  feature_usage_drop: number;
  /** Support tickets in the recent window beyond what the baseline rate predicts, >= 0. */
  support_tickets_increase: number;
  /** `payment_failed` events in the recent window. */
  payment_failures: number;
  /** The latest `nps_submitted` score is 6 or below (a detractor). */
  nps_score_low: boolean;
  /** That latest score, or null when none was submitted. */
  latest_nps_score: number | null;
}

/** Default windows: the last two weeks compared with the eight weeks before them. */
export const defaultFeatureWindows: FeatureWindows = { recentDays: 14, baselineDays: 56 };

const LOGIN_EVENTS = new Set(['login', 'logged_in', 'session_started']);
const TICKET_EVENTS = new Set(['support_ticket_created', 'support_ticket_opened', 'ticket_created']);
// Account-level events that say nothing about product usage.
const NON_PRODUCT_PREFIXES = [
  'login',
  'logged_',
  'logout',
  'session_',
  'support_',
  'ticket_',
  'payment_',
  'nps_',
  'email_',
  'subscription_',
  'invoice_',
];
const DAY_MS = 86_400_000;

function toTime(value: Date | string): number {
  return value instanceof Date ? value.getTime() : Date.parse(value);
}

/** Relative drop of the recent daily rate against the baseline daily rate, clamped to 0..1. */
function rateDecline(recent: number, baseline: number, windows: FeatureWindows): number {
  if (baseline === 0) return 0; // Nothing to decline from: a new or always-idle user.
  const ratio = recent / windows.recentDays / (baseline / windows.baselineDays);
  return Math.min(1, Math.max(0, 1 - ratio));
}

/**
 * Computes the behavioural churn features from a user's stored events. The recent window is
 * (now - recentDays, now]; the baseline is the baselineDays before it. Events in the future or with unreadable
 * timestamps are ignored. Product usage counts `feature_used` events when there are any in the two windows,
 * and otherwise every event that is not a login, support, payment, NPS, email or billing event.
 */
export function churnFeaturesFromEvents(
  events: readonly BehaviourEvent[],
  now: Date | string,
  windows: FeatureWindows = defaultFeatureWindows,
): ChurnFeatures {
  if (!(windows.recentDays > 0 && windows.baselineDays > 0)) throw new RangeError('windows must be positive');
  const nowMs = toTime(now);
  if (!Number.isFinite(nowMs)) throw new RangeError('now is not a valid date');
  const recentStart = nowMs - windows.recentDays * DAY_MS;
  const baselineStart = recentStart - windows.baselineDays * DAY_MS;

  const counts = { recentLogins: 0, baseLogins: 0, recentFeature: 0, baseFeature: 0, recentOther: 0, baseOther: 0 };
  let recentTickets = 0;
  let baseTickets = 0;
  let paymentFailures = 0;
  let latestNps: { at: number; score: number } | undefined;

  for (const event of events) {
    const at = toTime(event.occurredAt);
    if (!Number.isFinite(at) || at > nowMs) continue;
    const name = event.name;
    if (name === 'nps_submitted') {
      const score = Number(event.properties?.['score']);
      if (Number.isFinite(score) && (latestNps === undefined || at >= latestNps.at)) latestNps = { at, score };
    }
    const inRecent = at > recentStart;
    const inBaseline = !inRecent && at > baselineStart;
    if (!inRecent && !inBaseline) continue;
    if (LOGIN_EVENTS.has(name)) {
      if (inRecent) counts.recentLogins++;
      else counts.baseLogins++;
    } else if (TICKET_EVENTS.has(name)) {
      if (inRecent) recentTickets++;
      else baseTickets++;
    } else if (name === 'payment_failed') {
      if (inRecent) paymentFailures++;
    } else if (name === 'feature_used') {
      if (inRecent) counts.recentFeature++;
      else counts.baseFeature++;
    } else if (!NON_PRODUCT_PREFIXES.some((p) => name.startsWith(p))) {
      if (inRecent) counts.recentOther++;
      else counts.baseOther++;
    }
  }

  const hasFeatureEvents = counts.recentFeature + counts.baseFeature > 0;
  const usageRecent = hasFeatureEvents ? counts.recentFeature : counts.recentOther;
  const usageBase = hasFeatureEvents ? counts.baseFeature : counts.baseOther;
  const expectedTickets = (baseTickets / windows.baselineDays) * windows.recentDays;
  return {
    login_frequency_decline: rateDecline(counts.recentLogins, counts.baseLogins, windows),
    feature_usage_drop: rateDecline(usageRecent, usageBase, windows),
    support_tickets_increase: Math.max(0, recentTickets - expectedTickets),
    payment_failures: paymentFailures,
    nps_score_low: latestNps !== undefined && latestNps.score <= 6,
    latest_nps_score: latestNps?.score ?? null,
  };
}
