/**
 * The channel-mix optimiser on a media-mix fit: expected conversions with 90% intervals from the fit's bootstrap
 * draws, the expected gain of one split over another, the least budget whose best split reaches a target, and the
 * answer of POST /v1/channel-mix/optimize. A fit is per day, so its budgets and conversions are daily.
 *
 * Draws are paired: draw i of every channel comes from the same refit, so a split's total in draw i is the sum of
 * its channels in draw i, and its interval is over those totals (channels that move together or against each other
 * widen or narrow it), never the sum of per-channel intervals. A gain is paired the same way, per draw.
 */
import {
  channelCurve,
  ChannelMixInputError,
  hillConversions,
  optimizeChannelMix,
  responseProblem,
  type ChannelAllocation,
  type ChannelMixChannel,
  type ChannelMixInput,
  type ChannelMixResult,
  type HillCurve,
} from './channelMix';
import type { CHANNEL_MIX_OBJECTIVES } from './channelMixSchema';
import { estimate, steadyStateCurve, type ChannelResponse, type Estimate, type FittedResponse } from './responseCurves';

/** The least-budget search stops when a budget this much smaller (relative) was found to fall short of the target. */
export const MIN_BUDGET_TOLERANCE = 1e-4;
/** The largest budget the least-budget search tries when no maxBudget is given. */
export const MAX_SEARCH_BUDGET = 1e12;

/** Thrown when a target is more than the channels can bring: ever, or within the budget the search may try. */
export class ChannelMixTargetError extends Error {
  override readonly name = 'ChannelMixTargetError';
  /** What to tell the client about `targetConversions` itself. */
  readonly problem: string;
  constructor(
    readonly targetConversions: number,
    /** The most the channels bring: within `searchBudget`, or (without one) ever, as a bound never reached. */
    readonly reachable: number,
    /** The sum of the channels' maxConversions: never reached, however large the budget. */
    readonly ceiling: number,
    readonly searchBudget?: { amount: number; from: 'maxBudget' | 'limit' },
  ) {
    const never =
      ceiling > 0
        ? `these channels never bring ${fmt(ceiling)} conversions or more (the sum of their maxConversions), ` +
          'however large the budget'
        : 'these channels bring no conversions at any budget (every maxConversions is 0)';
    const within = searchBudget
      ? searchBudget.from === 'maxBudget'
        ? `within maxBudget ${fmt(searchBudget.amount)}`
        : `with a budget of up to ${fmt(searchBudget.amount)}`
      : '';
    super(
      searchBudget
        ? `targetConversions ${targetConversions} cannot be reached ${within}: the best split of ` +
            `${fmt(searchBudget.amount)} brings ${fmt(reachable)}; ${never}`
        : `targetConversions ${targetConversions} cannot be reached: ${never}`,
    );
    this.problem =
      ceiling <= 0
        ? 'cannot be reached: every channel’s maxConversions is 0'
        : searchBudget
          ? `must be at most about ${fmt(reachable)}, the most these channels bring ${within}`
          : `must be below ${fmt(ceiling)}, which these channels approach but never reach`;
  }
}

/** Six significant figures: enough to compare with what the client sent. */
const fmt = (x: number) => String(Number(x.toPrecision(6)));

/** A split's expected conversions: in total and per channel, each with its interval, and how many draws it used. */
export interface SplitEstimate {
  total: Estimate;
  byChannel: Record<string, Estimate>;
  /** Paired draws behind the intervals; 0 when there were none, and then low = high = value. */
  draws: number;
}

/** A channel as the intervals see it: its point curve and one curve per draw (none when it has no draws). */
interface Priced {
  name: string;
  curve: HillCurve;
  draws: readonly HillCurve[];
}

/** A split evaluated under the point curves and under every draw. */
interface Evaluation {
  point: number[];
  /** Per channel, its conversions in each draw ([] for a channel without draws). */
  byDraw: number[][];
  /** Per draw, the total over channels (a channel without draws counts its point value). */
  totals: number[];
  pointTotal: number;
}

/** The number of paired draws: the same for every channel that has any, else {@link ChannelMixInputError}. */
function drawCount(channels: readonly { name: string; draws: readonly unknown[] }[]): number {
  const counts = new Set(channels.map((c) => c.draws.length).filter((n) => n > 0));
  if (counts.size > 1) {
    throw new ChannelMixInputError(
      `every channel with draws needs the same number of them (draw i of each comes from the same refit): ` +
        channels.map((c) => `${c.name} has ${c.draws.length}`).join(', '),
    );
  }
  return counts.size === 0 ? 0 : [...counts][0]!;
}

function evaluate(channels: readonly Priced[], amounts: readonly number[]): Evaluation {
  const n = drawCount(channels);
  const point = channels.map((c, i) => hillConversions(c.curve, amounts[i]!));
  const byDraw = channels.map((c, i) => c.draws.map((d) => hillConversions(d, amounts[i]!)));
  const totals = Array.from({ length: n }, (_, d) => byDraw.reduce((s, v, i) => s + (v[d] ?? point[i]!), 0));
  return { point, byDraw, totals, pointTotal: point.reduce((s, v) => s + v, 0) };
}

/** A fitted response as the intervals see it, after checking it and each draw. */
function price(c: { name: string; response: ChannelResponse; draws?: readonly ChannelResponse[] }): Priced {
  const curve = channelCurve({ name: c.name, fitted: { response: c.response } });
  const draws = (c.draws ?? []).map((d, i) => {
    const problem = responseProblem(d);
    if (problem) throw new ChannelMixInputError(`channel ${c.name}, draw ${i}: ${problem}`);
    return steadyStateCurve(d);
  });
  return { name: c.name, curve, draws };
}

/** Amounts by name in channel order (0 for a channel not named); unknown names or bad amounts are refused. */
function amountsFor(channels: readonly { name: string }[], amounts: Readonly<Record<string, number>>): number[] {
  const known = new Set(channels.map((c) => c.name));
  for (const [name, amount] of Object.entries(amounts)) {
    if (!known.has(name)) throw new ChannelMixInputError(`amounts for unknown channel ${name}`);
    if (!(amount >= 0 && amount < Infinity)) {
      throw new ChannelMixInputError(`the amount for channel ${name} must be a number of at least 0, not ${amount}`);
    }
  }
  return channels.map((c) => amounts[c.name] ?? 0);
}

const totalOf = (e: Evaluation): Estimate => estimate(e.pointTotal, e.totals);

/**
 * Expected conversions of a split (amounts by channel name, 0 for a channel not named) under each channel's
 * steady-state curve, with 90% intervals from the draws, paired across channels.
 */
export function evaluateSplit(
  channels: readonly FittedResponse[],
  amounts: Readonly<Record<string, number>>,
): SplitEstimate {
  const priced = channels.map(price);
  const e = evaluate(priced, amountsFor(channels, amounts));
  return {
    total: totalOf(e),
    byChannel: Object.fromEntries(priced.map((c, i) => [c.name, estimate(e.point[i]!, e.byDraw[i]!)])),
    draws: drawCount(priced),
  };
}

function gainOf(before: Evaluation, after: Evaluation): Estimate {
  return estimate(
    after.pointTotal - before.pointTotal,
    after.totals.map((t, d) => t - before.totals[d]!),
  );
}

/** Expected conversions the proposed split gains over the current one, with a 90% interval of the gain per draw. */
export function expectedGain(
  channels: readonly FittedResponse[],
  currentAmounts: Readonly<Record<string, number>>,
  proposedAmounts: Readonly<Record<string, number>>,
): Estimate {
  const priced = channels.map(price);
  return gainOf(
    evaluate(priced, amountsFor(channels, currentAmounts)),
    evaluate(priced, amountsFor(channels, proposedAmounts)),
  );
}

/** What {@link optimizeFittedMix} needs: a daily budget over fitted channels, the limits, and optionally today's split. */
export interface FittedMixInput {
  budget: number;
  channels: readonly FittedResponse[];
  maxShare?: number;
  minChannels?: number;
  /** Today's daily amounts by channel name, to report the gain of the proposed split over them. */
  current?: Readonly<Record<string, number>>;
}

/** One channel's share of a fitted mix: as {@link ChannelAllocation}, its expected conversions with their interval. */
export interface FittedAllocation extends Omit<ChannelAllocation, 'expectedConversions'> {
  expectedConversions: Estimate;
}

/** What {@link optimizeFittedMix} returns: channels in input order, amounts adding up to the budget. */
export interface FittedMixResult {
  budget: number;
  channels: FittedAllocation[];
  expectedConversions: Estimate;
  /** Paired draws behind the intervals; 0 when there were none, and then low = high = value. */
  draws: number;
  /** Today's split, when given: its expected conversions. */
  current?: { expectedConversions: Estimate };
  /** What the proposed split gains over today's, per draw, when today's was given. */
  gain?: Estimate;
}

/**
 * The best split of a daily budget over fitted channels ({@link optimizeChannelMix} on their steady-state curves),
 * with the expected conversions of the split and, when today's split is given, the gain over it.
 */
export function optimizeFittedMix(input: FittedMixInput): FittedMixResult {
  const priced = input.channels.map(price);
  const draws = drawCount(priced);
  const current = input.current ? amountsFor(input.channels, input.current) : undefined;
  const mix = optimizeChannelMix({
    budget: input.budget,
    channels: priced.map((c) => ({ name: c.name, curve: c.curve })),
    ...(input.maxShare !== undefined ? { maxShare: input.maxShare } : {}),
    ...(input.minChannels !== undefined ? { minChannels: input.minChannels } : {}),
  });
  const proposed = evaluate(
    priced,
    mix.channels.map((c) => c.amount),
  );
  const before = current ? evaluate(priced, current) : undefined;
  return {
    budget: mix.budget,
    channels: mix.channels.map((c, i) => ({
      ...c,
      expectedConversions: estimate(c.expectedConversions, proposed.byDraw[i]!),
    })),
    expectedConversions: totalOf(proposed),
    draws,
    ...(before ? { current: { expectedConversions: totalOf(before) }, gain: gainOf(before, proposed) } : {}),
  };
}

/** What {@link minBudgetForTarget} needs: the target, the channels and limits, and optionally a bound on the search. */
export interface MinBudgetInput {
  targetConversions: number;
  channels: readonly ChannelMixChannel[];
  maxShare?: number;
  minChannels?: number;
  /** The largest budget to try; default {@link MAX_SEARCH_BUDGET}. */
  maxBudget?: number;
}

/** The best split of the least budget found, and the target it reaches. */
export interface MinBudgetResult extends ChannelMixResult {
  targetConversions: number;
}

/**
 * The least budget whose best split (by {@link optimizeChannelMix}) brings at least targetConversions.
 *
 * More budget never brings fewer conversions at the best split (the extra can go where the caps, which grow with
 * the budget, leave room), so the search brackets the answer and narrows the bracket: the budget returned reaches
 * the target, and one smaller by {@link MIN_BUDGET_TOLERANCE} (relative) was found not to. The upper end is maxBudget
 * when given; otherwise budgets double from the channels' summed half-saturations up to {@link MAX_SEARCH_BUDGET}.
 * A target of at least the sum of the channels' maxConversions is never reached; that, or a target out of reach
 * within the bound, is a {@link ChannelMixTargetError} naming what can be reached.
 */
export function minBudgetForTarget(input: MinBudgetInput): MinBudgetResult {
  const target = input.targetConversions;
  if (!(target > 0 && target < Infinity)) throw new ChannelMixInputError('targetConversions must be a positive number');
  if (input.maxBudget !== undefined && !(input.maxBudget > 0 && input.maxBudget < Infinity)) {
    throw new ChannelMixInputError('maxBudget must be a positive number');
  }
  // Curves are resolved once (a history is fitted once), not on every budget tried.
  const curves = input.channels.map(channelCurve);
  const channels = input.channels.map((c, i) => ({ name: c.name, curve: curves[i]! }));
  const limits: Omit<ChannelMixInput, 'budget' | 'channels'> = {
    ...(input.maxShare !== undefined ? { maxShare: input.maxShare } : {}),
    ...(input.minChannels !== undefined ? { minChannels: input.minChannels } : {}),
  };
  const run = (budget: number) => optimizeChannelMix({ budget, channels, ...limits });
  const ceiling = curves.reduce((s, c) => s + c.maxConversions, 0);
  const reaches = (r: ChannelMixResult) => r.totalExpectedConversions >= target;

  let lo = 0;
  let atLo = 0; // conversions at lo
  let hi: number;
  let best: ChannelMixResult;
  if (input.maxBudget !== undefined) {
    hi = input.maxBudget;
    best = run(hi); // refuses limits that cannot hold before anything else
    if (target >= ceiling) throw new ChannelMixTargetError(target, ceiling, ceiling);
    if (!reaches(best)) {
      throw new ChannelMixTargetError(target, best.totalExpectedConversions, ceiling, {
        amount: hi,
        from: 'maxBudget',
      });
    }
  } else {
    // Start where the channels are half-saturated: the answer is rarely more than a few doublings away.
    const halfSaturations = curves.reduce((s, c) => s + c.halfSaturation, 0);
    hi = halfSaturations > 0 ? Math.min(MAX_SEARCH_BUDGET, halfSaturations) : 1;
    best = run(hi);
    if (target >= ceiling) throw new ChannelMixTargetError(target, ceiling, ceiling);
    // An even split is allowed by the limits, so where it reaches the target the best split does too: it tells
    // how far to double without running the optimiser on every budget on the way.
    const even = (budget: number) => curves.reduce((s, c) => s + hillConversions(c, budget / curves.length), 0);
    while (!reaches(best)) {
      if (hi >= MAX_SEARCH_BUDGET) {
        throw new ChannelMixTargetError(target, best.totalExpectedConversions, ceiling, {
          amount: hi,
          from: 'limit',
        });
      }
      lo = hi;
      atLo = best.totalExpectedConversions;
      do hi = Math.min(MAX_SEARCH_BUDGET, hi * 2);
      while (hi < MAX_SEARCH_BUDGET && even(hi) < target);
      best = run(hi);
    }
  }
  // Regula falsi with the Illinois fix (an end kept twice counts half, so that both ends close in), on ln budget
  // against logit(conversions / ceiling), where one Hill curve is a straight line: a few runs of the optimiser where
  // halving takes dozens, near saturation too. Each guess stays half a tolerance inside the bracket, so that a guess
  // next to the answer closes it.
  const logit = (v: number) => Math.log(v / (ceiling - v));
  let atHi = best.totalExpectedConversions;
  const flattest = Math.min(...curves.map((c) => c.shape));
  const weight = { lo: 1, hi: 1 };
  let kept: 'lo' | 'hi' | undefined;
  for (let i = 0; i < 100 && hi - lo > MIN_BUDGET_TOLERANCE * hi; i++) {
    const gLo = (logit(atLo) - logit(target)) * weight.lo;
    const gHi = (logit(atHi) - logit(target)) * weight.hi;
    // With nothing known to fall short but 0, follow the flattest channel's line down from hi: it undershoots.
    // Where a conversion count rounds to 0 or to the ceiling the line is lost: then the middle of the bracket.
    const guess =
      lo === 0
        ? hi * Math.exp((logit(target) - logit(atHi)) / flattest)
        : Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * -gLo) / (gHi - gLo));
    const margin = (MIN_BUDGET_TOLERANCE / 2) * hi;
    const budget =
      Number.isFinite(guess) && guess > 0 && Number.isFinite(gHi)
        ? Math.min(hi - margin, Math.max(lo + margin, guess))
        : lo > 0
          ? Math.sqrt(lo * hi)
          : hi / 2;
    const r = run(budget);
    const end = reaches(r) ? 'hi' : 'lo';
    if (kept !== undefined && kept !== end) weight[kept] /= 2;
    weight[end] = 1;
    kept = end === 'hi' ? 'lo' : 'hi';
    if (end === 'hi') [hi, atHi, best] = [budget, r.totalExpectedConversions, r];
    else [lo, atLo] = [budget, r.totalExpectedConversions];
  }
  return { ...best, targetConversions: target };
}

/** A channel-mix question as the API asks it: the most conversions for a budget, or the least budget for a target. */
export interface ChannelMixQuestion extends Omit<ChannelMixInput, 'budget'> {
  objective?: (typeof CHANNEL_MIX_OBJECTIVES)[number];
  budget?: number;
  targetConversions?: number;
  maxBudget?: number;
}

/** The answer: the allocation, with expected conversions and their intervals in total and per channel. */
export interface ChannelMixAnswer extends ChannelMixResult {
  objective: (typeof CHANNEL_MIX_OBJECTIVES)[number];
  targetConversions?: number;
  /** Total expected conversions with their 90% interval (the point when no channel has draws). */
  expectedConversions: Estimate;
  /** Paired draws behind the intervals; 0 when there were none, and then low = high = value. */
  draws: number;
  channels: (ChannelAllocation & { expectedConversionsEstimate: Estimate })[];
}

/**
 * Answers POST /v1/channel-mix/optimize: {@link optimizeChannelMix} for maxConversions (the default),
 * {@link minBudgetForTarget} for minBudget; then the chosen amounts under every draw of the fitted channels (channels
 * without draws count their point value in each).
 */
export function answerChannelMix(question: ChannelMixQuestion): ChannelMixAnswer {
  const { objective = 'maxConversions', budget, targetConversions, maxBudget, ...rest } = question;
  const priced = question.channels.map((c): Priced => {
    const curve = channelCurve(c); // refuses a fit given with a curve or history
    return c.fitted ? price({ name: c.name, ...c.fitted }) : { name: c.name, curve, draws: [] };
  });
  const draws = drawCount(priced);
  // Curves are resolved once above; the optimiser runs on them.
  const channels = priced.map((c) => ({ name: c.name, curve: c.curve }));
  let mix: ChannelMixResult;
  if (objective === 'minBudget') {
    if (targetConversions === undefined) throw new ChannelMixInputError('targetConversions is needed for minBudget');
    const { step: _step, ...limits } = rest;
    mix = minBudgetForTarget({
      ...limits,
      channels,
      targetConversions,
      ...(maxBudget !== undefined ? { maxBudget } : {}),
    });
  } else {
    if (budget === undefined) throw new ChannelMixInputError('budget is needed for maxConversions');
    mix = optimizeChannelMix({ ...rest, channels, budget });
  }
  const e = evaluate(
    priced,
    mix.channels.map((c) => c.amount),
  );
  return {
    objective,
    ...(objective === 'minBudget' ? { targetConversions } : {}),
    budget: mix.budget,
    totalExpectedConversions: mix.totalExpectedConversions,
    expectedConversions: totalOf(e),
    draws,
    channels: mix.channels.map((c, i) => ({
      ...c,
      expectedConversionsEstimate: estimate(c.expectedConversions, e.byDraw[i]!),
    })),
  };
}
