import { campaignForecastResponse } from '../../api/routes/campaignForecast';
import { CampaignPerformanceStore } from '../../db/stores/campaignPerformance';
import { CampaignStore, type Campaign } from '../../db/stores/campaigns';
import { VentureStore, type Venture } from '../../db/stores/ventures';
import { addDays, dayOf } from '../../domain/campaignBudget';
import { client, startTestStack, type TestStack } from '../harness/stack';
import { uniqueId } from '../harness';

let t: TestStack;
let venture: Venture;
const today = dayOf(Date.now());

beforeAll(async () => {
  t = await startTestStack({ CHAIRMAN_EMAIL: 'chair@acme.test' });
  venture = await new VentureStore(t.stack.db).create({
    name: 'Forecasts',
    slug: uniqueId('fc')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-'),
    productName: 'Forecasts',
  });
}, 60_000);
afterAll(async () => t?.stop());

/** A campaign row without a run (as one whose run does not answer), with daily results of two platforms. */
async function stored(
  dates: { start: string; end: string },
  budget: number,
  days: { date: string; google: number; meta: number; conversions: number }[],
): Promise<Campaign> {
  const campaigns = new CampaignStore(t.stack.db);
  const c = await campaigns.create({
    ventureId: venture.id,
    name: uniqueId('stored'),
    type: 'launch',
    channel: 'paid',
    platforms: ['google', 'meta'],
    startDate: dates.start,
    endDate: dates.end,
    budget,
    currency: 'USD',
    createdBy: 'test',
  });
  const performance = new CampaignPerformanceStore(t.stack.db);
  for (const platform of ['google', 'meta'] as const) {
    await performance.upsertDays(
      { campaignId: c.id, ventureId: venture.id, channel: 'paid', platform },
      days.map((d) => ({
        date: d.date,
        spend: d[platform],
        // Whole conversions: the odd one goes to google.
        conversions: platform === 'google' ? Math.ceil(d.conversions / 2) : Math.floor(d.conversions / 2),
        impressions: 1000,
        clicks: 20,
        revenue: 0,
      })),
    );
  }
  const spent = days.reduce((a, d) => a + d.google + d.meta, 0);
  await campaigns.setSpent(c.id, spent, {});
  return c;
}

const forecastOf = async (id: string) => {
  const res = await client(t)('GET', `/v1/campaigns/${id}/forecast`);
  expect(res.status).toBe(200);
  expect(campaignForecastResponse.safeParse(res.body).error).toBeUndefined();
  return res.body;
};

test('the worked example, by hand: 3,000 over 30 days, 10 days in, 1,400 spent at 140 a day', async () => {
  const start = addDays(today, -10);
  const days = Array.from({ length: 10 }, (_, i) => ({
    date: addDays(start, i),
    google: 100,
    meta: 40,
    conversions: 2,
  }));
  const c = await stored({ start, end: addDays(today, 19) }, 3000, days);
  const f = await forecastOf(c.id);
  expect(f).toMatchObject({
    campaignId: c.id,
    phase: 'running',
    days: { total: 30, elapsed: 10, remaining: 20 },
    budget: 3000,
    spent: 1400,
    remainingBudget: 1600,
    // No run answers for this campaign: what is left spread over the days left, 1,600 / 20.
    dailyBudget: 80,
    dailyBudgetSource: 'even_spread',
    pace: { perDay: 140, days: 7 },
    projectedSpend: { atDailyBudget: 3000, atRecentPace: 3000 },
    // 1,600 / 140 = 11.4 days: today and the next 10 spend 1,540, the last 60 go 11 days from today; 8 days follow.
    runsOutOn: addDays(today, 11),
    daysBeforeEnd: 8,
    evenSpendToDate: 1000,
    pacing: 'over',
    budgetRunsOut: {
      date: addDays(today, 11),
      daysBeforeEnd: 8,
      message: `at this pace the budget runs out on ${addDays(today, 11)}, 8 days before the end`,
    },
  });
  expect(f.pacingRatio).toBeCloseTo(1.4, 9);
  // 20 conversions on 1,400 spent; 1,600 more: 22.86 expected, inside its interval.
  expect(f.conversions.soFar).toBe(20);
  expect(f.conversions.expectedRemaining.value).toBeCloseTo(1600 / 70, 9);
  expect(f.conversions.expectedRemaining.low).toBeLessThan(f.conversions.expectedRemaining.value);
  expect(f.conversions.expectedRemaining.high).toBeGreaterThan(f.conversions.expectedRemaining.value);
  expect(f.conversions.atEnd.value).toBeCloseTo(20 + 1600 / 70, 9);
  // Asked twice, the same answer: the interval's draws are seeded.
  expect((await forecastOf(c.id)).conversions).toEqual(f.conversions);
});

test('not started, and started without results: a forecast that says so, not an error', async () => {
  const later = await stored({ start: addDays(today, 5), end: addDays(today, 34) }, 3000, []);
  const f = await forecastOf(later.id);
  expect(f).toMatchObject({
    phase: 'not_started',
    pace: null,
    pacing: null,
    dailyBudget: 100,
    projectedSpend: { atDailyBudget: 3000, atRecentPace: null },
    runsOutOn: null,
    budgetRunsOut: null,
    conversions: { soFar: 0, expectedRemaining: null, atEnd: null },
  });
  expect(f.notes.join(' ')).toContain(`starts on ${addDays(today, 5)}`);

  const fresh = await stored({ start: addDays(today, -1), end: addDays(today, 28) }, 3000, []);
  const g = await forecastOf(fresh.id);
  expect(g).toMatchObject({ phase: 'running', pace: null, spent: 0, conversions: { expectedRemaining: null } });
  expect(g.notes.join(' ')).toMatch(/no daily results yet/);
});

test('an ended campaign: the final figures, its run not asked', async () => {
  const start = addDays(today, -40);
  const days = Array.from({ length: 30 }, (_, i) => ({
    date: addDays(start, i),
    google: 50,
    meta: 20,
    conversions: 1,
  }));
  const c = await stored({ start, end: addDays(today, -11) }, 3000, days);
  await new CampaignStore(t.stack.db).setStatus(c.id, 'completed', 'end date reached');
  const f = await forecastOf(c.id);
  expect(f).toMatchObject({
    phase: 'ended',
    status: 'completed',
    spent: 2100,
    projectedSpend: { atDailyBudget: 2100, atRecentPace: 2100 },
    evenSpendToDate: 3000,
    pacing: 'under',
    conversions: { soFar: 30, expectedRemaining: { value: 0, low: 0, high: 0 } },
  });
});

test('a live campaign: the daily budget is what its run set on the platforms; paused, it spends none', async () => {
  const marketer = client(t);
  const created = await marketer('POST', '/v1/campaigns', {
    ventureId: venture.id,
    name: 'Live forecast',
    type: 'launch',
    channel: 'paid',
    platforms: ['google', 'meta'],
    startDate: today,
    endDate: addDays(today, 9),
    budget: 2000,
    currency: 'USD',
  });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  let live: { state: string; platforms: { dailyBudget: number; budgetHistory: unknown[] }[] } | undefined;
  for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
    live = (await marketer('GET', `/v1/campaigns/${id}`)).body.live;
    if (live?.state === 'active' && live.platforms.every((p) => p.budgetHistory.length > 0)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(live?.state).toBe('active');
  const set = live!.platforms.reduce((a, p) => a + p.dailyBudget, 0);
  // 2,000 over the 10 days, split between the two platforms with cents rounded down.
  expect(set).toBeGreaterThan(199);
  expect(set).toBeLessThanOrEqual(200);

  const f = await forecastOf(id);
  expect(f).toMatchObject({ status: 'active', dailyBudgetSource: 'platforms', phase: 'running' });
  expect(f.dailyBudget).toBeCloseTo(set, 9);
  expect(f.projectedSpend.atDailyBudget).toBeCloseTo(f.spent + set * 10, 6);

  expect((await marketer('POST', `/v1/campaigns/${id}/pause`, { reason: 'forecast test' })).status).toBe(200);
  const paused = await forecastOf(id);
  expect(paused).toMatchObject({ status: 'paused', dailyBudgetSource: 'platforms', dailyBudget: 0 });
  expect(paused.projectedSpend.atDailyBudget).toBe(paused.spent);
});

test('an unknown campaign is a 404', async () => {
  const marketer = client(t);
  expect((await marketer('GET', '/v1/campaigns/00000000-0000-4000-8000-000000000000/forecast')).status).toBe(404);
  expect((await marketer('GET', '/v1/campaigns/not-a-campaign/forecast')).status).toBe(404);
});
