import type { Db } from '../knex';

/** An influencer on a campaign, with what the venture's match says about them. */
export interface CampaignInfluencer {
  influencerId: string;
  name: string;
  handle: string;
  platform: string;
  category: string;
  followersCount: number;
  engagementRate: number;
  addedBy: string;
  note: string | null;
  addedAt: Date;
  /** From the venture's match, when the influencer has been scored for it. */
  compositeScore: number | null;
  estimatedReach: number | null;
  estimatedCost: number | null;
  estimatedRoi: number | null;
  riskFactors: string[];
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** campaign_influencers: who a campaign works with. Adding twice keeps the first entry. */
export class CampaignInfluencerStore {
  constructor(private readonly db: Db) {}

  /** True when the pairing is new. */
  async add(campaignId: string, influencerId: string, addedBy: string, note?: string): Promise<boolean> {
    const rows = await this.db('campaign_influencers')
      .insert({ campaign_id: campaignId, influencer_id: influencerId, added_by: addedBy, note: note ?? null })
      .onConflict(['campaign_id', 'influencer_id'])
      .ignore()
      .returning('id');
    return rows.length > 0;
  }

  async remove(campaignId: string, influencerId: string): Promise<boolean> {
    return (
      (await this.db('campaign_influencers').where({ campaign_id: campaignId, influencer_id: influencerId }).delete()) >
      0
    );
  }

  /** The campaign's influencers, best match first; `ventureId` picks the match scores to show. */
  async list(campaignId: string, ventureId: string | null): Promise<CampaignInfluencer[]> {
    const rows: Record<string, unknown>[] = await this.db('campaign_influencers as ci')
      .join('influencers as i', 'i.influencer_id', 'ci.influencer_id')
      .leftJoin('influencer_venture_matches as m', (j) =>
        j.on('m.influencer_id', 'ci.influencer_id').andOn('m.venture_id', this.db.raw('?', [ventureId])),
      )
      .where('ci.campaign_id', campaignId)
      .select(
        'i.influencer_id',
        'i.name',
        'i.handle',
        'i.platform',
        'i.category',
        'i.followers_count',
        'i.engagement_rate',
      )
      .select('ci.added_by', 'ci.note', 'ci.added_at')
      .select('m.composite_score', 'm.estimated_reach', 'm.estimated_cost', 'm.sub_scores', 'm.risk_factors')
      .orderByRaw('m.composite_score DESC NULLS LAST, ci.added_at ASC');
    return rows.map((r) => ({
      influencerId: r.influencer_id as string,
      name: r.name as string,
      handle: r.handle as string,
      platform: r.platform as string,
      category: r.category as string,
      followersCount: Number(r.followers_count),
      engagementRate: Number(r.engagement_rate),
      addedBy: r.added_by as string,
      note: (r.note as string | null) ?? null,
      addedAt: r.added_at as Date,
      compositeScore: num(r.composite_score),
      estimatedReach: num(r.estimated_reach),
      estimatedCost: num(r.estimated_cost),
      estimatedRoi: num((r.sub_scores as { estimatedRoi?: unknown } | null)?.estimatedRoi),
      riskFactors: (r.risk_factors as string[] | null) ?? [],
    }));
  }
}
