/** Raw counts of a campaign over some period, money in currency units. */
export interface MetricCounts {
  impressions: number;
  clicks: number;
  conversions: number;
  spend: number;
  revenue: number;
}

/**
 * The seed's calculated metrics. Each is null when its denominator is zero: a rate of nothing is unknown, not 0
 * (a CAC of 0 would read as free customers, a ROAS of 0 as money lost).
 */
export interface MetricRates {
  /** Click-through rate: clicks / impressions. */
  ctr: number | null;
  /** Conversion rate: conversions / clicks. */
  cvr: number | null;
  /** Return on ad spend: revenue / spend. */
  roas: number | null;
  /** Customer acquisition cost: spend / conversions, in currency units (rounded to cents). */
  cac: number | null;
}

export type MetricsWithRates = MetricCounts & MetricRates;

const ratio = (n: number, d: number, digits: number): number | null => (d > 0 ? round(n / d, digits) : null);

/** CTR, CVR, ROAS and CAC of a set of counts. */
export function computeRates(m: MetricCounts): MetricRates {
  return {
    ctr: ratio(m.clicks, m.impressions, 6),
    cvr: ratio(m.conversions, m.clicks, 6),
    roas: ratio(m.revenue, m.spend, 4),
    cac: ratio(m.spend, m.conversions, 2),
  };
}

/** Sums counts (money to the cent); rates of a sum are computed from the summed counts, never averaged. */
export function sumCounts(rows: readonly MetricCounts[]): MetricCounts {
  const total = { impressions: 0, clicks: 0, conversions: 0, spend: 0, revenue: 0 };
  for (const r of rows) {
    total.impressions += r.impressions;
    total.clicks += r.clicks;
    total.conversions += r.conversions;
    total.spend += r.spend;
    total.revenue += r.revenue;
  }
  return { ...total, spend: round(total.spend, 2), revenue: round(total.revenue, 2) };
}

/** Counts with their rates. */
export function withRates(m: MetricCounts): MetricsWithRates {
  return { ...m, ...computeRates(m) };
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
