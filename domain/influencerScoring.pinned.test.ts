import fs from 'node:fs';
import path from 'node:path';
import {
  calculateInfluencerScore,
  defaultInfluencerWeights,
  explainInfluencerScore,
  prepareVenture,
  type Influencer,
  type InfluencerScore,
  type InfluencerScoringOptions,
  type Venture,
} from './influencerScoring';

/**
 * 400 scores of 200 generated influencers (odd ones included: numbers as text, camelCase prices, histories as
 * objects, demographics nested past the depth read, blacklisted and unrated creators) against four ventures and
 * three sets of options, written by the scoring code before the prepared scorer existed
 * (test/fixtures/generateInfluencerScores.ts). Today's code must give each of them exactly, to the last bit.
 */
interface Fixture {
  ventures: Venture[];
  options: InfluencerScoringOptions[];
  influencers: Influencer[];
  cases: { influencer: number; venture: number; options: number; score: InfluencerScore }[];
}
const fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../test/fixtures/influencerScores.json'), 'utf8'),
) as Fixture;

const pinned = fixture.cases.map((c, i) => ({
  id: i,
  influencer: fixture.influencers[c.influencer]!,
  venture: fixture.ventures[c.venture]!,
  options: fixture.options[c.options]!,
  // JSON has no undefined: a score read back is what the code returned, serialised.
  score: c.score,
}));

const withoutReasoning = ({ matchReasoning: _, ...rest }: InfluencerScore) => rest;

describe('scores pinned from the code before the prepared scorer', () => {
  it('are varied enough to pin every branch', () => {
    const seen = (key: 'tier' | 'recommendedCollaborationType') => new Set(pinned.map((p) => p.score[key]));
    expect(seen('tier').size).toBe(5);
    expect(seen('recommendedCollaborationType').size).toBe(5);
    expect(new Set(pinned.flatMap((p) => p.score.riskFactors)).size).toBe(6);
    expect(pinned.filter((p) => p.score.relevanceScore > 0).length).toBeGreaterThan(100);
  });

  it('gives every pinned score, reasoning included, when the reasoning is asked for', () => {
    for (const p of pinned) {
      const score = calculateInfluencerScore(p.influencer, p.venture, { ...p.options, reasoning: true });
      expect({ id: p.id, score }).toEqual({ id: p.id, score: p.score });
    }
  });

  it('gives the same figures without building the reasoning when it is not asked for', () => {
    for (const p of pinned) {
      const score = calculateInfluencerScore(p.influencer, p.venture, p.options);
      expect({ id: p.id, score }).toEqual({ id: p.id, score: withoutReasoning(p.score) });
      expect(Object.keys(score)).not.toContain('matchReasoning');
    }
  });

  it('gives the same through a venture prepared once as through the venture itself', () => {
    const prepared = new Map<string, ReturnType<typeof prepareVenture>>();
    for (const p of pinned) {
      const key = `${fixture.ventures.indexOf(p.venture)}:${fixture.options.indexOf(p.options)}`;
      if (!prepared.has(key)) prepared.set(key, prepareVenture(p.venture, p.options));
      const scoring = prepared.get(key)!;
      const explained = calculateInfluencerScore(p.influencer, scoring, { reasoning: true });
      expect({ id: p.id, score: explained }).toEqual({ id: p.id, score: p.score });
      const plain = calculateInfluencerScore(p.influencer, scoring);
      expect({ id: p.id, score: plain }).toEqual({ id: p.id, score: withoutReasoning(p.score) });
    }
  });

  it('writes the pinned reasoning from a score computed without it', () => {
    for (const p of pinned) {
      const score = calculateInfluencerScore(p.influencer, p.venture, p.options);
      expect({ id: p.id, text: explainInfluencerScore(p.influencer, p.venture, score) }).toEqual({
        id: p.id,
        text: p.score.matchReasoning,
      });
    }
  });
});

describe('prepareVenture', () => {
  const venture = fixture.ventures[0]!;

  it('checks the options once, with the messages of an unprepared call', () => {
    const badWeights = { weights: { ...defaultInfluencerWeights, reach: 1 } };
    expect(() => prepareVenture(venture, badWeights)).toThrow(/influencer weights must sum to 1/);
    expect(() => calculateInfluencerScore(fixture.influencers[0]!, venture, badWeights)).toThrow(
      /influencer weights must sum to 1/,
    );
    expect(() => prepareVenture(venture, { targetCpa: 0 })).toThrow(/targetCpa, baseConversionRate/);
    expect(() => prepareVenture(venture, { averageOrderValue: -1 })).toThrow(RangeError);
  });

  it('refuses economic options beside a prepared venture rather than ignoring them', () => {
    const prepared = prepareVenture(venture);
    expect(() => calculateInfluencerScore(fixture.influencers[0]!, prepared, { targetCpa: 10 })).toThrow(
      /pass targetCpa to prepareVenture/,
    );
  });

  it('is not changed by later edits of the venture it was prepared from', () => {
    const editable: Venture = { ...venture, keywords: [...venture.keywords] };
    const prepared = prepareVenture(editable);
    const relevant = pinned.find((p) => p.venture === venture && p.score.relevanceScore > 0)!;
    const before = calculateInfluencerScore(relevant.influencer, prepared);
    editable.name = 'Renamed';
    (editable.keywords as string[]).splice(0);
    expect(calculateInfluencerScore(relevant.influencer, prepared)).toEqual(before);
  });
});

describe('long profiles', () => {
  it('counts each distinct token once however many topics an influencer lists', () => {
    const venture: Venture = { name: 'v', category: 'fitness', keywords: [], brand: { values: ['wellness'] } };
    const topics = Array.from({ length: 100 }, (_, i) => `topic${i}`);
    const influencer: Influencer = {
      ...fixture.influencers[0]!,
      category: 'topic1',
      relevance_topics: ['fitness', ...topics, 'fitness', 'topic50', 'wellness'],
      content_types: ['wellness'],
      audience_demographics: null,
      brand_safety_score: 80,
    };
    // 102 distinct tokens (fitness, topic0..topic99, wellness), one of them the venture's only token (fitness, 1).
    const score = calculateInfluencerScore(influencer, prepareVenture(venture));
    expect(score.relevanceScore).toBeCloseTo(100 * Math.sqrt(1 / Math.sqrt(102)), 12);
    // The one brand token is found, however often: 0.7 * 80 + 0.3 * 100
    expect(score.brandAlignment).toBeCloseTo(86, 12);
  });
});
