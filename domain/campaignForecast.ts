/**
 * Where a campaign's spend is heading: the total at the end date at its daily budget and at its recent pace, the day
 * the budget runs out at that pace, whether it spends faster or slower than an even spread of the budget, and the
 * conversions to expect by the end with a 90% interval.
 *
 * Pure and deterministic (the clock comes in as `now`, the draws from a seeded generator), so the campaign workflow
 * can call it as well as the API.
 */
import { addDays, dayOf, daysInclusive } from './campaignBudget';
import { createPrng } from './modelEvaluation';
import { estimate, type Estimate } from './responseCurves';

/** One day of a campaign, summed over its platforms. */
export interface CampaignDay {
  /** YYYY-MM-DD, a UTC day. */
  date: string;
  spend: number;
  conversions: number;
}

/** How the forecast is computed; the defaults are documented in docs/forecasts.md. */
export interface ForecastOptions {
  /** Complete days the recent pace is the mean of. Default 7. */
  paceDays?: number;
  /** Spend to date within this fraction of an even spread is on pace. Default 0.1 (±10%). */
  pacingBand?: number;
  /** Bootstrap draws of the conversions to come. Default 2,000. */
  draws?: number;
  /** Seed of the draws. Default 1. */
  seed?: number;
}

export interface CampaignForecastInput {
  budget: number;
  /** Spent so far, as the campaign last learnt from its platforms. */
  spent: number;
  /** First and last day of the campaign, both included (YYYY-MM-DD, UTC). */
  startDate: string;
  endDate: string;
  /** The platforms' daily budgets now, summed. */
  dailyBudget: number;
  /** Daily results summed over the platforms, in any order. */
  history: readonly CampaignDay[];
  /** The instant the forecast is for (epoch ms). */
  now: number;
  options?: ForecastOptions;
}

export type CampaignPhase = 'not_started' | 'running' | 'ended';
export type Pacing = 'under' | 'on' | 'over';

export interface CampaignForecast {
  phase: CampaignPhase;
  /** The UTC day of `now`. */
  today: string;
  startDate: string;
  endDate: string;
  /** Days of the campaign: in all, complete before today, and from today (or the start) to the end. */
  days: { total: number; elapsed: number; remaining: number };
  budget: number;
  spent: number;
  /** Spent before today: `spent` less today's partial day, which is projected as part of a whole day. */
  spentBeforeToday: number;
  /** The budget less what was spent before today. */
  remainingBudget: number;
  dailyBudget: number;
  /** Mean spend per day over the last complete days (days without a row count as none); null without history. */
  pace: { perDay: number; days: number } | null;
  /** Total spend at the end date, each capped by the budget left. */
  projectedSpend: { atDailyBudget: number; atRecentPace: number | null };
  /**
   * The day the budget runs out at the recent pace (the day it ran out, when it already has), when that is before
   * the end date; null when it lasts.
   */
  runsOutOn: string | null;
  /** Days after `runsOutOn` up to the end date, with nothing left to spend. */
  daysBeforeEnd: number | null;
  /** The budget spread evenly over the campaign's days, up to the last complete day. */
  evenSpendToDate: number;
  /** Spend before today over `evenSpendToDate`; null before the first complete day. */
  pacingRatio: number | null;
  /** `over` above 1 + band, `under` below 1 - band, else `on`; null before the first complete day. */
  pacing: Pacing | null;
  pacingBand: number;
  conversions: {
    soFar: number;
    /** Conversions per unit spent over the history; null when nothing was spent. */
    perUnitSpend: number | null;
    /** The spend the conversions to come are expected from: the recent pace's projection, else the daily budget's. */
    remainingSpend: number;
    expectedRemaining: Estimate | null;
    atEnd: Estimate | null;
    method: string;
  };
  /** Plain sentences about what the forecast could not use (not started, no results yet, nothing spent). */
  notes: string[];
}

const DEFAULTS = { paceDays: 7, pacingBand: 0.1, draws: 2000, seed: 1 } as const;

/** How the interval of the conversions to come is drawn, as the answer states it. */
export const CONVERSION_INTERVAL_METHOD =
  'bootstrap over days: the days so far resampled with replacement give a conversion rate per unit spent, the ' +
  'conversions to come are a Poisson draw at that rate on the remaining spend; 5th to 95th percentile of the ' +
  'seeded draws';

/** Floating-point slack when dividing money by a pace: 1,600 / 80 is 20 days, not 20.000000000000004. */
const EPS = 1e-9;

/** The forecast of a campaign's spend and conversions as of `now`. */
export function forecastCampaign(input: CampaignForecastInput): CampaignForecast {
  const o = { ...DEFAULTS, ...input.options };
  const { budget, spent, startDate, endDate } = input;
  const today = dayOf(input.now);
  const phase: CampaignPhase = today < startDate ? 'not_started' : today > endDate ? 'ended' : 'running';
  const total = daysInclusive(startDate, endDate);
  const lastComplete = addDays(today, -1) < endDate ? addDays(today, -1) : endDate;
  const elapsed = lastComplete < startDate ? 0 : daysInclusive(startDate, lastComplete);
  const firstOpen = today > startDate ? today : startDate;
  const remainingDays = phase === 'ended' ? 0 : daysInclusive(firstOpen, endDate);
  const history = input.history.filter((d) => d.date >= startDate && d.date <= endDate);
  const todaySpend = history.filter((d) => d.date === today).reduce((a, d) => a + d.spend, 0);
  const base = Math.max(0, spent - todaySpend);
  const remainingBudget = Math.max(0, budget - base);
  const notes: string[] = [];
  if (phase === 'not_started') notes.push(`The campaign starts on ${startDate}: nothing has been spent on it yet.`);
  if (phase === 'ended') notes.push(`The campaign ended on ${endDate}: the figures are final.`);

  const pace = recentPace(history, startDate, lastComplete, elapsed, o.paceDays);
  if (phase === 'running' && history.length === 0)
    notes.push('There are no daily results yet: the recent pace and the conversion rate need at least one day.');
  const project = (perDay: number) => base + Math.min(remainingBudget, perDay * remainingDays);
  const atRecentPace = pace === null ? null : project(pace.perDay);

  // A budget spent to its last unit on the end date lasted: only a day before the end is a day it runs out on.
  let runsOut: string | null = null;
  if (remainingBudget <= 0) runsOut = dayBudgetReached(history, budget) ?? (phase === 'ended' ? endDate : today);
  else if (pace && pace.perDay > 0 && remainingDays > 0)
    runsOut = addDays(firstOpen, Math.ceil(remainingBudget / pace.perDay - EPS) - 1);
  const runsOutOn = runsOut !== null && runsOut < endDate ? runsOut : null;

  const evenSpendToDate = total > 0 ? (budget * elapsed) / total : 0;
  const pacingRatio = evenSpendToDate > 0 ? base / evenSpendToDate : null;
  const pacing: Pacing | null =
    pacingRatio === null
      ? null
      : pacingRatio > 1 + o.pacingBand + EPS
        ? 'over'
        : pacingRatio < 1 - o.pacingBand - EPS
          ? 'under'
          : 'on';

  const remainingSpend = (atRecentPace ?? project(input.dailyBudget)) - base;
  const conversions = forecastConversions(history, remainingSpend, phase === 'ended', o);
  if (history.length > 0 && conversions.perUnitSpend === null)
    notes.push('There is nothing spent yet: no conversion rate to project the conversions to come from.');

  return {
    phase,
    today,
    startDate,
    endDate,
    days: { total, elapsed, remaining: remainingDays },
    budget,
    spent,
    spentBeforeToday: base,
    remainingBudget,
    dailyBudget: input.dailyBudget,
    pace,
    projectedSpend: { atDailyBudget: project(input.dailyBudget), atRecentPace },
    runsOutOn,
    daysBeforeEnd: runsOutOn === null ? null : daysInclusive(runsOutOn, endDate) - 1,
    evenSpendToDate,
    pacingRatio,
    pacing,
    pacingBand: o.pacingBand,
    conversions: { ...conversions, remainingSpend },
    notes,
  };
}

/** What the campaign workflow's budget guard warns with: the day the budget runs out, ahead of the end date. */
export interface BudgetRunOut {
  date: string;
  daysBeforeEnd: number;
  /** "at this pace the budget runs out on 2026-03-22, 8 days before the end" */
  message: string;
}

/**
 * The day a running campaign's budget runs out at its recent pace when that is before its end date, or null: when
 * it lasts, when the campaign is not running, and when the budget is already used up (the guard stops delivery then).
 */
export function budgetRunsOutBeforeEnd(forecast: CampaignForecast): BudgetRunOut | null {
  const { phase, runsOutOn, daysBeforeEnd, remainingBudget } = forecast;
  if (phase !== 'running' || remainingBudget <= 0 || runsOutOn === null || !daysBeforeEnd || daysBeforeEnd <= 0)
    return null;
  const days = `${daysBeforeEnd} day${daysBeforeEnd === 1 ? '' : 's'}`;
  return {
    date: runsOutOn,
    daysBeforeEnd,
    message: `at this pace the budget runs out on ${runsOutOn}, ${days} before the end`,
  };
}

/** Mean spend a day over the last `paceDays` complete days of the campaign; null before one or without rows. */
function recentPace(
  history: readonly CampaignDay[],
  startDate: string,
  lastComplete: string,
  elapsed: number,
  paceDays: number,
): { perDay: number; days: number } | null {
  if (elapsed === 0 || history.length === 0) return null;
  const days = Math.min(Math.max(1, Math.floor(paceDays)), elapsed);
  const from = addDays(lastComplete, -(days - 1));
  const spend = history.filter((d) => d.date >= from && d.date <= lastComplete).reduce((a, d) => a + d.spend, 0);
  return { perDay: spend / days, days };
}

/** The first day on which the cumulative spend of the history reached the budget. */
function dayBudgetReached(history: readonly CampaignDay[], budget: number): string | null {
  const byDay = new Map<string, number>();
  for (const d of history) byDay.set(d.date, (byDay.get(d.date) ?? 0) + d.spend);
  let sum = 0;
  for (const day of [...byDay.keys()].sort()) {
    sum += byDay.get(day)!;
    if (sum >= budget - EPS) return day;
  }
  return null;
}

/** Conversions so far and to come, with the bootstrap interval described by CONVERSION_INTERVAL_METHOD. */
function forecastConversions(
  history: readonly CampaignDay[],
  remainingSpend: number,
  final: boolean,
  o: Required<ForecastOptions>,
): Omit<CampaignForecast['conversions'], 'remainingSpend'> {
  const soFar = history.reduce((a, d) => a + d.conversions, 0);
  const spend = history.reduce((a, d) => a + d.spend, 0);
  const method = CONVERSION_INTERVAL_METHOD;
  const perUnitSpend = spend > 0 ? soFar / spend : null;
  // Without a rate nothing can be said of the days to come, even at a pace of nothing; an ended campaign has none.
  if (perUnitSpend === null && !final) return { soFar, perUnitSpend, expectedRemaining: null, atEnd: null, method };
  if (perUnitSpend === null || remainingSpend <= 0) {
    const none = { value: 0, low: 0, high: 0 };
    return { soFar, perUnitSpend, expectedRemaining: none, atEnd: shift(none, soFar), method };
  }
  const random = createPrng(o.seed);
  const draws: number[] = [];
  for (let b = 0; b < o.draws; b++) {
    let s = 0;
    let c = 0;
    for (let i = 0; i < history.length; i++) {
      const day = history[Math.floor(random() * history.length)]!;
      s += day.spend;
      c += day.conversions;
    }
    // A resample of days that spent nothing says nothing about the rate: drawn again rather than read as zero.
    if (s <= 0) continue;
    draws.push(poisson((c / s) * remainingSpend, random));
  }
  const expectedRemaining = estimate(perUnitSpend * remainingSpend, draws);
  return { soFar, perUnitSpend, expectedRemaining, atEnd: shift(expectedRemaining, soFar), method };
}

const shift = (e: Estimate, by: number): Estimate => ({ value: e.value + by, low: e.low + by, high: e.high + by });

/**
 * A Poisson draw with mean `mu`: exact by inverting its distribution up to a mean of 500, above that the normal
 * approximation (its skew, 1/sqrt(mu), is under 0.05 there). Written here because the seeded generator must drive
 * it; the statistics packages draw from Math.random.
 */
export function poisson(mu: number, random: () => number): number {
  if (mu <= 0) return 0;
  if (mu > 500) {
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.max(0, Math.round(mu + Math.sqrt(mu) * z));
  }
  const u = random();
  let p = Math.exp(-mu);
  let cdf = p;
  let k = 0;
  const cap = mu + 20 * Math.sqrt(mu) + 20;
  while (u > cdf && k < cap) {
    k++;
    p *= mu / k;
    cdf += p;
  }
  return k;
}
