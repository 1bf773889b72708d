import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createApp } from '../../api/app';
import { createDb } from '../../db/knex';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { createLogger } from '../../infra/logger';
import { LinkSigner } from '../../infra/signing';
import { connectDevServer, createTestDatabase, type TestDatabase } from '../harness';

let t: TestDatabase;
let env: TestWorkflowEnvironment;
let app: ReturnType<typeof createApp>;
let key: string;
const config = {
  publicUrl: 'http://localhost:3000',
  temporalUiUrl: 'http://localhost:8233',
  TEMPORAL_NAMESPACE: 'default',
};
const signer = new LinkSigner('x'.repeat(32));

beforeAll(async () => {
  t = await createTestDatabase();
  env = await connectDevServer();
  app = createApp({ db: t.db, temporal: env.client, config, log: createLogger('silent'), signer });
  key = (await new ApiKeyStore(t.db).create('ops', 'operator')).key;
});
afterAll(async () => {
  await env.teardown();
  await t.destroy();
});

test('healthz and readyz answer when PostgreSQL and Temporal do', async () => {
  await request(app).get('/healthz').expect(200, { status: 'ok' });
  const ready = await request(app).get('/readyz').expect(200);
  expect(ready.body.checks).toEqual({ database: 'ok', temporal: 'ok' });
});

test('readyz is 503 and names the dependency when the database is unreachable', async () => {
  const deadDb = createDb('postgres://postgres@127.0.0.1:1/none', 1);
  const broken = createApp({ db: deadDb, temporal: env.client, config, log: createLogger('silent'), signer });
  const res = await request(broken).get('/readyz').expect(503);
  expect(res.body.checks.database).toMatch(/^unavailable/);
  expect(res.body.checks.temporal).toBe('ok');
  // A request that needs the database is a 503 to retry, never a 500.
  const call = await request(broken).get('/v1/contacts/x').set('authorization', `Bearer ${key}`);
  expect(call.status).toBe(503);
  expect(call.headers['retry-after']).toBe('5');
  await deadDb.destroy();
});

test('metrics are Prometheus text with the HTTP and workflow counters', async () => {
  await request(app).get('/healthz');
  const res = await request(app).get('/metrics').expect(200);
  expect(res.text).toContain('gtm_http_requests_total{method="GET",route="/healthz",status="200"}');
  expect(res.text).toContain('# TYPE gtm_workflow_starts_total counter');
});

test('every /v1 route needs a valid key: none, malformed, unknown and revoked are 401', async () => {
  await request(app).get('/v1/contacts/x').expect(401);
  await request(app).get('/v1/contacts/x').set('authorization', 'Basic abc').expect(401);
  await request(app).get('/v1/contacts/x').set('authorization', 'Bearer gtm_not-a-real-key').expect(401);
  const keys = new ApiKeyStore(t.db);
  const revoked = await keys.create('old', 'marketer');
  await keys.revoke(revoked.id);
  const res = await request(app).get('/v1/contacts/x').set('authorization', `Bearer ${revoked.key}`).expect(401);
  expect(res.headers['www-authenticate']).toContain('Bearer');
});

test('keys are stored only as hashes', async () => {
  const rows = await t.db('api_keys').select('*');
  expect(JSON.stringify(rows)).not.toContain(key);
  expect(rows.every((r: { key_hash: string }) => /^[0-9a-f]{64}$/.test(r.key_hash))).toBe(true);
});

test('unknown routes, bad JSON, wrong content type and oversized bodies get JSON errors, not stack traces', async () => {
  const auth = { authorization: `Bearer ${key}` };
  const missing = await request(app).get('/v1/nowhere').set(auth).expect(404);
  expect(missing.body.error).toContain('/v1/nowhere');
  const bad = await request(app)
    .post('/v1/contacts')
    .set(auth)
    .set('content-type', 'application/json')
    .send('{"id":')
    .expect(400);
  expect(bad.body).toEqual({ error: 'the body is not valid JSON' });
  await request(app).post('/v1/contacts').set(auth).set('content-type', 'text/plain').send('id=1').expect(415);
  const big = await request(app)
    .post('/v1/events')
    .set(auth)
    .set('content-type', 'application/json')
    .send(JSON.stringify({ events: [{ contactId: 'a', name: 'x', properties: { pad: 'x'.repeat(3_000_000) } }] }))
    .expect(413);
  expect(JSON.stringify(big.body)).not.toMatch(/at .*\.js:\d+/);
  expect(await t.db('events').count({ n: '*' }).first()).toEqual({ n: 0 });
});

test('secure headers are set', async () => {
  const res = await request(app).get('/healthz');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-powered-by']).toBeUndefined();
  expect(res.headers['content-security-policy']).toBeDefined();
});
