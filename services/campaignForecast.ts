import type { Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import { CampaignPerformanceStore } from '../db/stores/campaignPerformance';
import type { Campaign } from '../db/stores/campaigns';
import { dayStartMs, remainingDailyBudget } from '../domain/campaignBudget';
import {
  budgetRunsOutBeforeEnd,
  forecastCampaign,
  type BudgetRunOut,
  type CampaignDay,
  type CampaignForecast,
} from '../domain/campaignForecast';
import { isTerminal } from '../domain/campaignLifecycle';
import { getCampaignWorkflowId } from '../domain/ids';
import { campaignStatusQuery } from '../workflows/campaignMessages';
import type { CampaignStatusView } from '../workflows/types';

/** A campaign's forecast as the API answers it. */
export interface CampaignForecastView extends CampaignForecast {
  campaignId: string;
  name: string;
  currency: string;
  status: string;
  /**
   * Where `dailyBudget` comes from: `platforms`, the daily budgets the run set on the platforms that deliver now
   * (a paused platform counts none); `even_spread`, before launch or when the run does not answer, what is left
   * spread evenly over the days left, as the run sets it at launch.
   */
  dailyBudgetSource: 'platforms' | 'even_spread';
  /** The warning for the budget guard: the budget runs out before the end date at the recent pace. */
  budgetRunsOut: BudgetRunOut | null;
}

/** The campaign has no end date to forecast to (a row written before end dates were required). */
export class NoEndDateError extends Error {
  constructor(readonly campaignId: string) {
    super('the campaign has no end date: there is nothing to forecast to');
  }
}

/** The run's live view, or undefined when it is over, not there, or does not answer within 5 s. */
function liveOf(temporal: Client, id: string): Promise<CampaignStatusView | undefined> {
  const handle = temporal.workflow.getHandle(getCampaignWorkflowId(id));
  return temporal.withDeadline(Date.now() + 5_000, () => handle.query(campaignStatusQuery)).catch(() => undefined);
}

/** Daily rows of all platforms summed per day. */
export function daysOf(rows: ReadonlyArray<{ date: string; spend: number; conversions: number }>): CampaignDay[] {
  const byDay = new Map<string, CampaignDay>();
  for (const r of rows) {
    const d = byDay.get(r.date) ?? byDay.set(r.date, { date: r.date, spend: 0, conversions: 0 }).get(r.date)!;
    d.spend += r.spend;
    d.conversions += r.conversions;
  }
  return [...byDay.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
}

/**
 * The forecast of a campaign as of `now`: the budget, spend and dates from its run when it answers (they change
 * with approved budget changes and each metrics sync), else from the stored row; the daily history from
 * `campaign_performance`. An ended campaign's run is not asked.
 */
export async function campaignForecast(
  deps: { db: Db; temporal: Client },
  campaign: Campaign,
  now = Date.now(),
): Promise<CampaignForecastView> {
  const [live, rows] = await Promise.all([
    isTerminal(campaign.status) ? undefined : liveOf(deps.temporal, campaign.id),
    new CampaignPerformanceStore(deps.db).daily(campaign.id),
  ]);
  const endDate = live?.endDate ?? campaign.endDate;
  if (!endDate) throw new NoEndDateError(campaign.id);
  const startDate = live?.startDate ?? campaign.startDate;
  const budget = live?.budget ?? campaign.budget;
  // The run learns its spend at each metrics sync; before its first one the stored figure is the better one.
  const spent = live?.lastSync ? live.spent : campaign.spent;
  const launched = live?.platforms.some((p) => p.budgetHistory.length > 0) ?? false;
  const dailyBudget = launched
    ? live!.platforms.filter((p) => !p.paused).reduce((a, p) => a + p.dailyBudget, 0)
    : remainingDailyBudget(budget, spent, endDate, Math.max(now, dayStartMs(startDate)));
  const forecast = forecastCampaign({ budget, spent, startDate, endDate, dailyBudget, history: daysOf(rows), now });
  return {
    campaignId: campaign.id,
    name: campaign.name,
    currency: campaign.currency,
    status: live?.state ?? campaign.status,
    dailyBudgetSource: launched ? 'platforms' : 'even_spread',
    ...forecast,
    budgetRunsOut: budgetRunsOutBeforeEnd(forecast),
  };
}
