import type { Db } from '../db/knex';
import type { Venture } from '../db/stores/ventures';
import { addDays, dayOf, dayStartMs } from '../domain/campaignBudget';
import { conversionValue, type ConversionRules } from '../domain/journeys';
import {
  CANCELLATION_EVENT,
  grossMarginOf,
  unitEconomics,
  type UnitEconomics,
  type UnitEconomicsInput,
} from '../domain/unitEconomics';
import { ventureConversionRules } from './ventureAttribution';

/** The days the period covers when the request names none: 90 days (three 30-day months) to today. */
export const DEFAULT_PERIOD_DAYS = 90;

/** A venture's unit economics, with where its targets came from. */
export interface VentureUnitEconomics extends UnitEconomics {
  ventureId: string;
  /** `marketing_automation_config` when the venture has a row there, else `default`. */
  targetsSource: 'marketing_automation_config' | 'default';
  /** Conversion events counted, each with the property its value is read from first. */
  conversionEvents: Record<string, string | null>;
}

/** The period asked for, or the default ending today. */
export function periodOf(query: { from?: string; to?: string }, now: number): { from: string; to: string } {
  const to = query.to ?? (query.from && query.from > dayOf(now) ? query.from : dayOf(now));
  return { from: query.from ?? addDays(to, -(DEFAULT_PERIOD_DAYS - 1)), to };
}

/**
 * The venture's targets from `marketing_automation_config` (its latest row). No store reads that table yet, and this
 * is its only reader, so the read lives here.
 */
export async function ventureTargets(
  db: Db,
  ventureId: string,
): Promise<{ ltvCacRatio: number | null; cac: number | null; found: boolean }> {
  const row: { target_ltv_cac_ratio: number | null; target_cac: number | null } | undefined = await db(
    'marketing_automation_config',
  )
    .where({ venture_id: ventureId })
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'config_id', order: 'desc' },
    ])
    .first('target_ltv_cac_ratio', 'target_cac');
  if (!row) return { ltvCacRatio: null, cac: null, found: false };
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return { ltvCacRatio: num(row.target_ltv_cac_ratio), cac: num(row.target_cac), found: true };
}

/** Spend of the venture's campaigns in the period, from their daily `campaign_performance` rows. */
async function spendOf(db: Db, ventureId: string, from: string, to: string): Promise<UnitEconomicsInput['spend']> {
  const rows: { currency: string; spend: number | null; rows: number }[] = await db('campaign_performance as p')
    .join('gtm_campaigns as c', 'c.campaign_id', 'p.campaign_id')
    .where('c.venture_id', ventureId)
    .where('p.is_final_report', false)
    .whereBetween('p.metric_date', [from, to])
    .groupBy('c.currency')
    .orderBy('c.currency')
    .select('c.currency')
    .sum({ spend: 'p.spend' })
    .count({ rows: '*' });
  return {
    total: rows.reduce((a, r) => a + Number(r.spend ?? 0), 0),
    rows: rows.reduce((a, r) => a + Number(r.rows), 0),
    currencies: rows.map((r) => r.currency),
  };
}

/**
 * Customers of the venture as seen from [start, end): a customer from their first conversion event until their
 * first cancellation after it. New customers converted first inside the window; their days inside it are summed.
 */
async function customersOf(
  db: Db,
  ventureId: string,
  conversionEvents: readonly string[],
  start: Date,
  end: Date,
): Promise<Pick<UnitEconomicsInput, 'newCustomers' | 'activeCustomers' | 'cancellations' | 'customerDays'>> {
  const { rows } = await db.raw(
    `WITH firsts AS (
       SELECT e.contact_id, min(e.occurred_at) AS first_at
         FROM events e JOIN contacts c ON c.id = e.contact_id
        WHERE c.venture_id = :ventureId AND e.name = ANY(:names) AND e.occurred_at < :end
        GROUP BY e.contact_id),
     spans AS (
       SELECT f.first_at,
              (SELECT min(x.occurred_at) FROM events x
                WHERE x.contact_id = f.contact_id AND x.name = :cancel AND x.occurred_at >= f.first_at) AS ended_at
         FROM firsts f)
     SELECT count(*) FILTER (WHERE first_at >= :start) AS new_customers,
            count(*) FILTER (WHERE ended_at IS NULL OR ended_at > :start) AS active_customers,
            count(*) FILTER (WHERE ended_at >= :start AND ended_at < :end) AS cancellations,
            coalesce(sum(greatest(0, extract(epoch FROM
              least(coalesce(ended_at, :end), :end) - greatest(first_at, :start)))), 0) / 86400 AS customer_days
       FROM spans`,
    { ventureId, names: [...conversionEvents], cancel: CANCELLATION_EVENT, start, end },
  );
  const r = rows[0] as Record<string, unknown>;
  return {
    newCustomers: Number(r.new_customers),
    activeCustomers: Number(r.active_customers),
    cancellations: Number(r.cancellations),
    customerDays: Number(r.customer_days),
  };
}

/** Revenue of the conversion events in [start, end), read page by page (values follow the attribution's rules). */
async function revenueOf(
  db: Db,
  ventureId: string,
  rules: ConversionRules,
  start: Date,
  end: Date,
): Promise<{ revenue: number; revenueEvents: number }> {
  let revenue = 0;
  let revenueEvents = 0;
  let after = 0;
  for (;;) {
    const page: { id: number; name: string; properties: Record<string, unknown> | null }[] = await db('events as e')
      .join('contacts as c', 'c.id', 'e.contact_id')
      .where('c.venture_id', ventureId)
      .whereIn('e.name', [...rules.keys()])
      .where('e.occurred_at', '>=', start)
      .where('e.occurred_at', '<', end)
      .where('e.id', '>', after)
      .orderBy('e.id')
      .limit(5_000)
      .select('e.id', 'e.name', 'e.properties');
    for (const e of page) {
      revenue += conversionValue({ name: e.name, occurredAt: '', properties: e.properties }, rules.get(e.name));
      revenueEvents++;
    }
    if (page.length < 5_000) return { revenue, revenueEvents };
    after = page[page.length - 1]!.id;
  }
}

/**
 * CAC, LTV and LTV/CAC of a venture over `from`..`to` (both included; a period reaching past `now` is counted up to
 * `now`), against its targets. Which events are conversions, and where their value is, follow the attribution
 * (services/ventureAttribution.ts); a cancellation is a `subscription_cancelled` event.
 */
export async function ventureUnitEconomics(
  db: Db,
  venture: Venture,
  period: { from: string; to: string },
  now = Date.now(),
): Promise<VentureUnitEconomics> {
  const start = new Date(dayStartMs(period.from));
  const end = new Date(Math.min(dayStartMs(addDays(period.to, 1)), Math.max(now, dayStartMs(period.from))));
  const rules = await ventureConversionRules(db, venture.id);
  const names = [...rules.keys()];
  const [spend, customers, revenue, targets] = await Promise.all([
    spendOf(db, venture.id, period.from, period.to),
    customersOf(db, venture.id, names, start, end),
    revenueOf(db, venture.id, rules, start, end),
    ventureTargets(db, venture.id),
  ]);
  const margin = grossMarginOf(venture.profile);
  const result = unitEconomics({
    ...period,
    spend,
    ...customers,
    ...revenue,
    grossMargin: margin.value,
    targets: { ltvCacRatio: targets.ltvCacRatio, cac: targets.cac },
  });
  if (margin.problem) result.assumptions.unshift(`${margin.problem}; it is left out.`);
  return {
    ventureId: venture.id,
    ...result,
    targetsSource: targets.found ? 'marketing_automation_config' : 'default',
    conversionEvents: Object.fromEntries([...rules].map(([k, v]) => [k, v ?? null])),
  };
}
