import request from 'supertest';
import type { Client } from '@temporalio/client';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { hillConversions } from '../../domain/channelMix';
import { steadyStateCurve } from '../../domain/responseCurves';
import { createTestApp, createTestDatabase, type TestDatabase } from '../harness';

// The optimiser needs neither Temporal nor stored data: the app is assembled as in production on a test database
// (for the API key) with no Temporal client behind it.
let t: TestDatabase;
let app: ReturnType<typeof createTestApp>;
let key: string;

beforeAll(async () => {
  t = await createTestDatabase();
  app = createTestApp(t.db, {} as Client);
  key = (await new ApiKeyStore(t.db).create('mia', 'marketer')).key;
});
afterAll(async () => t?.destroy());

const optimize = (body: unknown) =>
  request(app)
    .post('/v1/channel-mix/optimize')
    .set('authorization', `Bearer ${key}`)
    .send(body as object);

const search = { decay: 0.3, halfSaturation: 400, shape: 1.2, maxEffect: 90 };
const social = { decay: 0.6, halfSaturation: 250, shape: 0.9, maxEffect: 50 };
/** Draws moving both channels together, as refits on resampled days do. */
const draws = (r: typeof search) =>
  Array.from({ length: 50 }, (_, i) => ({ ...r, maxEffect: r.maxEffect * (0.8 + i / 122) }));
const channels = [
  { name: 'search', fitted: { response: search, draws: draws(search) } },
  { name: 'social', fitted: { response: social, draws: draws(social) } },
];

test('a daily budget over fitted channels: amounts on the steady-state curves, with a paired 90% interval', async () => {
  const res = await optimize({ budget: 600, channels, maxShare: 1, minChannels: 1 });
  expect(res.status).toBe(200);
  const [a, b] = res.body.channels;
  expect(a.amount + b.amount).toBeCloseTo(600, 6);
  expect(a.curve).toEqual(steadyStateCurve(search));
  const point =
    hillConversions(steadyStateCurve(search), a.amount) + hillConversions(steadyStateCurve(social), b.amount);
  expect(res.body.totalExpectedConversions).toBeCloseTo(point, 9);
  expect(res.body.expectedConversions.value).toBeCloseTo(point, 9);
  expect(res.body.expectedConversions.low).toBeLessThan(point);
  expect(res.body.expectedConversions.high).toBeGreaterThan(point);
  expect(res.body.draws).toBe(50);
  expect(a.expectedConversionsEstimate.low).toBeLessThan(a.expectedConversions);
});

test('the least daily budget that reaches a target, and a 400 naming targetConversions when none can', async () => {
  const target = 80;
  const res = await optimize({
    objective: 'minBudget',
    targetConversions: target,
    channels,
    maxShare: 1,
    minChannels: 1,
  });
  expect(res.status).toBe(200);
  expect(res.body.objective).toBe('minBudget');
  expect(res.body.totalExpectedConversions).toBeGreaterThanOrEqual(target);
  // A budget 1% smaller falls short of the target.
  const less = await optimize({ budget: res.body.budget * 0.99, channels, maxShare: 1, minChannels: 1 });
  expect(less.body.totalExpectedConversions).toBeLessThan(target);

  const never = await optimize({
    objective: 'minBudget',
    targetConversions: 140,
    channels,
    maxShare: 1,
    minChannels: 1,
  });
  expect(never.status).toBe(400);
  expect(never.body.problems.map((p: { path: string }) => p.path)).toEqual(['targetConversions']);
  expect(never.body.error).toMatch(/never bring 140 /);
  const bounded = await optimize({
    objective: 'minBudget',
    targetConversions: target,
    maxBudget: res.body.budget / 2,
    channels,
    maxShare: 1,
    minChannels: 1,
  });
  expect(bounded.status).toBe(400);
  expect(bounded.body.problems[0].path).toBe('targetConversions');
  expect(bounded.body.error).toMatch(/maxBudget/);
});

test('a bad fitted response is a 400 naming the field', async () => {
  const res = await optimize({
    budget: 600,
    channels: [{ name: 'search', fitted: { response: { ...search, decay: 1 } } }, channels[1]],
    maxShare: 1,
    minChannels: 1,
  });
  expect(res.status).toBe(400);
  expect(res.body.problems).toEqual([
    { path: 'channels.0.fitted.response.decay', message: expect.stringMatching(/below 1/) },
  ]);
  const both = await optimize({
    budget: 600,
    channels: [{ ...channels[0], curve: { maxConversions: 1, halfSaturation: 1, shape: 1 } }, channels[1]],
  });
  expect(both.status).toBe(400);
  expect(both.body.problems.map((p: { path: string }) => p.path)).toContain('channels.0.fitted');
});
