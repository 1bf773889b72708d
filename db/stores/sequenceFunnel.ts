import type { Db } from '../knex';

/** Messages at each stage of the funnel; each message counts once per stage, however many events it had. */
export interface FunnelCounts {
  /** Handed to a provider: accepted, or refused by the mail server for good (which is also a bounce). */
  sent: number;
  delivered: number;
  /** Opened by a person, or clicked (a click proves an open that image blocking may have hidden). */
  opened: number;
  clicked: number;
  bounced: number;
  complained: number;
  unsubscribed: number;
  /** Never handed to a provider: the address is on the suppression list. */
  suppressed: number;
  /** Failed for another reason than a bounce. */
  failed: number;
  /** Sent messages whose enrollment went on to convert. */
  converted: number;
}

/** Shares of the funnel; each null when its denominator is 0 or when nothing measures what it counts. */
export interface FunnelRates {
  /** opened / (sent − bounced); null unless a provider reports opens or our pixel was in a message. */
  openRate: number | null;
  /** clicked / (sent − bounced); null as the open rate is. */
  clickRate: number | null;
  /** clicked / opened; null as the open rate is. */
  clickToOpenRate: number | null;
  bounceRate: number | null;
  /** complained / (sent − bounced). */
  complaintRate: number | null;
  /** unsubscribed / (sent − bounced). */
  unsubscribeRate: number | null;
  /** delivered / sent; null unless a message went through a provider that reports deliveries (or one was reported). */
  deliveryRate: number | null;
}

export interface DailyCounts {
  /** The UTC day, YYYY-MM-DD. */
  date: string;
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  bounced: number;
  complained: number;
  unsubscribed: number;
  /** Enrollments (held-out ones aside) that converted that day. */
  converted: number;
}

export interface StatsWindow {
  from?: Date;
  to?: Date;
}

/** Providers whose webhooks report deliveries, opens and clicks, so that a zero from them means none happened. */
export const TRACKING_PROVIDERS = ['sendgrid', 'mailgun'];

export const FUNNEL_STAGES = [
  'sent',
  'delivered',
  'opened',
  'clicked',
  'bounced',
  'complained',
  'unsubscribed',
  'suppressed',
  'failed',
  'converted',
] as const satisfies readonly (keyof FunnelCounts)[];

const DAILY_STAGES = [
  'sent',
  'delivered',
  'opened',
  'clicked',
  'bounced',
  'complained',
  'unsubscribed',
  'converted',
] as const satisfies readonly Exclude<keyof DailyCounts, 'date'>[];

/** One group of the funnel query: the whole sequence, a variant, a step, or a step's variant. */
export interface FunnelRow extends FunnelCounts {
  variant: string | null;
  step_id: string | null;
  by_step: boolean;
  by_variant: boolean;
  engagement_measured: boolean;
  delivery_measured: boolean;
}

// A refusal by the mail server ends the send as failed but was an attempt that bounced, so it counts as sent.
const SENT = `(o.status = 'sent' or (o.status = 'failed' and o.bounced_at is not null))`;
const FINAL = `o.status in ('sent', 'failed', 'suppressed')`;

const STAGE_CONDITION: Record<keyof FunnelCounts, string> = {
  sent: SENT,
  delivered: `${SENT} and o.delivered_at is not null`,
  opened: `${SENT} and (o.opened_at is not null or o.clicked_at is not null)`,
  clicked: `${SENT} and o.clicked_at is not null`,
  bounced: `${SENT} and o.bounced_at is not null`,
  complained: `${SENT} and o.complained_at is not null`,
  unsubscribed: `${SENT} and o.unsubscribed_at is not null`,
  suppressed: `o.status = 'suppressed'`,
  failed: `o.status = 'failed' and o.bounced_at is null`,
  converted: `${SENT} and coalesce(m.converted, false)`,
};

/** `(at >= from and at < to)` for the window's ends that are set, with their bindings. */
function windowOn(at: string, { from, to }: StatsWindow): { sql: string; bindings: Date[] } {
  const parts: string[] = [];
  const bindings: Date[] = [];
  if (from) {
    parts.push(`${at} >= ?`);
    bindings.push(from);
  }
  if (to) {
    parts.push(`${at} < ?`);
    bindings.push(to);
  }
  return { sql: parts.map((p) => ` and ${p}`).join(''), bindings };
}

/**
 * The funnel of a sequence's messages, for the whole sequence, each variant, each step and each step's variant at
 * once (grouping sets), in one pass over its outbox rows. A message belongs to the window by when it went out (or,
 * never sent, when it was queued), and all its outcomes come with it whenever they happened, so every stage is a
 * share of the messages sent. A message's enrollment is the latest of its workflow id that started before it
 * (a minute's leeway for clocks): a contact who enrolls again gets the same workflow id.
 */
export async function funnelRows(db: Db, sequenceKey: string, window: StatsWindow): Promise<FunnelRow[]> {
  const count = (condition: string) => `(count(*) filter (where ${condition}))::int`;
  const w = windowOn('coalesce(o.sent_at, o.created_at)', window);
  const { rows } = await db.raw<{ rows: FunnelRow[] }>(
    `select o.variant, o.step_id,
       grouping(o.step_id) = 0 as by_step,
       grouping(o.variant) = 0 as by_variant,
       ${FUNNEL_STAGES.map((s) => `${count(STAGE_CONDITION[s])} as ${s}`).join(',\n       ')},
       coalesce(bool_or(o.tracked or o.provider = any(?) or o.opened_at is not null or o.clicked_at is not null), false)
         as engagement_measured,
       coalesce(bool_or(o.provider = any(?) or o.delivered_at is not null), false) as delivery_measured
     from email_outbox o
     left join lateral (
       select e.status = 'converted' as converted
       from enrollments e
       where e.workflow_id = o.workflow_id and e.sequence_key = o.sequence_key
         and e.enrolled_at <= o.created_at + interval '1 minute'
       order by e.enrolled_at desc
       limit 1
     ) m on true
     where o.sequence_key = ? and ${FINAL}${w.sql}
     group by grouping sets ((), (o.variant), (o.step_id), (o.step_id, o.variant))
     having (grouping(o.variant) = 1 or o.variant is not null) and (grouping(o.step_id) = 1 or o.step_id is not null)`,
    [TRACKING_PROVIDERS, TRACKING_PROVIDERS, sequenceKey, ...w.bindings],
  );
  return rows;
}

/** The counts of a funnel row, without its grouping and flags. */
export function funnelOf(row: FunnelCounts | undefined): FunnelCounts {
  return Object.fromEntries(FUNNEL_STAGES.map((s) => [s, row?.[s] ?? 0])) as unknown as FunnelCounts;
}

const ratio = (n: number, d: number): number | null => (d > 0 ? n / d : null);

/**
 * The funnel's rates. Opens and clicks are shares of the messages that were not bounced; with no provider reporting
 * them and no pixel of ours in any message, a zero would be a guess, so those rates are null. Likewise a delivery
 * rate needs a provider that reports deliveries: plain SMTP never does, and 0% delivered would be false.
 */
export function funnelRates(
  c: FunnelCounts,
  measured: { engagement: boolean; delivery: boolean } = { engagement: true, delivery: true },
): FunnelRates {
  const reached = c.sent - c.bounced;
  const engaged = (n: number, d: number) => (measured.engagement ? ratio(n, d) : null);
  return {
    openRate: engaged(c.opened, reached),
    clickRate: engaged(c.clicked, reached),
    clickToOpenRate: engaged(c.clicked, c.opened),
    bounceRate: ratio(c.bounced, c.sent),
    complaintRate: ratio(c.complained, reached),
    unsubscribeRate: ratio(c.unsubscribed, reached),
    deliveryRate: measured.delivery ? ratio(c.delivered, c.sent) : null,
  };
}

/**
 * Each outcome on the UTC day it happened (a conversion on the day the enrollment converted), within the window by
 * that time of its own, so a day's opens may be of messages sent days before. Days between the first and the last
 * with anything are listed with zeros, so a chart's axis has no holes; the series is empty when nothing happened.
 */
export async function dailyCounts(db: Db, sequenceKey: string, window: StatsWindow): Promise<DailyCounts[]> {
  const w = windowOn('v.at', window);
  const e = windowOn('ended_at', window);
  const when = (at: string) => `case when ${SENT} then ${at} end`;
  const { rows } = await db.raw<{ rows: { date: string; stage: (typeof DAILY_STAGES)[number]; n: number }[] }>(
    `select to_char(v.at at time zone 'UTC', 'YYYY-MM-DD') as date, v.stage, count(*)::int as n
     from email_outbox o
     cross join lateral (values
       ('sent', ${when('coalesce(o.sent_at, o.created_at)')}),
       ('delivered', ${when('o.delivered_at')}),
       ('opened', ${when('least(o.opened_at, o.clicked_at)')}),
       ('clicked', ${when('o.clicked_at')}),
       ('bounced', ${when('o.bounced_at')}),
       ('complained', ${when('o.complained_at')}),
       ('unsubscribed', ${when('o.unsubscribed_at')})
     ) as v(stage, at)
     where o.sequence_key = ? and ${FINAL} and v.at is not null${w.sql}
     group by 1, 2
     union all
     select to_char(ended_at at time zone 'UTC', 'YYYY-MM-DD'), 'converted', count(*)::int
     from enrollments
     where sequence_key = ? and status = 'converted' and not holdout and ended_at is not null${e.sql}
     group by 1`,
    [sequenceKey, ...w.bindings, sequenceKey, ...e.bindings],
  );
  const byDate = new Map<string, DailyCounts>();
  for (const r of rows) {
    const day = byDate.get(r.date) ?? emptyDay(r.date);
    day[r.stage] += r.n;
    byDate.set(r.date, day);
  }
  const dates = [...byDate.keys()].sort();
  const first = dates[0];
  const last = dates[dates.length - 1];
  if (!first || !last) return [];
  const series: DailyCounts[] = [];
  for (let d = new Date(`${first}T00:00:00Z`); ; d.setUTCDate(d.getUTCDate() + 1)) {
    const date = d.toISOString().slice(0, 10);
    series.push(byDate.get(date) ?? emptyDay(date));
    if (date >= last) return series;
  }
}

function emptyDay(date: string): DailyCounts {
  return { date, ...(Object.fromEntries(DAILY_STAGES.map((s) => [s, 0])) as Omit<DailyCounts, 'date'>) };
}
