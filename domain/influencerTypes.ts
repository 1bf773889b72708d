/** The shapes of influencer-venture matching: the catalogue row as stored, the venture, weights, tiers and results. */

/** Platforms the catalogue accepts. */
export const platforms = [
  'instagram',
  'tiktok',
  'youtube',
  'linkedin',
  'twitter',
  'twitch',
  'podcast',
  'blog',
] as const;

/** One of the accepted platforms. */
export type Platform = (typeof platforms)[number];

/**
 * pricing_info: prices in the catalogue's currency; the first of per_post, per_video, per_reel, per_story, rate,
 * price is used. Each key may also be written in camelCase (perPost), as JSON bodies of the API do.
 */
export interface PricingInfo {
  per_post?: number;
  per_video?: number;
  per_reel?: number;
  per_story?: number;
  rate?: number;
  price?: number;
  currency?: string;
  [key: string]: unknown;
}

/** One past collaboration in performance_history. */
export interface CollaborationRecord {
  /** The partner brand's category, compared with the venture's. */
  category?: string;
  /** Share of the people reached who converted, 0..1. */
  conversion_rate?: number;
  /** Return on spend as a multiple: revenue / cost (1 = break-even). */
  roi?: number;
  [key: string]: unknown;
}

/** performance_history: a list of collaborations, or an object holding one (and/or aggregate figures); keys in snake_case or camelCase. */
export type PerformanceHistory =
  | CollaborationRecord[]
  | { collaborations?: CollaborationRecord[]; avg_conversion_rate?: number; avg_roi?: number; [key: string]: unknown };

/** An influencer as stored in the influencers table. */
export interface Influencer {
  name: string;
  handle: string;
  platform: string;
  category: string;
  followers_count: number;
  /** 0..1 */
  engagement_rate: number;
  average_views?: number | null;
  content_types?: readonly string[] | null;
  audience_demographics?: Readonly<Record<string, unknown>> | null;
  /** 0..100 */
  brand_safety_score?: number | null;
  pricing_info?: PricingInfo | null;
  performance_history?: PerformanceHistory | null;
  relevance_topics?: readonly string[] | null;
  blacklisted?: boolean | null;
  verification_status?: string | null;
}

/** The venture side of a match, from the ventures table. */
export interface Venture {
  name: string;
  category?: string | null;
  industry?: string | null;
  keywords: readonly string[];
  brand?: { values?: readonly string[]; tone?: string } | null;
}

/** Weights of the composite score, one per sub-score. */
export interface InfluencerWeights {
  reach: number;
  relevance: number;
  engagement: number;
  conversion: number;
  cost: number;
  brand: number;
}

/** Default composite weights: topical relevance matters most, then proven conversion. */
export const defaultInfluencerWeights: Readonly<InfluencerWeights> = {
  reach: 0.15,
  relevance: 0.25,
  engagement: 0.15,
  conversion: 0.2,
  cost: 0.15,
  brand: 0.1,
};

/** Economic assumptions of the scoring; every field has a documented default. */
export interface InfluencerScoringOptions {
  weights?: InfluencerWeights;
  /** Cost per acquired customer the venture is willing to pay. Default 50. */
  targetCpa?: number;
  /** Revenue per conversion, for the ROI estimate. Default 100. */
  averageOrderValue?: number;
  /** Share of people reached who convert when there is no history. Default 0.005 (0.5%). */
  baseConversionRate?: number;
  /** Share of followers who see a post when average_views is unknown. Default 0.2. */
  organicReachRate?: number;
}

/** What {@link calculateInfluencerScore} builds besides the figures. */
export interface ReasoningOption {
  /**
   * Also write `matchReasoning`, the sentence stored with a match and shown beside it. Default false: building the
   * sentence costs more than the scoring, and a search or a ranking needs only the figures.
   */
  reasoning?: boolean;
}

/** Follower tiers. */
export type FollowerTier = 'nano' | 'micro' | 'mid' | 'macro' | 'mega';

/** Typical engagement rate per tier, and the band outside which it is flagged (too low, or suspiciously high). */
export const engagementBands: Readonly<Record<FollowerTier, { typical: number; low: number; high: number }>> = {
  nano: { typical: 0.05, low: 0.01, high: 0.2 },
  micro: { typical: 0.035, low: 0.008, high: 0.15 },
  mid: { typical: 0.025, low: 0.005, high: 0.1 },
  macro: { typical: 0.018, low: 0.004, high: 0.08 },
  mega: { typical: 0.012, low: 0.002, high: 0.06 },
};

/** Kinds of collaboration recommended; `none` only for blacklisted influencers. */
export type CollaborationType = 'sponsored_post' | 'affiliate' | 'ambassador' | 'product_review' | 'none';

/** Risk flags an influencer can raise. */
export type RiskFactor =
  | 'blacklisted'
  | 'low_brand_safety'
  | 'brand_safety_unrated'
  | 'suspicious_engagement'
  | 'low_engagement'
  | 'unverified';

/** The six sub-scores, each 0-100. */
export interface InfluencerSubScores {
  reachScore: number;
  relevanceScore: number;
  engagementScore: number;
  conversionPotential: number;
  costEfficiency: number;
  brandAlignment: number;
}

/** Full result of {@link calculateInfluencerScore}. */
export interface InfluencerScore extends InfluencerSubScores {
  tier: FollowerTier;
  /** The influencer's engagement rate, clamped to 0..1. */
  engagementRate: number;
  compositeScore: number;
  riskFactors: RiskFactor[];
  riskScore: number;
  /** False for blacklisted influencers: never propose them, whatever the composite. */
  eligible: boolean;
  /** People expected to see one post. */
  estimatedReach: number;
  /** Price of one post, or null when the catalogue has no price. */
  estimatedCost: number | null;
  /** Expected conversions from one post. */
  estimatedConversions: number;
  /** (conversions * averageOrderValue - cost) / cost, or null without a positive price. */
  estimatedRoi: number | null;
  recommendedCollaborationType: CollaborationType;
  /** One sentence for people; only when asked for with `{ reasoning: true }`. */
  matchReasoning?: string;
}

/** A score with its reasoning: what is stored with a match, and what the API answers. */
export interface ExplainedInfluencerScore extends InfluencerScore {
  matchReasoning: string;
}
