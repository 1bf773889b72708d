/**
 * A channel's fitted response to spend, as the media-mix fit produces it and the optimiser and reallocation
 * proposals consume it: geometric adstock (carry-over) feeding Hill saturation.
 *
 * adstock_t = spend_t + decay · adstock_{t-1};  effect_t = maxEffect · adstock_t^shape / (halfSaturation^shape + adstock_t^shape)
 */
import type { HillCurve } from './hillCurve';

/** One channel's response parameters (per day). */
export interface ChannelResponse {
  /** Share of yesterday's adstock carried into today, in [0, 1). */
  decay: number;
  /** Adstock at which the channel gives half its maximum effect. */
  halfSaturation: number;
  /** Hill shape: above 1 S-shaped, at or below 1 concave. */
  shape: number;
  /** Most conversions a day the channel can bring. */
  maxEffect: number;
}

/** A point estimate with its interval (the 5th and 95th percentiles of the draws: a 90% interval). */
export interface Estimate {
  value: number;
  low: number;
  high: number;
}

/** A channel's fitted response with the bootstrap draws its intervals come from. */
export interface FittedResponse {
  name: string;
  response: ChannelResponse;
  /** Refits on resampled data; empty when no interval could be computed. */
  draws: ChannelResponse[];
}

/**
 * The curve of daily conversions against a constant daily spend, once the carry-over has settled: a steady spend x
 * builds an adstock of x / (1 - decay), so the Hill curve over daily spend has its half-saturation scaled by
 * (1 - decay).
 */
export function steadyStateCurve(r: ChannelResponse): HillCurve {
  return { maxConversions: r.maxEffect, halfSaturation: r.halfSaturation * (1 - r.decay), shape: r.shape };
}

/** The q-quantile (0..1) of numbers, by linear interpolation between order statistics. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** A point value with the 90% interval of its draws (the point itself as both ends when there are no draws). */
export function estimate(value: number, draws: readonly number[]): Estimate {
  if (draws.length === 0) return { value, low: value, high: value };
  return { value, low: Math.min(value, quantile(draws, 0.05)), high: Math.max(value, quantile(draws, 0.95)) };
}
