import type { StrategyDraft } from '../../domain/strategyDraft';
import type { Db } from '../knex';

/** States of `gtm_strategies.status`. */
export type StrategyStatus = 'draft' | 'review' | 'approved' | 'active' | 'paused' | 'completed' | 'rejected';

/** A stored GTM strategy. */
export interface Strategy extends StrategyDraft {
  id: string;
  ventureId: string;
  name: string;
  type: string;
  status: StrategyStatus;
  approvedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

type Row = Record<string, unknown>;

const toStrategy = (r: Row): Strategy => ({
  id: r.strategy_id as string,
  ventureId: r.venture_id as string,
  name: r.strategy_name as string,
  type: r.strategy_type as string,
  status: r.status as StrategyStatus,
  approvedBy: (r.approved_by as string | null) ?? null,
  targetMarket: r.target_market as StrategyDraft['targetMarket'],
  positioningStatement: (r.positioning_statement as string | null) ?? '',
  valueProposition: r.value_proposition as StrategyDraft['valueProposition'],
  competitiveDifferentiation: (r.competitive_differentiation as StrategyDraft['competitiveDifferentiation']) ?? null,
  pricingStrategy: r.pricing_strategy as StrategyDraft['pricingStrategy'],
  channelMix: r.channel_mix as StrategyDraft['channelMix'],
  influencerStrategy: r.influencer_strategy as StrategyDraft['influencerStrategy'],
  contentStrategy: (r.content_strategy as StrategyDraft['contentStrategy']) ?? null,
  timeline: r.timeline as StrategyDraft['timeline'],
  budgetAllocation: r.budget_allocation as StrategyDraft['budgetAllocation'],
  kpiTargets: r.kpi_targets as StrategyDraft['kpiTargets'],
  riskAssessment: r.risk_assessment as StrategyDraft['riskAssessment'],
  successMetrics: r.success_metrics as StrategyDraft['successMetrics'],
  createdAt: r.created_at as Date,
  updatedAt: r.updated_at as Date,
});

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/** GTM strategies: drafted by the strategy workflow, moved through review and approval by it. */
export class StrategyStore {
  constructor(private readonly db: Db) {}

  /** Stores a draft under its id; a second call with the same id (a retried activity) changes nothing. */
  async insertDraft(input: {
    id: string;
    ventureId: string;
    name: string;
    type: string;
    draft: StrategyDraft;
  }): Promise<boolean> {
    const d = input.draft;
    const inserted = await this.db('gtm_strategies')
      .insert({
        strategy_id: input.id,
        venture_id: input.ventureId,
        strategy_name: input.name,
        strategy_type: input.type,
        target_market: json(d.targetMarket),
        positioning_statement: d.positioningStatement,
        value_proposition: json(d.valueProposition),
        competitive_differentiation: json(d.competitiveDifferentiation),
        pricing_strategy: json(d.pricingStrategy),
        channel_mix: json(d.channelMix),
        influencer_strategy: json(d.influencerStrategy),
        content_strategy: json(d.contentStrategy),
        timeline: json(d.timeline),
        budget_allocation: json(d.budgetAllocation),
        kpi_targets: json(d.kpiTargets),
        risk_assessment: json(d.riskAssessment),
        success_metrics: json(d.successMetrics),
        status: 'draft',
      })
      .onConflict('strategy_id')
      .ignore()
      .returning('strategy_id');
    return inserted.length > 0;
  }

  async get(id: string): Promise<Strategy | undefined> {
    const row = await this.db('gtm_strategies').where({ strategy_id: id }).first();
    return row && toStrategy(row);
  }

  async listForVenture(ventureId: string): Promise<Strategy[]> {
    return (await this.db('gtm_strategies').where({ venture_id: ventureId }).orderBy('created_at', 'desc')).map(
      toStrategy,
    );
  }

  /**
   * Moves a strategy to `to` if it is in one of `from`; answers the strategy after the change, or undefined when
   * it was in another state (so a retried transition that already happened is told apart by reading `to`).
   */
  async transition(
    id: string,
    from: readonly StrategyStatus[],
    to: StrategyStatus,
    patch: { approvedBy?: string | null } = {},
  ): Promise<Strategy | undefined> {
    const [row] = await this.db('gtm_strategies')
      .where({ strategy_id: id })
      .whereIn('status', [...from])
      .update({
        status: to,
        updated_at: this.db.fn.now(),
        ...(patch.approvedBy !== undefined ? { approved_by: patch.approvedBy } : {}),
      })
      .returning('*');
    return row && toStrategy(row);
  }
}
