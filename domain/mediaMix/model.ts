/**
 * The media-mix model: conversions_t = baseline + Σ_c maxEffect_c · hill(adstock_{c,t}), with geometric adstock
 * adstock_{c,t} = spend_{c,t} + decay_c · adstock_{c,t-1} and hill(a) = a^shape / (halfSaturation^shape + a^shape).
 */
import type { ChannelResponse } from '../responseCurves';

/** One day of data: what each channel spent and how many conversions there were in total. */
export interface MediaMixDay {
  /** YYYY-MM-DD; days are consecutive, oldest first. */
  date: string;
  /** Spend per channel that day; a channel left out spent nothing. */
  spend: Record<string, number>;
  conversions: number;
}

/**
 * Days whose mean spend sets the adstock carried into the first day. The spend before the data is unknown; assuming
 * it ran at the first week's mean level (a steady state) keeps every day in the loss, where starting from zero would
 * bias the first days of a slow-decaying channel and excluding them would waste data. A week, not a day, because a
 * flighted channel's first day may be a day off.
 */
export const WARM_START_DAYS = 7;

/** The adstock of the day before the first: the steady state of the first week's mean spend, m / (1 - decay). */
export function initialAdstock(spend: ArrayLike<number>, decay: number): number {
  const n = Math.min(WARM_START_DAYS, spend.length);
  if (n === 0) return 0;
  let sum = 0;
  for (let t = 0; t < n; t++) sum += spend[t]!;
  return sum / n / (1 - decay);
}

/** Geometric adstock of a spend series, given the adstock of the day before the first. */
export function adstockSeries(
  spend: ArrayLike<number>,
  decay: number,
  before: number,
  out?: Float64Array,
): Float64Array {
  const a = out ?? new Float64Array(spend.length);
  let prev = before;
  for (let t = 0; t < spend.length; t++) {
    prev = spend[t]! + decay * prev;
    a[t] = prev;
  }
  return a;
}

/** Hill saturation of an adstock, between 0 and 1: half at the half-saturation point. */
export function hillUnit(adstock: number, halfSaturation: number, shape: number): number {
  if (adstock <= 0) return 0;
  // 1 / (1 + (K/a)^s) rather than a^s / (K^s + a^s), which overflows for large adstocks.
  return 1 / (1 + Math.pow(halfSaturation / adstock, shape));
}

/** A channel's daily effect (conversions it brings each day) over a spend series, adstock warm-started. */
export function channelEffects(spend: ArrayLike<number>, r: ChannelResponse): Float64Array {
  const a = adstockSeries(spend, r.decay, initialAdstock(spend, r.decay));
  for (let t = 0; t < a.length; t++) a[t] = r.maxEffect * hillUnit(a[t]!, r.halfSaturation, r.shape);
  return a;
}

/** Expected conversions each day: the baseline plus every channel's effect. */
export function predictConversions(
  spend: ReadonlyArray<ArrayLike<number>>,
  baseline: number,
  responses: readonly ChannelResponse[],
): Float64Array {
  const n = spend[0]?.length ?? 0;
  const out = new Float64Array(n).fill(baseline);
  responses.forEach((r, c) => {
    const e = channelEffects(spend[c]!, r);
    for (let t = 0; t < n; t++) out[t]! += e[t]!;
  });
  return out;
}

/** The sum of a series. */
export function total(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s;
}
