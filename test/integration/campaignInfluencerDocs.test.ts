import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { z } from 'zod';
import { routesOf } from '../../api/app';
import { routeKey, type AnyRoute } from '../../api/registry';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { VentureStore } from '../../db/stores/ventures';
import { getCampaignWorkflowId } from '../../domain/ids';
import { createTestApp, connectDevServer, createTestDatabase, uniqueId, type TestDatabase } from '../harness';

// A client that generates its code from /openapi.json trusts the documented answers and copies the examples:
// both must match what the campaign and influencer routes really do. No worker runs on this task queue.
let t: TestDatabase;
let env: TestWorkflowEnvironment;
let app: ReturnType<typeof createTestApp>;
let auth: { authorization: string };
let ventureId: string;
const started: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  env = await connectDevServer();
  app = createTestApp(t.db, env.client, { taskQueue: uniqueId('campaign-docs') });
  auth = { authorization: `Bearer ${(await new ApiKeyStore(t.db).create('docs', 'marketer')).key}` };
  ventureId = (await new VentureStore(t.db).create({ name: 'Acme', slug: uniqueId('acme'), productName: 'Acme' })).id;
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

const route = (key: string): AnyRoute => {
  const found = routesOf(app).find((r) => routeKey(r) === key);
  if (!found) throw new Error(`${key} is not declared`);
  return found;
};
/** The problems of a value against a documented schema, as paths, so a failure names the drifted field. */
const drift = (schema: z.ZodType | undefined, value: unknown) =>
  schema!.safeParse(value).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

test('a campaign created from the documented example is answered, listed and read as documented', async () => {
  const create = route('POST /v1/campaigns');
  // The example's venture is someone else's, and its dates will one day be past: only those are replaced.
  const body = { ...(create.example!.body as object), ventureId, startDate: inDays(1), endDate: inDays(30) };
  const created = await request(app).post('/v1/campaigns').set(auth).send(body);
  expect(created.status).toBe(201);
  started.push(created.body.id);
  expect(drift(create.response, created.body)).toEqual([]);
  expect(created.body.platforms).toEqual([
    { name: 'google', externalId: null, sandbox: true },
    { name: 'meta', externalId: null, sandbox: true },
  ]);

  const list = await request(app).get('/v1/campaigns').query({ ventureId }).set(auth).expect(200);
  expect(list.body.campaigns.map((c: { id: string }) => c.id)).toEqual([created.body.id]);
  expect(drift(route('GET /v1/campaigns').response, list.body)).toEqual([]);

  const one = await request(app).get(`/v1/campaigns/${created.body.id}`).set(auth).expect(200);
  expect(drift(route('GET /v1/campaigns/:id').response, one.body)).toEqual([]);
  // Nothing synced yet: every count is zero and no rate can be computed.
  expect(one.body.totals).toEqual({
    impressions: 0,
    clicks: 0,
    conversions: 0,
    spend: 0,
    revenue: 0,
    ctr: null,
    cvr: null,
    roas: null,
    cac: null,
  });
});

test('the documented examples of the other body-taking campaign and influencer routes are valid requests', () => {
  for (const key of [
    'POST /v1/campaigns/:id/pause',
    'POST /v1/campaigns/:id/resume',
    'POST /v1/campaigns/:id/cancel',
    'POST /v1/campaigns/:id/budget',
    'POST /v1/campaigns/:id/influencers',
    'POST /v1/influencers/score',
  ]) {
    const r = route(key);
    expect([key, drift(r.body, r.example?.body)]).toEqual([key, []]);
  }
});

test('the import example, sent as JSON, imports its influencer and is answered as documented', async () => {
  const importRoute = route('POST /v1/influencers/import');
  const res = await request(app)
    .post('/v1/influencers/import')
    .set(auth)
    .send(importRoute.example!.body as object);
  expect(res.status).toBe(200);
  expect(res.body).toEqual(importRoute.example!.response);
  expect(drift(importRoute.response, res.body)).toEqual([]);
  const stored = await t.db('influencers').where({ handle: 'adafit' }).first('followers_count');
  expect(stored).toEqual({ followers_count: 48_000 });

  const search = await request(app).get('/v1/influencers/search').query({ ventureId }).set(auth).expect(200);
  expect(drift(route('GET /v1/influencers/search').response, search.body)).toEqual([]);
});

test('the import takes a CSV and JSON, and refuses a body of any other type', async () => {
  const csv = 'name,handle,platform,category,followers_count,engagement_rate\nBo Bakes,bobakes,tiktok,food,900,0.08';
  const fromCsv = await request(app).post('/v1/influencers/import').set(auth).set('content-type', 'text/csv').send(csv);
  expect([fromCsv.status, fromCsv.body.imported]).toEqual([200, 1]);
  const text = await request(app).post('/v1/influencers/import').set(auth).set('content-type', 'text/plain').send(csv);
  expect(text.status).toBe(415);
  // A JSON body is still checked: a missing list is a 400 naming it.
  const empty = await request(app).post('/v1/influencers/import').set(auth).send({});
  expect(empty.status).toBe(400);
  expect(empty.body.problems).toEqual([{ path: 'influencers', message: expect.any(String) }]);
});
