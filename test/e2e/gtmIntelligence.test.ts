import type { Venture } from '../../db/stores/ventures';
import { attribute, type Journey } from '../../domain/attribution';
import { answerChannelMix } from '../../domain/fittedMix';
import { calculateInfluencerScore, type Influencer } from '../../domain/influencerScoring';
import { calculateMarketReadiness, suggestLaunchWindow } from '../../domain/marketReadiness';
import { scoringVenture } from '../../services/ventureContext';
import { client, startTestStack, type TestStack } from '../harness/stack';
import { uniqueId } from '../harness';
import { recordHistory } from '../harness/histories';

let t: TestStack;
let venture: Venture;
beforeAll(async () => {
  t = await startTestStack();
  venture = await createVenture({
    name: 'HomeGym',
    slug: uniqueId('homegym'),
    productName: 'HomeGym',
    description: 'Coached strength workouts at home.',
    category: 'fitness',
    industry: 'consumer health',
    keywords: ['home workout', 'fitness app', 'strength training'],
    brand: { values: ['sustainability', 'wellness'], tone: 'encouraging' },
  });
}, 60_000);
afterAll(async () => t?.stop());

async function createVenture(body: Record<string, unknown>): Promise<Venture> {
  const res = await client(t)('POST', '/v1/ventures', body);
  expect(res.status).toBe(201);
  return res.body as Venture;
}

async function patchProfile(id: string, profile: Record<string, unknown>): Promise<void> {
  expect((await client(t)('PATCH', `/v1/ventures/${id}`, { profile })).status).toBe(200);
}

/** The chairman decides the strategy's pending approval through the approvals API. */
async function decide(strategyId: string, decision: 'approve' | 'reject', comment: string): Promise<void> {
  // The request reaches the inbox once the approval workflow has recorded it.
  const approval = await eventually(async () => {
    const inbox = await client(t, 'chairman')('GET', '/v1/approvals?subjectType=strategy&status=pending');
    const found = inbox.body.approvals.find((a: { subjectId: string }) => a.subjectId === strategyId);
    expect(found).toBeDefined();
    return found as { id: string };
  });
  const res = await client(t, 'chairman')('POST', `/v1/approvals/${approval.id}/decision`, { decision, comment });
  expect(res.status).toBe(200);
}

/** Polls until the check passes (it throws until then), for up to `ms`. */
async function eventually<T>(check: () => Promise<T>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

// The worked example of domain/influencerScoring.test.ts.
const ada: Influencer = {
  name: 'Ada Fit',
  handle: 'adafit',
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

/** An influencer as the JSON API takes it: the same fields, in camelCase. */
const json = (i: Influencer) =>
  Object.fromEntries(Object.entries(i).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]));

const CSV = [
  'name,handle,platform,category,followers_count,engagement_rate,average_views,content_types,audience_demographics,brand_safety_score,pricing_info,performance_history,relevance_topics,blacklisted,verification_status',
  `Ada Fit,@adafit,Instagram,fitness,25000,0.042,6000,reels;product reviews,"{""interests"":[""wellness"",""sustainability""]}",88,"{""per_post"":400}","[{""category"":""fitness"",""conversion_rate"":0.008,""roi"":3}]",fitness;home workouts;healthy recipes,false,verified`,
  'Gamer Joe,gamerjoe,twitch,gaming,900000,0.01,,streams,,70,"{""per_video"":5000}",,gaming;esports,no,unverified',
  'Yoga Mia,yogamia,youtube,wellness,120000,0.03,40000,tutorials,,,,,yoga;home workouts;wellness,,pending',
  ',nobody,myspace,fitness,lots,4.5,,,,,,,,,',
].join('\n');

async function postCsv(body: string) {
  const res = await fetch(`${t.api}/v1/influencers/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.keys.marketer}`, 'content-type': 'text/csv' },
    body,
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('influencers', () => {
  test('POST /v1/influencers/import streams a CSV, upserts by (platform, handle) and lists rejected rows', async () => {
    const res = await postCsv(CSV);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      imported: 3,
      updated: 0,
      rejectedCount: 1,
      rejected: [
        {
          row: 4,
          problems: expect.arrayContaining([
            { field: 'name', message: 'is required' },
            { field: 'platform', message: expect.stringContaining('must be one of') },
            { field: 'followers_count', message: 'must be a number' },
            { field: 'engagement_rate', message: 'must be a fraction between 0 and 1 (write 4.5% as 0.045)' },
          ]),
        },
      ],
      unknownFields: [],
      warnings: [],
    });
    // The same influencer again, as JSON: an update, not a second row.
    const again = await client(t)('POST', '/v1/influencers/import', {
      influencers: [json({ ...ada, handle: '@adafit' })],
    });
    expect(again.body).toEqual({
      imported: 0,
      updated: 1,
      rejected: [],
      rejectedCount: 0,
      unknownFields: [],
      warnings: [],
    });
    expect(await t.stack.db('influencers').count({ n: '*' }).first()).toEqual({ n: 3 });
    // A file that breaks off in an open quote keeps nothing of itself.
    const broken = await postCsv(`${CSV.split('\n')[0]}\nNew One,newone,tiktok,fitness,100,0.05\n"Unclosed,x,tiktok`);
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatch(/cannot be read/);
    expect(await t.stack.db('influencers').count({ n: '*' }).first()).toEqual({ n: 3 });
  });

  test('a scoring run scores the catalogue and search answers by composite score', async () => {
    const call = client(t);
    const started = await call('POST', `/v1/ventures/${venture.id}/influencer-scoring`);
    expect(started.status).toBe(202);
    expect(started.body.workflowId).toMatch(new RegExp(`^influencers:${venture.id}:`));
    const progress = await eventually(async () => {
      const p = await call('GET', `/v1/influencer-scoring/${encodeURIComponent(started.body.workflowId)}`);
      // The progress query says completed a moment before the run itself closes.
      expect(p.body).toMatchObject({ status: 'completed', workflowStatus: 'COMPLETED' });
      return p;
    });
    expect(progress.body).toMatchObject({ scored: 3, total: 3, batches: 1 });

    const search = await call('GET', `/v1/influencers/search?ventureId=${venture.id}&minScore=0&limit=10`);
    expect(search.status).toBe(200);
    expect(search.body.total).toBe(3);
    const scores = search.body.results.map((r: any) => r.match.compositeScore);
    expect(scores).toEqual([...scores].sort((a: number, b: number) => b - a));
    const adaRow = search.body.results.find((r: any) => r.influencer.handle === 'adafit');
    const expected = calculateInfluencerScore(ada, scoringVenture(venture));
    expect(adaRow.match.compositeScore).toBeCloseTo(expected.compositeScore, 2);
    expect(adaRow.match.subScores.relevanceScore).toBeCloseTo(expected.relevanceScore, 10);

    const filtered = await call(
      'GET',
      `/v1/influencers/search?ventureId=${venture.id}&platform=twitch&minFollowers=500000`,
    );
    expect(filtered.body.results.map((r: any) => r.influencer.handle)).toEqual(['gamerjoe']);
    const bad = await call('GET', `/v1/influencers/search?ventureId=nope&limit=1000`);
    expect(bad.status).toBe(400);
    expect(bad.body.problems.map((p: any) => p.path).sort()).toEqual(['limit', 'ventureId']);
  });

  test('POST /v1/influencers/score returns every sub-score and the risk factors', async () => {
    const call = client(t);
    const inline = await call('POST', '/v1/influencers/score', { ventureId: venture.id, influencer: json(ada) });
    expect(inline.status).toBe(200);
    const expected = calculateInfluencerScore(ada, scoringVenture(venture), { reasoning: true });
    expect(inline.body.score).toEqual(JSON.parse(JSON.stringify(expected)));
    const { id } = await t.stack.db('influencers').where({ handle: 'adafit' }).first('influencer_id as id');
    const byId = await call('POST', '/v1/influencers/score', { ventureId: venture.id, influencerId: id });
    expect(byId.body.score.compositeScore).toBeCloseTo(expected.compositeScore, 10);
    // The influencer is cached now; an import clears the cache, so a changed catalogue row is scored as it is.
    await call('POST', '/v1/influencers/import', { influencers: [json({ ...ada, followers_count: 5_000 })] });
    const rescored = await call('POST', '/v1/influencers/score', { ventureId: venture.id, influencerId: id });
    expect(rescored.body.score.tier).toBe('nano');
    expect(rescored.body.score.reachScore).toBeCloseTo(20 * Math.log10(5_000), 10);
    await call('POST', '/v1/influencers/import', { influencers: [json(ada)] });
    const gamer = await t.stack.db('influencers').where({ handle: 'gamerjoe' }).first('influencer_id as id');
    const risky = await call('POST', '/v1/influencers/score', { ventureId: venture.id, influencerId: gamer.id });
    expect(risky.body.score.riskFactors).toEqual(['unverified']);
    const wrong = await call('POST', '/v1/influencers/score', {
      ventureId: venture.id,
      influencer: json({ ...ada, engagement_rate: 4.2 }),
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.problems).toEqual([
      { path: 'influencer.engagementRate', message: expect.stringContaining('0.045') },
    ]);
    const unknown = await call('POST', '/v1/influencers/score', {
      ventureId: '00000000-0000-4000-8000-000000000000',
      influencer: json(ada),
    });
    expect(unknown.status).toBe(404);
  });
});

// The worked example of domain/attribution.test.ts: J1 A → B → C (100), J2 B → C (50), J3 A (no conversion).
const example: Journey[] = [
  { touchpoints: [{ channel: 'A' }, { channel: 'B' }, { channel: 'C' }], converted: true, value: 100 },
  { touchpoints: [{ channel: 'B' }, { channel: 'C' }], converted: true, value: 50 },
  { touchpoints: [{ channel: 'A' }], converted: false },
];

describe('attribution', () => {
  test('POST /v1/attribution credits channels and computes ROI where spend is given', async () => {
    const res = await client(t)('POST', '/v1/attribution', { model: 'linear', journeys: example, spend: { B: 25 } });
    expect(res.status).toBe(200);
    const byChannel = Object.fromEntries(res.body.channels.map((c: any) => [c.channel, c]));
    expect(byChannel.A.conversions).toBeCloseTo(1 / 3, 12);
    expect(byChannel.B.value).toBeCloseTo(175 / 3, 10);
    expect(byChannel.B.roi).toBeCloseTo((175 / 3 - 25) / 25, 10);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(attribute(example, 'linear', {}, { B: 25 }))));
    const bad = await client(t)('POST', '/v1/attribution', { model: 'magic', journeys: [] });
    expect(bad.status).toBe(400);
  });

  test('GET /v1/ventures/:id/attribution builds journeys from stored events and spend from campaign performance', async () => {
    // The contacts come in as a user's own do, through the API with the venture they belong to.
    for (const id of ['att-1', 'att-2', 'att-3']) {
      const made = await client(t)('POST', '/v1/contacts', { id, email: `${id}@example.com`, ventureId: venture.id });
      expect(made.status).toBe(201);
    }
    const at = (day: number) => `2026-10-0${day}T12:00:00Z`;
    const events = [
      {
        contactId: 'att-1',
        name: 'page_view',
        occurredAt: at(1),
        properties: { utm_source: 'google', utm_medium: 'cpc' },
      },
      {
        contactId: 'att-1',
        name: 'page_view',
        occurredAt: at(2),
        properties: { utm_source: 'newsletter', utm_medium: 'email' },
      },
      { contactId: 'att-1', name: 'page_view', occurredAt: at(3), properties: { channel: 'influencer' } },
      { contactId: 'att-1', name: 'purchase', occurredAt: at(4), properties: { amount: 100 } },
      { contactId: 'att-2', name: 'page_view', occurredAt: at(2), properties: { utm_medium: 'email' } },
      { contactId: 'att-2', name: 'page_view', occurredAt: at(3), properties: { utm_medium: 'creator' } },
      { contactId: 'att-2', name: 'subscription_started', occurredAt: at(4), properties: { amount: 50 } },
      {
        contactId: 'att-3',
        name: 'page_view',
        occurredAt: at(1),
        properties: { utm_source: 'google', utm_medium: 'ppc' },
      },
      { contactId: 'att-3', name: 'login', occurredAt: at(5), properties: {} },
    ];
    const posted = await client(t)('POST', '/v1/events', { events });
    expect(posted.status).toBe(202);
    expect(posted.body.accepted).toBe(9);
    await t.stack.db('campaign_performance').insert([
      {
        venture_id: venture.id,
        channel: 'email',
        platform: 'sendgrid',
        metric_date: '2026-10-02',
        spend: 20,
        conversions: 1,
      },
      {
        venture_id: venture.id,
        channel: 'email',
        platform: 'sendgrid',
        metric_date: '2026-10-03',
        spend: 5,
        conversions: 0,
      },
      {
        venture_id: venture.id,
        channel: 'paid_search',
        platform: 'google',
        metric_date: '2026-10-01',
        spend: 100,
        conversions: 1,
      },
      // A final report repeats the days and is not counted; spend outside the dates is not either.
      {
        venture_id: venture.id,
        channel: 'email',
        platform: 'sendgrid',
        metric_date: '2026-10-03',
        spend: 25,
        is_final_report: true,
      },
      { venture_id: venture.id, channel: 'email', platform: 'sendgrid', metric_date: '2026-09-01', spend: 999 },
    ]);
    const res = await client(t)(
      'GET',
      `/v1/ventures/${venture.id}/attribution?model=linear&from=2026-10-01&to=2026-10-31`,
    );
    expect(res.status).toBe(200);
    expect(res.body.journeys).toEqual({ total: 3, converted: 2, contacts: 3 });
    const byChannel = Object.fromEntries(res.body.channels.map((c: any) => [c.channel, c]));
    // The same numbers as the worked example with A = paid_search, B = email, C = influencer.
    expect(byChannel.paid_search).toMatchObject({ spend: 100 });
    expect(byChannel.paid_search.conversions).toBeCloseTo(1 / 3, 12);
    expect(byChannel.paid_search.roi).toBeCloseTo((100 / 3 - 100) / 100, 10);
    expect(byChannel.email.conversions).toBeCloseTo(5 / 6, 12);
    expect(byChannel.email.value).toBeCloseTo(175 / 3, 10);
    expect(byChannel.email.spend).toBe(25);
    expect(byChannel.email.roi).toBeCloseTo((175 / 3 - 25) / 25, 10);
    expect(byChannel.influencer.value).toBeCloseTo(175 / 3, 10);
    expect(res.body.totalValue).toBe(150);
    expect(Object.keys(res.body.conversionEvents).sort()).toEqual(['conversion', 'purchase', 'subscription_started']);
    const missing = await client(t)('GET', `/v1/ventures/00000000-0000-4000-8000-000000000000/attribution`);
    expect(missing.status).toBe(404);
  });
});

describe('channel mix', () => {
  test('POST /v1/channel-mix/optimize allocates the worked example and says how many channels infeasible limits need', async () => {
    const weak = { maxConversions: 100, halfSaturation: 100, shape: 1 };
    const body = {
      budget: 1000,
      channels: [
        { name: 'strong', curve: { maxConversions: 1000, halfSaturation: 1000, shape: 1 } },
        { name: 'w1', curve: weak },
        { name: 'w2', curve: weak },
        { name: 'w3', curve: weak },
      ],
    };
    const res = await client(t)('POST', '/v1/channel-mix/optimize', body);
    expect(res.status).toBe(200);
    expect(res.body.channels[0].amount).toBeCloseTo(300, 9);
    expect(res.body.channels[1].amount).toBeCloseTo(700 / 3, 6);
    expect(res.body.totalExpectedConversions).toBeCloseTo(300000 / 1300 + 210, 6);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(answerChannelMix(body))));
    const infeasible = await client(t)('POST', '/v1/channel-mix/optimize', {
      ...body,
      channels: body.channels.slice(0, 3),
    });
    expect(infeasible.status).toBe(400);
    expect(infeasible.body.error).toMatch(/needs at least 4 channels/);
  });

  test('GET /v1/ventures/:id/channel-mix fits curves from the venture history and falls back to priors', async () => {
    const v = await createVenture({
      name: 'Mixer',
      slug: uniqueId('mixer'),
      productName: 'Mixer',
    });
    const rows = [1000, 2000, 3000, 4000, 6000].map((spend, i) => ({
      venture_id: v.id,
      channel: 'paid_search',
      platform: 'google',
      metric_date: `2026-0${i + 1}-10`,
      spend,
      // The channel's true curve: 400 conversions at most, half of them at 3,000 a month.
      conversions: Math.round((400 * spend) / (3000 + spend)),
    }));
    await t.stack.db('campaign_performance').insert(rows);
    const res = await client(t)('GET', `/v1/ventures/${v.id}/channel-mix?budget=10000`);
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.channels.map((c: any) => [c.name, c]));
    expect(byName.paid_search).toMatchObject({ source: 'history', historyPoints: 5 });
    expect(byName.paid_search.curve.maxConversions).toBeGreaterThan(300);
    expect(byName.email).toMatchObject({ source: 'prior', historyPoints: 0 });
    expect(res.body.channels.reduce((a: number, c: any) => a + c.amount, 0)).toBeCloseTo(10_000, 6);
    expect(Math.max(...res.body.channels.map((c: any) => c.share))).toBeLessThanOrEqual(0.3 + 1e-9);
    const infeasible = await client(t)('GET', `/v1/ventures/${v.id}/channel-mix?budget=10000&maxShare=0.1`);
    expect(infeasible.status).toBe(400);
    expect(infeasible.body.error).toMatch(/needs at least 10 channels/);
  });

  test('GET /v1/ventures/:id/channel-mix says which number is missing or malformed and what it wants', async () => {
    const v = await createVenture({ name: 'Mix Errors', slug: uniqueId('mix-errors'), productName: 'Mix Errors' });
    const problems = async (query: string) => {
      const res = await client(t)('GET', `/v1/ventures/${v.id}/channel-mix${query}`);
      expect(res.status).toBe(400);
      return res.body.problems;
    };
    expect(await problems('')).toEqual([
      { path: 'budget', message: 'required: the amount to split across channels, e.g. ?budget=10000' },
    ]);
    expect(await problems('?budget=lots')).toEqual([
      { path: 'budget', message: 'must be a number, e.g. ?budget=10000' },
    ]);
    // An empty value is not zero: the client forgot to fill it in.
    expect(await problems('?budget=')).toEqual([{ path: 'budget', message: 'must be a number, e.g. ?budget=10000' }]);
    expect(await problems('?budget=10000&minChannels=two&maxShare=0')).toEqual([
      { path: 'maxShare', message: 'must be more than 0' },
      { path: 'minChannels', message: 'must be a whole number, e.g. ?minChannels=3' },
    ]);
  });
});

const readinessInputs = {
  searchVolumeTrend: 0.2,
  surveyedAwarenessPct: 55,
  competitorCount: 3,
  waitlistSize: 99,
  avgBudgetUsd: 150,
  priceUsd: 100,
  techAdoptionPct: 90,
  regulatoryBurden: 'low' as const,
};

describe('readiness', () => {
  test('POST /v1/readiness scores the inputs and picks the launch window', async () => {
    const res = await client(t)('POST', '/v1/readiness', { inputs: readinessInputs, from: '2026-01-10' });
    expect(res.status).toBe(200);
    const expected = calculateMarketReadiness(readinessInputs);
    // 0.25 * 61 + 0.25 * 83.33 + 0.2 * 90 + 0.15 * 90 + 0.15 * 90 = 81.08
    expect(res.body.overall).toBeCloseTo(expected.overall, 10);
    expect(res.body.overall).toBeCloseTo(81.08, 2);
    expect(res.body.breakdown.buyingPower.score).toBe(90);
    // Flat demand, 8 weeks from 2026-01-10: the first month start after 2026-03-07.
    expect(res.body.launchWindow.start).toBe('2026-04-01');
    expect(res.body.seasonality).toBe('flat');
  });

  test('GET /v1/ventures/:id/readiness names missing profile inputs, then reads them with the profile seasonality', async () => {
    const v = await createVenture({
      name: 'Ready',
      slug: uniqueId('ready'),
      productName: 'Ready',
    });
    const missing = await client(t)('GET', `/v1/ventures/${v.id}/readiness`);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatch(
      /lacks readiness inputs: searchVolumeTrend, surveyedAwarenessPct, competitorCount/,
    );
    expect(missing.body.problems).toHaveLength(8);
    const seasonality = [0.6, 0.6, 0.8, 1, 1, 1, 0.8, 0.8, 1.6, 1.6, 1.2, 1];
    await patchProfile(v.id, { readiness: readinessInputs, seasonality });
    const res = await client(t)('GET', `/v1/ventures/${v.id}/readiness?from=2026-01-10`);
    expect(res.status).toBe(200);
    const expected = suggestLaunchWindow({ readiness: res.body.overall, seasonality, from: '2026-01-10' });
    expect(res.body.launchWindow).toEqual(expected);
    expect(res.body.launchWindow.start).toBe('2026-09-01');
    expect(res.body.seasonality).toBe('profile');
  });
});

describe('strategies', () => {
  const approvalOf = (id: string) => `approval:strategy:${id}`;

  test('a strategy is drafted, reviewed, approved by the chairman and activated, every step audited', async () => {
    const call = client(t);
    await patchProfile(venture.id, {
      readiness: readinessInputs,
      seasonality: [0.6, 0.6, 0.8, 1, 1, 1, 0.8, 0.8, 1.6, 1.6, 1.2, 1],
    });
    const created = await call('POST', `/v1/ventures/${venture.id}/strategies`, {
      name: 'Autumn launch',
      type: 'launch',
      budget: 50_000,
      startDate: '2026-01-10',
    });
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    const inReview = await eventually(async () => {
      const s = await call('GET', `/v1/strategies/${id}`);
      expect(s.body.status).toBe('review');
      // The strategy is in review a moment before its approval request starts.
      expect(s.body.workflow.approval?.status).toBe('pending');
      return s.body;
    });
    for (const column of [
      'targetMarket',
      'valueProposition',
      'pricingStrategy',
      'channelMix',
      'timeline',
      'kpiTargets',
      'successMetrics',
    ]) {
      expect(inReview[column]).toBeTruthy();
    }
    expect(inReview.timeline.launchWindow.start).toBe('2026-09-01');
    expect(inReview.channelMix.channels.reduce((a: number, c: any) => a + c.amount, 0)).toBeCloseTo(50_000, 1);
    expect(inReview.influencerStrategy.shortlist.map((s: any) => s.handle)).toEqual(expect.arrayContaining(['adafit']));
    expect(inReview.positioningStatement).toMatch(/^For fitness customers who need home workout/);
    expect(inReview.workflow).toMatchObject({ phase: 'review', approvalWorkflowId: approvalOf(id) });
    expect(inReview.workflow.approval).toMatchObject({ status: 'pending', subjectType: 'strategy', amount: 50_000 });

    const early = await call('POST', `/v1/strategies/${id}/activate`);
    expect(early.status).toBe(409);

    await decide(id, 'approve', 'go');
    const approved = await eventually(async () => {
      const s = await call('GET', `/v1/strategies/${id}`);
      expect(s.body.status).toBe('approved');
      return s.body;
    });
    const approver = await t.stack.db('users').where({ id: approved.approvedBy }).first();
    // The chairman who decided, by their own users row (their key is theirs), not a row made up from a name.
    expect(approver).toMatchObject({ id: t.users.chairman.id, name: 'test chairman', email: 'chairman@gtm.test' });

    const activated = await call('POST', `/v1/strategies/${id}/activate`);
    expect(activated.status).toBe(200);
    expect(activated.body.status).toBe('active');
    const list = await call('GET', `/v1/ventures/${venture.id}/strategies`);
    expect(list.body.strategies.map((s: any) => [s.id, s.status])).toEqual([[id, 'active']]);

    await eventually(async () =>
      expect((await t.stack.temporal.workflow.getHandle(`strategy:${id}`).describe()).status.name).toBe('COMPLETED'),
    );
    await recordHistory(t.stack.temporal, `strategy:${id}`, 'strategy-approved-activated');
    await recordHistory(t.stack.temporal, approvalOf(id), 'approval-strategy-approved');
    const audit = await t.stack.db('audit_log').where({ subject_id: id }).orderBy('id').pluck('action');
    expect(audit).toEqual([
      'strategy.drafted',
      'strategy.review_requested',
      'approval.requested',
      'approval.approved',
      'strategy.approved',
      'strategy.activated',
    ]);
    const mail = await t.smtp.waitFor((m) => m.some((x) => x.subject.includes('Autumn launch')), 10_000);
    expect(mail.find((m) => m.subject.includes('Autumn launch'))!.envelopeTo).toEqual(['chairman@gtm.localhost']);
  });

  test('a rejected strategy goes back to draft and cannot be activated', async () => {
    const call = client(t);
    const created = await call('POST', `/v1/ventures/${venture.id}/strategies`, {
      name: 'Pivot',
      type: 'pivot',
      budget: 8000,
    });
    const id = created.body.id as string;
    await eventually(async () => {
      const s = await call('GET', `/v1/strategies/${id}`);
      expect(s.body.status).toBe('review');
      expect(s.body.workflow.approval?.status).toBe('pending');
    });
    await decide(id, 'reject', 'too early');
    const back = await eventually(async () => {
      const s = await call('GET', `/v1/strategies/${id}`);
      expect(s.body.status).toBe('draft');
      expect(s.body.workflow.phase).toBe('rejected');
      return s.body;
    });
    expect(back.workflow.decisionComment).toBe('too early');
    await eventually(async () =>
      expect((await t.stack.temporal.workflow.getHandle(`strategy:${id}`).describe()).status.name).toBe('COMPLETED'),
    );
    await recordHistory(t.stack.temporal, `strategy:${id}`, 'strategy-rejected-back-to-draft');
    expect((await call('POST', `/v1/strategies/${id}/activate`)).status).toBe(409);
    const audit = await t.stack.db('audit_log').where({ subject_id: id }).orderBy('id').pluck('action');
    expect(audit).toEqual([
      'strategy.drafted',
      'strategy.review_requested',
      'approval.requested',
      'approval.rejected',
      'strategy.rejected',
    ]);
    const bad = await call('POST', `/v1/ventures/${venture.id}/strategies`, { name: '', type: 'sideways', budget: -1 });
    expect(bad.status).toBe(400);
    expect(bad.body.problems.map((p: any) => p.path).sort()).toEqual(['budget', 'name', 'type']);
    expect((await call('GET', '/v1/strategies/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});
