import { Writable } from 'node:stream';
import express, { type Express } from 'express';
import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { errorHandler } from '../../api/errors';
import { rateLimitPerIp, rateLimitPerKey, windowFor, type RateLimit } from '../../api/rateLimit';
import { createDb } from '../../db/knex';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { createLogger } from '../../infra/logger';
import { freePort } from '../../infra/ports';
import { connectDevServer, createTestApp, createTestDatabase, type TestDatabase } from '../harness';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.destroy());

const silent = createLogger('silent');

/** One API process, reduced to what the limiter sees: who is asking, the limiter, and the error handler. */
function apiProcess(limiter: express.RequestHandler): Express {
  const app = express();
  app.set('trust proxy', 'loopback');
  app.use((req, _res, next) => {
    const key = req.get('x-key');
    if (key) req.identity = { userId: null, keyId: key } as unknown as NonNullable<typeof req.identity>;
    next();
  });
  app.use(limiter);
  app.get('/thing', (_req, res) => void res.json({ ok: true }));
  app.use(errorHandler(silent));
  return app;
}

const statusesOf = async (calls: (() => request.Test)[]) => {
  const out: number[] = [];
  for (const call of calls) out.push((await call()).status);
  return out;
};

test('two API processes over one database share one budget per key', async () => {
  const limit: RateLimit = { perMinute: 60, burst: 4 };
  const a = apiProcess(rateLimitPerKey(limit, { db: t.db, log: silent }));
  const b = apiProcess(rateLimitPerKey(limit, { db: t.db, log: silent }));
  const as = (app: Express, key: string) => () => request(app).get('/thing').set('x-key', key);
  // A balancer alternating between the two: the burst of 4 is for the key, not for each process.
  const statuses = await statusesOf([a, b, a, b, a, b].map((app) => as(app, 'key-1')));
  expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  const refused = await as(a, 'key-1')();
  // 4 requests at 60 a minute are 4 seconds' worth: the wait is at most that, and never 0.
  expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(4);
  expect(refused.body).toEqual({ error: expect.stringContaining('too many requests for this API key') });
  // Another key has a budget of its own.
  await as(b, 'key-2')().expect(200);
});

test('two API processes share one budget per client address, which refills', async () => {
  const limit: RateLimit = { perMinute: 60, burst: 1 };
  const a = apiProcess(rateLimitPerIp(limit, { db: t.db, log: silent }));
  const b = apiProcess(rateLimitPerIp(limit, { db: t.db, log: silent }));
  const from = (app: Express, ip: string) => () => request(app).get('/thing').set('x-forwarded-for', ip);
  expect(await statusesOf([from(a, '203.0.113.1'), from(b, '203.0.113.1')])).toEqual([200, 429]);
  await from(b, '203.0.113.2')().expect(200);
  // One request a second: a second later there is one again.
  await new Promise((r) => setTimeout(r, 1100));
  expect(await statusesOf([from(b, '203.0.113.1'), from(a, '203.0.113.1')])).toEqual([200, 429]);
});

test('an unreachable database neither refuses nor fails requests: each process limits on its own, and says so', async () => {
  const lines: string[] = [];
  const log = createLogger(
    'warn',
    new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  const dead = createDb(`postgres://postgres@127.0.0.1:${await freePort()}/none`, 1);
  try {
    const app = apiProcess(rateLimitPerKey({ perMinute: 60, burst: 2 }, { db: dead, log }));
    const call = () => request(app).get('/thing').set('x-key', 'key-1');
    expect(await statusesOf([call, call, call])).toEqual([200, 200, 429]);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.join('\n')).toContain('rate limit');
  } finally {
    await dead.destroy();
  }
});

test('a rate and a burst become a window that allows the burst and averages the rate', () => {
  // 120 at once, then 600 a minute: 120 requests every 12 seconds.
  expect(windowFor({ perMinute: 600, burst: 120 })).toEqual({ points: 120, durationSeconds: 12 });
  // Unsubscribe links: 10 at once, 60 a minute: 10 every 10 seconds.
  expect(windowFor({ perMinute: 60, burst: 10 })).toEqual({ points: 10, durationSeconds: 10 });
  // A window is at least a second: 1,000,000 a minute is 16,666 a second, above the burst of 10.
  expect(windowFor({ perMinute: 1_000_000, burst: 10 })).toEqual({
    points: Math.floor(1_000_000 / 60),
    durationSeconds: 1,
  });
  // 700 a minute with a burst of 120: 120 * 60 / 700 = 10.3 s rounds up to 11 s, which holds 700 * 11 / 60 = 128.
  expect(windowFor({ perMinute: 700, burst: 120 })).toEqual({ points: 128, durationSeconds: 11 });
});

describe('the API as production assembles it', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await connectDevServer();
  });
  afterAll(async () => env.teardown());

  test('two API replicas over one database share each key’s budget', async () => {
    const key = (await new ApiKeyStore(t.db).create('replicas', 'operator')).key;
    const config = { RATE_LIMIT_PER_MINUTE: 60, RATE_LIMIT_BURST: 3 };
    const replicas = [createTestApp(t.db, env.client, { config }), createTestApp(t.db, env.client, { config })];
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await request(replicas[i % 2]!)
        .get('/v1/sequences')
        .set('authorization', `Bearer ${key}`);
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
  });
});
