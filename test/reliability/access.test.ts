import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createApp, routesOf } from '../../api/app';
import { loadConfig } from '../../config/config';
import { ApiKeyStore, ROLES, type Role } from '../../db/stores/apiKeys';
import { ContactStore } from '../../db/stores/contacts';
import { createLogger } from '../../infra/logger';
import { MailCatcher } from '../../infra/mailCatcher';
import { freePort } from '../../infra/ports';
import { LinkSigner } from '../../infra/signing';
import { connectDevServer, createTestDatabase, startSmtpSink, uniqueId, type TestDatabase } from '../harness';
import { simpleParser } from 'mailparser';
import { createTransport } from 'nodemailer';
import { HoldingSmtpSink, spawnTs, waitUntil } from './helpers';
import { listRoutes, routeKey } from './routes';

const SIGNING_SECRET = 'access-signing-secret-that-is-long-enough-0';
const signer = new LinkSigner(SIGNING_SECRET);

let database: TestDatabase;
let env: TestWorkflowEnvironment;
let keys: Record<Role | 'revoked', string>;
const baseConfig = loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'http://localhost:3000' });
const build = (overrides: Partial<typeof baseConfig> = {}) =>
  createApp({
    db: database.db,
    temporal: env.client,
    config: { ...baseConfig, ...overrides },
    log: createLogger('silent'),
    signer,
    taskQueue: uniqueId('access'),
    // As on a local run with the embedded SMTP catcher, so the dev mail route is there too.
    mailCatcher: new MailCatcher({ port: 1 }),
  });

beforeAll(async () => {
  database = await createTestDatabase();
  env = await connectDevServer();
  const store = new ApiKeyStore(database.db);
  keys = {
    marketer: (await store.create('access marketer', 'marketer')).key,
    chairman: (await store.create('access chairman', 'chairman')).key,
    operator: (await store.create('access operator', 'operator')).key,
    revoked: '',
  };
  const old = await store.create('access revoked', 'operator');
  await store.revoke(old.id);
  keys.revoked = old.key;
});
afterAll(async () => {
  await env?.teardown();
  await database?.destroy();
});

/**
 * Who may call each route, and what an allowed caller gets for the probe below (unknown ids, an empty JSON body).
 * `public`: no key needed; `any`: every role; else the roles named. Everyone else gets 401 without a valid key, 403
 * with a key of another role. A route missing here fails the test: a new route needs a decision on who may call it.
 */
const ACCESS: [route: string, who: 'public' | 'any' | Role[], allowed: number][] = [
  ['GET /healthz', 'public', 200],
  ['GET /readyz', 'public', 200],
  ['GET /metrics', 'public', 200],
  ['GET /u/:token', 'public', 400],
  ['POST /u/:token', 'public', 400],
  ['GET /p/:token', 'public', 400],
  ['POST /p/:token', 'public', 400],
  ['GET /p/confirm/:token', 'public', 400],
  ['POST /p/confirm/:token', 'public', 400],
  ['GET /t/o/:token', 'public', 200],
  ['GET /t/c/:token', 'public', 404],
  // Signed by the provider, not keyed; with no verification key configured every delivery is refused.
  ['POST /v1/webhooks/sendgrid', 'public', 503],
  ['POST /v1/webhooks/mailgun', 'public', 503],
  // Twilio posts forms: the probe's JSON is refused for its type, before any signature is looked for.
  ['POST /v1/webhooks/twilio/status', 'public', 415],
  ['POST /v1/webhooks/twilio/inbound', 'public', 415],
  // The browser snippet's routes take a contact's signed inbox token, never an API key: without one, 401.
  ['OPTIONS /sdk/v1/inbox', 'public', 204],
  ['OPTIONS /sdk/v1/inbox/:messageId/:action', 'public', 400],
  ['GET /sdk/v1/inbox', 'public', 401],
  ['POST /sdk/v1/inbox/:messageId/read', 'public', 401],
  ['POST /sdk/v1/inbox/:messageId/dismiss', 'public', 401],
  ['POST /sdk/v1/inbox/:messageId/click', 'public', 401],
  ['GET /sdk/inbox.js', 'public', 200],
  // A Segment or RudderStack source sends its write key, not an API key; with none configured, every call is refused.
  ['POST /v1/segment/identify', 'public', 503],
  ['POST /v1/segment/track', 'public', 503],
  ['POST /v1/segment/batch', 'public', 503],
  ['GET /openapi.json', 'public', 200],
  ['GET /docs', 'public', 200],
  ['GET /docs/init.js', 'public', 200],
  ['GET /docs/swagger-ui-bundle.js', 'public', 200],
  ['GET /docs/swagger-ui.css', 'public', 200],
  ['GET /vendor/chart.umd.js', 'public', 200],
  ['GET /vendor/ace/:file', 'public', 404],
  ['GET /pages/:venture', 'public', 404],
  ['GET /pages/:venture/sitemap.xml', 'public', 404],
  ['GET /pages/:venture/integrations/:slug', 'public', 404],
  ['GET /pages/:venture/vs/:slug', 'public', 404],
  ['GET /approvals/:id', 'public', 200],
  // Signing in needs no key; signing out and asking who you are need one (or the session's cookie).
  ['POST /v1/session', 'public', 400],
  ['DELETE /v1/session', 'any', 204],
  ['GET /v1/me', 'any', 200],
  // Single sign-on: without OIDC_ settings there is none (404).
  ['GET /v1/session/sso', 'public', 404],
  ['GET /v1/session/sso/callback', 'public', 404],
  ['POST /v1/password-resets', 'public', 400],
  ['POST /v1/password-resets/complete', 'public', 400],
  ['POST /v1/users', ['operator'], 400],
  ['GET /v1/users', ['operator'], 200],
  ['PATCH /v1/users/:id', ['operator'], 400],
  // A person's keys are theirs and the operators' to manage: the handler checks who, after finding the person.
  ['GET /v1/users/:id/keys', 'any', 404],
  ['POST /v1/users/:id/keys', 'any', 400],
  ['DELETE /v1/users/:id/keys/:keyId', 'any', 404],
  ['GET /v1/audit', ['chairman', 'operator'], 200],
  ['GET /v1/meta', 'any', 200],
  ['POST /v1/contacts', ['marketer', 'operator'], 400],
  ['GET /v1/contacts', 'any', 200],
  ['GET /v1/contacts/:id', 'any', 404],
  ['GET /v1/contacts/:id/timeline', 'any', 404],
  ['POST /v1/contacts/:id/unsubscribe', ['marketer', 'operator'], 404],
  ['POST /v1/contacts/:id/resubscribe', ['marketer', 'operator'], 404],
  // A person's data leaves, or is erased, only at an operator's hand.
  ['GET /v1/contacts/:id/export', ['operator'], 404],
  ['DELETE /v1/contacts/:id', ['operator'], 404],
  ['POST /v1/contacts/import', ['marketer', 'operator'], 415],
  ['GET /v1/imports', 'any', 200],
  ['GET /v1/imports/:id', 'any', 404],
  ['POST /v1/segments', ['marketer', 'operator'], 400],
  ['POST /v1/segments/preview', 'any', 400],
  ['GET /v1/segments', 'any', 200],
  ['GET /v1/segments/:key', 'any', 404],
  ['PUT /v1/segments/:key', ['marketer', 'operator'], 400],
  ['GET /v1/segments/:key/members', 'any', 404],
  ['DELETE /v1/segments/:key', ['marketer', 'operator'], 404],
  ['GET /v1/senders', 'any', 200],
  ['GET /v1/templates/variables', 'any', 200],
  ['POST /v1/templates/preview', ['marketer', 'operator'], 400],
  ['POST /v1/templates', ['marketer', 'operator'], 400],
  ['GET /v1/templates', 'any', 200],
  ['GET /v1/templates/:key', 'any', 404],
  ['PUT /v1/templates/:key', ['marketer', 'operator'], 404],
  ['DELETE /v1/templates/:key', ['marketer', 'operator'], 404],
  ['GET /v1/templates/:key/versions', 'any', 404],
  ['GET /v1/templates/:key/versions/:version', 'any', 404],
  ['POST /v1/templates/:key/versions/:version/restore', ['marketer', 'operator'], 404],
  ['POST /v1/templates/:key/preview', 'any', 404],
  ['POST /v1/templates/:key/move-running', ['marketer', 'operator'], 404],
  ['POST /v1/templates/:key/test', ['marketer', 'operator'], 400],
  ['POST /v1/topics', ['marketer', 'operator'], 400],
  ['GET /v1/topics', 'any', 200],
  ['GET /v1/topics/:key', 'any', 404],
  ['GET /v1/contacts/:id/subscriptions', 'any', 404],
  ['PUT /v1/contacts/:id/subscriptions', ['marketer', 'operator'], 400],
  ['POST /v1/broadcasts/preview-audience', 'any', 400],
  ['POST /v1/broadcasts', ['marketer', 'operator'], 400],
  ['GET /v1/broadcasts', 'any', 200],
  ['GET /v1/broadcasts/:id', 'any', 404],
  ['POST /v1/broadcasts/:id/pause', 'any', 404],
  ['POST /v1/broadcasts/:id/resume', ['marketer', 'operator'], 404],
  ['POST /v1/broadcasts/:id/cancel', 'any', 404],
  ['POST /v1/broadcasts/:id/test', ['marketer', 'operator'], 400],
  ['GET /v1/contacts/:id/enrollments', 'any', 404],
  ['GET /v1/contacts/:id/messages', 'any', 404],
  ['GET /v1/contacts/:id/inbox', 'any', 404],
  ['POST /v1/contacts/:id/inbox/:messageId/read', ['marketer', 'operator'], 404],
  ['POST /v1/contacts/:id/inbox/:messageId/dismiss', ['marketer', 'operator'], 404],
  ['POST /v1/contacts/:id/inbox/token', ['marketer', 'operator'], 404],
  ['GET /v1/contacts/:id/sms-consent', 'any', 404],
  ['POST /v1/contacts/:id/sms-consent', ['marketer', 'operator'], 400],
  ['DELETE /v1/contacts/:id/sms-consent', ['marketer', 'operator'], 404],
  ['GET /v1/contacts/:id/devices', 'any', 404],
  ['POST /v1/contacts/:id/devices', ['marketer', 'operator'], 400],
  ['DELETE /v1/contacts/:id/devices/:deviceId', ['marketer', 'operator'], 400],
  ['GET /v1/messages/:id', 'any', 404],
  ['GET /v1/sequences/:key/steps/:stepId/messages', 'any', 200],
  ['GET /v1/suppressions', 'any', 200],
  ['POST /v1/suppressions', ['marketer', 'operator'], 400],
  ['POST /v1/suppressions/import', ['marketer', 'operator'], 415],
  ['DELETE /v1/suppressions/:email', ['marketer', 'operator'], 404],
  ['POST /v1/events', ['marketer', 'operator'], 400],
  ['POST /v1/sequences', ['marketer', 'operator'], 400],
  ['GET /v1/sequences', 'any', 200],
  ['GET /v1/sequences/:key', 'any', 404],
  ['GET /v1/sequences/:key/versions/:version', 'any', 404],
  ['PUT /v1/sequences/:key', ['marketer', 'operator'], 400],
  ['DELETE /v1/sequences/:key', ['marketer', 'operator'], 404],
  ['POST /v1/sequences/:key/archive', ['marketer', 'operator'], 404],
  ['POST /v1/sequences/:key/enrollments', ['marketer', 'operator'], 400],
  ['POST /v1/sequences/:key/enrollments/:contactId/exit', ['marketer', 'operator'], 404],
  ['GET /v1/sequences/:key/stats', 'any', 404],
  ['POST /v1/influencers/import', ['marketer', 'operator'], 400],
  ['GET /v1/influencers/search', 'any', 400],
  ['POST /v1/influencers/score', 'any', 400],
  ['POST /v1/ventures/:id/influencer-scoring', ['marketer', 'operator'], 404],
  ['GET /v1/influencer-scoring/:workflowId', 'any', 404],
  ['POST /v1/attribution', 'any', 400],
  ['GET /v1/ventures/:id/attribution', 'any', 404],
  ['POST /v1/channel-mix/optimize', 'any', 400],
  ['GET /v1/ventures/:id/channel-mix', 'any', 400],
  ['POST /v1/readiness', 'any', 400],
  ['GET /v1/ventures/:id/readiness', 'any', 404],
  ['POST /v1/ventures/:id/strategies', ['marketer'], 400],
  ['GET /v1/ventures/:id/strategies', 'any', 404],
  ['GET /v1/strategies/:id', 'any', 404],
  ['POST /v1/strategies/:id/activate', ['marketer'], 404],
  ['POST /v1/ventures', ['marketer'], 400],
  ['GET /v1/ventures', 'any', 200],
  ['GET /v1/ventures/:idOrSlug', 'any', 404],
  ['PATCH /v1/ventures/:id', ['marketer'], 400],
  ['GET /v1/ventures/:id/overview', 'any', 404],
  ['GET /v1/ventures/:id/seo-pages', 'any', 404],
  ['GET /v1/approvals', 'any', 200],
  ['GET /v1/approvals/:id', 'any', 404],
  ['POST /v1/approvals/:id/decision', ['chairman'], 400],
  ['POST /v1/campaigns', ['marketer'], 400],
  ['GET /v1/campaigns', 'any', 200],
  ['GET /v1/campaigns/:id', 'any', 404],
  ['POST /v1/campaigns/:id/pause', 'any', 404],
  ['POST /v1/campaigns/:id/resume', ['marketer'], 404],
  ['POST /v1/campaigns/:id/cancel', 'any', 404],
  ['POST /v1/campaigns/:id/budget', ['marketer'], 400],
  ['POST /v1/campaigns/:id/reallocate', ['marketer'], 404],
  ['GET /v1/campaigns/:id/reallocation', 'any', 404],
  ['GET /v1/campaigns/:id/proposals', 'any', 404],
  ['GET /v1/campaigns/:id/forecast', 'any', 404],
  ['GET /v1/ad-platforms', 'any', 200],
  ['POST /v1/audience-syncs', ['marketer', 'operator'], 400],
  ['GET /v1/audience-syncs', 'any', 200],
  ['GET /v1/audience-syncs/:id', 'any', 404],
  ['POST /v1/audience-syncs/:id/run', ['marketer', 'operator'], 404],
  ['DELETE /v1/audience-syncs/:id', ['marketer', 'operator'], 404],
  ['GET /v1/ventures/:id/unit-economics', 'any', 404],
  ['GET /v1/churn/model', 'any', 200],
  ['POST /v1/media-mix/fit', 'any', 400],
  ['GET /v1/ventures/:id/media-mix', 'any', 404],
  ['GET /v1/ventures/:id/churn', 'any', 404],
  ['POST /v1/campaigns/:id/proposals', ['marketer'], 404],
  ['GET /v1/campaigns/:id/performance', 'any', 404],
  ['GET /v1/campaigns/:id/influencers', 'any', 404],
  ['POST /v1/campaigns/:id/influencers', ['marketer'], 400],
  ['DELETE /v1/campaigns/:id/influencers/:influencerId', ['marketer'], 404],
  ['GET /v1/reports/channels', 'any', 200],
  ['POST /v1/commands', 'any', 400],
  ['POST /v1/demo', ['operator'], 200],
  ['GET /v1/dev/mail', ['operator'], 200],
];

const PROBE_PARAMS: Record<string, string> = {
  id: '00000000-0000-4000-8000-000000000000',
  influencerId: '00000000-0000-4000-8000-000000000000',
  keyId: '00000000-0000-4000-8000-000000000000',
  idOrSlug: 'no-such-venture',
  venture: 'no-such-venture',
  key: 'no-such-sequence',
  contactId: 'nobody',
  version: '1',
  slug: 'nothing',
  token: 'not-a-token',
  workflowId: 'no-such-run',
  email: 'nobody@example.com',
  stepId: 'welcome',
};

const IDENTITIES = ['marketer', 'chairman', 'operator', 'none', 'revoked', 'malformed'] as const;
type Identity = (typeof IDENTITIES)[number];

function expected(who: 'public' | 'any' | Role[], allowed: number, identity: Identity): number {
  if (who === 'public') return allowed;
  if (identity === 'none' || identity === 'revoked' || identity === 'malformed') return 401;
  return who === 'any' || who.includes(identity) ? allowed : 403;
}

test(`every route against every role, no key, a revoked key and a malformed key (${ACCESS.length} routes x ${IDENTITIES.length})`, async () => {
  const app = build({
    RATE_LIMIT_PER_MINUTE: 1_000_000,
    RATE_LIMIT_BURST: 1_000_000,
    UNSUBSCRIBE_RATE_LIMIT_PER_MINUTE: 1_000_000,
    SIGN_IN_RATE_LIMIT_PER_MINUTE: 1_000_000,
  });
  const served = listRoutes(app).map(routeKey).sort();
  const listed = ACCESS.map(([route]) => route).sort();
  // Both ways: a route without a row has no decision about who may call it; a row without a route is stale.
  expect({ missingFromTable: served.filter((r) => !listed.includes(r)) }).toEqual({ missingFromTable: [] });
  expect({ notServed: listed.filter((r) => !served.includes(r)) }).toEqual({ notServed: [] });
  // The OpenAPI document declares the same roles for every route (all three roles is the same as 'any').
  const norm = (who: 'public' | 'any' | readonly Role[]) =>
    typeof who === 'string' ? who : who.length === ROLES.length ? 'any' : [...who].sort().join(' or ');
  const declared = new Map(routesOf(app).map((r) => [`${r.method.toUpperCase()} ${r.path}`, norm(r.access)]));
  expect(ACCESS.filter(([route, who]) => declared.get(route) !== norm(who)).map(([route]) => route)).toEqual([]);

  const mismatches: string[] = [];
  let cells = 0;
  for (const [route, who, allowed] of ACCESS) {
    const [method, template] = route.split(' ') as [string, string];
    const url = template.replace(/:([A-Za-z]+)/g, (_, name: string) => PROBE_PARAMS[name] ?? 'x');
    for (const identity of IDENTITIES) {
      let call = request(app)[method.toLowerCase() as 'get'](url);
      if (identity === 'revoked') call = call.set('authorization', `Bearer ${keys.revoked}`);
      else if (identity === 'malformed') call = call.set('authorization', `Bearer ${keys.marketer.slice(0, -2)}!!`);
      else if (identity !== 'none') call = call.set('authorization', `Bearer ${keys[identity]}`);
      if (['POST', 'PUT', 'PATCH'].includes(method) && !template.startsWith('/u/')) call = call.send({});
      const res = await call;
      cells++;
      const want = expected(who, allowed, identity);
      if (res.status !== want) mismatches.push(`${route} as ${identity}: ${res.status}, expected ${want}`);
      if (res.status === 401) expect(res.headers['www-authenticate']).toContain('Bearer');
      if (res.status === 403) expect(res.body.error).toContain('role');
    }
  }
  expect(mismatches).toEqual([]);
  expect(cells).toBe(ACCESS.length * IDENTITIES.length);
  process.stdout.write(`reliability/access: ${ACCESS.length} routes x ${IDENTITIES.length} identities = ${cells}\n`);
}, 60_000);

test('a refused role is audited; a refusal for no key is not a write', async () => {
  const app = build();
  const before = await database.db('audit_log').where({ action: 'access.denied' }).count({ n: '*' }).first();
  await request(app).post('/v1/contacts').set('authorization', `Bearer ${keys.chairman}`).send({}).expect(403);
  const after = await database.db('audit_log').where({ action: 'access.denied' }).count({ n: '*' }).first();
  expect(Number(after?.n)).toBe(Number(before?.n) + 1);
});

test('only an operator reads the caught mail: a marketer or chairman sees nobody’s approval email or unsubscribe link', async () => {
  const sink = await startSmtpSink();
  try {
    const token = signer.sign('unsubscribe', '00000000-0000-4000-8000-000000000001', 60_000);
    await createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true }).sendMail({
      from: 'GTM <hello@gtm.localhost>',
      to: 'chair@acme.test',
      subject: 'Approval needed: 9,000 USD',
      text: `Approve: http://localhost:3000/approvals/1\nUnsubscribe: http://localhost:3000/u/${token}`,
    });
    await sink.waitFor(() => sink.list().length === 1);
    const app = createApp({
      db: database.db,
      temporal: env.client,
      config: baseConfig,
      log: createLogger('silent'),
      signer,
      mailCatcher: sink,
    });
    for (const role of ['marketer', 'chairman'] as const) {
      const res = await request(app).get('/v1/dev/mail').set('authorization', `Bearer ${keys[role]}`);
      expect([role, res.status]).toEqual([role, 403]);
      expect(res.text).not.toContain(token);
      expect(res.text).not.toContain('Approval needed');
    }
    const operator = await request(app).get('/v1/dev/mail').set('authorization', `Bearer ${keys.operator}`);
    expect(operator.status).toBe(200);
    expect(operator.body.messages[0].text).toContain(token);
  } finally {
    await sink.stop();
  }
});

test('an operator can neither create a campaign nor raise or move its budget; nothing is written and the refusals are audited', async () => {
  const app = build();
  const as = (role: Role) => ({ authorization: `Bearer ${keys[role]}` });
  const venture = await request(app)
    .post('/v1/ventures')
    .set(as('marketer'))
    .send({
      name: 'Roles',
      slug: uniqueId('roles')
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-'),
      productName: 'Roles',
    })
    .expect(201);
  const today = new Date().toISOString().slice(0, 10);
  const campaign = {
    ventureId: venture.body.id,
    name: 'Operator launch',
    type: 'launch',
    platforms: ['google'],
    startDate: today,
    endDate: today,
    budget: 1000,
  };
  const refused = await request(app).post('/v1/campaigns').set(as('operator')).send(campaign);
  expect(refused.status).toBe(403);
  expect(refused.body.error).toContain('marketer');
  expect((await request(app).get('/v1/campaigns').set(as('marketer'))).body.campaigns).not.toContainEqual(
    expect.objectContaining({ ventureId: venture.body.id }),
  );

  const created = await request(app).post('/v1/campaigns').set(as('marketer')).send(campaign).expect(201);
  const budget = await request(app)
    .post(`/v1/campaigns/${created.body.id}/budget`)
    .set(as('operator'))
    .send({ budget: 1100, reason: 'ops' });
  expect(budget.status).toBe(403);
  await request(app).post(`/v1/campaigns/${created.body.id}/reallocate`).set(as('operator')).send({}).expect(403);
  // The list reads the stored row (the single campaign would also ask its run, which has no worker here).
  const listed = (await request(app).get('/v1/campaigns').set(as('marketer'))).body.campaigns;
  expect(listed).toContainEqual(expect.objectContaining({ id: created.body.id, budget: 1000 }));
  const denied = await database
    .db('audit_log')
    .where({ action: 'access.denied', actor_role: 'operator' })
    .whereIn('subject_id', [
      'POST /v1/campaigns',
      'POST /v1/campaigns/:id/budget',
      'POST /v1/campaigns/:id/reallocate',
    ]);
  expect(denied.length).toBeGreaterThanOrEqual(3);
  await env.client.workflow.getHandle(created.body.workflowId).terminate('test over');
});

describe('rate limits', () => {
  test('each key has its own limit, after authentication; over it is 429 with Retry-After and a JSON error', async () => {
    const app = build({ RATE_LIMIT_PER_MINUTE: 60, RATE_LIMIT_BURST: 5 });
    const as = (role: Role) => ({ authorization: `Bearer ${keys[role]}` });
    for (let i = 0; i < 5; i++) await request(app).get('/v1/sequences').set(as('marketer')).expect(200);
    const limited = await request(app).get('/v1/sequences').set(as('marketer'));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.body).toEqual({ error: expect.stringContaining('too many requests') });
    // A limited key is refused before its body is read: even an oversized body is a 429, not a 413.
    const big = await request(app)
      .post('/v1/events')
      .set(as('marketer'))
      .set('content-type', 'application/json')
      .send(JSON.stringify({ pad: 'x'.repeat(3_000_000) }));
    expect(big.status).toBe(429);
    // Another key is not slowed down by this one.
    await request(app).get('/v1/sequences').set(as('operator')).expect(200);
    // Without a valid key the answer is 401: the limit counts keys, not made-up ones.
    for (let i = 0; i < 10; i++)
      await request(app).get('/v1/sequences').set('authorization', 'Bearer gtm_nope').expect(401);
    // Health, readiness and metrics are for probes and scrapers: never limited.
    for (let i = 0; i < 30; i++) {
      await request(app).get('/healthz').expect(200);
      await request(app).get('/metrics').expect(200);
    }
    expect((await request(app).get('/readyz')).status).toBe(200);
  });

  test('unsubscribe links are limited per client address, not per key', async () => {
    // Budgets live in the database every app built here shares, as API replicas share them: a rate of its own keeps
    // this test's spent budget out of the later tests' way.
    const app = build({ UNSUBSCRIBE_RATE_LIMIT_PER_MINUTE: 59 });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await request(app).get('/u/not-a-token')).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(400));
    expect(statuses.slice(10)).toEqual([429, 429]);
    // Behind a proxy on loopback the client's address comes from X-Forwarded-For: another client is not limited.
    await request(app).get('/u/not-a-token').set('x-forwarded-for', '203.0.113.7').expect(400);
    // A key's requests are not counted against the address, nor the other way round.
    await request(app).get('/v1/sequences').set('authorization', `Bearer ${keys.marketer}`).expect(200);
  });
});

test('secure headers on every kind of answer: API, error, dashboard, unsubscribe page, rate limit', async () => {
  const app = build({ RATE_LIMIT_PER_MINUTE: 60, RATE_LIMIT_BURST: 1 });
  const auth = { authorization: `Bearer ${keys.chairman}` };
  await request(app).get('/v1/meta').set(auth).expect(200);
  const answers = [
    await request(app).get('/healthz'),
    await request(app).get('/v1/contacts/x'),
    await request(app).get('/v1/nowhere').set('authorization', `Bearer ${keys.operator}`),
    await request(app).get('/v1/meta').set(auth),
    await request(app).get('/docs'),
    await request(app).get('/u/not-a-token'),
  ];
  expect(answers.map((a) => a.status)).toEqual([200, 401, 404, 429, 200, 400]);
  for (const res of answers) {
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'self'");
    expect(res.headers['content-security-policy']).toContain("object-src 'none'");
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.text).not.toMatch(/\n\s+at\s/);
  }
});

test('unsubscribe links are signed, bound to one contact and one purpose, and expire', async () => {
  const app = build();
  const contacts = new ContactStore(database.db);
  const { contact: ann } = await contacts.upsert({ externalId: uniqueId('ann'), email: 'ann@example.com' });
  const { contact: bob } = await contacts.upsert({ externalId: uniqueId('bob'), email: 'bob@example.com' });
  const unsubscribed = async (id: string) => (await contacts.getById(id))!.unsubscribedAt !== null;

  const expired = signer.sign('unsubscribe', ann.id, 60_000, Date.now() - 120_000);
  await request(app).get(`/u/${expired}`).expect(400);
  const otherPurpose = signer.sign('login', ann.id, 60_000);
  await request(app).get(`/u/${otherPurpose}`).expect(400);
  const forgedByOtherSecret = new LinkSigner('x'.repeat(40)).sign('unsubscribe', ann.id, 60_000);
  await request(app).post(`/u/${forgedByOtherSecret}`).expect(400);
  // Bob's valid signature does not carry over to Ann's id.
  const [, bobExpiry, bobMac] = signer.sign('unsubscribe', bob.id, 60_000).split('.');
  const swapped = `${Buffer.from(`unsubscribe:${ann.id}`).toString('base64url')}.${bobExpiry}.${bobMac}`;
  await request(app).get(`/u/${swapped}`).expect(400);
  expect(await unsubscribed(ann.id)).toBe(false);
  expect(await unsubscribed(bob.id)).toBe(false);

  await request(app)
    .post(`/u/${signer.sign('unsubscribe', ann.id, 60_000)}`)
    .type('form')
    .send('List-Unsubscribe=One-Click')
    .expect(200, { unsubscribed: true });
  expect(await unsubscribed(ann.id)).toBe(true);
  expect(await unsubscribed(bob.id)).toBe(false);
});

test('the logger drops credentials even when a whole configuration, a request or an email is logged', () => {
  const lines: string[] = [];
  const log = createLogger('info', { write: (line: string) => void lines.push(line) });
  const secrets = [
    'Sign1ng-secret-for-the-logger-test-000000000',
    'smtp-pass-logged',
    'db-pass-logged',
    'SG.key-logged',
  ];
  const config = loadConfig({
    SIGNING_SECRET: secrets[0],
    SMTP_URL: `smtp://u:${secrets[1]}@smtp.example.com:587`,
    DATABASE_URL: `postgres://u:${secrets[2]}@db.example.com/gtm`,
    EMAIL_PROVIDER: 'sendgrid',
    SENDGRID_API_KEY: secrets[3],
  });
  log.info({ config }, 'configuration');
  log.info(config, 'configuration, spread');
  log.info({ req: { headers: { authorization: `Bearer ${keys.marketer}`, cookie: 'session=1' } } }, 'request');
  log.warn({ err: { headers: { authorization: `Bearer ${keys.operator}` } } }, 'failed call');
  log.info({ message: { to: 'a@example.com', html: '<p>secret body</p>', text: 'secret body' } }, 'sending');
  log.info({ taskToken: 'AAAA-task-token', details: { taskToken: 'BBBB-task-token' } }, 'approval');
  expect(lines).toHaveLength(6);
  const all = lines.join('\n');
  for (const s of [...secrets, keys.marketer, keys.operator, 'session=1', 'secret body', 'task-token'])
    expect(all).not.toContain(s);
  expect(all).toContain('a@example.com'); // the rest of the line is kept
});

test('a full run of the product logs no API key, signing secret, SMTP or database password, email body or task token', async () => {
  // A provider that asks for a login, so the SMTP password is really used.
  const sink = new HoldingSmtpSink();
  await sink.start();
  const mailTo = async (address: string) => {
    const found = await waitUntil(
      () => sink.mails.find((m) => m.to.includes(address)),
      Boolean,
      30_000,
      `mail to ${address}`,
    );
    return simpleParser(found!.raw);
  };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-logscan-'));
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const secrets = {
    signing: 'Sign1ngSecretThatMustNeverBeLogged-0000000',
    smtpPassword: 'Smtp-Passw0rd-Never-Logged',
    dbPassword: 'Db-Passw0rd-Never-Logged',
  };
  // Trust authentication on the test server accepts any password, so one can be in the URL to be looked for.
  const dbUrl = new URL(database.url);
  dbUrl.username = 'postgres';
  dbUrl.password = secrets.dbPassword;
  const smtpUrl = new URL(sink.url);
  smtpUrl.username = 'mailer';
  smtpUrl.password = secrets.smtpPassword;
  const child = spawnTs(
    'bin/start.ts',
    {
      NODE_ENV: 'production',
      LOG_LEVEL: 'debug',
      PORT: String(port),
      PUBLIC_URL: api,
      DATA_DIR: dataDir,
      DATABASE_URL: dbUrl.toString(),
      TEMPORAL_ADDRESS: process.env.GTM_TEST_TEMPORAL_ADDRESS!,
      TASK_QUEUE: uniqueId('logscan'),
      SMTP_URL: smtpUrl.toString(),
      SIGNING_SECRET: secrets.signing,
      CHAIRMAN_EMAIL: 'chair@acme.test',
      CHURN_SCAN_ENABLED: 'false',
    },
    'Press Ctrl-C to stop.',
  );
  try {
    await child.ready;
    const call = async (role: Role | 'revoked' | 'bad', method: string, p: string, body?: unknown) => {
      const key = role === 'bad' ? 'gtm_ThisKeyDoesNotExistButLooksLikeOne000000000' : keys[role];
      const res = await fetch(`${api}${p}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json().catch(() => null)) as any };
    };
    // Contacts, events and the welcome email.
    expect(
      (
        await call('marketer', 'POST', '/v1/contacts', {
          id: 'log-1',
          email: 'log1@example.com',
          traits: { first_name: 'Lou' },
        })
      ).status,
    ).toBe(201);
    expect((await call('marketer', 'POST', '/v1/events', { contactId: 'log-1', name: 'signup' })).status).toBe(202);
    const welcome = await mailTo('log1@example.com');
    expect(sink.logins).toContain(secrets.smtpPassword);
    // The provider refuses mail for a while: the retries are logged as warnings, with the error but not the email.
    sink.refuse = true;
    expect((await call('marketer', 'POST', '/v1/contacts', { id: 'log-2', email: 'log2@example.com' })).status).toBe(
      201,
    );
    expect((await call('marketer', 'POST', '/v1/events', { contactId: 'log-2', name: 'signup' })).status).toBe(202);
    await waitUntil(
      () => child.output(),
      (o) => o.includes('Activity failed'),
      20_000,
      'a failed send in the log',
    );
    sink.refuse = false;
    await mailTo('log2@example.com');
    // Failed authentication, three ways.
    expect((await call('bad', 'GET', '/v1/sequences')).status).toBe(401);
    expect((await call('revoked', 'GET', '/v1/sequences')).status).toBe(401);
    expect(
      (
        await fetch(`${api}/v1/sequences`, {
          headers: { authorization: `Basic ${Buffer.from(`admin:${secrets.dbPassword}`).toString('base64')}` },
        })
      ).status,
    ).toBe(401);
    // The email's own link: its page (a GET, as a mail scanner would fetch it), then the one-click POST.
    const header = welcome.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '';
    const link = /<([^>]+\/u\/[^>]+)>/.exec(header)![1]!;
    expect((await fetch(link)).status).toBe(200);
    const oneClick = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);
    // An approval: a campaign over the threshold, asked of the chairman by email, approved through the API.
    const venture = await call('marketer', 'POST', '/v1/ventures', {
      name: 'Logged',
      slug: 'logged',
      productName: 'Logged',
    });
    expect(venture.status).toBe(201);
    const today = new Date().toISOString().slice(0, 10);
    const campaign = await call('marketer', 'POST', '/v1/campaigns', {
      ventureId: venture.body.id,
      name: 'Log launch',
      type: 'launch',
      platforms: ['google'],
      startDate: today,
      endDate: today,
      budget: 9000,
    });
    expect(campaign.status).toBe(201);
    const pending = await waitUntil(
      () => call('chairman', 'GET', '/v1/approvals?status=pending'),
      (r) => r.body?.approvals?.length === 1,
      30_000,
      'the approval request',
    );
    const asked = await mailTo('chair@acme.test');
    const decided = await call('chairman', 'POST', `/v1/approvals/${pending.body.approvals[0].id}/decision`, {
      decision: 'approve',
      comment: 'fine',
    });
    expect(decided.status).toBe(200);
    // Errors on the way: a 404, a 400 with a hostile body, a forbidden role.
    expect((await call('marketer', 'GET', '/v1/contacts/nobody')).status).toBe(404);
    expect(
      (await call('marketer', 'POST', '/v1/contacts', { id: '', email: "'; DROP TABLE contacts;--" })).status,
    ).toBe(400);
    expect((await call('chairman', 'POST', '/v1/events', { contactId: 'log-1', name: 'x' })).status).toBe(403);

    child.child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    const log = child.output();
    expect(log).toContain('API: listening');
    const lines = log.split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(10);
    const token = link.slice(link.indexOf('/u/') + 3);
    const forbidden: Record<string, string> = {
      'marketer key': keys.marketer,
      'chairman key': keys.chairman,
      'operator key': keys.operator,
      'revoked key': keys.revoked,
      'unknown key': 'gtm_ThisKeyDoesNotExistButLooksLikeOne000000000',
      'signing secret': secrets.signing,
      'SMTP password': secrets.smtpPassword,
      'database password': secrets.dbPassword,
      'unsubscribe token': token,
      'welcome body': "We're glad you're here",
      'welcome html': '<p>Welcome to',
      'approval email body':
        (asked.text ?? '')
          .split('\n')
          .find((l) => l.trim().length > 30)
          ?.trim() ?? '(none)',
      taskToken: 'taskToken',
    };
    const leaks = Object.entries(forbidden)
      .filter(([, secret]) => lines.some((l) => l.includes(secret)))
      .map(([what]) => what);
    expect(leaks).toEqual([]);
    process.stdout.write(
      `reliability/access: log scan over ${lines.length} lines, ${Object.keys(forbidden).length} secrets looked for\n`,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- output ---\n${child.output().slice(0, 6000)}`);
  } finally {
    if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
    await sink.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
