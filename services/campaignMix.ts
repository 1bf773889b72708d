import type { Db } from '../db/knex';
import { CampaignPerformanceStore } from '../db/stores/campaignPerformance';
import { channelMixLimits } from '../domain/campaignBudget';
import {
  ChannelMixInfeasibleError,
  ChannelMixInputError,
  optimizeChannelMix,
  type ChannelMixChannel,
  type SpendPoint,
} from '../domain/channelMix';

/** The optimiser's split of a campaign's daily budget between its platforms, or why there is none. */
export interface SharePlan {
  shares?: Record<string, number>;
  reason: string;
  /** Expected conversions a day at the suggested split. */
  expectedConversions?: number;
  limits?: ReturnType<typeof channelMixLimits>;
}

/**
 * Suggests how to split a campaign's daily budget between its platforms, from each platform's own days so far:
 * what the `reallocate` update applies, and what the dashboard shows before a marketer applies it.
 */
export async function suggestShares(
  db: Db,
  input: { campaignId: string; platforms: string[]; dailyBudget: number },
): Promise<SharePlan> {
  const n = input.platforms.length;
  if (n < 2) return { reason: 'a campaign on one platform has nothing to reallocate' };
  if (!(input.dailyBudget > 0)) return { reason: 'no budget is left to reallocate' };
  const days = await new CampaignPerformanceStore(db).daily(input.campaignId);
  const channels: ChannelMixChannel[] = input.platforms.map((name) => {
    const history: SpendPoint[] = days
      .filter((d) => d.platform === name && d.spend > 0)
      .map((d) => ({ spend: d.spend, conversions: d.conversions }));
    return { name, history, curve: priorCurve(history, input.dailyBudget / n) };
  });
  if (channels.every((c) => (c.history ?? []).length === 0)) {
    return { reason: 'no platform has spent yet: there is nothing to learn from' };
  }
  const limits = channelMixLimits(n);
  try {
    const mix = optimizeChannelMix({ budget: input.dailyBudget, channels, ...limits });
    return {
      shares: Object.fromEntries(mix.channels.map((c) => [c.name, c.share])),
      expectedConversions: mix.totalExpectedConversions,
      limits,
      reason: `optimised for ${round2(mix.totalExpectedConversions)} expected conversions a day (at most ${
        limits.maxShare * 100
      }% per platform, at least ${limits.minChannels} funded)`,
    };
  } catch (err) {
    if (err instanceof ChannelMixInfeasibleError || err instanceof ChannelMixInputError) return { reason: err.message };
    throw err;
  }
}

/**
 * A curve to start from when a platform has too few distinct days to fit one: diminishing returns (shape 1)
 * through its average day, so that spending its average brings half of twice its average conversions.
 */
function priorCurve(history: readonly SpendPoint[], fallbackSpend: number) {
  const spend = history.reduce((a, p) => a + p.spend, 0);
  const conversions = history.reduce((a, p) => a + p.conversions, 0);
  const days = history.length;
  const avgSpend = days > 0 && spend > 0 ? spend / days : Math.max(fallbackSpend, 0.01);
  const avgConversions = days > 0 ? conversions / days : 0;
  return { maxConversions: 2 * avgConversions, halfSaturation: avgSpend, shape: 1 };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
