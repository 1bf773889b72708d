/**
 * Influencer-venture matching: six 0-100 sub-scores, a weighted composite, risk flags and estimates for one
 * influencer against one venture. The pieces live beside it (types, text matching, sub-scores, catalogue rows);
 * everything stays importable from here.
 */
import {
  brandAlignmentScore,
  clamp,
  compositeScore,
  conversionPotentialScore,
  costEfficiencyScore,
  engagementScore,
  expectedConversionRate,
  followerTier,
  pricePerPost,
  reachScore,
  relevanceScore,
  toNumber,
  validateInfluencerWeights,
} from './influencerSubScores';
import { tokenize } from './influencerText';
import {
  defaultInfluencerWeights,
  engagementBands,
  type CollaborationType,
  type FollowerTier,
  type Influencer,
  type InfluencerScore,
  type InfluencerScoringOptions,
  type InfluencerSubScores,
  type RiskFactor,
  type Venture,
} from './influencerTypes';

export * from './influencerTypes';
export { stem, tokenize } from './influencerText';
export {
  brandAlignmentScore,
  compositeScore,
  conversionPotentialScore,
  costEfficiencyScore,
  engagementScore,
  followerTier,
  pricePerPost,
  reachScore,
  relevanceScore,
  validateInfluencerWeights,
} from './influencerSubScores';
export { influencerRowSchema, parseInfluencerRow, type FieldProblem, type InfluencerRow } from './influencerRow';

const REVIEW_CONTENT = new Set(['review', 'unbox', 'tutorial', 'demo', 'haul', 'comparison']);

function recommendCollaboration(
  tier: FollowerTier,
  composite: number,
  sub: InfluencerSubScores,
  influencer: Influencer,
): CollaborationType {
  if (influencer.blacklisted === true) return 'none';
  // At macro and mega prices a long-term deal rarely pays back; buy reach post by post.
  if (tier === 'macro' || tier === 'mega') return 'sponsored_post';
  if (composite >= 75 && sub.relevanceScore >= 60) return 'ambassador';
  if (sub.conversionPotential >= 60) return 'affiliate';
  const contentTokens = (influencer.content_types ?? []).flatMap(tokenize);
  if (tier === 'nano' || tier === 'micro' || contentTokens.some((t) => REVIEW_CONTENT.has(t))) return 'product_review';
  return 'sponsored_post';
}

const RISK_POINTS: Record<Exclude<RiskFactor, 'low_brand_safety'>, number> = {
  blacklisted: 100,
  suspicious_engagement: 30,
  low_engagement: 15,
  unverified: 15,
  brand_safety_unrated: 10,
};

const SUB_SCORE_LABELS: Record<keyof InfluencerSubScores, string> = {
  reachScore: 'reach',
  relevanceScore: 'topical relevance',
  engagementScore: 'engagement',
  conversionPotential: 'conversion track record',
  costEfficiency: 'cost efficiency',
  brandAlignment: 'brand alignment',
};

/**
 * Scores one influencer for one venture. Risk score = sum of points per flag, capped at 100: blacklisted 100,
 * low brand safety 25 + (60 - score) / 2, suspicious engagement 30, low engagement 15, unverified 15, unrated
 * brand safety 10. Estimated reach = average_views, or followers * organicReachRate.
 */
export function calculateInfluencerScore(
  influencer: Influencer,
  venture: Venture,
  options: InfluencerScoringOptions = {},
): InfluencerScore {
  const weights = options.weights ?? defaultInfluencerWeights;
  validateInfluencerWeights(weights);
  const targetCpa = options.targetCpa ?? 50;
  const averageOrderValue = options.averageOrderValue ?? 100;
  const baseConversionRate = options.baseConversionRate ?? 0.005;
  const organicReachRate = options.organicReachRate ?? 0.2;
  if (!(targetCpa > 0) || !(baseConversionRate > 0) || !(organicReachRate > 0) || !(averageOrderValue >= 0)) {
    throw new RangeError('targetCpa, baseConversionRate and organicReachRate must be > 0, averageOrderValue >= 0');
  }

  const followers = Math.max(0, toNumber(influencer.followers_count) ?? 0);
  const rate = clamp(toNumber(influencer.engagement_rate) ?? 0, 0, 1);
  const tier = followerTier(followers);
  const views = toNumber(influencer.average_views);
  const estimatedReach = Math.round(views !== undefined && views > 0 ? views : followers * organicReachRate);
  const estimatedCost = pricePerPost(influencer.pricing_info);
  const estimatedConversions = estimatedReach * expectedConversionRate(influencer, venture, baseConversionRate);

  const sub: InfluencerSubScores = {
    reachScore: reachScore(followers),
    relevanceScore: relevanceScore(influencer, venture),
    engagementScore: engagementScore(rate, followers),
    conversionPotential: conversionPotentialScore(influencer, venture, baseConversionRate),
    costEfficiency: costEfficiencyScore(estimatedCost, estimatedConversions, targetCpa),
    brandAlignment: brandAlignmentScore(influencer, venture),
  };
  const composite = compositeScore(sub, weights);

  const riskFactors: RiskFactor[] = [];
  let riskScore = 0;
  const flag = (factor: RiskFactor, points: number) => {
    riskFactors.push(factor);
    riskScore += points;
  };
  if (influencer.blacklisted === true) flag('blacklisted', RISK_POINTS.blacklisted);
  const safety = toNumber(influencer.brand_safety_score);
  if (safety === undefined) flag('brand_safety_unrated', RISK_POINTS.brand_safety_unrated);
  else if (safety < 60) flag('low_brand_safety', 25 + (60 - clamp(safety)) / 2);
  const band = engagementBands[tier];
  if (rate > band.high) flag('suspicious_engagement', RISK_POINTS.suspicious_engagement);
  else if (rate < band.low) flag('low_engagement', RISK_POINTS.low_engagement);
  if (influencer.verification_status !== 'verified') flag('unverified', RISK_POINTS.unverified);

  const estimatedRoi =
    estimatedCost !== null && estimatedCost > 0
      ? (estimatedConversions * averageOrderValue - estimatedCost) / estimatedCost
      : null;
  const recommendedCollaborationType = recommendCollaboration(tier, composite, sub, influencer);

  const ranked = (Object.keys(SUB_SCORE_LABELS) as (keyof InfluencerSubScores)[]).sort((a, b) => sub[b] - sub[a]);
  const strongest = ranked.slice(0, 2).map((k) => `${SUB_SCORE_LABELS[k]} ${Math.round(sub[k])}`);
  const weakest = ranked[ranked.length - 1]!;
  const matchReasoning =
    `${influencer.name} (@${influencer.handle.replace(/^@/, '')}, ${tier} ${influencer.platform} creator) scores ` +
    `${Math.round(composite)}/100 for ${venture.name}, strongest on ${strongest.join(' and ')}, weakest on ` +
    `${SUB_SCORE_LABELS[weakest]} ${Math.round(sub[weakest])}; ` +
    (riskFactors.length > 0 ? `risks: ${riskFactors.join(', ').replace(/_/g, ' ')}` : 'no risk flags') +
    `; suggested as ${recommendedCollaborationType.replace(/_/g, ' ')}.`;

  return {
    ...sub,
    tier,
    engagementRate: rate,
    compositeScore: composite,
    riskFactors,
    riskScore: clamp(riskScore),
    eligible: influencer.blacklisted !== true,
    estimatedReach,
    estimatedCost,
    estimatedConversions,
    estimatedRoi,
    recommendedCollaborationType,
    matchReasoning,
  };
}
