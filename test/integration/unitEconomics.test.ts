import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import { unitEconomicsResponse } from '../../api/routes/unitEconomics';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { CampaignPerformanceStore } from '../../db/stores/campaignPerformance';
import { CampaignStore } from '../../db/stores/campaigns';
import { EventStore } from '../../db/stores/events';
import { VentureStore, type Venture } from '../../db/stores/ventures';
import { connectDevServer, createTestApp, createTestDatabase, uniqueId, type TestDatabase } from '../harness';

let database: TestDatabase;
let env: TestWorkflowEnvironment;
let app: Express;
let auth: { authorization: string };
let venture: Venture;
let other: Venture;

const slug = () =>
  uniqueId('ue')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');
const at = (iso: string) => new Date(`${iso}T00:00:00Z`);

/** A contact of the venture, with its events (name, day, properties). */
async function customer(v: Venture, events: [name: string, day: string, props?: Record<string, unknown>][]) {
  const [row] = await database
    .db('contacts')
    .insert({ external_id: uniqueId('c'), venture_id: v.id, email: `${uniqueId('c')}@example.com` })
    .returning('id');
  const contactId = (row as { id: string }).id;
  await new EventStore(database.db).insertMany(
    events.map(([name, day, properties]) => ({ contactId, name, properties: properties ?? {}, occurredAt: at(day) })),
  );
}

/** A campaign of the venture with daily spend on the days given. */
async function campaign(v: Venture, currency: string, days: [platform: string, date: string, spend: number][]) {
  const c = await new CampaignStore(database.db).create({
    ventureId: v.id,
    name: uniqueId('camp'),
    type: 'launch',
    channel: 'paid',
    platforms: ['google', 'meta'],
    startDate: '2026-03-01',
    endDate: '2026-06-30',
    budget: 50_000,
    currency,
    createdBy: 'test',
  });
  const store = new CampaignPerformanceStore(database.db);
  for (const [platform, date, spend] of days) {
    await store.upsertDays({ campaignId: c.id, ventureId: v.id, channel: 'paid', platform }, [
      { date, spend, impressions: 1000, clicks: 10, conversions: 1, revenue: 0 },
    ]);
  }
  return c;
}

beforeAll(async () => {
  database = await createTestDatabase();
  env = await connectDevServer();
  app = createTestApp(database.db, env.client);
  auth = { authorization: `Bearer ${(await new ApiKeyStore(database.db).create('ue marketer', 'marketer')).key}` };
  const ventures = new VentureStore(database.db);
  venture = await ventures.create({ name: 'Notes', slug: slug(), productName: 'Notes', profile: { grossMargin: 0.8 } });
  other = await ventures.create({ name: 'Other', slug: slug(), productName: 'Other' });

  // Spend in the quarter April 1 - June 29 (90 days): 500 + 700 + 300 = 1,500 on three daily rows. March 31 is
  // outside it; the final report (which repeats the days' totals) never counts; the other venture's spend neither.
  const c = await campaign(venture, 'USD', [
    ['google', '2026-03-31', 999],
    ['google', '2026-04-10', 500],
    ['google', '2026-05-10', 700],
    ['meta', '2026-06-10', 300],
  ]);
  await new CampaignPerformanceStore(database.db).writeFinalReport({
    campaignId: c.id,
    ventureId: venture.id,
    channel: 'paid',
    endDate: '2026-06-30',
  });
  await campaign(other, 'USD', [['google', '2026-05-01', 10_000]]);

  // 1: a customer since March, paying 50 on the first of each month; subscribed the whole quarter: 90 days.
  await customer(venture, [
    ['purchase', '2026-03-02', { value: 50 }],
    ['purchase', '2026-04-01', { value: 50 }],
    ['purchase', '2026-05-01', { value: 50 }],
    ['purchase', '2026-06-01', { value: 50 }],
  ]);
  // 2: new on April 16, 80 a month (as `amount`), cancelled on May 31: 45 days.
  await customer(venture, [
    ['purchase', '2026-04-16', { amount: 80 }],
    ['purchase', '2026-05-16', { amount: 80 }],
    ['subscription_cancelled', '2026-05-31'],
  ]);
  // 3: new on May 1 (a subscription start without a value), 120 on June 1; to the end of the quarter: 60 days.
  await customer(venture, [
    ['subscription_started', '2026-05-01'],
    ['purchase', '2026-06-01', { revenue: 120 }],
  ]);
  // 4: a customer who left before the quarter; 5: one who arrived after it; 6: never converted.
  await customer(venture, [
    ['purchase', '2026-02-01', { value: 40 }],
    ['subscription_cancelled', '2026-03-15'],
  ]);
  await customer(venture, [['purchase', '2026-07-05', { value: 60 }]]);
  await customer(venture, [['signup', '2026-04-20']]);
  // The other venture's customer counts for it alone.
  await customer(other, [['purchase', '2026-05-05', { value: 1000 }]]);

  await database
    .db('marketing_automation_config')
    .insert({ venture_id: venture.id, target_ltv_cac_ratio: 4, target_cac: 800 });
});
afterAll(async () => {
  await env?.teardown();
  await database?.destroy();
});

const get = (path: string) => request(app).get(path).set(auth);

test('a quarter by hand: CAC, LTV and LTV/CAC from stored spend and events, against the venture’s targets', async () => {
  const res = await get(`/v1/ventures/${venture.id}/unit-economics?from=2026-04-01&to=2026-06-29`).expect(200);
  expect(unitEconomicsResponse.safeParse(res.body).success).toBe(true);
  const u = res.body;
  // Spend 1,500 over 2 new customers (2 and 3): CAC 750.
  expect(u.counts).toMatchObject({ spend: 1500, performanceRows: 3, newCustomers: 2, activeCustomers: 3 });
  expect(u.cac).toBe(750);
  expect(u.currency).toBe('USD');
  // Customer-days 90 + 45 + 60 = 195: 6.5 customer-months. Revenue 3 x 50 + 2 x 80 + 0 + 120 = 430 on 7 events.
  expect(u.counts.customerMonths).toBeCloseTo(6.5, 9);
  expect(u.counts).toMatchObject({ revenue: 430, revenueEvents: 7, cancellations: 1 });
  // ARPU 430 / 6.5 = 66.15 a month; churn 1 / 6.5 a month, a lifetime of 6.5 months; margin 0.8:
  // LTV = 66.15 x 0.8 x 6.5 = 344; LTV/CAC = 344 / 750 = 0.459.
  expect(u.arpuMonthly).toBeCloseTo(430 / 6.5, 9);
  expect(u.monthlyChurnRate).toBeCloseTo(1 / 6.5, 9);
  expect(u.lifetimeMonths).toBeCloseTo(6.5, 9);
  expect(u.grossMargin).toBe(0.8);
  expect(u.ltv).toBeCloseTo(344, 9);
  expect(u.ltvCacRatio).toBeCloseTo(344 / 750, 9);
  // Targets from marketing_automation_config: LTV/CAC 4 (missed), CAC at most 800 (met).
  expect(u.targets).toEqual({ ltvCacRatio: 4, cac: 800 });
  expect(u.targetsSource).toBe('marketing_automation_config');
  expect(u.meetsTarget).toEqual({ ltvCacRatio: false, cac: true });
  expect(u.assumptions).toEqual([]);
  expect(u.missing).toEqual([]);
});

test('a month without a cancellation: the 36-month lifetime is assumed, and said so', async () => {
  const u = (await get(`/v1/ventures/${venture.id}/unit-economics?from=2026-04-01&to=2026-04-30`).expect(200)).body;
  // April: spend 500, one new customer (2): CAC 500. Customer-days 30 (1) + 15 (2, from the 16th) = 45: 1.5 months.
  // Revenue 50 + 80 = 130: 86.67 a month; no cancellation: 36 months. LTV = 86.67 x 0.8 x 36 = 2,496; / 500 = 4.99.
  expect(u.cac).toBe(500);
  expect(u.counts).toMatchObject({ newCustomers: 1, activeCustomers: 2, cancellations: 0, revenue: 130 });
  expect(u.counts.customerMonths).toBeCloseTo(1.5, 9);
  expect(u.lifetimeMonths).toBe(36);
  expect(u.ltv).toBeCloseTo(2496, 9);
  expect(u.ltvCacRatio).toBeCloseTo(4.992, 9);
  expect(u.meetsTarget).toEqual({ ltvCacRatio: true, cac: true });
  expect(u.assumptions.join(' ')).toMatch(/No cancellation.*36 months/);
});

test('a venture with no data: null figures, what is missing named, the default target', async () => {
  const empty = await new VentureStore(database.db).create({ name: 'Empty', slug: slug(), productName: 'Empty' });
  const u = (await get(`/v1/ventures/${empty.id}/unit-economics?from=2026-04-01&to=2026-06-29`).expect(200)).body;
  expect(u).toMatchObject({ cac: null, ltv: null, ltvCacRatio: null, arpuMonthly: null, currency: null });
  expect(u.meetsTarget).toEqual({ ltvCacRatio: null, cac: null });
  expect(u.targets).toEqual({ ltvCacRatio: 5, cac: null });
  expect(u.targetsSource).toBe('default');
  expect(u.missing.join(' ')).toMatch(/spend/);
  expect(u.missing.join(' ')).toMatch(/new customers/);
  expect(u.missing.join(' ')).toMatch(/customers: no contact/);
  expect(u.assumptions.join(' ')).toMatch(/5\.0/);
});

test('the other venture’s figures hold only its own spend and customers; no gross margin is said', async () => {
  const u = (await get(`/v1/ventures/${other.id}/unit-economics?from=2026-04-01&to=2026-06-29`).expect(200)).body;
  expect(u.counts).toMatchObject({ spend: 10_000, newCustomers: 1, revenue: 1000, revenueEvents: 1 });
  expect(u.cac).toBe(10_000);
  expect(u.assumptions.join(' ')).toMatch(/no gross margin/);
});

test('without from and to the period is the 90 days to today', async () => {
  const u = (await get(`/v1/ventures/${venture.id}/unit-economics`).expect(200)).body;
  const today = new Date().toISOString().slice(0, 10);
  expect(u.to).toBe(today);
  expect(u.from).toBe(new Date(Date.parse(`${today}T00:00:00Z`) - 89 * 86_400_000).toISOString().slice(0, 10));
});

test('bad input is a 400 naming the field; an unknown venture is a 404', async () => {
  const base = `/v1/ventures/${venture.id}/unit-economics`;
  const badDay = await get(`${base}?from=2026-13-01`).expect(400);
  expect(badDay.body.problems).toEqual([{ path: 'from', message: expect.stringMatching(/YYYY-MM-DD/) }]);
  const reversed = await get(`${base}?from=2026-05-01&to=2026-04-01`).expect(400);
  expect(reversed.body.problems).toEqual([{ path: 'from', message: 'from must not be after to' }]);
  const unknown = await get(`${base}?since=2026-04-01`).expect(400);
  expect(unknown.body.problems).toEqual([{ path: 'since', message: expect.stringMatching(/takes from and to/) }]);
  const ancient = await get(`${base}?from=0000-01-01`).expect(400);
  expect(ancient.body.problems).toEqual([{ path: 'from', message: expect.stringMatching(/1970-01-01/) }]);
  const twice = await get(`${base}?from=2026-04-01&from=2026-05-01`).expect(400);
  expect(twice.body.problems).toEqual([{ path: 'from', message: expect.stringMatching(/YYYY-MM-DD/) }]);
  await get('/v1/ventures/00000000-0000-4000-8000-000000000000/unit-economics').expect(404);
  await get('/v1/ventures/not-a-venture/unit-economics').expect(404);
});
