import fc from 'fast-check';
import {
  brandAlignmentScore,
  calculateInfluencerScore,
  compositeScore,
  conversionPotentialScore,
  costEfficiencyScore,
  defaultInfluencerWeights,
  engagementScore,
  followerTier,
  platforms,
  reachScore,
  relevanceScore,
  stem,
  tokenize,
  type Influencer,
  type Venture,
} from './influencerScoring';

const venture: Venture = {
  name: 'HomeGym',
  category: 'fitness',
  industry: 'consumer health',
  keywords: ['home workout', 'fitness app', 'strength training'],
  brand: { values: ['sustainability', 'wellness'], tone: 'encouraging' },
};

// The documented default weights (docs/influencers.md), written out so that the tests do not read them from the code.
const DOCUMENTED_WEIGHTS = {
  reachScore: 0.15,
  relevanceScore: 0.25,
  engagementScore: 0.15,
  conversionPotential: 0.2,
  costEfficiency: 0.15,
  brandAlignment: 0.1,
};
const byHand = (sub: Record<keyof typeof DOCUMENTED_WEIGHTS, number>) =>
  (Object.keys(DOCUMENTED_WEIGHTS) as (keyof typeof DOCUMENTED_WEIGHTS)[]).reduce(
    (sum, k) => sum + DOCUMENTED_WEIGHTS[k] * sub[k],
    0,
  );

const ada: Influencer = {
  name: 'Ada Fit',
  handle: '@adafit',
  platform: 'instagram',
  category: 'fitness',
  followers_count: 25_000,
  engagement_rate: 0.042,
  average_views: 6000,
  content_types: ['reels', 'product reviews'],
  audience_demographics: { interests: ['wellness', 'sustainability'] },
  brand_safety_score: 88,
  pricing_info: { per_post: 400 },
  performance_history: [{ category: 'fitness', conversion_rate: 0.008, roi: 3 }],
  relevance_topics: ['fitness', 'home workouts', 'healthy recipes'],
  blacklisted: false,
  verification_status: 'verified',
};

describe('reach and tiers', () => {
  it('reachScore = min(100, 20 * log10(followers))', () => {
    expect(reachScore(10_000)).toBeCloseTo(80, 10); // 20 * 4
    expect(reachScore(1_000)).toBeCloseTo(60, 10); // 20 * 3
    expect(reachScore(1_000_000)).toBe(100); // 20 * 6 = 120, capped
    expect(reachScore(1)).toBe(0);
    expect(reachScore(0.5)).toBe(0);
    expect(reachScore(0)).toBe(0);
  });

  it.each([
    [9_999, 'nano'],
    [10_000, 'micro'],
    [99_999, 'micro'],
    [100_000, 'mid'],
    [499_999, 'mid'],
    [500_000, 'macro'],
    [999_999, 'macro'],
    [1_000_000, 'mega'],
  ])('%p followers is %p', (followers, tier) => {
    expect(followerTier(followers)).toBe(tier);
  });

  it('engagementScore scales against the tier typical rate and does not reward implausible rates', () => {
    expect(engagementScore(0.035, 50_000)).toBeCloseTo(50, 10); // micro typical 3.5%
    expect(engagementScore(0.07, 50_000)).toBe(100); // twice typical
    expect(engagementScore(0.006, 2_000_000)).toBeCloseTo(25, 10); // mega typical 1.2%: 50 * 0.5
    expect(engagementScore(0.3, 50_000)).toBe(50); // above micro's 15% ceiling
  });
});

describe('compositeScore', () => {
  it('is the weighted sum of the sub-scores (worked example)', () => {
    const sub = {
      reachScore: 80,
      relevanceScore: 60,
      engagementScore: 50,
      conversionPotential: 50,
      costEfficiency: 70,
      brandAlignment: 90,
    };
    // .15 * 80 + .25 * 60 + .15 * 50 + .2 * 50 + .15 * 70 + .1 * 90 = 12 + 15 + 7.5 + 10 + 10.5 + 9 = 64
    expect(compositeScore(sub)).toBeCloseTo(64, 10);
    const onlyRelevance = { reach: 0, relevance: 1, engagement: 0, conversion: 0, cost: 0, brand: 0 };
    expect(compositeScore(sub, onlyRelevance)).toBe(60);
  });

  it('rises when any sub-score rises and none falls', () => {
    const score = fc.double({ min: 0, max: 100, noNaN: true });
    const subs = fc.record({
      reachScore: score,
      relevanceScore: score,
      engagementScore: score,
      conversionPotential: score,
      costEfficiency: score,
      brandAlignment: score,
    });
    const key = fc.constantFrom(...(Object.keys(DOCUMENTED_WEIGHTS) as (keyof typeof DOCUMENTED_WEIGHTS)[]));
    fc.assert(
      fc.property(subs, key, fc.double({ min: 1, max: 50, noNaN: true }), (sub, k, gain) => {
        const raised = { ...sub, [k]: Math.min(100, sub[k] + gain) };
        // A rise lost in floating point (99.99999999999999 to 100, weighted 0.1) cannot show in the sum.
        fc.pre(raised[k] - sub[k] > 1e-9);
        expect(compositeScore(raised)).toBeGreaterThan(compositeScore(sub));
        expect(compositeScore(raised)).toBeCloseTo(byHand(raised), 10);
      }),
    );
  });

  it('rejects weights that do not sum to 1 or are negative', () => {
    const sub = {
      reachScore: 1,
      relevanceScore: 1,
      engagementScore: 1,
      conversionPotential: 1,
      costEfficiency: 1,
      brandAlignment: 1,
    };
    expect(() => compositeScore(sub, { ...defaultInfluencerWeights, brand: 0.2 })).toThrow(/sum to 1/);
    expect(() => compositeScore(sub, { ...defaultInfluencerWeights, brand: -0.1, cost: 0.35 })).toThrow(/>= 0/);
    expect(() =>
      calculateInfluencerScore(ada, venture, { weights: { ...defaultInfluencerWeights, reach: 1 } }),
    ).toThrow(RangeError);
  });
});

describe('text matching', () => {
  it('stems marketing vocabulary onto shared roots', () => {
    expect(stem('marketing')).toBe(stem('marketers'));
    expect(stem('workouts')).toBe('workout');
    expect(new Set([stem('gaming'), stem('games'), stem('game')]).size).toBe(1);
    expect(stem('shopping')).toBe('shop');
    expect(stem('technologies')).toBe('technology');
    expect(stem('fitness')).toBe('fitness');
    expect(stem('boxes')).toBe('box');
    expect(tokenize('Health & Fitness for the Home')).toEqual(['health', 'fitness', 'hom']);
  });

  it('relevanceScore = 100 * sqrt(cosine) of the token bags', () => {
    const yogi: Influencer = { ...ada, category: 'fitness', relevance_topics: ['yoga'] };
    // {fitness, yoga} vs {yoga, fitness}: cosine 1
    expect(relevanceScore(yogi, { name: 'v', category: 'fitness', keywords: ['yoga'] })).toBeCloseTo(100, 10);
    // {fitness, yoga} vs {yoga, meditation, wellness}: 1 / (sqrt 2 * sqrt 3) = 0.4082, sqrt = 0.6389
    const calm: Venture = { name: 'v', category: 'wellness', keywords: ['yoga', 'meditation'] };
    expect(relevanceScore(yogi, calm)).toBeCloseTo(100 * Math.sqrt(1 / Math.sqrt(6)), 10);
    expect(relevanceScore(yogi, { name: 'v', category: 'fintech', keywords: ['payments'] })).toBe(0);
  });

  it('brandAlignment = 0.7 * safety + 0.3 * brand token coverage', () => {
    // tokens sustainability, wellness, encourag: 2 of 3 found in the audience interests -> 0.7 * 88 + 0.3 * 66.67 = 81.6
    expect(brandAlignmentScore(ada, venture)).toBeCloseTo(81.6, 10);
    expect(brandAlignmentScore(ada, { ...venture, brand: null })).toBe(88);
    expect(brandAlignmentScore({ ...ada, brand_safety_score: null }, { ...venture, brand: {} })).toBe(50);
  });
});

describe('conversion and cost', () => {
  it('shrinks history towards a neutral 50', () => {
    const history = [{ category: 'fitness', conversion_rate: 0.01, roi: 2 }];
    // record: mean(50 * 0.01 / 0.005 = 100, 25 * 2 = 50) = 75, weight 2 (same category): (50 * 2 + 75 * 2) / 4 = 62.5
    expect(conversionPotentialScore({ ...ada, performance_history: history }, venture)).toBeCloseTo(62.5, 10);
    // other category weighs 1: (100 + 75) / 3 = 58.33
    expect(
      conversionPotentialScore(
        { ...ada, performance_history: { collaborations: [{ ...history[0], category: 'gaming' }] } },
        venture,
      ),
    ).toBeCloseTo(175 / 3, 10);
    expect(conversionPotentialScore({ ...ada, performance_history: null }, venture)).toBe(50);
    // aggregate figures count as one collaboration with no category: 25 * 4 = 100 -> (50 * 2 + 100) / 3 = 66.67
    expect(conversionPotentialScore({ ...ada, performance_history: { avg_roi: 4 } }, venture)).toBeCloseTo(200 / 3, 10);
  });

  it('costEfficiency = 100 * target / (target + CPA)', () => {
    expect(costEfficiencyScore(400, 8, 50)).toBeCloseTo(50, 10); // CPA 50 = target
    expect(costEfficiencyScore(100, 8, 50)).toBeCloseTo(80, 10); // CPA 12.5: 5000 / 62.5
    expect(costEfficiencyScore(0, 0, 50)).toBe(100);
    expect(costEfficiencyScore(null, 10, 50)).toBe(50);
    expect(costEfficiencyScore(100, 0, 50)).toBe(0);
  });
});

describe('calculateInfluencerScore', () => {
  it('scores a worked example end to end', () => {
    const s = calculateInfluencerScore(ada, venture, { reasoning: true });
    expect(s.tier).toBe('micro');
    const reach = 20 * Math.log10(25_000); // 87.96
    const engagement = (50 * 0.042) / 0.035; // 60
    // Influencer tokens {fitness, home, workout, healthy, recipe}, each weight 1; venture tokens {home, workout,
    // fitness, app, strength, training} weight 1 and the industry's {consumer, health} weight 0.5. Shared: home,
    // workout, fitness. cosine = 3 / sqrt(5 * (6 + 2 * 0.25)) = 0.5262, relevance = 100 * sqrt(cosine) = 72.54
    const relevance = 100 * Math.sqrt(3 / Math.sqrt(5 * 6.5));
    // one fitness collaboration: mean(50 * .008 / .005 = 80, 25 * 3 = 75) = 77.5, weight 2: (50 * 2 + 77.5 * 2) / 4
    const conversion = 63.75;
    // expected rate (0.005 * 2 + 0.008 * 2) / 4 = 0.0065 -> 39 conversions, CPA 10.26, efficiency 5000 / 60.26 = 82.98
    const cost = 5000 / (50 + 400 / 39);
    // safety 88; brand tokens sustainability, wellness, encouraging: 2 of 3 in the audience interests
    const brand = 0.7 * 88 + 0.3 * ((100 * 2) / 3); // 81.6
    expect(s.reachScore).toBeCloseTo(reach, 10);
    expect(s.engagementScore).toBeCloseTo(engagement, 10);
    expect(s.relevanceScore).toBeCloseTo(relevance, 10);
    expect(s.conversionPotential).toBeCloseTo(conversion, 10);
    expect(s.estimatedReach).toBe(6000);
    expect(s.estimatedCost).toBe(400);
    expect(s.estimatedConversions).toBeCloseTo(39, 10);
    expect(s.costEfficiency).toBeCloseTo(cost, 10);
    expect(s.brandAlignment).toBeCloseTo(brand, 10);
    expect(s.estimatedRoi).toBeCloseTo((39 * 100 - 400) / 400, 10); // 8.75
    // .15 * 87.96 + .25 * 72.54 + .15 * 60 + .2 * 63.75 + .15 * 82.98 + .1 * 81.6 = 73.69
    const composite = byHand({
      reachScore: reach,
      relevanceScore: relevance,
      engagementScore: engagement,
      conversionPotential: conversion,
      costEfficiency: cost,
      brandAlignment: brand,
    });
    expect(composite).toBeCloseTo(73.69, 2);
    expect(s.compositeScore).toBeCloseTo(composite, 10);
    expect(s.riskFactors).toEqual([]);
    expect(s.riskScore).toBe(0);
    expect(s.eligible).toBe(true);
    expect(s.recommendedCollaborationType).toBe('affiliate');
    expect(s.matchReasoning).toMatch(
      new RegExp(`^Ada Fit \\(@adafit, micro instagram creator\\) scores ${Math.round(composite)}/100 for HomeGym`),
    );
  });

  it('ranks an influencer better on every factor above one worse on every factor', () => {
    // Each input moves one sub-score the right way: more followers (reach), a rate nearer the tier's ceiling
    // (engagement), the venture's topics (relevance), a better track record (conversion), a lower price (cost),
    // a higher safety rating (brand).
    const worse: Influencer = {
      ...ada,
      followers_count: 12_000,
      engagement_rate: 0.02,
      relevance_topics: ['healthy recipes'],
      performance_history: [{ category: 'fitness', conversion_rate: 0.004, roi: 1 }],
      pricing_info: { per_post: 900 },
      brand_safety_score: 60,
    };
    const better: Influencer = {
      ...worse,
      followers_count: 90_000,
      engagement_rate: 0.06,
      relevance_topics: ['home workouts', 'strength training'],
      performance_history: [{ category: 'fitness', conversion_rate: 0.012, roi: 4 }],
      pricing_info: { per_post: 300 },
      brand_safety_score: 95,
    };
    const [w, b] = [calculateInfluencerScore(worse, venture), calculateInfluencerScore(better, venture)];
    for (const key of Object.keys(DOCUMENTED_WEIGHTS) as (keyof typeof DOCUMENTED_WEIGHTS)[]) {
      expect([key, b[key] > w[key]]).toEqual([key, true]);
    }
    expect(b.compositeScore).toBeGreaterThan(w.compositeScore);
    // And the composite of each is its hand-weighted sum.
    expect(w.compositeScore).toBeCloseTo(byHand(w), 10);
    expect(b.compositeScore).toBeCloseTo(byHand(b), 10);
  });

  it('flags and scores risks', () => {
    const risky = calculateInfluencerScore(
      { ...ada, brand_safety_score: 40, verification_status: 'pending', followers_count: 5000, engagement_rate: 0.3 },
      venture,
      { reasoning: true },
    );
    // low brand safety 25 + (60 - 40) / 2 = 35, suspicious engagement 30, unverified 15
    expect(risky.riskFactors).toEqual(['low_brand_safety', 'suspicious_engagement', 'unverified']);
    expect(risky.riskScore).toBe(80);
    expect(risky.matchReasoning).toMatch(/risks: low brand safety, suspicious engagement, unverified/);

    const banned = calculateInfluencerScore({ ...ada, blacklisted: true }, venture);
    expect(banned.riskScore).toBe(100);
    expect(banned.eligible).toBe(false);
    expect(banned.recommendedCollaborationType).toBe('none');

    const quiet = calculateInfluencerScore({ ...ada, engagement_rate: 0.001, brand_safety_score: undefined }, venture);
    expect(quiet.riskFactors).toEqual(['brand_safety_unrated', 'low_engagement']);
    expect(quiet.riskScore).toBe(25);
  });

  it('recommends a collaboration type by tier and score', () => {
    expect(calculateInfluencerScore({ ...ada, followers_count: 2_000_000 }, venture).recommendedCollaborationType).toBe(
      'sponsored_post',
    );
    const noHistory = { ...ada, performance_history: null };
    expect(calculateInfluencerScore(noHistory, venture).recommendedCollaborationType).toBe('product_review');
    const mid = { ...noHistory, followers_count: 200_000, average_views: 40_000, content_types: ['vlogs'] };
    const strongMid = calculateInfluencerScore(mid, venture);
    expect(strongMid.compositeScore).toBeGreaterThanOrEqual(75);
    expect(strongMid.recommendedCollaborationType).toBe('ambassador');
    const offTopicMid = { ...mid, category: 'lifestyle', relevance_topics: ['travel'] };
    expect(calculateInfluencerScore(offTopicMid, venture).recommendedCollaborationType).toBe('sponsored_post');
    const reviewer = { ...offTopicMid, content_types: ['unboxing', 'reviews'] };
    expect(calculateInfluencerScore(reviewer, venture).recommendedCollaborationType).toBe('product_review');
  });

  it('estimates reach from followers without average views and has no ROI without a price', () => {
    const s = calculateInfluencerScore({ ...ada, average_views: null, pricing_info: null }, venture);
    expect(s.estimatedReach).toBe(5000); // 25,000 * 0.2
    expect(s.estimatedCost).toBeNull();
    expect(s.estimatedRoi).toBeNull();
    expect(s.costEfficiency).toBe(50);
  });

  it('keeps every score in 0-100 for random influencers', () => {
    const word = fc.constantFrom('fitness', 'yoga', 'gaming', 'tech', 'travel', 'food', 'wellness', 'home workout', '');
    const anyInfluencer = fc.record({
      name: fc.string(),
      handle: fc.string(),
      platform: fc.constantFrom(...platforms),
      category: word,
      followers_count: fc.oneof(fc.integer({ min: -10, max: 1_000_000_000 }), fc.double({ noNaN: false })),
      engagement_rate: fc.double({ min: -1, max: 5, noNaN: false }),
      average_views: fc.option(fc.integer({ min: -10, max: 100_000_000 })),
      content_types: fc.option(fc.array(word)),
      audience_demographics: fc.option(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.array(word)))),
      brand_safety_score: fc.option(fc.double({ min: -50, max: 200, noNaN: false })),
      pricing_info: fc.option(fc.record({ per_post: fc.double({ min: -10, max: 1e6, noNaN: false }) })),
      performance_history: fc.option(
        fc.array(
          fc.record({
            category: word,
            conversion_rate: fc.double({ min: -1, max: 2, noNaN: false }),
            roi: fc.double({ min: -10, max: 100, noNaN: false }),
          }),
        ),
      ),
      relevance_topics: fc.option(fc.array(word)),
      blacklisted: fc.option(fc.boolean()),
      verification_status: fc.option(fc.constantFrom('verified', 'unverified', 'pending')),
    });
    const anyVenture = fc.record({
      name: fc.string(),
      category: fc.option(word),
      industry: fc.option(word),
      keywords: fc.array(word),
      brand: fc.option(fc.record({ values: fc.array(word), tone: word })),
    });
    fc.assert(
      fc.property(anyInfluencer, anyVenture, (influencer, v) => {
        const s = calculateInfluencerScore(influencer, v, { reasoning: true });
        for (const score of [
          s.reachScore,
          s.relevanceScore,
          s.engagementScore,
          s.conversionPotential,
          s.costEfficiency,
          s.brandAlignment,
          s.compositeScore,
          s.riskScore,
        ]) {
          expect(score).toBeGreaterThanOrEqual(0);
          expect(score).toBeLessThanOrEqual(100);
        }
        expect(s.engagementRate).toBeGreaterThanOrEqual(0);
        expect(s.engagementRate).toBeLessThanOrEqual(1);
        expect(typeof s.matchReasoning).toBe('string');
      }),
    );
  });
});
