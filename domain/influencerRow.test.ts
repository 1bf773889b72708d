import { calculateInfluencerScore, type Venture } from './influencerScoring';
import {
  influencerRowSchema,
  parseInfluencerCsvRecord,
  parseInfluencerJson,
  parseInfluencerRow,
  unknownFieldsWarning,
} from './influencerRow';

const venture: Venture = { name: 'HomeGym', category: 'fitness', keywords: ['home workout'] };

describe('CSV records', () => {
  const csvRow = {
    name: ' Ada Fit ',
    handle: '@adafit',
    platform: 'Instagram',
    category: 'fitness',
    followers_count: '25000',
    engagement_rate: '0.042',
    average_views: '',
    content_types: 'reels; product reviews',
    audience_demographics: '{"interests": ["wellness"]}',
    brand_safety_score: '88',
    pricing_info: '{"per_post": 400}',
    performance_history: '[{"category": "fitness", "roi": 3}]',
    relevance_topics: 'fitness;home workouts',
    blacklisted: 'no',
    verification_status: 'Verified',
    notes: 'not a column',
  };
  const cleanRow = {
    name: 'Ada Fit',
    handle: 'adafit',
    platform: 'instagram',
    category: 'fitness',
    followers_count: 25_000,
    engagement_rate: 0.042,
    content_types: ['reels', 'product reviews'],
    audience_demographics: { interests: ['wellness'] },
    brand_safety_score: 88,
    pricing_info: { per_post: 400 },
    performance_history: [{ category: 'fitness', roi: 3 }],
    relevance_topics: ['fitness', 'home workouts'],
    blacklisted: false,
    verification_status: 'verified',
  };

  it('coerces a row of strings and reports the unknown column', () => {
    const result = parseInfluencerCsvRecord(csvRow);
    expect(result).toEqual({ ok: true, value: cleanRow, unknownFields: ['notes'] });
    // A validated row can be scored directly.
    if (result.ok) expect(calculateInfluencerScore(result.value, venture).estimatedCost).toBe(400);
  });

  it('takes camelCase headers too, in the lower case the CSV reader gives them', () => {
    const { followers_count, engagement_rate, relevance_topics, notes: _, ...rest } = csvRow;
    const result = parseInfluencerCsvRecord({
      ...rest,
      followerscount: followers_count,
      engagementRate: engagement_rate,
      'Relevance Topics': relevance_topics,
    });
    expect(result).toEqual({ ok: true, value: cleanRow, unknownFields: [] });
  });

  it('refuses the same column under two spellings', () => {
    const result = parseInfluencerCsvRecord({ ...csvRow, followersCount: '30000' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toEqual([{ field: 'followersCount', message: 'repeats the column followers_count' }]);
    }
  });

  it('reports one problem per offending field, named as the header was', () => {
    const result = parseInfluencerCsvRecord({
      ...csvRow,
      name: '  ',
      handle: '@ada fit',
      platform: 'myspace',
      followers_count: '-3',
      engagement_rate: '4.5',
      brand_safety_score: '101',
      pricing_info: '{not json',
      blacklisted: 'maybe',
      average_views: 'many',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.fromEntries(result.problems.map((p) => [p.field, p.message]))).toEqual({
      name: 'is required',
      handle: 'must not contain spaces',
      platform: 'must be one of instagram, tiktok, youtube, linkedin, twitter, twitch, podcast, blog',
      followers_count: 'must be >= 0',
      engagement_rate: 'must be a fraction between 0 and 1 (write 4.5% as 0.045)',
      average_views: 'must be a number',
      brand_safety_score: 'must be between 0 and 100',
      pricing_info: 'must be a JSON object',
      blacklisted: 'must be true or false',
    });
  });

  it('requires the identifying columns and whole follower counts', () => {
    const result = parseInfluencerCsvRecord({ followers_count: '12.5', engagement_rate: '0.1' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        { field: 'name', message: 'is required' },
        { field: 'handle', message: 'is required' },
        { field: 'category', message: 'is required' },
        { field: 'followers_count', message: 'must be a whole number' },
      ]),
    );
    expect(result.problems.find((p) => p.field === 'platform')).toBeDefined();
  });
});

describe('JSON rows', () => {
  const jsonRow = {
    name: 'B',
    handle: 'b',
    platform: 'tiktok',
    category: 'food',
    followersCount: 10,
    engagementRate: 0,
    contentTypes: ['short video'],
    relevanceTopics: ['street food', 'recipes'],
    pricingInfo: { perPost: 120 },
  };

  it('takes camelCase fields, with defaults for the optional ones', () => {
    const result = parseInfluencerJson(jsonRow);
    expect(result).toMatchObject({
      ok: true,
      unknownFields: [],
      value: {
        followers_count: 10,
        engagement_rate: 0,
        content_types: ['short video'],
        relevance_topics: ['street food', 'recipes'],
        blacklisted: false,
        verification_status: 'unverified',
      },
    });
    // Keys inside pricingInfo may be camelCase as well.
    if (result.ok) expect(calculateInfluencerScore(result.value, venture).estimatedCost).toBe(120);
  });

  it('does not take the snake_case CSV names, and names problems in camelCase', () => {
    const { followersCount, ...rest } = jsonRow;
    const result = parseInfluencerJson({ ...rest, followers_count: followersCount, engagementRate: 2 });
    expect(result.unknownFields).toEqual(['followers_count']);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      { field: 'followersCount', message: 'is required' },
      { field: 'engagementRate', message: 'must be a fraction between 0 and 1 (write 4.5% as 0.045)' },
    ]);
  });

  it('in a request body, an unknown field is a problem that suggests the right name and lists the valid ones', () => {
    const result = parseInfluencerRow({ ...jsonRow, engagement_rate: 0.1, colour: 'red' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const [snake, colour] = result.problems;
    expect(snake).toEqual({
      field: 'engagement_rate',
      message: expect.stringMatching(/did you mean engagementRate\?/),
    });
    expect(colour!.field).toBe('colour');
    expect(colour!.message).toMatch(
      /^is not a field\. The fields are name, handle, platform, category, followersCount/,
    );
    expect(parseInfluencerRow(jsonRow).ok).toBe(true);
    expect(parseInfluencerRow(['not', 'an', 'object'])).toEqual({
      ok: false,
      problems: [{ field: '(row)', message: 'must be a JSON object' }],
    });
  });

  it('warns about unknown names with the valid list of the format', () => {
    expect(unknownFieldsWarning(['followers_count'], 'json')).toContain(
      'followers_count (did you mean followersCount?)',
    );
    expect(unknownFieldsWarning(['notes'], 'csv')).toMatch(
      /^unknown columns were ignored: notes\. The columns are name, handle/,
    );
  });

  it('keeps the schema keyed by the stored column names', () => {
    expect(Object.keys(influencerRowSchema.shape)).toContain('followers_count');
  });
});
