/**
 * Market readiness: five 0-100 factors computed from explicit venture inputs, a weighted overall score with
 * recommendations for the weak factors, and a launch window that respects seasonality and lead time.
 */

/** Explicit, measurable inputs about a venture's market. */
export interface MarketReadinessInput {
  /** Year-over-year change in search volume for the problem's keywords, as a fraction (0.25 = +25%). */
  searchVolumeTrend: number;
  /** Share of surveyed target customers who recognise the problem, 0-100. */
  surveyedAwarenessPct: number;
  /** Direct competitors already selling a solution. */
  competitorCount: number;
  /** People on the waitlist or who pre-registered. */
  waitlistSize: number;
  /** Waitlist size that counts as full demand validation. Default 1,000. */
  waitlistTarget?: number;
  /** Typical budget a target customer has for this kind of solution, per purchase period, USD. */
  avgBudgetUsd: number;
  /** The venture's price for the same period, USD (0 for a free product). */
  priceUsd: number;
  /** Share of target customers already using the technology the product depends on, 0-100. */
  techAdoptionPct: number;
  regulatoryBurden: 'low' | 'medium' | 'high';
  /** New regulation announced but not yet in force adds uncertainty. */
  pendingRegulation?: boolean;
}

/** The five readiness factors. */
export const readinessFactors = [
  'problemAwareness',
  'solutionDemand',
  'buyingPower',
  'technicalReadiness',
  'regulatoryEnvironment',
] as const;

/** One of the five readiness factors. */
export type ReadinessFactor = (typeof readinessFactors)[number];

/** A 0-100 score, or a weight, per factor. */
export type ReadinessFactors = Record<ReadinessFactor, number>;

/**
 * Default weights: whether customers feel the problem and want a solution matters most (0.25 each), then
 * whether they can pay (0.2); technology and regulation are usually constraints rather than drivers (0.15 each).
 */
export const defaultReadinessWeights: Readonly<ReadinessFactors> = {
  problemAwareness: 0.25,
  solutionDemand: 0.25,
  buyingPower: 0.2,
  technicalReadiness: 0.15,
  regulatoryEnvironment: 0.15,
};

/** Factors scoring below this get a recommendation. */
export const WEAK_FACTOR_THRESHOLD = 50;
/** Overall readiness below this pushes the launch window out. */
export const LOW_READINESS_THRESHOLD = 50;

/** A factor's score, weight and weighted contribution to the overall score. */
export interface FactorBreakdown {
  score: number;
  weight: number;
  contribution: number;
}

/** Result of {@link calculateMarketReadiness}. */
export interface MarketReadiness {
  overall: number;
  breakdown: Record<ReadinessFactor, FactorBreakdown>;
  recommendations: string[];
}

function clamp(value: number, min = 0, max = 100): number {
  if (Number.isNaN(value)) return min;
  return Math.min(max, Math.max(min, value));
}

function finite(value: number, name: string): number {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number`);
  return value;
}

/** Checks the weights cover every factor, are non-negative and sum to 1 (within 1e-6). */
export function validateReadinessWeights(weights: Readonly<ReadinessFactors>): void {
  let sum = 0;
  for (const factor of readinessFactors) {
    const w = weights[factor];
    if (!Number.isFinite(w) || w < 0) throw new RangeError(`weight of ${factor} must be a finite number >= 0`);
    sum += w;
  }
  if (Math.abs(sum - 1) > 1e-6) throw new RangeError(`readiness weights must sum to 1, got ${sum}`);
}

/** problemAwareness = 0.6 * surveyed awareness + 0.4 * trend score, trend score = 50 + 100 * trend (flat = 50, +50% = 100). */
export function problemAwarenessScore(
  input: Pick<MarketReadinessInput, 'searchVolumeTrend' | 'surveyedAwarenessPct'>,
): number {
  const trend = clamp(50 + 100 * finite(input.searchVolumeTrend, 'searchVolumeTrend'));
  return clamp(0.6 * clamp(finite(input.surveyedAwarenessPct, 'surveyedAwarenessPct')) + 0.4 * trend);
}

/**
 * solutionDemand = mean of a waitlist score and a competition score. Waitlist score = 100 * log10(1 + waitlist) /
 * log10(1 + target), capped at 100 (demand signals grow logarithmically). Competition score: no competitor = 40
 * (an unproven category), 1-5 = 100 (others have validated the demand), beyond 5 it loses 5 per competitor down
 * to 30 (a crowded market).
 */
export function solutionDemandScore(
  input: Pick<MarketReadinessInput, 'competitorCount' | 'waitlistSize' | 'waitlistTarget'>,
): number {
  const target = Math.max(1, input.waitlistTarget ?? 1000);
  const waitlist = Math.max(0, finite(input.waitlistSize, 'waitlistSize'));
  const waitlistScore = clamp((100 * Math.log10(1 + waitlist)) / Math.log10(1 + target));
  const competitors = Math.max(0, Math.floor(finite(input.competitorCount, 'competitorCount')));
  const competitionScore = competitors === 0 ? 40 : competitors <= 5 ? 100 : Math.max(30, 100 - 5 * (competitors - 5));
  return clamp((waitlistScore + competitionScore) / 2);
}

/**
 * buyingPower from r = budget / price: below 1, 80 * r (customers must stretch); from 1, 80 + 20 * (r - 1), capped
 * at 100 when the budget is twice the price. A free product scores 100.
 */
export function buyingPowerScore(input: Pick<MarketReadinessInput, 'avgBudgetUsd' | 'priceUsd'>): number {
  const budget = Math.max(0, finite(input.avgBudgetUsd, 'avgBudgetUsd'));
  const price = Math.max(0, finite(input.priceUsd, 'priceUsd'));
  if (price === 0) return 100;
  const r = budget / price;
  return clamp(r < 1 ? 80 * r : 80 + 20 * (r - 1));
}

/** technicalReadiness = the share of target customers already using the prerequisite technology. */
export function technicalReadinessScore(input: Pick<MarketReadinessInput, 'techAdoptionPct'>): number {
  return clamp(finite(input.techAdoptionPct, 'techAdoptionPct'));
}

/** regulatoryEnvironment: low burden 90, medium 60, high 30; pending regulation takes 15 off. */
export function regulatoryEnvironmentScore(
  input: Pick<MarketReadinessInput, 'regulatoryBurden' | 'pendingRegulation'>,
): number {
  const base = { low: 90, medium: 60, high: 30 }[input.regulatoryBurden];
  if (base === undefined) throw new RangeError('regulatoryBurden must be low, medium or high');
  return clamp(base - (input.pendingRegulation === true ? 15 : 0));
}

const ADVICE: Record<ReadinessFactor, string> = {
  problemAwareness:
    'Problem awareness is low: lead with educational content (the cost of the problem, not the product) before demand capture.',
  solutionDemand:
    'Demand for a solution is unproven: grow the waitlist and run pre-sales or a paid pilot to validate willingness to buy.',
  buyingPower:
    'Target customers budget less than the price: test lower tiers, usage-based pricing or a segment with larger budgets.',
  technicalReadiness:
    'Few target customers have the prerequisite technology: ship integrations or onboarding that lower the adoption bar.',
  regulatoryEnvironment:
    'The regulatory environment is demanding: secure compliance (certifications, legal review) before scaling acquisition.',
};

/** Combines factor scores (each clamped to 0-100) into the weighted overall score, breakdown and recommendations. */
export function combineReadiness(
  factors: Readonly<ReadinessFactors>,
  weights: Readonly<ReadinessFactors> = defaultReadinessWeights,
): MarketReadiness {
  validateReadinessWeights(weights);
  const breakdown = {} as Record<ReadinessFactor, FactorBreakdown>;
  let overall = 0;
  for (const factor of readinessFactors) {
    const score = clamp(factors[factor]);
    const weight = weights[factor];
    breakdown[factor] = { score, weight, contribution: score * weight };
    overall += score * weight;
  }
  const recommendations = readinessFactors
    .filter((f) => breakdown[f].score < WEAK_FACTOR_THRESHOLD)
    // The weakest, most heavily weighted gaps come first: they cost the most overall points.
    .sort((a, b) => (100 - breakdown[b].score) * breakdown[b].weight - (100 - breakdown[a].score) * breakdown[a].weight)
    .map((f) => `${ADVICE[f]} (${f} ${Math.round(breakdown[f].score)}/100)`);
  return { overall: clamp(overall), breakdown, recommendations };
}

/** Scores the five factors from the venture's inputs and combines them with the weights (default documented above). */
export function calculateMarketReadiness(
  input: MarketReadinessInput,
  weights: Readonly<ReadinessFactors> = defaultReadinessWeights,
): MarketReadiness {
  return combineReadiness(
    {
      problemAwareness: problemAwarenessScore(input),
      solutionDemand: solutionDemandScore(input),
      buyingPower: buyingPowerScore(input),
      technicalReadiness: technicalReadinessScore(input),
      regulatoryEnvironment: regulatoryEnvironmentScore(input),
    },
    weights,
  );
}

/** Inputs of {@link suggestLaunchWindow}. */
export interface LaunchWindowInput {
  /** Overall readiness 0-100 (e.g. `calculateMarketReadiness(...).overall`). */
  readiness: number;
  /** Demand index (1.0 = average) per month, January first (12 values), or per ISO week (52 or 53 values). */
  seasonality: readonly number[];
  /** Today, as YYYY-MM-DD. */
  from: string;
  /** How far ahead a launch may start, in months. Default 12. */
  horizonMonths?: number;
  /** Preparation needed before any launch, in weeks. Default 8. */
  leadTimeWeeks?: number;
  /** Length of the launch campaign the seasonality is averaged over, in months. Default 2. */
  windowMonths?: number;
}

/** A recommended launch window. */
export interface LaunchWindow {
  /** First day of the launch, YYYY-MM-DD (always the first of a month). */
  start: string;
  /** Last day of the launch campaign, YYYY-MM-DD. */
  end: string;
  /** 0-100: 50 * the window's mean demand index, less 2% per month waited after the first month the lead time allows. */
  score: number;
  /** Mean demand index over the window (1.0 = average). */
  demandIndex: number;
  /** Earliest month start a launch could take (after the lead time, plus any readiness delay). */
  earliestStart: string;
  reason: string;
}

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = 86_400_000;
// Waiting has a cost (revenue and learning foregone), so a later month must beat an earlier one by more than this per month.
const WAIT_DISCOUNT_PER_MONTH = 0.02;

function parseDay(value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || !Number.isFinite(t) || new Date(t).toISOString().slice(0, 10) !== value) {
    throw new RangeError(`from must be a date as YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  return t;
}

function formatDay(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

/** First day of the month `months` after the month of t. */
function addMonthsToMonthStart(t: number, months: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1);
}

function isoWeek(t: number): number {
  const d = new Date(t);
  const weekday = d.getUTCDay() || 7;
  // The ISO week is the week of the Thursday of the same week.
  const thursday = t + (4 - weekday) * DAY;
  const yearStart = Date.UTC(new Date(thursday).getUTCFullYear(), 0, 1);
  return Math.floor((thursday - yearStart) / DAY / 7) + 1;
}

function demandOn(t: number, seasonality: readonly number[]): number {
  if (seasonality.length === 12) return seasonality[new Date(t).getUTCMonth()]!;
  const week = Math.min(isoWeek(t), seasonality.length);
  return seasonality[week - 1]!;
}

/** Months of delay for low readiness: one per 10 points below the threshold, at most 6. */
export function readinessDelayMonths(readiness: number): number {
  if (!(readiness < LOW_READINESS_THRESHOLD)) return 0;
  return Math.min(6, Math.ceil((LOW_READINESS_THRESHOLD - clamp(readiness)) / 10));
}

/**
 * Picks the best launch month. Candidates are the first days of the months from the earliest possible start (the
 * first month start after from + lead time, plus one month per 10 readiness points below 50) up to the horizon
 * (the first of the month horizonMonths after from's month). Each scores 50 * the mean seasonal demand index over
 * its campaign window (windowMonths long), less 2% per month waited after the first month the lead time allows;
 * ties go to the earlier month. When even the earliest start is past the horizon, that month is returned anyway
 * and the reason says so.
 */
export function suggestLaunchWindow(input: LaunchWindowInput): LaunchWindow {
  const fromT = parseDay(input.from);
  const horizonMonths = input.horizonMonths ?? 12;
  const leadTimeWeeks = input.leadTimeWeeks ?? 8;
  const windowMonths = input.windowMonths ?? 2;
  const readiness = clamp(finite(input.readiness, 'readiness'));
  const { seasonality } = input;
  if (![12, 52, 53].includes(seasonality.length)) {
    throw new RangeError('seasonality must have 12 monthly or 52/53 weekly values');
  }
  if (seasonality.some((v) => !Number.isFinite(v) || v < 0)) throw new RangeError('seasonality values must be >= 0');
  if (!(Number.isInteger(horizonMonths) && horizonMonths >= 1)) throw new RangeError('horizonMonths must be >= 1');
  if (!(Number.isFinite(leadTimeWeeks) && leadTimeWeeks >= 0)) throw new RangeError('leadTimeWeeks must be >= 0');
  if (!(Number.isInteger(windowMonths) && windowMonths >= 1)) throw new RangeError('windowMonths must be >= 1');

  const leadReady = fromT + Math.ceil(leadTimeWeeks * 7) * DAY;
  const delayMonths = readinessDelayMonths(readiness);
  const firstFeasibleMonth = new Date(leadReady).getUTCDate() === 1 ? leadReady : addMonthsToMonthStart(leadReady, 1);
  // The readiness delay comes on top of the lead time: closing the gaps is work the lead time did not plan for.
  const firstCandidate = addMonthsToMonthStart(firstFeasibleMonth, delayMonths);
  const horizonEnd = addMonthsToMonthStart(fromT, horizonMonths);

  const evaluate = (start: number, monthsWaited: number) => {
    const end = addMonthsToMonthStart(start, windowMonths) - DAY;
    let total = 0;
    let days = 0;
    for (let t = start; t <= end; t += DAY) {
      total += demandOn(t, seasonality);
      days++;
    }
    const demandIndex = total / days;
    const score = clamp(50 * demandIndex * (1 - WAIT_DISCOUNT_PER_MONTH * monthsWaited));
    return { start, end, demandIndex, score };
  };

  // Waiting is counted from the first month the lead time allows, so a readiness delay costs points too.
  let best = evaluate(firstCandidate, delayMonths);
  let waited = delayMonths;
  for (
    let start = addMonthsToMonthStart(firstCandidate, 1);
    start <= horizonEnd;
    start = addMonthsToMonthStart(start, 1)
  ) {
    waited++;
    const candidate = evaluate(start, waited);
    if (candidate.score > best.score) best = candidate;
  }

  const startDate = new Date(best.start);
  const endDate = new Date(best.end);
  const span =
    startDate.getUTCMonth() === endDate.getUTCMonth() && startDate.getUTCFullYear() === endDate.getUTCFullYear()
      ? MONTH_NAMES[startDate.getUTCMonth()]!
      : `${MONTH_NAMES[startDate.getUTCMonth()]!}-${MONTH_NAMES[endDate.getUTCMonth()]!}`;
  const parts = [
    `Launch on ${formatDay(best.start)}: seasonal demand averages ${best.demandIndex.toFixed(2)}x over ${span}`,
    `the ${leadTimeWeeks}-week lead time rules out anything before ${formatDay(leadReady)}`,
  ];
  if (delayMonths > 0) {
    parts.push(
      `readiness is ${Math.round(readiness)}/100 (below ${LOW_READINESS_THRESHOLD}), so the launch is held back at least ${delayMonths} month${delayMonths === 1 ? '' : 's'} to close the weakest gaps first`,
    );
  }
  if (firstCandidate > horizonEnd)
    parts.push(`no month within the ${horizonMonths}-month horizon is feasible, so this is the earliest one that is`);
  return {
    start: formatDay(best.start),
    end: formatDay(best.end),
    score: best.score,
    demandIndex: best.demandIndex,
    earliestStart: formatDay(firstCandidate),
    reason: `${parts.join('; ')}.`,
  };
}
