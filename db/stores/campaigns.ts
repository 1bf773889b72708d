import type { CampaignState } from '../../domain/campaignLifecycle';
import type { Db } from '../knex';

export interface Campaign {
  id: string;
  ventureId: string | null;
  strategyId: string | null;
  name: string;
  type: string;
  channel: string;
  platforms: string[];
  startDate: string;
  endDate: string | null;
  budget: number;
  spent: number;
  currency: string;
  targetAudience: unknown;
  creativeAssets: unknown;
  performanceMetrics: unknown;
  /** Platform name to the campaign's id on that platform. */
  platformCampaignIds: Record<string, string>;
  createdBy: string | null;
  status: CampaignState;
  statusReason: string | null;
  /** True when at least one platform is simulated (no money moves there); null before launch. */
  sandbox: boolean | null;
  createdAt: Date;
  updatedAt: Date;
}

interface CampaignRow {
  campaign_id: string;
  venture_id: string | null;
  strategy_id: string | null;
  campaign_name: string;
  campaign_type: string;
  channel: string;
  platforms: string[];
  start_date: string;
  end_date: string | null;
  budget: number;
  spent: number;
  currency: string;
  target_audience: unknown;
  creative_assets: unknown;
  performance_metrics: unknown;
  platform_campaign_ids: Record<string, string>;
  created_by: string | null;
  status: CampaignState;
  status_reason: string | null;
  sandbox: boolean | null;
  created_at: Date;
  updated_at: Date;
}

const toCampaign = (r: CampaignRow): Campaign => ({
  id: r.campaign_id,
  ventureId: r.venture_id,
  strategyId: r.strategy_id,
  name: r.campaign_name,
  type: r.campaign_type,
  channel: r.channel,
  platforms: r.platforms ?? [],
  startDate: r.start_date,
  endDate: r.end_date,
  budget: Number(r.budget),
  spent: Number(r.spent),
  currency: r.currency,
  targetAudience: r.target_audience,
  creativeAssets: r.creative_assets,
  performanceMetrics: r.performance_metrics,
  platformCampaignIds: r.platform_campaign_ids ?? {},
  createdBy: r.created_by,
  status: r.status,
  statusReason: r.status_reason,
  sandbox: r.sandbox,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface NewCampaign {
  ventureId: string;
  strategyId?: string;
  name: string;
  type: string;
  channel: string;
  platforms: string[];
  startDate: string;
  endDate: string;
  budget: number;
  currency: string;
  targetAudience?: unknown;
  creativeAssets?: unknown;
  createdBy: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** gtm_campaigns; dates leave PostgreSQL as YYYY-MM-DD text, never through the process's time zone. */
export class CampaignStore {
  constructor(private readonly db: Db) {}

  private select(db: Db = this.db) {
    return db('gtm_campaigns').select(
      '*',
      db.raw(`to_char(start_date, 'YYYY-MM-DD') AS start_date`),
      db.raw(`to_char(end_date, 'YYYY-MM-DD') AS end_date`),
    );
  }

  async create(input: NewCampaign, db: Db = this.db): Promise<Campaign> {
    const [row] = await db('gtm_campaigns')
      .insert({
        venture_id: input.ventureId,
        strategy_id: input.strategyId ?? null,
        campaign_name: input.name,
        campaign_type: input.type,
        channel: input.channel,
        platforms: input.platforms,
        start_date: input.startDate,
        end_date: input.endDate,
        budget: input.budget,
        currency: input.currency,
        target_audience: input.targetAudience === undefined ? null : JSON.stringify(input.targetAudience),
        creative_assets: input.creativeAssets === undefined ? null : JSON.stringify(input.creativeAssets),
        created_by: input.createdBy,
        status: 'planned',
      })
      .returning('campaign_id');
    const created = await this.get((row as { campaign_id: string }).campaign_id, db);
    return created!;
  }

  async get(id: string, db: Db = this.db): Promise<Campaign | undefined> {
    if (!UUID.test(id)) return undefined;
    const row = await this.select(db).where({ campaign_id: id }).first();
    return row && toCampaign(row as CampaignRow);
  }

  async list(filter: { ventureId?: string; status?: CampaignState; limit?: number; offset?: number } = {}) {
    const q = this.select()
      .orderBy('created_at', 'desc')
      .orderBy('campaign_id', 'asc')
      .limit(filter.limit ?? 100)
      .offset(filter.offset ?? 0);
    if (filter.ventureId) q.where('venture_id', filter.ventureId);
    if (filter.status) q.where('status', filter.status);
    return ((await q) as CampaignRow[]).map(toCampaign);
  }

  async setStatus(id: string, status: CampaignState, reason: string | null, db: Db = this.db): Promise<void> {
    await db('gtm_campaigns')
      .where({ campaign_id: id })
      .update({ status, status_reason: reason, updated_at: db.fn.now() });
  }

  async setBudget(id: string, budget: number, db: Db = this.db): Promise<void> {
    await db('gtm_campaigns').where({ campaign_id: id }).update({ budget, updated_at: db.fn.now() });
  }

  /** Records the campaign's id on a platform, keeping the other platforms' ids. */
  async setPlatformCampaignId(id: string, platform: string, externalId: string, sandbox: boolean): Promise<void> {
    await this.db('gtm_campaigns')
      .where({ campaign_id: id })
      .update({
        platform_campaign_ids: this.db.raw(`platform_campaign_ids || ?::jsonb`, [
          JSON.stringify({ [platform]: externalId }),
        ]),
        sandbox: this.db.raw('coalesce(sandbox, false) OR ?', [sandbox]),
        updated_at: this.db.fn.now(),
      });
  }

  async setSpent(id: string, spent: number, performanceMetrics: unknown): Promise<void> {
    await this.db('gtm_campaigns')
      .where({ campaign_id: id })
      .update({ spent, performance_metrics: JSON.stringify(performanceMetrics), updated_at: this.db.fn.now() });
  }

  async appendOptimizationLog(id: string, entry: Record<string, unknown>): Promise<void> {
    await this.db('gtm_campaigns')
      .where({ campaign_id: id })
      .update({
        optimization_log: this.db.raw(`coalesce(optimization_log, '[]'::jsonb) || ?::jsonb`, [JSON.stringify([entry])]),
        updated_at: this.db.fn.now(),
      });
  }
}
