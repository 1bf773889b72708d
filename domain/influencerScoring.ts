/**
 * Influencer-venture matching: six 0-100 sub-scores, a weighted composite, risk flags and estimates for one
 * influencer against one venture, plus the validation schema for catalogue rows imported from CSV or JSON.
 */
import { z } from 'zod';

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

/** pricing_info: prices in the catalogue's currency; the first of per_post, per_video, per_reel, per_story, rate, price is used. */
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

/** performance_history: a list of collaborations, or an object holding one (and/or aggregate figures). */
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
  matchReasoning: string;
}

/** Clamps to [min, max]; NaN becomes min so that bad data never inflates a score. */
function clamp(value: number, min = 0, max = 100): number {
  if (Number.isNaN(value)) return min;
  return Math.min(max, Math.max(min, value));
}

function toNumber(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/** The follower tier: nano < 10k, micro < 100k, mid < 500k, macro < 1M, mega >= 1M. */
export function followerTier(followers: number): FollowerTier {
  if (!(followers >= 10_000)) return 'nano';
  if (followers < 100_000) return 'micro';
  if (followers < 500_000) return 'mid';
  if (followers < 1_000_000) return 'macro';
  return 'mega';
}

/** reachScore = min(100, 20 * log10(followers)); 0 below one follower. */
export function reachScore(followers: number): number {
  if (!(followers >= 1)) return 0;
  return clamp(20 * Math.log10(followers));
}

/**
 * engagementScore = 50 * rate / tier typical (typical = 50, twice typical = 100). A rate above the tier's plausible
 * band is not rewarded (it is likely bought) and scores as typical, 50.
 */
export function engagementScore(rate: number, followers: number): number {
  const band = engagementBands[followerTier(followers)];
  const r = clamp(rate, 0, 1);
  if (r > band.high) return 50;
  return clamp((50 * r) / band.typical);
}

/** Checks that the composite weights are finite, non-negative and sum to 1 (within 1e-6). */
export function validateInfluencerWeights(weights: Readonly<InfluencerWeights>): void {
  let sum = 0;
  for (const key of Object.keys(defaultInfluencerWeights) as (keyof InfluencerWeights)[]) {
    const w = weights[key];
    if (!Number.isFinite(w) || w < 0) throw new RangeError(`weight of ${key} must be a finite number >= 0`);
    sum += w;
  }
  if (Math.abs(sum - 1) > 1e-6) throw new RangeError(`influencer weights must sum to 1, got ${sum}`);
}

/** compositeScore = sum of weight * sub-score, clamped to 0-100. */
export function compositeScore(
  sub: InfluencerSubScores,
  weights: Readonly<InfluencerWeights> = defaultInfluencerWeights,
): number {
  validateInfluencerWeights(weights);
  return clamp(
    weights.reach * sub.reachScore +
      weights.relevance * sub.relevanceScore +
      weights.engagement * sub.engagementScore +
      weights.conversion * sub.conversionPotential +
      weights.cost * sub.costEfficiency +
      weights.brand * sub.brandAlignment,
  );
}

const STOPWORDS = new Set('a an and the of for to in on with by or at from is are our your we'.split(' '));

/**
 * A light suffix-stripping stemmer: enough for marketing vocabulary to meet its variants (marketing / marketers,
 * workouts / workout, gaming / games, shopping / shop) without a dictionary. Not a linguistic stemmer.
 */
export function stem(word: string): string {
  let w = word.toLowerCase();
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) return w.slice(0, -3) + 'y';
  let stripped = false;
  for (const suffix of ['ization', 'ations', 'ation', 'ings', 'ing', 'ers', 'er', 'ed']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3) {
      w = w.slice(0, -suffix.length);
      stripped = true;
      break;
    }
  }
  if (stripped) {
    // shopp -> shop, runn -> run
    if (/([^aeiouylsz])\1$/.test(w)) w = w.slice(0, -1);
  } else if (/(x|z|ch|sh|ss)es$/.test(w)) {
    w = w.slice(0, -2);
  } else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) {
    w = w.slice(0, -1);
  }
  // A trailing e is dropped everywhere so that game / games / gaming all meet at "gam".
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/** Lowercased, stemmed, stopword-free tokens of a phrase. */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t !== '' && !STOPWORDS.has(t))
    .map(stem);
}

type Bag = Map<string, number>;

function addToBag(bag: Bag, phrases: readonly (string | null | undefined)[], weight: number): void {
  for (const phrase of phrases) {
    if (typeof phrase !== 'string') continue;
    // A token keeps the highest weight of any source it appears in.
    for (const token of tokenize(phrase)) bag.set(token, Math.max(bag.get(token) ?? 0, weight));
  }
}

function cosine(a: Bag, b: Bag): number {
  let dotProduct = 0;
  let na = 0;
  let nb = 0;
  for (const [t, w] of a) {
    na += w * w;
    dotProduct += w * (b.get(t) ?? 0);
  }
  for (const w of b.values()) nb += w * w;
  return na === 0 || nb === 0 ? 0 : dotProduct / Math.sqrt(na * nb);
}

/**
 * relevanceScore = 100 * sqrt(cosine) of two weighted bags of stemmed tokens: the influencer's relevance_topics
 * and category (weight 1) against the venture's keywords and category (weight 1) and industry (weight 0.5, it is
 * broader). The square root spreads the typical partial overlaps (cosine 0.2-0.6) over the scale.
 */
export function relevanceScore(influencer: Influencer, venture: Venture): number {
  const inf: Bag = new Map();
  addToBag(inf, [...(influencer.relevance_topics ?? []), influencer.category], 1);
  const ven: Bag = new Map();
  addToBag(ven, [venture.industry], 0.5);
  addToBag(ven, [...venture.keywords, venture.category], 1);
  return clamp(100 * Math.sqrt(cosine(inf, ven)));
}

function collectStrings(value: unknown, out: string[], depth = 0): void {
  if (depth > 4) return;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, out, depth + 1);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      collectStrings(v, out, depth + 1);
    }
  }
}

/**
 * brandAlignment = 0.7 * brand safety + 0.3 * (share of the venture's brand value and tone tokens found in the
 * influencer's content types, topics, category and audience description); just brand safety when the venture
 * states no values or tone. A missing brand safety score counts as a neutral 50.
 */
export function brandAlignmentScore(influencer: Influencer, venture: Venture): number {
  const safety = clamp(toNumber(influencer.brand_safety_score) ?? 50);
  const brandTokens = new Set(
    [...(venture.brand?.values ?? []), venture.brand?.tone ?? ''].flatMap((p) =>
      typeof p === 'string' ? tokenize(p) : [],
    ),
  );
  if (brandTokens.size === 0) return safety;
  const profile: string[] = [influencer.category];
  collectStrings(influencer.content_types ?? [], profile);
  collectStrings(influencer.relevance_topics ?? [], profile);
  collectStrings(influencer.audience_demographics ?? {}, profile);
  const profileTokens = new Set(profile.flatMap(tokenize));
  let found = 0;
  for (const t of brandTokens) if (profileTokens.has(t)) found++;
  return clamp(0.7 * safety + 0.3 * ((100 * found) / brandTokens.size));
}

interface HistoryItem {
  conversionRate?: number;
  roi?: number;
  weight: number;
}

function categoriesMatch(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  const ta = new Set(tokenize(a));
  return tokenize(b).some((t) => ta.has(t));
}

function historyItems(history: PerformanceHistory | null | undefined, venture: Venture): HistoryItem[] {
  if (!history) return [];
  const records: unknown[] = Array.isArray(history) ? history : [];
  if (!Array.isArray(history)) {
    if (Array.isArray(history.collaborations)) records.push(...history.collaborations);
    else if (history.avg_conversion_rate !== undefined || history.avg_roi !== undefined) {
      records.push({
        conversion_rate: history.avg_conversion_rate,
        roi: history.avg_roi,
        category: history['category'],
      });
    }
  }
  const items: HistoryItem[] = [];
  for (const record of records) {
    if (record === null || typeof record !== 'object') continue;
    const r = record as Record<string, unknown>;
    const conversionRate = toNumber(r['conversion_rate']);
    const roi = toNumber(r['roi']);
    if (conversionRate === undefined && roi === undefined) continue;
    const category = typeof r['category'] === 'string' ? r['category'] : undefined;
    // Results in the venture's own category are twice as informative as results elsewhere.
    const weight = categoriesMatch(category, venture.category) || categoriesMatch(category, venture.industry) ? 2 : 1;
    items.push({ conversionRate: conversionRate === undefined ? undefined : clamp(conversionRate, 0, 1), roi, weight });
  }
  return items;
}

// Pseudo-count of the prior: two collaborations' worth of evidence before history dominates.
const PRIOR_STRENGTH = 2;

/**
 * conversionPotential: each past collaboration scores the mean of 50 * conversion_rate / baseConversionRate and
 * 25 * roi (break-even = 25, 4x = 100), each clamped to 0-100; collaborations in the venture's category weigh 2,
 * others 1; the weighted mean is shrunk towards a neutral 50 with a pseudo-count of 2. No history = 50.
 */
export function conversionPotentialScore(influencer: Influencer, venture: Venture, baseConversionRate = 0.005): number {
  let total = 50 * PRIOR_STRENGTH;
  let weight = PRIOR_STRENGTH;
  for (const item of historyItems(influencer.performance_history, venture)) {
    const parts: number[] = [];
    if (item.conversionRate !== undefined) parts.push(clamp((50 * item.conversionRate) / baseConversionRate));
    if (item.roi !== undefined) parts.push(clamp(25 * item.roi));
    total += item.weight * (parts.reduce((a, b) => a + b, 0) / parts.length);
    weight += item.weight;
  }
  return clamp(total / weight);
}

/** Expected share of the reached audience that converts: history shrunk towards the base rate, as above. */
function expectedConversionRate(influencer: Influencer, venture: Venture, baseConversionRate: number): number {
  let total = baseConversionRate * PRIOR_STRENGTH;
  let weight = PRIOR_STRENGTH;
  for (const item of historyItems(influencer.performance_history, venture)) {
    if (item.conversionRate === undefined) continue;
    total += item.weight * item.conversionRate;
    weight += item.weight;
  }
  return total / weight;
}

/** Price of one post from pricing_info, or null when there is none. */
export function pricePerPost(pricing: PricingInfo | null | undefined): number | null {
  if (!pricing) return null;
  for (const key of ['per_post', 'per_video', 'per_reel', 'per_story', 'rate', 'price']) {
    const n = toNumber(pricing[key]);
    if (n !== undefined && n >= 0) return n;
  }
  return null;
}

/**
 * costEfficiency = 100 * targetCpa / (targetCpa + estimated CPA), where estimated CPA = price per post / expected
 * conversions: 100 for a free post, 50 exactly at the target CPA, towards 0 as the CPA grows. No price = 50.
 */
export function costEfficiencyScore(cost: number | null, expectedConversions: number, targetCpa: number): number {
  if (cost === null) return 50;
  if (cost === 0) return 100;
  if (!(expectedConversions > 0)) return 0;
  const cpa = cost / expectedConversions;
  return clamp((100 * targetCpa) / (targetCpa + cpa));
}

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

// ---------------------------------------------------------------------------------------------------------------
// Catalogue import

function blank(value: unknown): unknown {
  return value === null || (typeof value === 'string' && value.trim() === '') ? undefined : value;
}

function numeric(value: unknown): unknown {
  const v = blank(value);
  if (typeof v !== 'string') return v;
  const n = Number(v.trim());
  // Leave unreadable text as text so the schema reports "expected number" for that field.
  return Number.isNaN(n) ? v : n;
}

function list(value: unknown): unknown {
  const v = blank(value);
  if (v === undefined) return [];
  if (typeof v !== 'string') return v;
  const text = v.trim();
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return v;
    }
  }
  return text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function json(value: unknown): unknown {
  const v = blank(value);
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v; // Reported by the schema as "expected object".
  }
}

function bool(value: unknown): unknown {
  const v = blank(value);
  if (v === undefined) return false;
  if (typeof v !== 'string') return v;
  const text = v.trim().toLowerCase();
  if (['true', 'yes', 'y', '1'].includes(text)) return true;
  if (['false', 'no', 'n', '0'].includes(text)) return false;
  return v;
}

const requiredText = (max: number) =>
  z.preprocess(
    blank,
    z
      .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be text') })
      .trim()
      .max(max, `must be at most ${max} characters`),
  );

const jsonObject = z.preprocess(
  json,
  z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }).nullable().optional(),
);

/**
 * One catalogue row as imported from CSV (all cells are strings) or JSON. Numbers are coerced from text, lists
 * accept a JSON array or `;`-separated text, JSON columns accept objects or JSON text; a leading @ is dropped
 * from the handle. engagement_rate must be a fraction 0..1 (a percentage such as 4.5 is rejected, not guessed).
 */
export const influencerRowSchema = z.object({
  name: requiredText(200),
  handle: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().replace(/^@/, '') : blank(v)),
    z
      .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be text') })
      .min(1, 'is required')
      .max(100, 'must be at most 100 characters')
      .regex(/^\S+$/, 'must not contain spaces'),
  ),
  platform: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() : blank(v)),
    z.enum(platforms, { error: `must be one of ${platforms.join(', ')}` }),
  ),
  category: requiredText(100),
  followers_count: z.preprocess(
    numeric,
    z
      .number({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a number') })
      .int('must be a whole number')
      .min(0, 'must be >= 0')
      .max(2_147_483_647, 'is too large'),
  ),
  engagement_rate: z.preprocess(
    numeric,
    z
      .number({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a number') })
      .min(0, 'must be between 0 and 1')
      .max(1, 'must be a fraction between 0 and 1 (write 4.5% as 0.045)'),
  ),
  average_views: z.preprocess(
    numeric,
    z.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be >= 0').nullable().optional(),
  ),
  content_types: z.preprocess(list, z.array(z.string().trim().min(1), { error: 'must be a list' })),
  audience_demographics: jsonObject,
  brand_safety_score: z.preprocess(
    numeric,
    z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(0, 'must be between 0 and 100')
      .max(100, 'must be between 0 and 100')
      .nullable()
      .optional(),
  ),
  pricing_info: jsonObject,
  performance_history: z.preprocess(
    json,
    z
      .union([z.array(z.record(z.string(), z.unknown())), z.record(z.string(), z.unknown())], {
        error: 'must be a JSON array or object',
      })
      .nullable()
      .optional(),
  ),
  relevance_topics: z.preprocess(list, z.array(z.string().trim().min(1), { error: 'must be a list' })),
  blacklisted: z.preprocess(bool, z.boolean({ error: 'must be true or false' })),
  verification_status: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() || undefined : blank(v)),
    z
      .enum(['verified', 'unverified', 'pending'], { error: 'must be verified, unverified or pending' })
      .default('unverified'),
  ),
});

/** A validated catalogue row. */
export type InfluencerRow = z.output<typeof influencerRowSchema>;

/** A rejected field of a catalogue row. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** Validates one catalogue row, returning the clean row or one problem per offending field. */
export function parseInfluencerRow(
  row: unknown,
): { ok: true; value: InfluencerRow } | { ok: false; problems: FieldProblem[] } {
  const result = influencerRowSchema.safeParse(row);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => ({
      field: issue.path.length > 0 ? issue.path.map(String).join('.') : '(row)',
      message: issue.message,
    })),
  };
}
