import {
  computeRates,
  sumCounts,
  withRates,
  type MetricCounts,
  type MetricsWithRates,
} from '../../domain/campaignMetrics';
import type { Db } from '../knex';

/** One day of one platform of a campaign. */
export interface DailyPerformance extends MetricsWithRates {
  platform: string;
  channel: string | null;
  date: string;
}

export interface PerformanceTotals {
  total: MetricsWithRates;
  byPlatform: Record<string, MetricsWithRates>;
}

interface PerformanceRow {
  platform: string;
  channel: string | null;
  metric_date: string;
  impressions: number | null;
  clicks: number | null;
  conversions: number | null;
  revenue: number | null;
  spend: number | null;
}

const countsOf = (r: Partial<Record<keyof MetricCounts, unknown>>): MetricCounts => ({
  impressions: Number(r.impressions ?? 0),
  clicks: Number(r.clicks ?? 0),
  conversions: Number(r.conversions ?? 0),
  spend: Number(r.spend ?? 0),
  revenue: Number(r.revenue ?? 0),
});

/**
 * campaign_performance: one row per campaign, platform and day (a unique index, so a repeated sync updates the row),
 * and one final report row per campaign that repeats the totals of its days.
 */
export class CampaignPerformanceStore {
  constructor(private readonly db: Db) {}

  /** Writes days of one platform, replacing what an earlier sync wrote for the same days. */
  async upsertDays(
    campaign: { campaignId: string; ventureId: string | null; channel: string | null; platform: string },
    days: ReadonlyArray<MetricCounts & { date: string }>,
  ): Promise<void> {
    if (days.length === 0) return;
    const rows = days.map((d) => ({
      campaign_id: campaign.campaignId,
      venture_id: campaign.ventureId,
      channel: campaign.channel,
      platform: campaign.platform,
      metric_date: d.date,
      is_final_report: false,
      impressions: d.impressions,
      clicks: d.clicks,
      conversions: d.conversions,
      revenue: d.revenue,
      spend: d.spend,
      ...computeRates(d),
    }));
    await this.db('campaign_performance')
      .insert(rows)
      .onConflict(this.db.raw('(campaign_id, platform, metric_date) WHERE NOT is_final_report'))
      .merge({
        ...Object.fromEntries(
          [
            'venture_id',
            'channel',
            'impressions',
            'clicks',
            'conversions',
            'revenue',
            'spend',
            'ctr',
            'cvr',
            'roas',
            'cac',
          ].map((c) => [c, this.db.raw('excluded.??', [c])]),
        ),
        recorded_at: this.db.fn.now(),
      });
  }

  /** Totals of the daily rows, overall and per platform. */
  async totals(campaignId: string): Promise<PerformanceTotals> {
    const rows: Array<Record<string, unknown>> = await this.db('campaign_performance')
      .where({ campaign_id: campaignId, is_final_report: false })
      .select('platform')
      .sum({
        impressions: 'impressions',
        clicks: 'clicks',
        conversions: 'conversions',
        spend: 'spend',
        revenue: 'revenue',
      })
      .groupBy('platform')
      .orderBy('platform');
    const byPlatform: Record<string, MetricsWithRates> = {};
    for (const r of rows) byPlatform[String(r.platform)] = withRates(countsOf(r));
    return { total: withRates(sumCounts(Object.values(byPlatform))), byPlatform };
  }

  /** Every daily row, oldest first. */
  async daily(campaignId: string): Promise<DailyPerformance[]> {
    const rows = (await this.db('campaign_performance')
      .where({ campaign_id: campaignId, is_final_report: false })
      .select(
        'platform',
        'channel',
        'impressions',
        'clicks',
        'conversions',
        'revenue',
        'spend',
        this.db.raw(`to_char(metric_date, 'YYYY-MM-DD') AS metric_date`),
      )
      .orderBy([{ column: 'metric_date' }, { column: 'platform' }])) as PerformanceRow[];
    return rows.map((r) => ({
      platform: r.platform,
      channel: r.channel,
      date: r.metric_date,
      ...withRates(countsOf(r)),
    }));
  }

  /** Writes (or rewrites) the final report: the campaign's totals over all its days and platforms. */
  async writeFinalReport(campaign: {
    campaignId: string;
    ventureId: string | null;
    channel: string | null;
    endDate: string;
  }): Promise<MetricsWithRates> {
    const { total } = await this.totals(campaign.campaignId);
    const { ctr, cvr, roas, cac, ...counts } = total;
    await this.db('campaign_performance')
      .insert({
        campaign_id: campaign.campaignId,
        venture_id: campaign.ventureId,
        channel: campaign.channel,
        platform: 'all',
        metric_date: campaign.endDate,
        is_final_report: true,
        ...counts,
        ctr,
        cvr,
        roas,
        cac,
      })
      .onConflict(this.db.raw('(campaign_id) WHERE is_final_report'))
      .merge();
    return total;
  }

  async finalReport(campaignId: string): Promise<(MetricsWithRates & { date: string; recordedAt: Date }) | undefined> {
    const row = await this.db('campaign_performance')
      .where({ campaign_id: campaignId, is_final_report: true })
      .select('*', this.db.raw(`to_char(metric_date, 'YYYY-MM-DD') AS metric_date`))
      .first();
    if (!row) return undefined;
    return { date: row.metric_date, recordedAt: row.recorded_at, ...withRates(countsOf(row)) };
  }
}
