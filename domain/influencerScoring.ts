/**
 * Influencer-venture matching: six 0-100 sub-scores, a weighted composite, risk flags and estimates for one
 * influencer against one venture. The pieces live beside it (types, text matching, sub-scores, catalogue rows);
 * everything stays importable from here.
 */
import * as subScores from './influencerSubScores';
import { VentureText } from './influencerText';
import * as types from './influencerTypes';
import {
  type CollaborationType,
  type ExplainedInfluencerScore,
  type FollowerTier,
  type Influencer,
  type InfluencerScore,
  type InfluencerScoringOptions,
  type InfluencerSubScores,
  type InfluencerWeights,
  type ReasoningOption,
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

// `npm start` and `npm run bench` load the TypeScript through tsx, whose CommonJS output reads an imported binding
// through two getters at every use: bound once to constants instead, the scoring's throughput more than doubled.
// The sub-scores reach the venture's tokens through VentureText's methods for the same reason.
const {
  brandAlignmentFor,
  clamp,
  costEfficiencyScore,
  followerTier,
  historyFigures,
  pricePerPost,
  reachScore,
  relevanceFor,
  toNumber,
  validateInfluencerWeights,
} = subScores;
const { defaultInfluencerWeights, engagementBands } = types;
const REVIEW_CONTENT = new Set(['review', 'unbox', 'tutorial', 'demo', 'haul', 'comparison']);

function hasReviewContent(contentTypes: readonly string[] | null | undefined, text: VentureText): boolean {
  for (const phrase of contentTypes ?? [])
    for (const t of text.match(phrase).tokens) if (REVIEW_CONTENT.has(t)) return true;
  return false;
}

function recommendCollaboration(
  tier: FollowerTier,
  composite: number,
  relevance: number,
  conversion: number,
  influencer: Influencer,
  text: VentureText,
): CollaborationType {
  if (influencer.blacklisted === true) return 'none';
  // At macro and mega prices a long-term deal rarely pays back; buy reach post by post.
  if (tier === 'macro' || tier === 'mega') return 'sponsored_post';
  if (composite >= 75 && relevance >= 60) return 'ambassador';
  if (conversion >= 60) return 'affiliate';
  if (tier === 'nano' || tier === 'micro' || hasReviewContent(influencer.content_types, text)) return 'product_review';
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

const ECONOMIC_OPTIONS = [
  'weights',
  'targetCpa',
  'averageOrderValue',
  'baseConversionRate',
  'organicReachRate',
] as const;

/**
 * A venture with the scoring options, checked and tokenized once, to score a whole catalogue against; made by
 * {@link prepareVenture}. A snapshot: later edits of the venture object do not change it.
 */
class PreparedVenture {
  readonly name: string;
  readonly text: VentureText;
  readonly weights: Readonly<InfluencerWeights>;
  readonly targetCpa: number;
  readonly averageOrderValue: number;
  readonly baseConversionRate: number;
  readonly organicReachRate: number;

  constructor(venture: Venture, options: InfluencerScoringOptions) {
    const weights = options.weights ?? defaultInfluencerWeights;
    validateInfluencerWeights(weights);
    this.weights = { ...weights };
    this.targetCpa = options.targetCpa ?? 50;
    this.averageOrderValue = options.averageOrderValue ?? 100;
    this.baseConversionRate = options.baseConversionRate ?? 0.005;
    this.organicReachRate = options.organicReachRate ?? 0.2;
    if (
      !(this.targetCpa > 0) ||
      !(this.baseConversionRate > 0) ||
      !(this.organicReachRate > 0) ||
      !(this.averageOrderValue >= 0)
    ) {
      throw new RangeError('targetCpa, baseConversionRate and organicReachRate must be > 0, averageOrderValue >= 0');
    }
    this.name = venture.name;
    this.text = new VentureText(venture);
  }
}
export type { PreparedVenture };

/**
 * Checks the options and tokenizes the venture's words once, for scoring many influencers against the venture with
 * {@link calculateInfluencerScore}: the same scores as passing the venture itself, without re-reading it per call.
 * Throws RangeError for options {@link calculateInfluencerScore} would refuse.
 */
export function prepareVenture(venture: Venture, options: InfluencerScoringOptions = {}): PreparedVenture {
  return new PreparedVenture(venture, options);
}

/**
 * Scores one influencer for one venture (or a venture from {@link prepareVenture}, the way to score many). Risk
 * score = sum of points per flag, capped at 100: blacklisted 100, low brand safety 25 + (60 - score) / 2, suspicious
 * engagement 30, low engagement 15, unverified 15, unrated brand safety 10. Estimated reach = average_views, or
 * followers * organicReachRate. `matchReasoning` is written only with `{ reasoning: true }`; a prepared venture
 * carries its options, so beside one only `reasoning` may be given.
 */
export function calculateInfluencerScore(
  influencer: Influencer,
  venture: Venture | PreparedVenture,
  options: InfluencerScoringOptions & ReasoningOption & { reasoning: true },
): ExplainedInfluencerScore;
export function calculateInfluencerScore(
  influencer: Influencer,
  venture: Venture | PreparedVenture,
  options?: InfluencerScoringOptions & ReasoningOption,
): InfluencerScore;
export function calculateInfluencerScore(
  influencer: Influencer,
  venture: Venture | PreparedVenture,
  options?: InfluencerScoringOptions & ReasoningOption,
): InfluencerScore {
  let prepared: PreparedVenture;
  if (venture instanceof PreparedVenture) {
    if (options !== undefined) {
      for (const key of ECONOMIC_OPTIONS) {
        if (options[key] !== undefined) {
          throw new RangeError(`a prepared venture carries its options: pass ${key} to prepareVenture`);
        }
      }
    }
    prepared = venture;
  } else prepared = new PreparedVenture(venture, options ?? {});
  const score = scoreAgainst(influencer, prepared);
  if (options?.reasoning === true) score.matchReasoning = explainInfluencerScore(influencer, prepared, score);
  return score;
}

function scoreAgainst(influencer: Influencer, venture: PreparedVenture): InfluencerScore {
  const followers = Math.max(0, toNumber(influencer.followers_count) ?? 0);
  const rate = clamp(toNumber(influencer.engagement_rate) ?? 0, 0, 1);
  const tier = followerTier(followers);
  const band = engagementBands[tier];
  const views = toNumber(influencer.average_views);
  const estimatedReach = Math.round(views !== undefined && views > 0 ? views : followers * venture.organicReachRate);
  const estimatedCost = pricePerPost(influencer.pricing_info);
  const history = historyFigures(influencer.performance_history, venture.text, venture.baseConversionRate);
  const estimatedConversions = estimatedReach * history.conversionRate;

  const reach = reachScore(followers);
  const relevance = relevanceFor(influencer, venture.text);
  // engagementScore(rate, followers): a rate above the tier's plausible band scores as typical.
  const engagement = rate > band.high ? 50 : clamp((50 * rate) / band.typical);
  const conversion = history.conversionPotential;
  const cost = costEfficiencyScore(estimatedCost, estimatedConversions, venture.targetCpa);
  const brand = brandAlignmentFor(influencer, venture.text);
  // compositeScore(sub, weights), the weights having been checked once by prepareVenture.
  const w = venture.weights;
  const composite = clamp(
    w.reach * reach +
      w.relevance * relevance +
      w.engagement * engagement +
      w.conversion * conversion +
      w.cost * cost +
      w.brand * brand,
  );

  const riskFactors: RiskFactor[] = [];
  let riskScore = 0;
  if (influencer.blacklisted === true) {
    riskFactors.push('blacklisted');
    riskScore += RISK_POINTS.blacklisted;
  }
  const safety = toNumber(influencer.brand_safety_score);
  if (safety === undefined) {
    riskFactors.push('brand_safety_unrated');
    riskScore += RISK_POINTS.brand_safety_unrated;
  } else if (safety < 60) {
    riskFactors.push('low_brand_safety');
    riskScore += 25 + (60 - clamp(safety)) / 2;
  }
  if (rate > band.high) {
    riskFactors.push('suspicious_engagement');
    riskScore += RISK_POINTS.suspicious_engagement;
  } else if (rate < band.low) {
    riskFactors.push('low_engagement');
    riskScore += RISK_POINTS.low_engagement;
  }
  if (influencer.verification_status !== 'verified') {
    riskFactors.push('unverified');
    riskScore += RISK_POINTS.unverified;
  }

  const estimatedRoi =
    estimatedCost !== null && estimatedCost > 0
      ? (estimatedConversions * venture.averageOrderValue - estimatedCost) / estimatedCost
      : null;

  return {
    reachScore: reach,
    relevanceScore: relevance,
    engagementScore: engagement,
    conversionPotential: conversion,
    costEfficiency: cost,
    brandAlignment: brand,
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
    recommendedCollaborationType: recommendCollaboration(
      tier,
      composite,
      relevance,
      conversion,
      influencer,
      venture.text,
    ),
  };
}

/**
 * The sentence stored and shown with a match: who the influencer is, the composite, the two strongest and the
 * weakest sub-scores, the risk flags and the suggested collaboration. For a score computed without reasoning.
 */
export function explainInfluencerScore(
  influencer: Influencer,
  venture: Venture | PreparedVenture,
  score: InfluencerScore,
): string {
  const ranked = (Object.keys(SUB_SCORE_LABELS) as (keyof InfluencerSubScores)[]).sort((a, b) => score[b] - score[a]);
  const strongest = ranked.slice(0, 2).map((k) => `${SUB_SCORE_LABELS[k]} ${Math.round(score[k])}`);
  const weakest = ranked[ranked.length - 1]!;
  const { riskFactors, tier } = score;
  return (
    `${influencer.name} (@${influencer.handle.replace(/^@/, '')}, ${tier} ${influencer.platform} creator) scores ` +
    `${Math.round(score.compositeScore)}/100 for ${venture.name}, strongest on ${strongest.join(' and ')}, weakest ` +
    `on ${SUB_SCORE_LABELS[weakest]} ${Math.round(score[weakest])}; ` +
    (riskFactors.length > 0 ? `risks: ${riskFactors.join(', ').replace(/_/g, ' ')}` : 'no risk flags') +
    `; suggested as ${score.recommendedCollaborationType.replace(/_/g, ' ')}.`
  );
}
