import type {
  ExplainedInfluencerScore,
  Influencer,
  InfluencerRow,
  PerformanceHistory,
} from '../../domain/influencerScoring';
import type { Db } from '../knex';

/** An influencer of the catalogue, as stored. */
export interface InfluencerRecord extends Influencer {
  id: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A stored match of one influencer with one venture. */
export interface InfluencerMatch {
  influencerId: string;
  ventureId: string;
  compositeScore: number;
  relevanceScore: number;
  conversionPotential: number;
  costEfficiencyScore: number;
  riskScore: number;
  subScores: Record<string, unknown>;
  riskFactors: string[];
  matchReasoning: string | null;
  recommendedCollaborationType: string | null;
  estimatedReach: number | null;
  estimatedCost: number | null;
  updatedAt: Date;
}

/** Filters of {@link InfluencerStore.search}. */
export interface InfluencerSearch {
  ventureId: string;
  category?: string;
  platform?: string;
  minFollowers?: number;
  maxFollowers?: number;
  minScore?: number;
  limit: number;
  offset: number;
}

type Row = Record<string, unknown>;

const toInfluencer = (r: Row): InfluencerRecord => ({
  id: r.influencer_id as string,
  name: r.name as string,
  handle: r.handle as string,
  platform: r.platform as string,
  category: r.category as string,
  followers_count: r.followers_count as number,
  engagement_rate: Number(r.engagement_rate),
  average_views: (r.average_views as number | null) ?? null,
  content_types: (r.content_types as string[] | null) ?? [],
  audience_demographics: (r.audience_demographics as Record<string, unknown> | null) ?? null,
  brand_safety_score: (r.brand_safety_score as number | null) ?? null,
  pricing_info: (r.pricing_info as Influencer['pricing_info']) ?? null,
  performance_history: (r.performance_history as PerformanceHistory | null) ?? null,
  relevance_topics: (r.relevance_topics as string[] | null) ?? [],
  blacklisted: (r.blacklisted as boolean | null) ?? false,
  verification_status: (r.verification_status as string | null) ?? 'unverified',
  createdAt: r.created_at as Date,
  updatedAt: r.updated_at as Date,
});

const toMatch = (r: Row): InfluencerMatch => ({
  influencerId: r.influencer_id as string,
  ventureId: r.venture_id as string,
  compositeScore: Number(r.composite_score),
  relevanceScore: Number(r.relevance_score),
  conversionPotential: Number(r.conversion_potential),
  costEfficiencyScore: Number(r.cost_efficiency_score),
  riskScore: Number(r.risk_score),
  subScores: (r.sub_scores as Record<string, unknown> | null) ?? {},
  riskFactors: (r.risk_factors as string[] | null) ?? [],
  matchReasoning: (r.match_reasoning as string | null) ?? null,
  recommendedCollaborationType: (r.recommended_collaboration_type as string | null) ?? null,
  estimatedReach: (r.estimated_reach as number | null) ?? null,
  estimatedCost: r.estimated_cost === null || r.estimated_cost === undefined ? null : Number(r.estimated_cost),
  updatedAt: (r.match_updated_at ?? r.updated_at) as Date,
});

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
// decimal(5,2) and decimal(10,2) columns: round here so the stored value is the one returned.
const score = (v: number) => Math.round(v * 100) / 100;
const MAX_COST = 99_999_999.99;
const MAX_INT = 2_147_483_647;
/** The columns of a match written by {@link InfluencerStore.upsertMatches}, with their types in the table. */
const MATCH_COLUMNS = [
  ['influencer_id', 'uuid'],
  ['relevance_score', 'numeric'],
  ['conversion_potential', 'numeric'],
  ['cost_efficiency_score', 'numeric'],
  ['risk_score', 'numeric'],
  ['composite_score', 'numeric'],
  ['sub_scores', 'jsonb'],
  ['risk_factors', 'text[]'],
  ['match_reasoning', 'text'],
  ['recommended_collaboration_type', 'text'],
  ['estimated_reach', 'integer'],
  ['estimated_cost', 'numeric'],
] as const;

/** The influencer catalogue and its matches with ventures. */
export class InfluencerStore {
  constructor(private readonly db: Db) {}

  /**
   * Inserts or updates rows by (platform, handle) in one statement; says how many were new. The rows must not
   * repeat a (platform, handle) pair: PostgreSQL cannot update one row twice in a statement.
   */
  async upsertMany(rows: readonly InfluencerRow[]): Promise<{ inserted: number; updated: number }> {
    if (rows.length === 0) return { inserted: 0, updated: 0 };
    const values = rows.map((r) => ({
      name: r.name,
      handle: r.handle,
      platform: r.platform,
      category: r.category,
      followers_count: r.followers_count,
      engagement_rate: r.engagement_rate,
      average_views: r.average_views ?? null,
      content_types: r.content_types,
      audience_demographics: json(r.audience_demographics),
      brand_safety_score: r.brand_safety_score ?? null,
      pricing_info: json(r.pricing_info),
      performance_history: json(r.performance_history),
      relevance_topics: r.relevance_topics,
      blacklisted: r.blacklisted,
      verification_status: r.verification_status,
    }));
    const columns = Object.keys(values[0]!).filter((c) => c !== 'platform' && c !== 'handle');
    const result: { inserted: boolean }[] = await this.db('influencers')
      .insert(values)
      .onConflict(['platform', 'handle'])
      .merge(
        [...columns, 'updated_at'].reduce<Record<string, unknown>>((acc, c) => {
          acc[c] = c === 'updated_at' ? this.db.fn.now() : this.db.raw('excluded.??', [c]);
          return acc;
        }, {}),
      )
      .returning(this.db.raw('(xmax = 0) AS inserted'));
    const inserted = result.filter((r) => r.inserted).length;
    return { inserted, updated: result.length - inserted };
  }

  async getById(id: string): Promise<InfluencerRecord | undefined> {
    const row = await this.db('influencers').where({ influencer_id: id }).first();
    return row && toInfluencer(row);
  }

  async count(): Promise<number> {
    const row = await this.db('influencers').count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  /** The next page of the catalogue in id order after `afterId` (keyset pagination: no offset to re-scan). */
  async pageAfter(afterId: string | null, limit: number): Promise<InfluencerRecord[]> {
    const q = this.db('influencers').orderBy('influencer_id', 'asc').limit(limit);
    if (afterId) q.where('influencer_id', '>', afterId);
    return (await q).map(toInfluencer);
  }

  /**
   * Stores the scores of one venture's matches with their reasoning, replacing earlier scores of the same pairs, in
   * one statement. The rows go as one JSON parameter unpacked by jsonb_to_recordset rather than as a VALUES list:
   * a thousand rows of thirteen columns would be 13,000 parameters for PostgreSQL to parse and plan.
   */
  async upsertMatches(ventureId: string, scored: readonly { influencerId: string; score: ExplainedInfluencerScore }[]) {
    if (scored.length === 0) return;
    const rows = scored.map(({ influencerId, score: s }) => ({
      influencer_id: influencerId,
      relevance_score: score(s.relevanceScore),
      conversion_potential: score(s.conversionPotential),
      cost_efficiency_score: score(s.costEfficiency),
      risk_score: score(s.riskScore),
      composite_score: score(s.compositeScore),
      sub_scores: {
        reachScore: s.reachScore,
        relevanceScore: s.relevanceScore,
        engagementScore: s.engagementScore,
        conversionPotential: s.conversionPotential,
        costEfficiency: s.costEfficiency,
        brandAlignment: s.brandAlignment,
        tier: s.tier,
        engagementRate: s.engagementRate,
        eligible: s.eligible,
        estimatedConversions: s.estimatedConversions,
        estimatedRoi: s.estimatedRoi,
      },
      risk_factors: s.riskFactors,
      match_reasoning: s.matchReasoning,
      recommended_collaboration_type: s.recommendedCollaborationType,
      estimated_reach: Math.min(MAX_INT, s.estimatedReach),
      estimated_cost: s.estimatedCost === null || s.estimatedCost > MAX_COST ? null : score(s.estimatedCost),
    }));
    const columns = MATCH_COLUMNS.map(([name]) => name);
    await this.db.raw(
      `INSERT INTO influencer_venture_matches (venture_id, ${columns.join(', ')})
       SELECT ?::uuid, ${columns.map((c) => `m.${c}`).join(', ')}
       FROM jsonb_to_recordset(?::jsonb) AS m(${MATCH_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ')})
       ON CONFLICT (influencer_id, venture_id) DO UPDATE SET
       ${columns
         .filter((c) => c !== 'influencer_id')
         .map((c) => `${c} = excluded.${c}`)
         .join(', ')}, updated_at = now()`,
      [ventureId, JSON.stringify(rows)],
    );
  }

  async countMatches(ventureId: string): Promise<number> {
    const row = await this.db('influencer_venture_matches').where({ venture_id: ventureId }).count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  /** A venture's matched influencers, best composite score first, blacklisted ones never listed. */
  async search(
    filter: InfluencerSearch,
  ): Promise<{ total: number; results: { influencer: InfluencerRecord; match: InfluencerMatch }[] }> {
    const base = () => {
      const q = this.db('influencer_venture_matches as m')
        .join('influencers as i', 'i.influencer_id', 'm.influencer_id')
        .where('m.venture_id', filter.ventureId)
        .where((w) => w.where('i.blacklisted', false).orWhereNull('i.blacklisted'));
      if (filter.category) q.whereRaw('lower(i.category) = lower(?)', [filter.category]);
      if (filter.platform) q.where('i.platform', filter.platform.toLowerCase());
      if (filter.minFollowers !== undefined) q.where('i.followers_count', '>=', filter.minFollowers);
      if (filter.maxFollowers !== undefined) q.where('i.followers_count', '<=', filter.maxFollowers);
      if (filter.minScore !== undefined) q.where('m.composite_score', '>=', filter.minScore);
      return q;
    };
    const [countRow, rows] = await Promise.all([
      base().count({ n: '*' }).first(),
      base()
        .select('i.*', 'm.venture_id', 'm.relevance_score', 'm.conversion_potential', 'm.cost_efficiency_score')
        .select('m.risk_score', 'm.composite_score', 'm.sub_scores', 'm.risk_factors', 'm.match_reasoning')
        .select('m.recommended_collaboration_type', 'm.estimated_reach', 'm.estimated_cost')
        .select({ match_updated_at: 'm.updated_at' })
        .orderBy([
          { column: 'm.composite_score', order: 'desc' },
          { column: 'i.influencer_id', order: 'asc' },
        ])
        .limit(filter.limit)
        .offset(filter.offset),
    ]);
    return {
      total: Number(countRow?.n ?? 0),
      results: rows.map((r: Row) => ({ influencer: toInfluencer(r), match: toMatch(r) })),
    };
  }
}
