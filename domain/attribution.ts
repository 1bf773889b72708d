import { z } from 'zod';

/** The attribution models this module knows. */
export const attributionModels = [
  'first-click',
  'last-click',
  'linear',
  'time-decay',
  'position-based',
  'markov',
  'shapley',
] as const;

/** One of {@link attributionModels}. */
export type AttributionModel = (typeof attributionModels)[number];

/** A single contact with a channel; `at` is an ISO-8601 timestamp and only matters to the time-decay model. */
export interface Touchpoint {
  channel: string;
  at?: string;
}

/** The ordered touchpoints of one prospect, whether it converted, and what the conversion was worth. */
export interface Journey {
  touchpoints: readonly Touchpoint[];
  converted: boolean;
  value?: number;
}

/** Shares given to the first and last touchpoints by the position-based model; the middle ones split the rest. */
export interface PositionWeights {
  first: number;
  last: number;
}

/** Knobs of the time-decay and position-based models. */
export interface AttributionOptions {
  halfLifeDays?: number;
  positionWeights?: PositionWeights;
}

/** Credit given to one channel, with return figures when its spend is known. */
export interface ChannelAttribution {
  channel: string;
  /** Fractional conversions credited to the channel. */
  conversions: number;
  /** Conversion value credited to the channel. */
  value: number;
  /** conversions / totalConversions (0 when nothing converted). */
  share: number;
  spend?: number;
  /** (value - spend) / spend: profit per unit of spend; -1 means nothing came back. Absent when spend is 0. */
  roi?: number;
  /** value / spend. Absent when spend is 0. */
  roas?: number;
  /** spend / conversions. Absent when the channel was credited no conversion. */
  cpa?: number;
}

/** What {@link attribute} returns; `channels` is sorted by conversions, then value (both descending), then name. */
export interface AttributionResult {
  model: AttributionModel;
  totalConversions: number;
  totalValue: number;
  channels: ChannelAttribution[];
}

/** Thrown when the input is acceptable to the schema but not to a model (bad options, too many channels). */
export class AttributionInputError extends Error {
  override readonly name = 'AttributionInputError';
}

/** Channel credited with converted journeys that carry no touchpoint. A real channel of that name shares the bucket. */
export const DIRECT_CHANNEL = 'direct';
/** Half-life of the time-decay model when none is given. */
export const DEFAULT_HALF_LIFE_DAYS = 7;
/** The classic 40/20/40 split of the position-based model. */
export const DEFAULT_POSITION_WEIGHTS: Readonly<PositionWeights> = Object.freeze({ first: 0.4, last: 0.4 });
/**
 * The Markov model inverts a dense (channels + 1)-square matrix, cubic in the number of channels; past this many
 * distinct channels (some 0.3 s of arithmetic) it refuses rather than hold a request for seconds.
 */
export const MARKOV_MAX_CHANNELS = 500;
/** Request limits, shared by the schema and the documentation. */
export const ATTRIBUTION_LIMITS = Object.freeze({ journeys: 100_000, touchpointsPerJourney: 1000, channelName: 100 });

const DAY_MS = 86_400_000;

const channelName = z.string().min(1).max(ATTRIBUTION_LIMITS.channelName);
const share01 = z.number().min(0).max(1);

/** A touchpoint as the API accepts it. */
export const touchpointSchema = z
  .object({ channel: channelName, at: z.iso.datetime({ offset: true }).optional() })
  .strict();

/** A journey as the API accepts it. */
export const journeySchema = z
  .object({
    touchpoints: z.array(touchpointSchema).max(ATTRIBUTION_LIMITS.touchpointsPerJourney),
    converted: z.boolean(),
    value: z.number().finite().nonnegative().optional(),
  })
  .strict();

/** Body of an attribution request. */
export const attributionRequestSchema = z
  .object({
    model: z.enum(attributionModels),
    journeys: z.array(journeySchema).max(ATTRIBUTION_LIMITS.journeys),
    spend: z.record(channelName, z.number().finite().nonnegative()).optional(),
    options: z
      .object({
        halfLifeDays: z.number().finite().positive().optional(),
        positionWeights: z
          .object({ first: share01, last: share01 })
          .strict()
          .refine((w) => w.first + w.last <= 1 + 1e-12, 'first + last must not exceed 1')
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** A validated attribution request. */
export type AttributionRequest = z.infer<typeof attributionRequestSchema>;

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

/** The touchpoints a converted journey credits; an empty one is taken as a visit to {@link DIRECT_CHANNEL}. */
function pathOf(j: Journey): Touchpoint[] {
  return j.touchpoints.length > 0 ? [...j.touchpoints] : [{ channel: DIRECT_CHANNEL }];
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

/** Gauss-Jordan inverse with partial pivoting of a dense row-major m×m matrix. */
function invert(a: Float64Array, m: number): Float64Array {
  const w = 2 * m;
  const aug = new Float64Array(m * w);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) aug[i * w + j] = a[i * m + j]!;
    aug[i * w + m + i] = 1;
  }
  for (let col = 0; col < m; col++) {
    let pivot = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(aug[r * w + col]!) > Math.abs(aug[pivot * w + col]!)) pivot = r;
    const pv = aug[pivot * w + col]!;
    if (Math.abs(pv) < 1e-300) throw new Error('singular transition system');
    if (pivot !== col) {
      for (let j = 0; j < w; j++) {
        const t = aug[col * w + j]!;
        aug[col * w + j] = aug[pivot * w + j]!;
        aug[pivot * w + j] = t;
      }
    }
    for (let j = 0; j < w; j++) aug[col * w + j]! /= pv;
    for (let r = 0; r < m; r++) {
      if (r === col) continue;
      const f = aug[r * w + col]!;
      if (f === 0) continue;
      for (let j = col; j < w; j++) aug[r * w + j]! -= f * aug[col * w + j]!;
    }
  }
  const inv = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) inv[i * m + j] = aug[i * w + m + j]!;
  return inv;
}

/**
 * Removal effect of each channel in the first-order absorbing Markov chain start → channels → conversion | null.
 *
 * With Q the transient block (start and channels), r the one-step conversion probabilities and N = (I - Q)^-1,
 * the conversion probability from start is p = (N r)[start]. Removing channel c (its inbound transitions go to
 * null) loses exactly the conversions of the paths that visit c, so
 *   P(conv without c) = p - P(visit c from start) · p_c,  with  P(visit c from start) = N[start][c] / N[c][c],
 * and the removal effect 1 - P(conv without c) / p is N[start][c] / N[c][c] · p_c / p. This is the exact solution
 * of the absorbing chain (loops included) from one matrix inversion instead of one linear solve per channel.
 */
export function markovRemovalEffects(journeys: readonly Journey[]): Map<string, number> {
  const index = new Map<string, number>(); // channel -> state 1..n; state 0 is start
  const paths = journeys.map((j) => {
    const path = j.converted ? pathOf(j) : [...j.touchpoints];
    return path.map((t) => {
      let s = index.get(t.channel);
      if (s === undefined) {
        s = index.size + 1;
        index.set(t.channel, s);
      }
      return s;
    });
  });
  const n = index.size;
  if (n > MARKOV_MAX_CHANNELS) {
    throw new AttributionInputError(`the markov model handles at most ${MARKOV_MAX_CHANNELS} channels, got ${n}`);
  }
  const m = n + 1;
  const counts = new Float64Array(m * m);
  const toConversion = new Float64Array(m);
  const outTotal = new Float64Array(m);
  journeys.forEach((j, k) => {
    let from = 0;
    for (const to of paths[k]!) {
      counts[from * m + to]! += 1;
      outTotal[from]! += 1;
      from = to;
    }
    // Non-converted journeys (with or without touchpoints) end in null: they count in the denominator only.
    if (j.converted) toConversion[from]! += 1;
    outTotal[from]! += 1;
  });
  const effects = new Map<string, number>();
  for (const c of index.keys()) effects.set(c, 0);
  if (!journeys.some((j) => j.converted)) return effects;

  const a = new Float64Array(m * m);
  const r = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const out = outTotal[i]!;
    a[i * m + i] = 1;
    if (out === 0) continue;
    for (let j = 0; j < m; j++) a[i * m + j]! -= counts[i * m + j]! / out;
    r[i] = toConversion[i]! / out;
  }
  const inv = invert(a, m);
  const p = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += inv[i * m + j]! * r[j]!;
    p[i] = s;
  }
  const pStart = p[0]!;
  for (const [c, s] of index) {
    const visit = inv[s]! / inv[s * m + s]!; // row 0 of N is start
    effects.set(c, Math.min(1, Math.max(0, (visit * p[s]!) / pStart)));
  }
  return effects;
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
