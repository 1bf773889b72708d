import type { Db } from '../db/knex';
import { ChannelPerformanceStore, type HistoryPeriod } from '../db/stores/channelPerformance';
import { planChannelCurves, type PlannedChannelCurve } from '../domain/channelPriors';
import {
  DEFAULT_MAX_SHARE,
  DEFAULT_MIN_CHANNELS,
  optimizeChannelMix,
  type ChannelMixResult,
} from '../domain/channelMix';

/** A venture's optimised mix with the curve behind each channel. */
export interface VentureChannelMix extends ChannelMixResult {
  period: HistoryPeriod;
  maxShare: number;
  minChannels: number;
  curves: PlannedChannelCurve[];
}

/**
 * Optimises a budget (per `period`) over a venture's channels: one Hill curve per channel fitted from its
 * `campaign_performance` history summed per period, or its planning prior when the history is too short. Throws
 * the optimiser's ChannelMixInfeasibleError when the limits cannot hold with the channels there are.
 */
export async function ventureChannelMix(
  db: Db,
  ventureId: string,
  budget: number,
  options: { period?: HistoryPeriod; maxShare?: number; minChannels?: number } = {},
): Promise<VentureChannelMix> {
  const period = options.period ?? 'month';
  const history = await new ChannelPerformanceStore(db).history(ventureId, period);
  const curves = planChannelCurves(history, budget);
  const maxShare = options.maxShare ?? DEFAULT_MAX_SHARE;
  const minChannels = options.minChannels ?? DEFAULT_MIN_CHANNELS;
  const result = optimizeChannelMix({
    budget,
    channels: curves.map((c) => ({ name: c.name, curve: c.curve })),
    maxShare,
    minChannels,
  });
  return { ...result, period, maxShare, minChannels, curves };
}
