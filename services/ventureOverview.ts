import type { Db } from '../db/knex';
import { CampaignStore } from '../db/stores/campaigns';
import { PerformanceReportStore, type ChannelResult } from '../db/stores/performanceReports';
import { StrategyStore } from '../db/stores/strategies';
import type { Venture } from '../db/stores/ventures';
import { budgetSuggestions, type BudgetSuggestions } from '../domain/budgetSuggestions';
import { ChannelMixInfeasibleError, ChannelMixInputError } from '../domain/channelMix';
import { isTerminal } from '../domain/campaignLifecycle';
import type { MetricsWithRates } from '../domain/campaignMetrics';
import { ventureChannelMix } from './ventureChannelMix';

/** The days the reallocation advice looks back over. */
export const LOOKBACK_DAYS = 30;

export interface VentureOverview {
  ventureId: string;
  name: string;
  slug: string;
  activeStrategies: number;
  strategies: { id: string; name: string; status: string }[];
  campaigns: { total: number; byStatus: Record<string, number>; live: number };
  /** The seed's four: total reach (impressions), average ROI (revenue / spend, averaged over campaigns), conversion rate. */
  totalReach: number;
  averageRoi: number | null;
  engagementRate: number | null;
  conversionRate: number | null;
  totals: MetricsWithRates;
  channels: ChannelResult[];
  /** Optimiser advice over the last {@link LOOKBACK_DAYS} days' spend; null with a note when there is nothing to plan. */
  advice: (BudgetSuggestions & { period: { from: string; to: string } }) | null;
  adviceNote?: string;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The GTM overview of one venture: strategies, campaign results, and where its budget would do more. */
export async function ventureOverview(db: Db, venture: Venture, now = Date.now()): Promise<VentureOverview> {
  const reports = new PerformanceReportStore(db);
  const [strategies, campaigns, totals, channels, perCampaign] = await Promise.all([
    new StrategyStore(db).listForVenture(venture.id),
    new CampaignStore(db).list({ ventureId: venture.id, limit: 500 }),
    reports.total({ ventureId: venture.id }),
    reports.byChannel({ ventureId: venture.id }),
    reports.byCampaign({ ventureId: venture.id }),
  ]);
  const byStatus: Record<string, number> = {};
  for (const c of campaigns) byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;
  const rois = perCampaign.map((c) => c.roas).filter((r): r is number => r !== null);

  const period = { from: day(now - (LOOKBACK_DAYS - 1) * 86_400_000), to: day(now) };
  const recent = await reports.byChannel({ ventureId: venture.id, ...period });
  const spent = recent.reduce((a, c) => a + c.spend, 0);
  let advice: VentureOverview['advice'] = null;
  let adviceNote: string | undefined;
  if (spent <= 0) {
    adviceNote = `no spend in the last ${LOOKBACK_DAYS} days: nothing to reallocate yet`;
  } else {
    try {
      const mix = await ventureChannelMix(db, venture.id, spent);
      advice = { ...budgetSuggestions(recent, mix.channels, spent), period };
    } catch (err) {
      if (!(err instanceof ChannelMixInfeasibleError || err instanceof ChannelMixInputError)) throw err;
      adviceNote = err.message;
    }
  }

  return {
    ventureId: venture.id,
    name: venture.name,
    slug: venture.slug,
    activeStrategies: strategies.filter((s) => s.status === 'approved' || s.status === 'active').length,
    strategies: strategies.map((s) => ({ id: s.id, name: s.name, status: s.status })),
    campaigns: {
      total: campaigns.length,
      byStatus,
      live: campaigns.filter((c) => !isTerminal(c.status)).length,
    },
    totalReach: totals.impressions,
    averageRoi: rois.length > 0 ? Math.round((rois.reduce((a, b) => a + b, 0) / rois.length) * 100) / 100 : null,
    engagementRate: totals.ctr,
    conversionRate: totals.cvr,
    totals,
    channels,
    advice,
    ...(adviceNote ? { adviceNote } : {}),
  };
}
