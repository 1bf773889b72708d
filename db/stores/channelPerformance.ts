import type { SpendPoint } from '../../domain/channelMix';
import type { Db } from '../knex';

/** Periods the spend history is summed over: one point per channel and period. */
export type HistoryPeriod = 'day' | 'week' | 'month';

/**
 * A venture's campaign results per channel, read from `campaign_performance`. Only the daily rows count: the final
 * report of a campaign repeats its days' totals. A row without a venture or channel of its own takes its campaign's.
 */
export class ChannelPerformanceStore {
  constructor(private readonly db: Db) {}

  private daily(ventureId: string, range: { from?: string; to?: string } = {}) {
    const q = this.db('campaign_performance as p')
      .leftJoin('gtm_campaigns as c', 'c.campaign_id', 'p.campaign_id')
      .where((w) =>
        w.where('p.venture_id', ventureId).orWhere((o) => o.whereNull('p.venture_id').where('c.venture_id', ventureId)),
      )
      .where('p.is_final_report', false)
      .whereRaw('coalesce(p.channel, c.channel) IS NOT NULL');
    if (range.from) q.where('p.metric_date', '>=', range.from);
    if (range.to) q.where('p.metric_date', '<=', range.to);
    return q;
  }

  /** Spend and conversions per channel and period (date_trunc of the metric date), oldest first. */
  async history(ventureId: string, period: HistoryPeriod): Promise<Map<string, SpendPoint[]>> {
    const rows: { channel: string; spend: number | null; conversions: number | null }[] = await this.daily(ventureId)
      .select(this.db.raw('coalesce(p.channel, c.channel) AS channel'))
      .select(this.db.raw('date_trunc(?, p.metric_date) AS period', [period]))
      .sum({ spend: 'p.spend', conversions: 'p.conversions' })
      .groupByRaw('1, 2')
      .orderByRaw('1, 2');
    const out = new Map<string, SpendPoint[]>();
    for (const r of rows) {
      const points = out.get(r.channel) ?? out.set(r.channel, []).get(r.channel)!;
      points.push({ spend: Number(r.spend ?? 0), conversions: Number(r.conversions ?? 0) });
    }
    return out;
  }

  /** Total spend per channel between two dates (inclusive, YYYY-MM-DD), or over all time. */
  async spendByChannel(ventureId: string, range: { from?: string; to?: string } = {}): Promise<Record<string, number>> {
    const rows: { channel: string; spend: number | null }[] = await this.daily(ventureId, range)
      .select(this.db.raw('coalesce(p.channel, c.channel) AS channel'))
      .sum({ spend: 'p.spend' })
      .groupByRaw('1');
    return Object.fromEntries(rows.map((r) => [r.channel, Number(r.spend ?? 0)]));
  }
}
