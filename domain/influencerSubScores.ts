/** The six 0-100 sub-scores of an influencer for a venture, and the composite that weighs them. */
import { VentureText, type PhraseMatch } from './influencerText';
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
 * The distinct tokens met during one scoring call. A short list scanned rather than a Set (a profile holds a
 * handful of tokens, and emptying a Set reallocates it), turning into a Set past 64 tokens.
 */
class DistinctTokens {
  private readonly list: string[] = [];
  private many: Set<string> | undefined = undefined;
  size = 0;

  reset(): void {
    this.size = 0;
    this.many = undefined;
  }

  /** Whether the token is new (and is now counted). */
  add(token: string): boolean {
    if (this.many !== undefined) {
      if (this.many.has(token)) return false;
      this.many.add(token);
    } else {
      for (let i = 0; i < this.size; i++) if (this.list[i] === token) return false;
      if (this.size < 64) this.list[this.size] = token;
      else this.many = new Set([...this.list, token]);
    }
    this.size++;
    return true;
  }
}

// Scratch lists of the scoring functions below, reset at the start of each call: they run to completion without
// awaiting, so no two calls share them. No named closures either: the loader `npm start` runs the code with (tsx)
// names each one as it is created, a defineProperty per call that cost more than the scoring.
const relevanceTokens = new DistinctTokens();
const brandTokensFound = new DistinctTokens();
const NONE: readonly string[] = [];

/**
 * relevanceScore = 100 * sqrt(cosine) of two weighted bags of stemmed tokens: the influencer's relevance_topics
 * and category (weight 1) against the venture's keywords and category (weight 1) and industry (weight 0.5, it is
 * broader). The square root spreads the typical partial overlaps (cosine 0.2-0.6) over the scale.
 */
export function relevanceScore(influencer: Influencer, venture: Venture): number {
  return relevanceFor(influencer, new VentureText(venture));
}

/** The dot product with a phrase's tokens not counted yet added. */
function addRelevance(phrase: PhraseMatch, dotProduct: number): number {
  const { tokens, weights } = phrase;
  for (let i = 0; i < tokens.length; i++) if (relevanceTokens.add(tokens[i]!)) dotProduct += weights[i]!;
  return dotProduct;
}

/** {@link relevanceScore} against a venture's words tokenized once. */
export function relevanceFor(influencer: Influencer, venture: VentureText): number {
  // Every influencer token weighs 1: its bag's squared norm is the number of distinct tokens, and the dot product
  // the sum of the venture's weights of them, added in the order the cosine of the two bags adds them.
  relevanceTokens.reset();
  let dotProduct = 0;
  for (const topic of influencer.relevance_topics ?? NONE) {
    if (typeof topic === 'string') dotProduct = addRelevance(venture.match(topic), dotProduct);
  }
  const category = influencer.category;
  if (typeof category === 'string') dotProduct = addRelevance(venture.match(category), dotProduct);
  const na = relevanceTokens.size;
  const nb = venture.bagNorm;
  return clamp(100 * Math.sqrt(na === 0 || nb === 0 ? 0 : dotProduct / Math.sqrt(na * nb)));
}

/**
 * brandAlignment = 0.7 * brand safety + 0.3 * (share of the venture's brand value and tone tokens found in the
 * influencer's content types, topics, category and audience description); just brand safety when the venture
 * states no values or tone. A missing brand safety score counts as a neutral 50.
 */
export function brandAlignmentScore(influencer: Influencer, venture: Venture): number {
  return brandAlignmentFor(influencer, new VentureText(venture));
}

/** Adds the brand tokens found in every string of a JSON value, object keys included, down to four levels. */
function findBrandTokens(value: unknown, venture: VentureText, depth: number): void {
  if (depth > 4) return;
  if (typeof value === 'string') {
    for (const t of venture.match(value).brandTokens) brandTokensFound.add(t);
  } else if (Array.isArray(value)) {
    for (const v of value) findBrandTokens(v, venture, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    for (const k in value) {
      if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
      findBrandTokens(k, venture, depth);
      findBrandTokens((value as Record<string, unknown>)[k], venture, depth + 1);
    }
  }
}

/** {@link brandAlignmentScore} against a venture's words tokenized once. */
export function brandAlignmentFor(influencer: Influencer, venture: VentureText): number {
  const safety = clamp(toNumber(influencer.brand_safety_score) ?? 50);
  const brand = venture.brandTokens;
  if (brand.size === 0) return safety;
  brandTokensFound.reset();
  for (const t of venture.match(influencer.category).brandTokens) brandTokensFound.add(t);
  findBrandTokens(influencer.content_types, venture, 0);
  findBrandTokens(influencer.relevance_topics, venture, 0);
  findBrandTokens(influencer.audience_demographics, venture, 0);
  return clamp(0.7 * safety + 0.3 * ((100 * brandTokensFound.size) / brand.size));
}

/**
 * A key of a free-form JSON column (pricing_info, performance_history) under its snake_case name or, as a JSON
 * body of the API writes it, its camelCase one: `per_post` or `perPost`.
 */
function nestedField(record: Readonly<Record<string, unknown>>, snake: string, camel: string): unknown {
  return record[snake] ?? record[camel];
}

// Pseudo-count of the prior: two collaborations' worth of evidence before history dominates.
const PRIOR_STRENGTH = 2;

/** What an influencer's performance history says, both shrunk towards their priors. */
export interface HistoryFigures {
  /** {@link conversionPotentialScore} */
  conversionPotential: number;
  /** {@link expectedConversionRate} */
  conversionRate: number;
}

/** Running totals of a performance history, each starting from its prior. */
class HistoryTotals {
  potentialTotal = 50 * PRIOR_STRENGTH;
  potentialWeight = PRIOR_STRENGTH;
  rateTotal: number;
  rateWeight = PRIOR_STRENGTH;

  constructor(
    private readonly venture: VentureText,
    private readonly baseConversionRate: number,
  ) {
    this.rateTotal = baseConversionRate * PRIOR_STRENGTH;
  }

  /** One collaboration; skipped without a conversion rate or an ROI. */
  add(rawRate: unknown, rawRoi: unknown, rawCategory: unknown): void {
    const rate = toNumber(rawRate);
    const roi = toNumber(rawRoi);
    if (rate === undefined && roi === undefined) return;
    // Results in the venture's own category are twice as informative as results elsewhere.
    const weight = this.venture.matchesCategory(typeof rawCategory === 'string' ? rawCategory : undefined) ? 2 : 1;
    const conversionRate = rate === undefined ? undefined : clamp(rate, 0, 1);
    const ratePart = conversionRate === undefined ? undefined : clamp((50 * conversionRate) / this.baseConversionRate);
    const roiPart = roi === undefined ? undefined : clamp(25 * roi);
    // The mean of the parts there are.
    const mean = ratePart === undefined ? roiPart! : roiPart === undefined ? ratePart : (ratePart + roiPart) / 2;
    this.potentialTotal += weight * mean;
    this.potentialWeight += weight;
    if (conversionRate !== undefined) {
      this.rateTotal += weight * conversionRate;
      this.rateWeight += weight;
    }
  }

  addRecords(records: readonly unknown[]): void {
    for (const record of records) {
      if (record === null || typeof record !== 'object') continue;
      const r = record as Record<string, unknown>;
      this.add(nestedField(r, 'conversion_rate', 'conversionRate'), r['roi'], r['category']);
    }
  }
}

/**
 * Both readings of a performance history in one pass: a list of collaborations, or an object holding one, or its
 * aggregate figures (which count as one collaboration).
 */
export function historyFigures(
  history: PerformanceHistory | null | undefined,
  venture: VentureText,
  baseConversionRate: number,
): HistoryFigures {
  const totals = new HistoryTotals(venture, baseConversionRate);
  if (Array.isArray(history)) totals.addRecords(history);
  else if (history) {
    const h = history as Record<string, unknown>;
    const collaborations = h['collaborations'];
    if (Array.isArray(collaborations)) totals.addRecords(collaborations);
    else {
      const avgConversionRate = nestedField(h, 'avg_conversion_rate', 'avgConversionRate');
      const avgRoi = nestedField(h, 'avg_roi', 'avgRoi');
      if (avgConversionRate !== undefined || avgRoi !== undefined) totals.add(avgConversionRate, avgRoi, h['category']);
    }
  }
  return {
    conversionPotential: clamp(totals.potentialTotal / totals.potentialWeight),
    conversionRate: totals.rateTotal / totals.rateWeight,
  };
}

/**
 * conversionPotential: each past collaboration scores the mean of 50 * conversion_rate / baseConversionRate and
 * 25 * roi (break-even = 25, 4x = 100), each clamped to 0-100; collaborations in the venture's category weigh 2,
 * others 1; the weighted mean is shrunk towards a neutral 50 with a pseudo-count of 2. No history = 50.
 */
export function conversionPotentialScore(influencer: Influencer, venture: Venture, baseConversionRate = 0.005): number {
  return historyFigures(influencer.performance_history, new VentureText(venture), baseConversionRate)
    .conversionPotential;
}

/** Expected share of the reached audience that converts: history shrunk towards the base rate, as above. */
export function expectedConversionRate(influencer: Influencer, venture: Venture, baseConversionRate: number): number {
  return historyFigures(influencer.performance_history, new VentureText(venture), baseConversionRate).conversionRate;
}

const PRICE_KEYS = [
  ['per_post', 'perPost'],
  ['per_video', 'perVideo'],
  ['per_reel', 'perReel'],
  ['per_story', 'perStory'],
  ['rate', 'rate'],
  ['price', 'price'],
] as const;

/** Price of one post from pricing_info, or null when there is none. */
export function pricePerPost(pricing: PricingInfo | null | undefined): number | null {
  if (!pricing) return null;
  for (const [snake, camel] of PRICE_KEYS) {
    const n = toNumber(nestedField(pricing, snake, camel));
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
