import { withRates, type MetricsWithRates } from '../../domain/campaignMetrics';
import type { Db } from '../knex';

/** A slice of campaign results: which venture, which days (YYYY-MM-DD, inclusive). */
export interface ReportFilter {
  ventureId?: string;
  from?: string;
  to?: string;
}

export interface ChannelResult extends MetricsWithRates {
  channel: string;
}

export interface CampaignResult extends MetricsWithRates {
  campaignId: string;
}

const counts = (r: Record<string, unknown>) => ({
  impressions: Number(r.impressions ?? 0),
  clicks: Number(r.clicks ?? 0),
  conversions: Number(r.conversions ?? 0),
  spend: Number(r.spend ?? 0),
  revenue: Number(r.revenue ?? 0),
});

/**
 * Read-only sums over `campaign_performance` for the dashboard and the commands: per channel and per campaign. Only
 * daily rows count (a final report repeats its days); a row without a venture or channel of its own takes its
 * campaign's, as the channel-mix history does.
 */
export class PerformanceReportStore {
  constructor(private readonly db: Db) {}

  private daily(filter: ReportFilter) {
    const q = this.db('campaign_performance as p')
      .leftJoin('gtm_campaigns as c', 'c.campaign_id', 'p.campaign_id')
      .where('p.is_final_report', false);
    if (filter.ventureId) {
      const id = filter.ventureId;
      q.where((w) => w.where('p.venture_id', id).orWhere((o) => o.whereNull('p.venture_id').where('c.venture_id', id)));
    }
    if (filter.from) q.where('p.metric_date', '>=', filter.from);
    if (filter.to) q.where('p.metric_date', '<=', filter.to);
    return q;
  }

  private sums() {
    return {
      impressions: 'p.impressions',
      clicks: 'p.clicks',
      conversions: 'p.conversions',
      spend: 'p.spend',
      revenue: 'p.revenue',
    };
  }

  /** Totals per channel, most revenue first. */
  async byChannel(filter: ReportFilter = {}): Promise<ChannelResult[]> {
    const rows: Record<string, unknown>[] = await this.daily(filter)
      .select(this.db.raw(`coalesce(p.channel, c.channel, 'unknown') AS channel`))
      .sum(this.sums())
      .groupByRaw('1');
    return rows
      .map((r) => ({ channel: String(r.channel), ...withRates(counts(r)) }))
      .sort((a, b) => b.revenue - a.revenue || a.channel.localeCompare(b.channel));
  }

  /** Totals per campaign. */
  async byCampaign(filter: ReportFilter = {}): Promise<CampaignResult[]> {
    const rows: Record<string, unknown>[] = await this.daily(filter)
      .select('p.campaign_id')
      .sum(this.sums())
      .groupBy('p.campaign_id');
    return rows.map((r) => ({ campaignId: String(r.campaign_id), ...withRates(counts(r)) }));
  }

  /** Totals of the slice. */
  async total(filter: ReportFilter = {}): Promise<MetricsWithRates> {
    const row: Record<string, unknown> | undefined = await this.daily(filter).sum(this.sums()).first();
    return withRates(counts(row ?? {}));
  }
}
