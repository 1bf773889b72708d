/**
 * Behavioural churn signals of one user, computed from the user's stored events; their names in plain words; and how
 * the columns of a CSV export map onto them, so a model trained on an export can score users from their events.
 */

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

/** The event features a churn model may read, in the order a model trained on events holds them. */
export const EVENT_FEATURES = [
  'login_frequency_decline',
  'feature_usage_drop',
  'support_tickets_increase',
  'payment_failures',
  'nps_score_low',
] as const;

/** One of {@link EVENT_FEATURES}. */
export type EventFeature = (typeof EVENT_FEATURES)[number];

/** Each event feature in plain words, for people reading a model or why a contact is at risk. */
export const EVENT_FEATURE_LABELS: Readonly<Record<EventFeature, string>> = {
  login_frequency_decline: 'Logging in less than usual',
  feature_usage_drop: 'Using the product less than usual',
  support_tickets_increase: 'More support tickets than usual',
  payment_failures: 'Failed payments in the last two weeks',
  nps_score_low: 'Low satisfaction score (6 or below)',
};

/** Whether a column name is one of the event features. */
export const isEventFeature = (name: string): name is EventFeature =>
  (EVENT_FEATURES as readonly string[]).includes(name);

/**
 * How a CSV cell becomes an event feature's value: `as_is` (the column already measures the feature),
 * `six_or_below` (a 0 to 10 satisfaction score: 1 for a detractor, as `nps_score_low`), `above_zero` (1 for any at
 * all: minutes with support become "contacted support").
 */
export type ColumnTransform = 'as_is' | 'six_or_below' | 'above_zero';

/** One CSV column read as an event feature. */
export interface MappedColumn {
  column: string;
  feature: EventFeature;
  transform: ColumnTransform;
}

/** A CSV column the event features have no place for, and why. */
export interface DroppedColumn {
  column: string;
  reason: string;
}

/** Which columns of a CSV export stand for which event features, and which are left out. */
export interface CsvFeatureMapping {
  columns: MappedColumn[];
  dropped: DroppedColumn[];
}

/**
 * Export columns (lower-cased headers) that stand for an event feature. A snapshot export has no "before" to
 * compare with, so nothing in it measures a decline: only satisfaction, support and payments have equivalents.
 */
export const KNOWN_CSV_COLUMNS: Readonly<Record<string, { feature: EventFeature; transform: ColumnTransform }>> = {
  ...Object.fromEntries(EVENT_FEATURES.map((f) => [f, { feature: f, transform: 'as_is' as const }])),
  csat_score: { feature: 'nps_score_low', transform: 'six_or_below' },
  nps_score: { feature: 'nps_score_low', transform: 'six_or_below' },
  nps: { feature: 'nps_score_low', transform: 'six_or_below' },
  latest_nps_score: { feature: 'nps_score_low', transform: 'six_or_below' },
  minutes_customer_support: { feature: 'support_tickets_increase', transform: 'above_zero' },
  support_minutes: { feature: 'support_tickets_increase', transform: 'above_zero' },
  failed_payments: { feature: 'payment_failures', transform: 'as_is' },
};

/** A transform in plain words. */
export function describeTransform(transform: ColumnTransform): string {
  switch (transform) {
    case 'six_or_below':
      return '1 for a score of 6 or below (a detractor on a 0 to 10 scale), else 0';
    case 'above_zero':
      return '1 when above zero, else 0';
    case 'as_is':
      return 'the value as it is';
  }
}

/**
 * Maps a CSV's feature columns (label and excluded columns already left out) onto the event features: first the
 * caller's own `extra` mappings (column to feature, value as it is), then {@link KNOWN_CSV_COLUMNS} in header
 * order. One column per feature: a later column for a feature already taken is dropped, as is every column no
 * event carries. Throws on an `extra` naming an unknown column or feature.
 */
export function mapCsvColumns(
  columns: readonly string[],
  extra: Readonly<Record<string, EventFeature>> = {},
): CsvFeatureMapping {
  const taken = new Map<EventFeature, string>();
  const mapped: MappedColumn[] = [];
  for (const [column, feature] of Object.entries(extra)) {
    if (!isEventFeature(feature))
      throw new Error(`'${feature}' is not an event feature; the event features are: ${EVENT_FEATURES.join(', ')}`);
    if (!columns.includes(column))
      throw new Error(`there is no column '${column}' to map (the columns are: ${columns.join(', ')})`);
    if (taken.has(feature)) throw new Error(`${feature} is mapped twice: from ${taken.get(feature)} and ${column}`);
    taken.set(feature, column);
    mapped.push({ column, feature, transform: 'as_is' });
  }
  const dropped: DroppedColumn[] = [];
  for (const column of columns) {
    if (column in extra) continue;
    const known = Object.hasOwn(KNOWN_CSV_COLUMNS, column) ? KNOWN_CSV_COLUMNS[column] : undefined;
    if (!known) dropped.push({ column, reason: 'no event carries it' });
    else if (taken.has(known.feature))
      dropped.push({ column, reason: `${known.feature} already comes from ${taken.get(known.feature)}` });
    else {
      taken.set(known.feature, column);
      mapped.push({ column, feature: known.feature, transform: known.transform });
    }
  }
  return { columns: mapped, dropped };
}

/** The event feature's value of one CSV cell, or undefined for a blank or unreadable cell. */
export function transformCell(transform: ColumnTransform, cell: string | undefined): number | undefined {
  const text = (cell ?? '').trim();
  const n = text === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(n)) return undefined;
  if (transform === 'six_or_below') return n <= 6 ? 1 : 0;
  if (transform === 'above_zero') return n > 0 ? 1 : 0;
  return n;
}

/**
 * The CSV's rows as event-feature records (with the label cell as it is), and the smallest and largest value each
 * feature took. A blank or unreadable cell is left out of its record, so the model reads it as the training mean.
 */
export function eventRecordsFromCsv(
  records: readonly Readonly<Record<string, string | undefined>>[],
  mapping: CsvFeatureMapping,
  label: string,
): { records: Record<string, string>[]; ranges: Partial<Record<EventFeature, { min: number; max: number }>> } {
  const ranges: Partial<Record<EventFeature, { min: number; max: number }>> = {};
  const out = records.map((record) => {
    const row: Record<string, string> = {};
    for (const m of mapping.columns) {
      const value = transformCell(m.transform, record[m.column]);
      if (value === undefined) continue;
      row[m.feature] = String(value);
      const range = ranges[m.feature];
      ranges[m.feature] = range
        ? { min: Math.min(range.min, value), max: Math.max(range.max, value) }
        : { min: value, max: value };
    }
    if (record[label] !== undefined) row[label] = record[label];
    return row;
  });
  return { records: out, ranges };
}
