/**
 * A venture's unit economics over a period: what a new customer cost (CAC), what a customer is worth over their
 * lifetime (LTV), and the two against the venture's targets.
 *
 *   CAC      = spend in the period / customers whose first conversion falls in it
 *   ARPU     = revenue in the period / customer-months in it (a month is 30 days)
 *   churn    = cancellations in the period / customer-months in it (a monthly rate)
 *   lifetime = 1 / churn, at most LIFETIME_CAP_MONTHS (the cap when no cancellation was seen)
 *   LTV      = ARPU x gross margin x lifetime
 *
 * What cannot be computed is null with the reason in `missing`; what had to be assumed is in `assumptions`.
 */

/** The LTV/CAC a venture is held to when its marketing configuration sets none (the seed's default). */
export const DEFAULT_TARGET_LTV_CAC_RATIO = 5.0;
/** The longest customer lifetime counted, in months: used when no cancellation is seen, and as a cap. */
export const LIFETIME_CAP_MONTHS = 36;
/** Days in a month, for customer-months. */
export const DAYS_PER_MONTH = 30;
/** The event that ends a customer's subscription (the one the churn model labels churned by). */
export const CANCELLATION_EVENT = 'subscription_cancelled';

/** What the figures are computed from, already counted over the period. */
export interface UnitEconomicsInput {
  /** The period, YYYY-MM-DD, both included. */
  from: string;
  to: string;
  /** Spend of the venture's campaigns in the period: the total, the daily rows it sums, their currencies. */
  spend: { total: number; rows: number; currencies: readonly string[] };
  /** Customers whose first conversion falls in the period. */
  newCustomers: number;
  /** Customers subscribed at some time in the period. */
  activeCustomers: number;
  /** Customers whose subscription ended in the period. */
  cancellations: number;
  /** Days customers were subscribed in the period, summed over customers. */
  customerDays: number;
  /** Revenue of the conversion events in the period, and how many there were. */
  revenue: number;
  revenueEvents: number;
  /** The venture's gross margin as a fraction, or null when it has none. */
  grossMargin: number | null;
  /** The venture's targets; null where it sets none. */
  targets: { ltvCacRatio: number | null; cac: number | null };
}

export interface UnitEconomics {
  from: string;
  to: string;
  /** The currency of the spend, when it is one. */
  currency: string | null;
  cac: number | null;
  ltv: number | null;
  ltvCacRatio: number | null;
  /** Average revenue per customer per month. */
  arpuMonthly: number | null;
  monthlyChurnRate: number | null;
  lifetimeMonths: number | null;
  /** The gross margin the LTV is computed with; null when none was known (the LTV is then revenue). */
  grossMargin: number | null;
  targets: { ltvCacRatio: number; cac: number | null };
  /** LTV/CAC at or above its target; CAC at or below its target; null when a figure or the target is missing. */
  meetsTarget: { ltvCacRatio: boolean | null; cac: boolean | null };
  counts: {
    spend: number;
    performanceRows: number;
    newCustomers: number;
    activeCustomers: number;
    cancellations: number;
    customerMonths: number;
    revenue: number;
    revenueEvents: number;
  };
  /** What was assumed where data was missing, in plain sentences. */
  assumptions: string[];
  /** What data was missing for a figure that is null, in plain sentences. */
  missing: string[];
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

/** The unit economics of the counts given; see the module's doc for the formulas. */
export function unitEconomics(input: UnitEconomicsInput): UnitEconomics {
  const assumptions: string[] = [];
  const missing: string[] = [];
  const { spend, newCustomers, cancellations, revenue } = input;
  const customerMonths = input.customerDays / DAYS_PER_MONTH;

  let cac: number | null = null;
  const currency = spend.currencies.length === 1 ? spend.currencies[0]! : null;
  if (spend.currencies.length > 1)
    missing.push(`spend in one currency: the campaigns bill in ${spend.currencies.join(' and ')}`);
  else if (spend.rows === 0 || spend.total <= 0) missing.push('spend: no campaign spend is recorded in the period');
  if (newCustomers === 0) missing.push('new customers: no contact converted for the first time in the period');
  if (missing.length === 0) cac = spend.total / newCustomers;

  let arpuMonthly: number | null = null;
  let monthlyChurnRate: number | null = null;
  let lifetimeMonths: number | null = null;
  if (customerMonths <= 0) missing.push('customers: no contact was a customer in the period');
  else {
    arpuMonthly = revenue / customerMonths;
    monthlyChurnRate = cancellations / customerMonths;
    if (cancellations === 0) {
      lifetimeMonths = LIFETIME_CAP_MONTHS;
      assumptions.push(
        `No cancellation (${CANCELLATION_EVENT}) in the period: a customer is assumed to stay ` +
          `${LIFETIME_CAP_MONTHS} months, the lifetime cap.`,
      );
    } else {
      lifetimeMonths = Math.min(1 / monthlyChurnRate, LIFETIME_CAP_MONTHS);
      if (1 / monthlyChurnRate > LIFETIME_CAP_MONTHS)
        assumptions.push(
          `Churn of ${round(monthlyChurnRate * 100, 2)}% a month means a lifetime of ` +
            `${round(1 / monthlyChurnRate, 1)} months, capped at ${LIFETIME_CAP_MONTHS}.`,
        );
    }
  }

  let ltv: number | null = null;
  if (arpuMonthly !== null && lifetimeMonths !== null) {
    if (revenue <= 0)
      missing.push('revenue: the conversion events in the period carry no value (value, amount, revenue)');
    else {
      if (input.grossMargin === null)
        assumptions.push('The venture has no gross margin (profile.grossMargin): the LTV is revenue, not margin.');
      ltv = arpuMonthly * (input.grossMargin ?? 1) * lifetimeMonths;
    }
  }
  const ltvCacRatio = ltv !== null && cac !== null && cac > 0 ? ltv / cac : null;

  const targets = { ltvCacRatio: input.targets.ltvCacRatio ?? DEFAULT_TARGET_LTV_CAC_RATIO, cac: input.targets.cac };
  if (input.targets.ltvCacRatio === null)
    assumptions.push(
      `The venture sets no LTV/CAC target: held to ${DEFAULT_TARGET_LTV_CAC_RATIO.toFixed(1)}, the default.`,
    );

  return {
    from: input.from,
    to: input.to,
    currency,
    cac,
    ltv,
    ltvCacRatio,
    arpuMonthly,
    monthlyChurnRate,
    lifetimeMonths,
    grossMargin: input.grossMargin,
    targets,
    meetsTarget: {
      ltvCacRatio: ltvCacRatio === null ? null : ltvCacRatio >= targets.ltvCacRatio,
      cac: cac === null || targets.cac === null ? null : cac <= targets.cac,
    },
    counts: {
      spend: spend.total,
      performanceRows: spend.rows,
      newCustomers,
      activeCustomers: input.activeCustomers,
      cancellations,
      customerMonths,
      revenue,
      revenueEvents: input.revenueEvents,
    },
    assumptions,
    missing,
  };
}

/**
 * The gross margin in a venture's profile (`profile.grossMargin`): a fraction from 0 to 1, or a percentage above 1
 * up to 100 (72 is 0.72); a number as text is read too. Anything else is no margin, with the reason.
 */
export function grossMarginOf(profile: Readonly<Record<string, unknown>>): { value: number | null; problem?: string } {
  const raw = profile['grossMargin'];
  if (raw === undefined || raw === null || raw === '') return { value: null };
  const n = typeof raw === 'string' ? Number(raw.trim()) : raw;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 100)
    return {
      value: null,
      problem: `profile.grossMargin is ${JSON.stringify(raw)}: a fraction from 0 to 1 or a percentage up to 100 was expected`,
    };
  return { value: n > 1 ? n / 100 : n };
}
