/**
 * The channel-mix optimiser: splits a budget over channels with Hill response curves to maximise expected
 * conversions, under a per-channel share cap and a minimum number of funded channels. Curves and the request
 * schema live beside it; everything stays importable from here. Intervals from a media-mix fit's draws and the least
 * budget reaching a target are in `fittedMix.ts`.
 */
import { DEFAULT_MAX_SHARE, DEFAULT_MIN_CHANNELS, MAX_GRID_UNITS, responseProblem } from './channelMixSchema';
import {
  fitHillCurve,
  hillConversions,
  hillInflection,
  hillMarginal,
  MIN_FIT_POINTS,
  type HillCurve,
  type SpendPoint,
} from './hillCurve';
import { steadyStateCurve, type ChannelResponse } from './responseCurves';

export {
  fitHillCurve,
  hillConversions,
  hillInflection,
  hillMarginal,
  MAX_SHAPE,
  MIN_FIT_POINTS,
  type HillCurve,
  type SpendPoint,
} from './hillCurve';
export {
  CHANNEL_MIX_OBJECTIVES,
  channelMixChannelSchema,
  channelMixRequestSchema,
  channelResponseSchema,
  DEFAULT_MAX_SHARE,
  DEFAULT_MIN_CHANNELS,
  fittedChannelSchema,
  hillCurveSchema,
  MAX_DRAWS,
  MAX_GRID_UNITS,
  responseProblem,
  spendPointSchema,
  type ChannelMixRequest,
} from './channelMixSchema';

/** A media-mix fit of one channel (per day), with the bootstrap draws its intervals come from. */
export interface ChannelFit {
  response: ChannelResponse;
  draws?: readonly ChannelResponse[];
}

/**
 * A channel to fund: a known curve, a history to fit one from, or both (then the curve is the fit's prior); or a
 * media-mix fit alone, whose steady-state curve is used, so that the budget is a daily one.
 */
export interface ChannelMixChannel {
  name: string;
  curve?: HillCurve;
  history?: readonly SpendPoint[];
  fitted?: ChannelFit;
}

/** What {@link optimizeChannelMix} needs. */
export interface ChannelMixInput {
  budget: number;
  channels: readonly ChannelMixChannel[];
  /** Largest fraction of the budget one channel may take; default {@link DEFAULT_MAX_SHARE}. */
  maxShare?: number;
  /** Fewest channels that must receive money; default {@link DEFAULT_MIN_CHANNELS}. */
  minChannels?: number;
  /** Spend grid of the search; default budget / {@link DEFAULT_GRID_UNITS}. Rounded to divide the budget evenly. */
  step?: number;
}

/** The money given to one channel and what it is expected to bring. */
export interface ChannelAllocation {
  name: string;
  amount: number;
  /** amount / budget. */
  share: number;
  expectedConversions: number;
  /** Conversions per extra unit of spend at this amount (the curve's slope). */
  marginalReturn: number;
  /** True when the channel holds maxShare of the budget. */
  atCap: boolean;
  /** The curve used: the one given, or the one fitted from the history. */
  curve: HillCurve;
}

/** What {@link optimizeChannelMix} returns; channels are in input order and amounts add up to the budget. */
export interface ChannelMixResult {
  budget: number;
  totalExpectedConversions: number;
  channels: ChannelAllocation[];
}

/** Thrown when the share cap and the minimum channel count cannot both hold with the channels given. */
export class ChannelMixInfeasibleError extends Error {
  override readonly name = 'ChannelMixInfeasibleError';
  constructor(
    readonly requiredChannels: number,
    readonly availableChannels: number,
    readonly maxShare: number,
    readonly minChannels: number,
  ) {
    const pct = +(maxShare * 100).toFixed(4);
    super(
      `the budget cannot be allocated: it needs at least ${requiredChannels} channels ` +
        `(a ${pct}% cap per channel needs ${Math.ceil(1 / maxShare - 1e-9)} channels to place the whole budget, ` +
        `and minChannels is ${minChannels}), but ${availableChannels} were given`,
    );
  }
}

/** Thrown for input the optimiser cannot work with (no curve and too little history, a grid too fine or coarse). */
export class ChannelMixInputError extends Error {
  override readonly name = 'ChannelMixInputError';
}

/** Default number of grid steps the budget is split into. */
export const DEFAULT_GRID_UNITS = 1000;
/**
 * Budget on the dynamic programme's inner loop (channels × grid × per-channel cap × funded-count states). Past it
 * the default grid is coarsened, and an explicit step is refused; the concave refinement recovers the precision.
 */
export const MAX_DP_WORK = 1e8;

interface Grid {
  units: number;
  capUnits: number;
  /**
   * How the programme keeps minChannels: not at all when the cap already forces that many channels, else by
   * counting funded channels (up to minChannels) or unfunded ones (up to n - minChannels), whichever has fewer
   * states, so that "fund every channel" costs no more than no constraint.
   */
  track: 'none' | 'funded' | 'unfunded';
  /** Largest count tracked (states are 0..last). */
  last: number;
}

function gridFor(units: number, n: number, maxShare: number, minChannels: number): Grid & { work: number } {
  const capUnits = Math.min(units, Math.floor(maxShare * units + 1e-9));
  const implied = capUnits > 0 ? Math.ceil(units / capUnits) : Infinity;
  const track = minChannels <= implied ? 'none' : minChannels <= n - minChannels ? 'funded' : 'unfunded';
  const last = track === 'none' ? 0 : track === 'funded' ? minChannels : n - minChannels;
  return { units, capUnits, track, last, work: n * (units + 1) * (capUnits + 1) * (last + 1) };
}

/** Pick the grid: as asked (or the default), shrunk where the cap does not fit it or the programme would be too big. */
function chooseGrid(budget: number, n: number, maxShare: number, minChannels: number, step?: number): Grid {
  const explicit = step !== undefined;
  let units = explicit ? Math.max(1, Math.round(budget / step)) : DEFAULT_GRID_UNITS;
  if (units > MAX_GRID_UNITS) {
    throw new ChannelMixInputError(`step ${step} splits the budget into more than ${MAX_GRID_UNITS} steps`);
  }
  for (; units >= minChannels && units >= 1; units--) {
    const g = gridFor(units, n, maxShare, minChannels);
    // A cap like 1/3 of 1,000 steps rounds down to 333 and three channels no longer hold the budget.
    if (n * g.capUnits < units) continue;
    if (g.work > MAX_DP_WORK) {
      if (explicit) {
        throw new ChannelMixInputError(`step ${step} is too fine for ${n} channels; use a larger step`);
      }
      continue;
    }
    return g;
  }
  throw new ChannelMixInputError(`the spend grid is too coarse to fund ${minChannels} channels; use a smaller step`);
}

/**
 * Best whole-step allocation by dynamic programming over channels: state (steps spent, channels counted so far).
 * Exact on the grid for any curve shape, so an S-shaped channel whose first steps return almost nothing is still
 * funded when a larger amount pays, which a marginal-return greedy starting from zero would never find.
 */
function allocateOnGrid(values: readonly Float64Array[], grid: Grid): number[] {
  const { units: u, capUnits, track, last } = grid;
  const width = last + 1;
  const n = values.length;
  let prev = new Float64Array((u + 1) * width).fill(-Infinity);
  prev[0] = 0;
  const choices: Int32Array[] = [];
  for (let i = 0; i < n; i++) {
    const vals = values[i]!;
    const cur = new Float64Array((u + 1) * width).fill(-Infinity);
    const choice = new Int32Array((u + 1) * width).fill(-1);
    const laterCapacity = (n - 1 - i) * capUnits;
    for (let j = 0; j <= u; j++) {
      const kMax = Math.min(capUnits, u - j);
      const kMin = Math.max(0, u - j - laterCapacity);
      for (let st = 0; st <= last; st++) {
        const base = prev[j * width + st]!;
        if (base === -Infinity) continue;
        for (let k = kMin; k <= kMax; k++) {
          let next = st;
          if (track === 'funded' && k > 0 && st < last) next = st + 1;
          else if (track === 'unfunded' && k === 0) {
            if (st === last) continue; // one more unfunded channel than minChannels allows
            next = st + 1;
          }
          const idx = (j + k) * width + next;
          const v = base + vals[k]!;
          if (v > cur[idx]!) {
            cur[idx] = v;
            choice[idx] = k * width + st;
          }
        }
      }
    }
    prev = cur;
    choices.push(choice);
  }
  // Funded counting must end at minChannels; unfunded counting may end anywhere up to its limit.
  let idx = u * width + (track === 'funded' ? last : 0);
  if (track === 'unfunded') {
    for (let st = 1; st <= last; st++) if (prev[u * width + st]! > prev[idx]!) idx = u * width + st;
  }
  if (prev[idx] === -Infinity) throw new Error('no allocation on the grid meets the limits');
  const out = new Array<number>(n).fill(0);
  let j = u;
  for (let i = n - 1; i >= 0; i--) {
    const code = choices[i]![idx]!;
    const k = Math.floor(code / width);
    out[i] = k;
    j -= k;
    idx = j * width + (code % width);
  }
  return out;
}

/** Spend in [lo, hi] where the slope equals lambda; the slope must be decreasing on that interval. */
function demand(curve: HillCurve, lo: number, hi: number, lambda: number): number {
  if (hi <= lo || hillMarginal(curve, lo) <= lambda) return lo;
  if (hillMarginal(curve, hi) >= lambda) return hi;
  let a = lo;
  let b = hi;
  for (let i = 0; i < 400; i++) {
    const mid = (a + b) / 2;
    if (mid <= a || mid >= b) break;
    if (hillMarginal(curve, mid) > lambda) a = mid;
    else b = mid;
  }
  return (a + b) / 2;
}

/**
 * Maximise Σ conversions over the box lo <= x <= hi with Σ x = budget, every curve being concave on its box:
 * the optimum spends so that each channel strictly inside its box has the same slope λ (the Lagrange multiplier),
 * found by bisection on ln λ since total demand falls as λ rises.
 */
function equalizeMarginals(curves: readonly HillCurve[], lo: number[], hi: number[], budget: number): number[] {
  const at = (lnLambda: number) => curves.map((c, i) => demand(c, lo[i]!, hi[i]!, Math.exp(lnLambda)));
  const total = (x: number[]) => x.reduce((a, b) => a + b, 0);
  let a = -745; // below exp(-745) the double is 0
  let b = 709;
  for (let i = 0; i < 300; i++) {
    const mid = (a + b) / 2;
    if (mid <= a || mid >= b) break;
    if (total(at(mid)) > budget) a = mid;
    else b = mid;
  }
  const x = at(b);
  // What bisection leaves (rounding, or channels whose slope is 0 everywhere) goes where there is room.
  let residual = budget - total(x);
  for (let i = 0; i < x.length && residual !== 0; i++) {
    const move = residual > 0 ? Math.min(residual, hi[i]! - x[i]!) : Math.max(residual, lo[i]! - x[i]!);
    x[i]! += move;
    residual -= move;
  }
  return x;
}

const totalConversions = (curves: readonly HillCurve[], x: readonly number[]) =>
  curves.reduce((sum, c, i) => sum + hillConversions(c, x[i]!), 0);

/**
 * Split a budget over channels to maximise expected conversions, spending all of it, giving no channel more than
 * maxShare of it and funding at least minChannels channels.
 *
 * 1. Feasibility: the cap needs ceil(1 / maxShare) channels to place the whole budget; with fewer channels than
 *    that or than minChannels, {@link ChannelMixInfeasibleError}.
 * 2. Dynamic programming on a grid of budget / step steps (1,000 by default, fewer when {@link MAX_DP_WORK} would
 *    be exceeded), exact on the grid for any curve.
 * 3. Refinement off the grid: each channel is confined to a range where its curve is concave (concave channels:
 *    [0, cap]; funded S-shaped channels past their inflection: [inflection, cap]; others stay fixed) and slopes are
 *    equalised there. The grid answer lies in that box, so the refinement can only improve on it; it is kept when
 *    it does. If it would leave fewer than minChannels funded, it is rerun with the grid's funded channels held at
 *    one step at least. When every curve is concave, every channel not at 0, a floor or the cap ends with the same
 *    marginal return.
 *    "Funded" means at least one grid step (budget / 1,000 by default), so the minChannels floor is real money.
 * 4. Floating-point rounding is settled on one channel so that the amounts add up to the budget exactly.
 */
export function optimizeChannelMix(input: ChannelMixInput): ChannelMixResult {
  const { budget, channels } = input;
  const maxShare = input.maxShare ?? DEFAULT_MAX_SHARE;
  const minChannels = input.minChannels ?? DEFAULT_MIN_CHANNELS;
  if (!(budget > 0 && Number.isFinite(budget))) throw new ChannelMixInputError('budget must be a positive number');
  if (!(maxShare > 0 && maxShare <= 1)) throw new ChannelMixInputError('maxShare must be in (0, 1]');
  if (!Number.isInteger(minChannels) || minChannels < 0) {
    throw new ChannelMixInputError('minChannels must be a non-negative integer');
  }
  if (input.step !== undefined && !(input.step > 0 && Number.isFinite(input.step))) {
    throw new ChannelMixInputError('step must be a positive number');
  }
  if (new Set(channels.map((c) => c.name)).size !== channels.length) {
    throw new ChannelMixInputError('channel names must be unique');
  }
  const n = channels.length;
  const required = Math.max(Math.ceil(1 / maxShare - 1e-9), minChannels);
  if (n < required) throw new ChannelMixInfeasibleError(required, n, maxShare, minChannels);

  const curves = channels.map(channelCurve);

  const cap = maxShare * budget;
  const grid = chooseGrid(budget, n, maxShare, minChannels, input.step);
  const unit = budget / grid.units;
  const values = curves.map((c) => {
    const v = new Float64Array(grid.capUnits + 1);
    for (let k = 1; k <= grid.capUnits; k++) v[k] = hillConversions(c, Math.min(k * unit, cap));
    return v;
  });
  const onGrid = allocateOnGrid(values, grid).map((k) => Math.min(k * unit, cap));

  const hi = curves.map((c, i) => {
    const a = onGrid[i]!;
    if (c.shape <= 1) return cap;
    return a > 0 && a >= hillInflection(c) ? cap : a;
  });
  const lo = curves.map((c, i) => {
    const a = onGrid[i]!;
    if (c.shape <= 1) return 0;
    return a > 0 && a >= hillInflection(c) ? hillInflection(c) : a;
  });
  // A channel counts as funded with at least one grid step: slopes equalised on a near-worthless concave curve
  // can leave it a few billionths of a cent, which is no funding.
  const funded = (x: readonly number[]) => x.filter((v) => v >= unit * (1 - 1e-9)).length;
  let refined = equalizeMarginals(curves, lo, hi, budget);
  if (funded(refined) < minChannels) {
    const floor = lo.map((l, i) => (onGrid[i]! > 0 ? Math.max(l, Math.min(unit, onGrid[i]!)) : l));
    refined = equalizeMarginals(curves, floor, hi, budget);
  }
  const amounts =
    funded(refined) >= minChannels && totalConversions(curves, refined) >= totalConversions(curves, onGrid)
      ? refined
      : onGrid;
  settleRounding(amounts, budget, cap);

  const allocations = channels.map((c, i): ChannelAllocation => {
    const curve = curves[i]!;
    const amount = amounts[i]!;
    const slope = hillMarginal(curve, amount);
    return {
      name: c.name,
      amount,
      share: amount / budget,
      expectedConversions: hillConversions(curve, amount),
      // An unfunded curve with shape < 1 has an infinite slope at 0; report the slope over the first step instead.
      marginalReturn: Number.isFinite(slope) ? slope : hillConversions(curve, unit) / unit,
      atCap: amount >= cap * (1 - 1e-9),
      curve,
    };
  });
  return {
    budget,
    totalExpectedConversions: allocations.reduce((s, a) => s + a.expectedConversions, 0),
    channels: allocations,
  };
}

/**
 * The curve a channel is optimised on: the steady-state curve of its fit, the curve fitted from its history (the
 * given curve being the prior), or the given curve. {@link ChannelMixInputError} when there is none to be had.
 */
export function channelCurve(c: ChannelMixChannel): HillCurve {
  if (c.fitted) {
    if (c.curve !== undefined || c.history !== undefined) {
      throw new ChannelMixInputError(`channel ${c.name} has a fitted response and a curve or history: give one`);
    }
    const problem = responseProblem(c.fitted.response);
    if (problem) throw new ChannelMixInputError(`channel ${c.name}: ${problem}`);
    return steadyStateCurve(c.fitted.response);
  }
  const curve = fitHillCurve(c.history ?? [], c.curve);
  if (!curve) {
    throw new ChannelMixInputError(
      `channel ${c.name} needs a curve, a history with at least ${MIN_FIT_POINTS} distinct positive spend levels, ` +
        'or a fitted response',
    );
  }
  return curve;
}

/**
 * Make the amounts add up to the budget exactly (summed in input order). The rounding goes to the channel farthest
 * from both of its limits (0 and the cap), the last such on a tie, so that it can neither go negative nor over.
 */
function settleRounding(amounts: number[], budget: number, cap: number): void {
  let target = -1;
  let room = -Infinity;
  amounts.forEach((a, i) => {
    const r = Math.min(a, cap - a);
    if (a > 0 && r >= room) {
      target = i;
      room = r;
    }
  });
  if (target < 0) return;
  for (let attempt = 0; attempt < 4; attempt++) {
    const residual = budget - amounts.reduce((a, b) => a + b, 0);
    if (residual === 0) return;
    amounts[target]! += residual;
  }
}
