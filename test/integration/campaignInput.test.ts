import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { CampaignStore } from '../../db/stores/campaigns';
import { VentureStore } from '../../db/stores/ventures';
import { campaignHorizon } from '../../domain/campaignHorizon';
import { getCampaignWorkflowId } from '../../domain/ids';
import { createTestApp, connectDevServer, createTestDatabase, uniqueId, type TestDatabase } from '../harness';

// Amounts and dates as a client can send them. No worker runs on this file's task queue: a campaign accepted here
// waits for one, and is terminated at the end.
let t: TestDatabase;
let env: TestWorkflowEnvironment;
let app: ReturnType<typeof createTestApp>;
let key: string;
let ventureId: string;
const started: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  env = await connectDevServer();
  app = createTestApp(t.db, env.client, { taskQueue: uniqueId('campaign-input') });
  key = (await new ApiKeyStore(t.db).create('mia', 'marketer')).key;
  ventureId = (await new VentureStore(t.db).create({ name: 'Acme', slug: uniqueId('acme'), productName: 'Acme Notes' }))
    .id;
});
afterAll(async () => {
  for (const id of started) {
    await env.client.workflow
      .getHandle(getCampaignWorkflowId(id))
      .terminate('test over')
      .catch(() => undefined);
  }
  await env.teardown();
  await t.destroy();
});

const today = () => new Date().toISOString().slice(0, 10);
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

const create = async (overrides: Record<string, unknown>) => {
  const res = await request(app)
    .post('/v1/campaigns')
    .set('authorization', `Bearer ${key}`)
    .send({
      ventureId,
      name: 'Spring launch',
      type: 'launch',
      platforms: ['google'],
      startDate: inDays(1),
      endDate: inDays(7),
      budget: 1000,
      currency: 'USD',
      ...overrides,
    });
  if (res.status === 201) started.push(res.body.id);
  return res;
};

const rows = async () => (await t.db('gtm_campaigns').count({ n: '*' }).first())!.n;

test('a budget with more decimals than its currency has is a 400 naming the budget, and nothing is stored', async () => {
  const before = await rows();
  for (const [budget, currency, message] of [
    [1e-320, 'USD', 'USD amounts have at most 2 decimals and are at least 0.01, such as 1500.55'],
    [0.001, 'USD', 'USD amounts have at most 2 decimals and are at least 0.01, such as 1500.55'],
    [1500.5, 'JPY', 'JPY has no minor unit: a whole amount such as 1500'],
  ] as const) {
    const res = await create({ budget, currency });
    expect([budget, res.status, res.body.problems]).toEqual([budget, 400, [{ path: 'budget', message }]]);
  }
  const tooBig = await create({ budget: 1e10 });
  expect(tooBig.status).toBe(400);
  expect(tooBig.body.problems).toEqual([{ path: 'budget', message: expect.stringContaining('9999999999.99') }]);
  expect(await rows()).toEqual(before);
});

test('an amount the currency allows is stored as it was sent, the same number the workflow holds', async () => {
  const res = await create({ budget: 1234.56 });
  expect(res.status).toBe(201);
  expect((await new CampaignStore(t.db).get(res.body.id))!.budget).toBe(1234.56);
  const yen = await create({ budget: 150_000, currency: 'JPY' });
  expect(yen.status).toBe(201);
  const history = await env.client.workflow.getHandle(yen.body.workflowId).fetchHistory();
  const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
  expect(JSON.parse(Buffer.from(payload.data!).toString()).budget).toBe(150_000);
});

test('a budget change with more decimals than the campaign currency has is a 400 naming the budget', async () => {
  const campaign = await new CampaignStore(t.db).create({
    ventureId,
    name: 'Yen',
    type: 'launch',
    channel: 'paid',
    platforms: ['google'],
    startDate: today(),
    endDate: inDays(7),
    budget: 100_000,
    currency: 'JPY',
    createdBy: 'mia',
  });
  for (const [budget, message] of [
    [1e-320, 'JPY has no minor unit: a whole amount such as 1500'],
    [120_000.5, 'JPY has no minor unit: a whole amount such as 1500'],
  ] as const) {
    const res = await request(app)
      .post(`/v1/campaigns/${campaign.id}/budget`)
      .set('authorization', `Bearer ${key}`)
      .send({ budget });
    expect([budget, res.status, res.body.problems]).toEqual([budget, 400, [{ path: 'budget', message }]]);
  }
});

test('a campaign dated past the five-year horizon is a 400 naming the date; the horizon itself is accepted', async () => {
  const far = await create({ startDate: '9999-12-30', endDate: '9999-12-30' });
  expect(far.status).toBe(400);
  const horizon = campaignHorizon(today());
  const message = `at most 5 years ahead: on or before ${horizon}`;
  expect(far.body.problems).toEqual([
    { path: 'startDate', message },
    { path: 'endDate', message },
  ]);

  const shift = (n: number) => new Date(Date.parse(`${horizon}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
  const justOver = await create({ startDate: shift(-10), endDate: shift(1) });
  expect(justOver.status).toBe(400);
  expect(justOver.body.problems).toEqual([{ path: 'endDate', message }]);

  const atHorizon = await create({ startDate: horizon, endDate: horizon });
  expect(atHorizon.status).toBe(201);
});
