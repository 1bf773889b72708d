/** The six 0-100 sub-scores of an influencer for a venture, and the composite that weighs them. */
import { addToBag, collectStrings, cosine, tokenize, type Bag } from './influencerText';
import {
  defaultInfluencerWeights,
  engagementBands,
  type FollowerTier,
  type Influencer,
  type InfluencerSubScores,
  type InfluencerWeights,
  type PerformanceHistory,
  type PricingInfo,
  type Venture,
} from './influencerTypes';

/** Clamps to [min, max]; NaN becomes min so that bad data never inflates a score. */
export function clamp(value: number, min = 0, max = 100): number {
  if (Number.isNaN(value)) return min;
  return Math.min(max, Math.max(min, value));
}

/** A finite number from a number or numeric text, else undefined. */
export function toNumber(value: unknown): number | undefined {
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

/**
 * A key of a free-form JSON column (pricing_info, performance_history) under its snake_case name or, as a JSON
 * body of the API writes it, its camelCase one: `per_post` or `perPost`.
 */
function nestedField(record: Readonly<Record<string, unknown>>, snake: string): unknown {
  return record[snake] ?? record[snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())];
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
    const h = history as Record<string, unknown>;
    const avgConversionRate = nestedField(h, 'avg_conversion_rate');
    const avgRoi = nestedField(h, 'avg_roi');
    if (Array.isArray(h['collaborations'])) records.push(...(h['collaborations'] as unknown[]));
    else if (avgConversionRate !== undefined || avgRoi !== undefined) {
      records.push({ conversion_rate: avgConversionRate, roi: avgRoi, category: h['category'] });
    }
  }
  const items: HistoryItem[] = [];
  for (const record of records) {
    if (record === null || typeof record !== 'object') continue;
    const r = record as Record<string, unknown>;
    const conversionRate = toNumber(nestedField(r, 'conversion_rate'));
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
export function expectedConversionRate(influencer: Influencer, venture: Venture, baseConversionRate: number): number {
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
    const n = toNumber(nestedField(pricing, key));
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
