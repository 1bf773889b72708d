/**
 * Multi-touch attribution: rule-based models (first, last, linear, time decay, position based), Shapley and the
 * Markov removal effect over converted journeys. The request schema and the Markov chain live beside it;
 * everything stays importable from here.
 */
import {
  AttributionInputError,
  DEFAULT_HALF_LIFE_DAYS,
  DEFAULT_POSITION_WEIGHTS,
  pathOf,
  type AttributionModel,
  type AttributionOptions,
  type AttributionResult,
  type ChannelAttribution,
  type Journey,
  type Touchpoint,
} from './attributionInput';
import { markovRemovalEffects } from './markovAttribution';

export {
  ATTRIBUTION_LIMITS,
  attributionModels,
  attributionRequestSchema,
  AttributionInputError,
  DEFAULT_HALF_LIFE_DAYS,
  DEFAULT_POSITION_WEIGHTS,
  DIRECT_CHANNEL,
  journeySchema,
  MARKOV_MAX_CHANNELS,
  touchpointSchema,
  type AttributionModel,
  type AttributionOptions,
  type AttributionRequest,
  type AttributionResult,
  type ChannelAttribution,
  type Journey,
  type PositionWeights,
  type Touchpoint,
} from './attributionInput';
export { markovRemovalEffects } from './markovAttribution';

const DAY_MS = 86_400_000;

/** Neumaier-compensated accumulator: 100,000 journeys of fractional credit would otherwise drift off the totals. */
class Sum {
  private s = 0;
  private c = 0;
  add(x: number): void {
    const t = this.s + x;
    this.c += Math.abs(this.s) >= Math.abs(x) ? this.s - t + x : x - t + this.s;
    this.s = t;
  }
  get value(): number {
    return this.s + this.c;
  }
}

interface Credit {
  conversions: Sum;
  value: Sum;
}

/** Per-touchpoint weights (summing to 1) of a converted journey under a rule-based model. */
function ruleWeights(model: AttributionModel, path: readonly Touchpoint[], options: AttributionOptions): number[] {
  const n = path.length;
  const w = new Array<number>(n).fill(0);
  switch (model) {
    case 'first-click':
      w[0] = 1;
      return w;
    case 'last-click':
      w[n - 1] = 1;
      return w;
    case 'linear':
      return w.fill(1 / n);
    case 'position-based': {
      if (n === 1) return [1];
      const { first, last } = options.positionWeights ?? DEFAULT_POSITION_WEIGHTS;
      if (n === 2) {
        // No middle to take the remainder, so the two ends keep their ratio (50/50 for the symmetric default).
        const ends = first + last;
        return ends > 0 ? [first / ends, last / ends] : [0.5, 0.5];
      }
      w.fill((1 - first - last) / (n - 2));
      w[0] = first;
      w[n - 1] = last;
      return w;
    }
    case 'time-decay':
      return timeDecayWeights(path, (options.halfLifeDays ?? DEFAULT_HALF_LIFE_DAYS) * DAY_MS);
    default:
      throw new Error(`not a rule-based model: ${model}`);
  }
}

/**
 * Weight 2^(-(conversionTime - at) / halfLife), normalised. The conversion time is the latest touchpoint time
 * (the last touchpoint's in a chronological journey), so no weight exceeds 1 even if the input is out of order.
 * When any touchpoint lacks a parseable time the whole journey falls back to positions, each step back from the
 * last touchpoint counting as one half-life (weights 1, 1/2, 1/4, ...): mixing clocks and positions would be
 * meaningless.
 */
function timeDecayWeights(path: readonly Touchpoint[], halfLifeMs: number): number[] {
  const times = path.map((t) => (t.at === undefined ? Number.NaN : Date.parse(t.at)));
  const exponents = times.every(Number.isFinite)
    ? ((latest) => times.map((t) => (latest - t) / halfLifeMs))(Math.max(...times))
    : path.map((_, i) => path.length - 1 - i);
  const raw = exponents.map((e) => Math.pow(2, -e));
  const total = raw.reduce((a, b) => a + b, 0); // >= 1: the latest touchpoint has exponent 0
  return raw.map((r) => r / total);
}

/**
 * Attribute conversions (and their value) to channels.
 *
 * - first-click / last-click: all credit to the first / last touchpoint.
 * - linear: 1/n to each of the n touchpoints (a repeated channel collects each of its shares).
 * - time-decay: weight 2^(-(conversionTime - at) / halfLife), normalised per journey, with the latest touchpoint
 *   time as conversion time; if any touchpoint of a journey lacks a time, each step back from the last touchpoint
 *   counts as one half-life instead (weights 1, 1/2, 1/4, ... from the end).
 * - position-based: `first` and `last` shares to the ends, the rest split evenly over the middle; one touchpoint
 *   takes everything, two split in the ratio first:last.
 * - markov: each channel's removal effect over the sum of removal effects, times the totals.
 * - shapley: v(S) = conversions (or value) of the converted journeys whose channel set lies within S. That game is
 *   the sum, over converted journeys, of unanimity games on the journey's channel set, and the Shapley value of a
 *   unanimity game on T is 1/|T| to each member of T; so by linearity each converted journey splits its credit
 *   equally among its distinct channels. This is exact for any number of channels, no subset enumeration needed.
 *
 * Journeys that did not convert give no credit (the Markov model still counts their transitions). A converted
 * journey without touchpoints credits {@link DIRECT_CHANNEL}. Channels that appear only in non-converted journeys
 * or only in `spend` are listed with zero credit. Floating-point rounding left after compensated summation is put
 * on the most-credited channel, so credited conversions and value add up to the totals.
 */
export function attribute(
  journeys: readonly Journey[],
  model: AttributionModel,
  options: AttributionOptions = {},
  spend?: Readonly<Record<string, number>>,
): AttributionResult {
  if (options.halfLifeDays !== undefined && !(options.halfLifeDays > 0 && Number.isFinite(options.halfLifeDays))) {
    throw new AttributionInputError('halfLifeDays must be a positive number');
  }
  const pw = options.positionWeights;
  if (pw && !(pw.first >= 0 && pw.last >= 0 && pw.first + pw.last <= 1 + 1e-12)) {
    throw new AttributionInputError('positionWeights.first and .last must be non-negative and sum to at most 1');
  }

  const credit = new Map<string, Credit>();
  const bucket = (channel: string): Credit => {
    let c = credit.get(channel);
    if (!c) {
      c = { conversions: new Sum(), value: new Sum() };
      credit.set(channel, c);
    }
    return c;
  };
  const totalConv = new Sum();
  const totalVal = new Sum();
  for (const j of journeys) {
    for (const t of j.touchpoints) bucket(t.channel);
    if (!j.converted) continue;
    totalConv.add(1);
    totalVal.add(j.value ?? 0);
  }
  const totalConversions = totalConv.value;
  const totalValue = totalVal.value;

  if (model === 'markov') {
    const effects = markovRemovalEffects(journeys);
    let sum = 0;
    for (const e of effects.values()) sum += e;
    for (const [c, e] of effects) {
      if (sum === 0 || e === 0) continue;
      bucket(c).conversions.add((e / sum) * totalConversions);
      bucket(c).value.add((e / sum) * totalValue);
    }
  } else {
    for (const j of journeys) {
      if (!j.converted) continue;
      const path = pathOf(j);
      const value = j.value ?? 0;
      if (model === 'shapley') {
        const distinct = [...new Set(path.map((t) => t.channel))];
        for (const c of distinct) {
          bucket(c).conversions.add(1 / distinct.length);
          bucket(c).value.add(value / distinct.length);
        }
      } else {
        const w = ruleWeights(model, path, options);
        path.forEach((t, i) => {
          const wi = w[i]!;
          if (wi === 0) return;
          bucket(t.channel).conversions.add(wi);
          bucket(t.channel).value.add(wi * value);
        });
      }
    }
  }
  for (const c of Object.keys(spend ?? {})) bucket(c);

  const rows = [...credit].map(([channel, c]) => ({ channel, conversions: c.conversions.value, value: c.value.value }));
  rows.sort((x, y) => y.conversions - x.conversions || y.value - x.value || (x.channel < y.channel ? -1 : 1));
  // After sorting, so that the rows add up to the totals in the order they are returned.
  settle(rows, 'conversions', totalConversions);
  settle(rows, 'value', totalValue);

  const channels = rows.map((row): ChannelAttribution => {
    const out: ChannelAttribution = {
      ...row,
      share: totalConversions > 0 ? row.conversions / totalConversions : 0,
    };
    const s = spend?.[row.channel];
    if (s !== undefined) {
      out.spend = s;
      if (s > 0) {
        out.roi = (row.value - s) / s;
        out.roas = row.value / s;
      }
      if (row.conversions > 0) out.cpa = s / row.conversions;
    }
    return out;
  });
  return { model, totalConversions, totalValue, channels };
}

/** Put the rounding residual on the largest row so the rows add up to the total. */
function settle(rows: { conversions: number; value: number }[], key: 'conversions' | 'value', total: number): void {
  if (rows.length === 0) return;
  let largest = rows[0]!;
  for (const r of rows) if (r[key] > largest[key]) largest = r;
  for (let i = 0; i < 3; i++) {
    const residual = total - rows.reduce((a, r) => a + r[key], 0);
    if (residual === 0) return;
    largest[key] += residual;
  }
}
