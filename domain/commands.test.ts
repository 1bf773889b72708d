import {
  bestMatch,
  cleanName,
  levenshtein,
  MATCH_THRESHOLD,
  monthRange,
  nameSimilarity,
  normalizeText,
  parseCommand,
  parseFollowerRange,
  parseQuantity,
  spokenDuration,
  spokenNumber,
  stripFillers,
  trigramSimilarity,
  unknownCommandSpeech,
} from './commands';

describe('the seed voice commands', () => {
  test('show gtm performance for {venture_name}', () => {
    expect(parseCommand('show gtm performance for Acme Notes')).toEqual({
      intent: 'gtm_performance',
      parameters: { ventureName: 'acme notes' },
    });
  });

  test('find influencers for {category} with {follower_count} followers', () => {
    expect(parseCommand('find influencers for fitness with 10k followers')).toEqual({
      intent: 'find_influencers',
      parameters: { category: 'fitness', minFollowers: 10_000 },
    });
    expect(parseCommand('Find influencers for home cooking with 50,000 followers')).toEqual({
      intent: 'find_influencers',
      parameters: { category: 'home cooking', minFollowers: 50_000 },
    });
  });

  test('optimize budget allocation for {campaign_name}', () => {
    expect(parseCommand('optimize budget allocation for Spring Launch')).toEqual({
      intent: 'optimize_budget',
      parameters: { campaignName: 'spring launch' },
    });
    expect(parseCommand('Optimise the budget for the spring launch campaign').parameters).toEqual({
      campaignName: 'spring launch',
    });
  });

  test('what are the top performing channels this month', () => {
    expect(parseCommand('what are the top performing channels this month')).toEqual({
      intent: 'top_channels',
      parameters: { month: 'this' },
    });
    expect(parseCommand('what were the best channels last month')).toEqual({
      intent: 'top_channels',
      parameters: { month: 'last' },
    });
    expect(parseCommand('top performing channels for Acme Notes in March')).toEqual({
      intent: 'top_channels',
      parameters: { month: 3, ventureName: 'acme notes' },
    });
  });
});

describe('what a chairman says', () => {
  test.each([
    ['approve the spring launch campaign', 'approve', { subject: 'spring launch' }],
    ['Hey, can you please approve the Spring Launch campaign?', 'approve', { subject: 'spring launch' }],
    [
      'approve spring launch because the numbers look right',
      'approve',
      {
        subject: 'spring launch',
        comment: 'the numbers look right',
      },
    ],
    [
      'reject the summer promo campaign because the timing is wrong',
      'reject',
      {
        subject: 'summer promo',
        comment: 'the timing is wrong',
      },
    ],
    ['decline the budget change for always-on search', 'reject', { subject: 'change for always-on search' }],
    ['pause campaign Always-on Search', 'pause_campaign', { campaignName: 'always-on search' }],
    ['please stop the spring launch campaign', 'pause_campaign', { campaignName: 'spring launch' }],
    ['resume campaign always on search thanks', 'resume_campaign', { campaignName: 'always on search' }],
    ['how many users are in onboarding', 'sequence_count', { sequenceName: 'onboarding' }],
    ['How many contacts are currently in the nurture sequence?', 'sequence_count', { sequenceName: 'nurture' }],
    ['what is waiting for my approval', 'pending_approvals', {}],
    ["what's pending approval", 'pending_approvals', {}],
    ['show my inbox', 'pending_approvals', {}],
    ['which approvals are still open', 'pending_approvals', {}],
    ['how is acme notes doing', 'gtm_performance', { ventureName: 'acme notes' }],
    ['help', 'help', {}],
    ['what can you do', 'help', {}],
  ])('%s', (text, intent, parameters) => {
    expect(parseCommand(text)).toEqual({ intent, parameters });
  });
});

describe('influencer searches', () => {
  test.each([
    ['find fitness influencers on instagram', { category: 'fitness', platform: 'instagram' }],
    ['find influencers in productivity with over 100k followers', { category: 'productivity', minFollowers: 100_000 }],
    [
      'search influencers for beauty with between 10k and 50k followers',
      {
        category: 'beauty',
        minFollowers: 10_000,
        maxFollowers: 50_000,
      },
    ],
    [
      'find tiktok creators for gaming with under 1 million followers',
      {
        category: 'gaming',
        platform: 'tiktok',
        maxFollowers: 1_000_000,
      },
    ],
    ['find influencers for tech with ten thousand followers', { category: 'tech', minFollowers: 10_000 }],
    ['find influencers', {}],
  ])('%s', (text, parameters) => {
    expect(parseCommand(text)).toEqual({ intent: 'find_influencers', parameters });
  });
});

test('text it cannot place is unknown, never an error', () => {
  for (const text of ['', '   ', 'sing me a song', '?!', 'approve', 'x'.repeat(5000)]) {
    expect(parseCommand(text).intent).toBe('unknown');
  }
  expect(unknownCommandSpeech()).toContain('show gtm performance for');
});

describe('helpers', () => {
  test('normalizeText drops punctuation and case but keeps numbers whole', () => {
    expect(normalizeText('  Hey, Approve “Spring-Launch” 10,000 USD!! ')).toBe('hey approve spring-launch 10000 usd');
    expect(normalizeText("What's up")).toBe('what s up');
  });

  test('stripFillers removes fillers at both ends, repeatedly', () => {
    expect(stripFillers('hey can you please approve it thanks')).toBe('approve it');
    expect(stripFillers('ok so please pause x please')).toBe('pause x');
  });

  test('parseQuantity reads digits, suffixes and words', () => {
    expect(parseQuantity('10k')).toBe(10_000);
    expect(parseQuantity('2.5m')).toBe(2_500_000);
    expect(parseQuantity('50 thousand')).toBe(50_000);
    expect(parseQuantity('one million')).toBe(1_000_000);
    expect(parseQuantity('two hundred fifty thousand')).toBe(250_000);
    expect(parseQuantity('fitness')).toBeUndefined();
  });

  test('parseFollowerRange', () => {
    expect(parseFollowerRange('with 5k-20k followers')).toEqual({ minFollowers: 5_000, maxFollowers: 20_000 });
    expect(parseFollowerRange('at least 1m followers')).toEqual({ minFollowers: 1_000_000 });
    expect(parseFollowerRange('fewer than 3000 followers')).toEqual({ maxFollowers: 3_000 });
    expect(parseFollowerRange('no numbers here')).toBeUndefined();
  });

  test('cleanName drops articles and the kind of thing', () => {
    expect(cleanName('the spring launch campaign')).toBe('spring launch');
    expect(cleanName('campaign')).toBe('campaign');
  });

  test('levenshtein and trigram similarity', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(trigramSimilarity('spring launch', 'spring launch')).toBe(1);
    expect(trigramSimilarity('spring launch', 'sprint lunch')).toBeGreaterThan(0.3);
    expect(trigramSimilarity('abc', 'xyz')).toBe(0);
  });

  test('monthRange', () => {
    expect(monthRange({ month: 'this' }, '2026-03-15')).toEqual({
      from: '2026-03-01',
      to: '2026-03-31',
      label: 'this month',
    });
    expect(monthRange({ month: 'last' }, '2026-01-10')).toEqual({
      from: '2025-12-01',
      to: '2025-12-31',
      label: 'last month',
    });
    expect(monthRange({ month: 2 }, '2024-05-01')).toEqual({
      from: '2024-02-01',
      to: '2024-02-29',
      label: 'February 2024',
    });
    expect(monthRange({ month: 11 }, '2026-03-01').from).toBe('2025-11-01');
  });

  test('spoken numbers and durations', () => {
    expect(spokenNumber(1_234_567)).toBe('1.2 million');
    expect(spokenNumber(12_500)).toBe('12,500');
    expect(spokenNumber(2_000_000)).toBe('2 million');
    expect(spokenDuration(2 * 86_400 + 5)).toBe('2 days');
    expect(spokenDuration(3_600)).toBe('1 hour');
    expect(spokenDuration(10)).toBe('less than a minute');
  });
});

describe('fuzzy names', () => {
  const campaigns = [
    { names: ['Spring Launch'], value: 'c1' },
    { names: ['Always-on Search'], value: 'c2' },
    { names: ['Summer Promo'], value: 'c3' },
  ];

  test('exact, cased and near-miss names resolve', () => {
    expect(bestMatch('spring launch', campaigns)).toMatchObject({ status: 'matched', value: 'c1', score: 1 });
    expect(bestMatch('sprng lanch', campaigns)).toMatchObject({ status: 'matched', value: 'c1' });
    expect(bestMatch('always on search', campaigns)).toMatchObject({ status: 'matched', value: 'c2' });
    expect(bestMatch('summer', campaigns)).toMatchObject({ status: 'matched', value: 'c3' });
  });

  test('nothing close is none, with the closest name', () => {
    const outcome = bestMatch('black friday', campaigns);
    expect(outcome.status).toBe('none');
  });

  test('two names about as close are ambiguous', () => {
    const outcome = bestMatch('launch', [
      { names: ['Spring Launch'], value: 'a' },
      { names: ['Autumn Launch'], value: 'b' },
    ]);
    expect(outcome).toMatchObject({ status: 'ambiguous' });
    if (outcome.status === 'ambiguous') expect(outcome.options.map((o) => o.value).sort()).toEqual(['a', 'b']);
  });

  test('any of a thing’s names counts: slug, key, title', () => {
    expect(bestMatch('acme', [{ names: ['Acme Notes', 'acme-notes'], value: 'v' }])).toMatchObject({
      status: 'matched',
      value: 'v',
    });
    expect(nameSimilarity('acme notes app', 'Acme Notes')).toBeGreaterThanOrEqual(0.9);
  });
});

describe('names in commands that act: whole names only, and ask when more than one fits', () => {
  // How an approval is offered to the matcher: its title first, then the name of what it is about.
  const approval = (name: string, value: string, amount = '9000.00') => ({
    names: [`Campaign ${name}: ${amount} USD`, name],
    value,
  });
  const o = approval('o', 'o');
  const winter = approval('Winter promo', 'winter');
  const summer = approval('Summer promo', 'summer');

  test('a one-letter name inside another word never matches', () => {
    expect(nameSimilarity('winter promo', 'o')).toBeLessThan(MATCH_THRESHOLD);
    expect(nameSimilarity('summa promo', 'o', 'act')).toBe(0);
    expect(bestMatch('summa promo', [o, winter, summer], 'act')).toMatchObject({ status: 'matched', value: 'summer' });
    expect(bestMatch('summa promo', [o, winter, summer])).toMatchObject({ status: 'matched', value: 'summer' });
  });

  test('a short name is said exactly or not at all', () => {
    expect(bestMatch('box', [{ names: ['ox'], value: 'ox' }], 'act')).toMatchObject({ status: 'none' });
    expect(bestMatch('o', [o, winter, summer], 'act')).toMatchObject({ status: 'matched', value: 'o', score: 1 });
  });

  test('the chairman’s "approve the winter promo" is the winter promo, whatever else is named', () => {
    expect(bestMatch('winter promo', [o, winter, summer], 'act')).toMatchObject({ status: 'matched', value: 'winter' });
    const budgetOfWinter = {
      names: ['Budget of Winter promo: 12000.00 to 15000.00 USD', 'budget of Winter promo'],
      value: 'winter-budget',
    };
    expect(bestMatch('winter promo', [o, budgetOfWinter], 'act')).toMatchObject({
      status: 'matched',
      value: 'winter-budget',
    });
  });

  test('a whole-word name inside what was said does not outrank the thing meant: ask', () => {
    const promotion = approval('Winter Promotion', 'winter');
    const outcome = bestMatch('winter promo', [{ names: ['promo'], value: 'decoy' }, promotion], 'act');
    expect(outcome.status).toBe('ambiguous');
    if (outcome.status === 'ambiguous') expect(outcome.options.map((x) => x.value).sort()).toEqual(['decoy', 'winter']);
    expect(bestMatch('winter promo', [o, promotion], 'act')).toMatchObject({ status: 'matched', value: 'winter' });
  });

  test('two plausible candidates: ask back, listing them', () => {
    for (const [said, candidates] of [
      ['promo', [o, winter, summer]],
      ['promo', [winter, approval('Summer promos', 'summers')]],
    ] as const) {
      const outcome = bestMatch(said, candidates, 'act');
      expect(outcome.status).toBe('ambiguous');
      if (outcome.status === 'ambiguous')
        expect(outcome.options.map((x) => x.value).sort()).toEqual(
          candidates
            .filter((c) => c !== o)
            .map((c) => c.value)
            .sort(),
        );
    }
  });

  test('two things with the same name: ask, never pick the first', () => {
    const outcome = bestMatch('winter promo', [winter, approval('Winter promo', 'copy', '90000.00')], 'act');
    expect(outcome).toMatchObject({ status: 'ambiguous' });
  });

  test('a near miss on the whole name is still understood', () => {
    expect(bestMatch('sprng lanch', [approval('Spring Launch', 'spring'), winter], 'act')).toMatchObject({
      status: 'matched',
      value: 'spring',
    });
    expect(bestMatch('always on search', [{ names: ['Always-on Search'], value: 'a' }], 'act')).toMatchObject({
      status: 'matched',
      value: 'a',
    });
  });
});
