import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import request from 'supertest';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { createApp, routesOf } from '../../api/app';
import { loadConfig } from '../../config/config';
import { installBuiltinSequences } from '../../db/builtinSequences';
import { ApiKeyStore, type Role } from '../../db/stores/apiKeys';
import { createLogger } from '../../infra/logger';
import type { MailCatcher } from '../../infra/mailCatcher';
import { LinkSigner } from '../../infra/signing';
import { createSmtpProvider } from '../../providers/email';
import {
  connectDevServer,
  createTestDatabase,
  createTestWorker,
  startSmtpSink,
  uniqueId,
  type TestDatabase,
} from '../harness';
import { listRoutes, routeKey, type RouteInfo } from './routes';

/*
 * Every route, with generated paths, ids, query strings, headers and bodies, in process against a real database and
 * the run's Temporal dev server: no 500, no stack trace, no row written by a request that was refused. A fixed seed
 * keeps CI repeatable; FUZZ_SEED and FUZZ_RUNS explore further.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_128);
const SIGNING_SECRET = 'fuzz-signing-secret-that-is-long-enough-00';

/** Strings that must be stored and shown as they are, never run: SQL, HTML, handlebars, control and odd Unicode. */
export const HOSTILE = [
  "'; DROP TABLE contacts;--",
  "1' OR '1'='1",
  '" OR ""="',
  "Robert'); DROP TABLE events; --",
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg/onload=alert(1)>',
  'javascript:alert(1)',
  '{{#each this}}x{{/each}}',
  '{{constructor.constructor "return process"}}',
  '{{> layout}}',
  '{{{unsubscribe_url}}}',
  '${process.exit(1)}',
  '../../../../etc/passwd',
  '%00',
  '%',
  '%E0%A4%A',
  'a\u0000b',
  '\u0000',
  '\ud800',
  '\u202eevil',
  '\r\nX-Injected: 1',
  '😀'.repeat(50),
  'x'.repeat(5_000),
  '__proto__',
  'constructor',
  'prototype',
  'NaN',
  '-1',
  '1e309',
  '0x10',
  'null',
  'true',
  '[]',
  '{}',
  ' ',
  '',
];

const FIELDS = [
  'id',
  'email',
  'name',
  'key',
  'slug',
  'contactId',
  'events',
  'traits',
  'properties',
  'occurredAt',
  'idempotencyKey',
  'timezone',
  'steps',
  'triggers',
  'goals',
  'type',
  'template',
  'subject',
  'budget',
  'currency',
  'platforms',
  'startDate',
  'endDate',
  'ventureId',
  'decision',
  'comment',
  'reason',
  'text',
  'model',
  'journeys',
  'channels',
  'inputs',
  'influencer',
  'influencerId',
  'influencers',
  'limit',
  'offset',
  'status',
  '__proto__',
  'constructor',
];

const hostileString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...HOSTILE), fc.string()).map(([a, b]) => a + b) },
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  {
    weight: 2,
    arbitrary: fc.constantFrom(0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.1 + 0.2, -0, null, true, false, [], {}),
  },
  { weight: 1, arbitrary: fc.double() },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 4 }) },
);

/** encodeURIComponent, for any string: a lone surrogate has no UTF-8, so it goes as U+FFFD, as a browser sends it. */
const encode = (s: string) => encodeURIComponent(Buffer.from(s).toString());

/** A JSON value nested deeper than any real payload: parsing it is cheap, but naive recursion over it is not. */
const deep = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

let database: TestDatabase;
let env: TestWorkflowEnvironment;
let app: ReturnType<typeof createApp>;
/** One in-process HTTP server for all the requests, instead of one per request. */
let server: http.Server;
let connection: Connection;
let keys: Record<Role | 'revoked', string>;
let ids: { venture: string[]; contact: string[]; sequence: string[]; token: string[] };
const logLines: string[] = [];
const config = {
  ...loadConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: 'http://localhost:3000',
    // The webhooks verify what they get, as in production; nothing the fuzz sends is signed.
    SENDGRID_WEBHOOK_PUBLIC_KEY: generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      .publicKey.export({ format: 'der', type: 'spki' })
      .toString('base64'),
    MAILGUN_WEBHOOK_SIGNING_KEY: 'fuzz-mailgun-signing-key',
    SEGMENT_WRITE_KEY: 'fuzz-segment-write-key-0001',
  }),
  TWILIO_AUTH_TOKEN: 'fuzz-twilio-auth-token',
  RATE_LIMIT_PER_MINUTE: 1_000_000,
  RATE_LIMIT_BURST: 1_000_000,
  UNSUBSCRIBE_RATE_LIMIT_PER_MINUTE: 1_000_000,
  SIGN_IN_RATE_LIMIT_PER_MINUTE: 1_000_000,
};
const signer = new LinkSigner(SIGNING_SECRET);
// No worker polls this task queue during the fuzz: nothing writes to the database behind a request's back.
const taskQueue = uniqueId('fuzz');

beforeAll(async () => {
  database = await createTestDatabase();
  env = await connectDevServer();
  await installBuiltinSequences(database.db);
  const log = createLogger(
    'info',
    new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );
  // A client of its own without the SDK's call retries: the API answers a state query to a run no worker serves
  // from its own timeout, and a retried query would otherwise outlive the test and the connection.
  connection = await Connection.connect({ address: process.env.GTM_TEST_TEMPORAL_ADDRESS!, interceptors: [] });
  app = createApp({ db: database.db, temporal: new Client({ connection }), config, log, signer, taskQueue });
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const store = new ApiKeyStore(database.db);
  keys = {
    marketer: (await store.create('fuzz marketer', 'marketer')).key,
    chairman: (await store.create('fuzz chairman', 'chairman')).key,
    operator: (await store.create('fuzz operator', 'operator')).key,
    revoked: '',
  };
  const old = await store.create('fuzz revoked', 'marketer');
  await store.revoke(old.id);
  keys.revoked = old.key;

  // Some real ids, so that generated requests reach past the 404s into validation and writes.
  const auth = { authorization: `Bearer ${keys.marketer}` };
  const venture = await request(app)
    .post('/v1/ventures')
    .set(auth)
    .send({ name: 'Fuzz Ventures', slug: 'fuzz-ventures', productName: 'Fuzzer' });
  expect(venture.status).toBe(201);
  await request(app).post('/v1/contacts').set(auth).send({ id: 'fuzz-contact', email: 'fuzz@example.com' }).expect(201);
  await countRowChanges(database.db);
  ids = {
    venture: [venture.body.id, 'fuzz-ventures'],
    contact: ['fuzz-contact'],
    sequence: ['onboarding', 'nurture'],
    token: [signer.sign('unsubscribe', '00000000-0000-4000-8000-000000000000', 60_000)],
  };
}, 30_000);
afterAll(async () => {
  server?.close();
  // The runs the fuzz started wait for a worker that never comes: end them.
  if (env) {
    for await (const run of env.client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
      await env.client.workflow
        .getHandle(run.workflowId, run.runId)
        .terminate('fuzz test over')
        .catch(() => undefined);
    }
  }
  await connection?.close();
  await env?.teardown();
  await database?.destroy();
});

/** Valid bodies for the writing routes; the fuzzer mutates them one field at a time. */
function seeds(): Record<string, Record<string, unknown>> {
  const ventureId = ids.venture[0]!;
  const today = new Date().toISOString().slice(0, 10);
  return {
    'POST /v1/contacts': { id: 'fuzz-contact', email: 'fuzz@example.com', traits: { plan: 'pro' } },
    'POST /v1/events': { contactId: 'fuzz-contact', name: 'page_viewed', properties: { path: '/' } },
    'POST /v1/sequences': {
      key: 'fuzz-seq',
      name: 'Fuzz',
      topic: 'onboarding',
      triggers: [{ event: 'fuzzed' }],
      steps: [{ id: 'hello', type: 'send', template: 'welcome', subject: 'Hi' }],
    },
    'PUT /v1/sequences/:key': {
      name: 'Fuzz',
      topic: 'onboarding',
      triggers: [{ event: 'fuzzed' }],
      steps: [{ id: 'hello', type: 'send', template: 'welcome', subject: 'Hi' }],
    },
    'POST /v1/sequences/:key/enrollments': { contactId: 'fuzz-contact' },
    'POST /v1/ventures': { name: 'Another', slug: 'another-venture', productName: 'Thing' },
    'PATCH /v1/ventures/:id': { description: 'changed' },
    'POST /v1/campaigns': {
      ventureId,
      name: 'Fuzz campaign',
      type: 'launch',
      platforms: ['google_ads'],
      startDate: today,
      endDate: today,
      budget: 100,
    },
    'POST /v1/campaigns/:id/budget': { budget: 200 },
    'POST /v1/approvals/:id/decision': { decision: 'approve' },
    'POST /v1/attribution': { model: 'linear', journeys: [{ touchpoints: ['A', 'B'], converted: true, value: 10 }] },
    'POST /v1/channel-mix/optimize': {
      objective: 'minBudget',
      targetConversions: 50,
      maxShare: 1,
      minChannels: 1,
      channels: [
        { name: 'a', curve: { maxConversions: 100, halfSaturation: 100, shape: 1 } },
        {
          name: 'b',
          fitted: {
            response: { decay: 0.5, halfSaturation: 100, shape: 1, maxEffect: 100 },
            draws: [{ decay: 0.4, halfSaturation: 120, shape: 1, maxEffect: 90 }],
          },
        },
      ],
    },
    'POST /v1/media-mix/fit': {
      days: Array.from({ length: 60 }, (_, i) => ({
        date: new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10),
        spend: { search: 100 + ((i * 37) % 90), social: 50 + ((i * 53) % 70) },
        conversions: 40 + ((i * 17) % 25),
      })),
      draws: 0,
    },
    'POST /v1/campaigns/:id/proposals': {},
    'POST /v1/campaigns/:id/reallocate': {},
    'POST /v1/readiness': { inputs: {} },
    'POST /v1/influencers/score': { ventureId, influencer: { handle: 'x', platform: 'instagram' } },
    'POST /v1/ventures/:id/strategies': {},
    'POST /v1/commands': { text: 'what is waiting for my approval' },
    'POST /v1/campaigns/:id/influencers': { influencerId: '00000000-0000-4000-8000-000000000000' },
  };
}

interface Fuzzed {
  route: RouteInfo;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

function arbitraryRequest(routes: RouteInfo[]): fc.Arbitrary<Fuzzed> {
  const seedBodies = seeds();
  const known = [...ids.venture, ...ids.contact, ...ids.sequence, ...ids.token];
  const segment = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...known).map(encode) },
    { weight: 2, arbitrary: fc.uuid().map(String) },
    { weight: 3, arbitrary: hostileString.map(encode) },
    // Sent raw: broken percent-encoding, dots, and the like.
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '..', '.', '%2e%2e', '%00', 'a%2Fb', '-1') },
  );
  const query = fc.oneof(
    { weight: 3, arbitrary: fc.constant('') },
    {
      weight: 2,
      arbitrary: fc
        .dictionary(
          fc.constantFrom(
            'limit',
            'offset',
            'status',
            'ventureId',
            'from',
            'to',
            'model',
            'budget',
            'q',
            'x',
            '__proto__',
          ),
          fc.oneof(hostileString, fc.integer().map(String)),
          { minKeys: 1, maxKeys: 3 },
        )
        .map((q) => `?${new URLSearchParams(q as Record<string, string>).toString()}`),
    },
    { weight: 1, arbitrary: fc.constantFrom('?limit=1&limit=2', '?a[b]=1', '?%', '?limit=1e400', '?status[]=x') },
  );
  const headerText = fc.string({ maxLength: 30 }).filter((s) => /^[\x20-\x7e]*$/.test(s));
  const authorization = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom<Role>('marketer', 'chairman', 'operator').map((r) => `Bearer ${keys[r]}`) },
    { weight: 1, arbitrary: fc.constant(`Bearer ${keys.revoked}`) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        headerText.map((s) => `Bearer ${s}`),
        fc.constantFrom('', 'Bearer', 'Basic YTpi', `Bearer ${keys.marketer} extra`, `bearer ${keys.marketer}x`),
      ),
    },
  );
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'application/json; charset=utf-8',
        'application/json; charset=latin1',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'text/csv',
        'application/merge-patch+json',
        'garbage',
      ),
    },
  );
  const bodyFor = (route: RouteInfo): fc.Arbitrary<string | undefined> => {
    const seed = seedBodies[routeKey(route)];
    const mutated = seed
      ? fc
          .tuple(
            fc.constantFrom(...Object.keys(seed), ...FIELDS),
            hostileValue,
            fc.constantFrom('set', 'delete', 'keep'),
          )
          .map(([field, value, how]) => {
            const copy: Record<string, unknown> = { ...seed };
            if (how === 'set') copy[field] = value;
            if (how === 'delete') delete copy[field];
            return JSON.stringify(copy);
          })
      : fc.constant(undefined);
    return fc.oneof(
      { weight: 4, arbitrary: mutated },
      { weight: 2, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), hostileValue).map((b) => JSON.stringify(b)) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((b) => JSON.stringify(b)) },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          '{"id":',
          '{"a":1}}',
          '\u0000',
          'null',
          '""',
          '[]',
          '{"__proto__":{"admin":true}}',
          '{"constructor":{"prototype":{"admin":true}}}',
          deep(5_000),
          `{"traits":${deep(5_000)},"id":"deep","email":"deep@example.com"}`,
          `{"contactId":"fuzz-contact","name":"x","properties":{"a":${deep(5_000)}}}`,
        ),
      },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
  };
  return fc.constantFrom(...routes).chain((route) =>
    fc
      .record({
        params: fc.array(segment, { minLength: 4, maxLength: 4 }),
        query,
        authorization,
        contentType,
        body: bodyFor(route),
        extra: fc.dictionary(fc.constantFrom('x-forwarded-for', 'accept', 'x-request-id', 'origin'), headerText, {
          maxKeys: 2,
        }),
        otherMethod: fc.oneof({ weight: 19, arbitrary: fc.constant(undefined) }, fc.constantFrom('PUT', 'DELETE')),
      })
      .map(({ params, query: q, authorization: auth, contentType: ct, body, extra, otherMethod }) => {
        let i = 0;
        const path = route.path.replace(/:[A-Za-z]+/g, () => params[i++ % params.length]!);
        const headers: Record<string, string> = { ...extra };
        if (auth) headers.authorization = auth;
        if (body !== undefined) headers['content-type'] = ct;
        return {
          route,
          method: otherMethod ?? route.method,
          url: `${path}${q}`,
          headers,
          ...(body !== undefined ? { body } : {}),
        };
      }),
  );
}

/**
 * Rows inserted and deleted per table since the fuzz began, but audit_log (a refusal is audited by design) and
 * rate_limits (every request is counted): kept by row triggers in this test's own database, so one small read after
 * each request tells whether it wrote.
 */
async function countRowChanges(db: TestDatabase['db']): Promise<void> {
  await db.raw(`create table fuzz_row_changes (table_name text primary key, n bigint not null)`);
  await db.raw(`create function fuzz_count_row_change() returns trigger language plpgsql as $$
    begin
      insert into fuzz_row_changes values (TG_TABLE_NAME, 1) on conflict (table_name) do update set n = fuzz_row_changes.n + 1;
      return null;
    end $$`);
  const tables: string[] = (
    await db.raw(
      `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'
         and table_name not like 'knex_%' and table_name not in ('audit_log', 'rate_limits', 'fuzz_row_changes')`,
    )
  ).rows.map((r: { table_name: string }) => r.table_name);
  for (const t of tables) {
    await db.raw(
      `create trigger fuzz_count after insert or delete on "${t}" for each row execute function fuzz_count_row_change()`,
    );
  }
}

async function rowChanges(): Promise<Record<string, number>> {
  const rows: { table_name: string; n: string }[] = await database.db('fuzz_row_changes').select();
  return Object.fromEntries(rows.map((r) => [r.table_name, Number(r.n)]));
}

const STACK_TRACE = /\n\s+at\s|\bat\s\S+\s\(?\/\S+:\d+:\d+|node_modules|\.ts:\d+:\d+/;

async function send(r: Fuzzed) {
  let t = request(server)[r.method.toLowerCase() as 'get'](r.url).timeout(15_000);
  for (const [k, v] of Object.entries(r.headers)) t = t.set(k, v);
  if (r.body !== undefined) t = t.send(r.body);
  return t;
}

test(`${RUNS.toLocaleString('en')} generated requests over every route: no 500, no stack trace, no write without a 2xx`, async () => {
  const routes = listRoutes(app);
  expect(routes.length).toBeGreaterThan(40);
  const byStatus: Record<number, number> = {};
  const byRoute: Record<string, Record<number, number>> = {};
  let count = 0;
  const refusedByDb: Record<string, number> = {};
  let before = await rowChanges();
  const started = Date.now();
  await fc.assert(
    fc.asyncProperty(arbitraryRequest(routes), async (r) => {
      const logged = logLines.length;
      const res = await send(r);
      count++;
      if (logLines.slice(logged).some((l) => l.includes('value refused by the database')))
        refusedByDb[routeKey(r.route)] = (refusedByDb[routeKey(r.route)] ?? 0) + 1;
      byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
      const perRoute = (byRoute[routeKey(r.route)] ??= {});
      perRoute[res.status] = (perRoute[res.status] ?? 0) + 1;
      const after = await rowChanges();
      const describe = () =>
        `${r.method} ${r.url.slice(0, 300)} ${JSON.stringify(r.headers)} ${r.body?.slice(0, 300) ?? ''} -> ${res.status} ${res.text.slice(0, 300)}\n${
          logLines
            .filter((l) => l.includes('unhandled error'))
            .slice(-1)[0]
            ?.slice(0, 2_000) ?? ''
        }`;
      if (res.status >= 500) throw new Error(`server error: ${describe()}`);
      if (STACK_TRACE.test(res.text)) throw new Error(`stack trace in the response: ${describe()}`);
      if (res.status >= 300) {
        const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
        if (changed.length)
          throw new Error(`refused (${res.status}) but wrote to ${changed.join(', ')}: ${describe()}`);
      }
      before = after;
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
  process.stdout.write(
    `reliability/fuzz: ${count} requests over ${routes.length} routes in ${Date.now() - started} ms (seed ${SEED}); statuses ${JSON.stringify(byStatus)}\n`,
  );
  // Routes that passed a value to the database unchecked (a 400 all the same): worth a check in the route itself.
  process.stdout.write(`reliability/fuzz: values refused by the database, by route: ${JSON.stringify(refusedByDb)}\n`);
  expect(count).toBeGreaterThanOrEqual(RUNS);
  expect(logLines.filter((l) => l.includes('unhandled error'))).toEqual([]);
}, 300_000);

test('every body-taking route, for every role: a role it refuses is 403 before the body is read; else over 2 MB is 413, not its type is 415, nested 100,000 deep is 400, and nothing is written', async () => {
  const routes = listRoutes(app).filter(
    (r) => r.path.startsWith('/v1/') && ['POST', 'PUT', 'PATCH'].includes(r.method),
  );
  const declared = new Map(routesOf(app).map((r) => [`${r.method.toUpperCase()} ${r.path}`, r]));
  const big = JSON.stringify({ pad: 'x'.repeat(2_100_000) });
  const before = await rowChanges();
  for (const route of routes) {
    const url = route.path.replace(/:[A-Za-z]+/g, 'x');
    const declaration = declared.get(routeKey(route));
    if (!declaration) throw new Error(`not declared: ${routeKey(route)}`);
    // Provider webhooks and Segment sources are checked by their own signatures and keys; their size limits differ.
    // Sign-in and password resets need no key either, and read their JSON body as every other route does.
    const ownAuth = declaration.access === 'public' && /^\/v1\/(webhooks|segment)\//.test(route.path);
    const takesJson = declaration.bodyMediaTypes?.includes('application/json') ?? true;
    // Segment's single calls take 32 kB, so the 200 kB nested body is too large before its key is checked.
    const segmentCall = route.path.startsWith('/v1/segment/') && !route.path.endsWith('/batch');
    for (const role of ['marketer', 'chairman', 'operator'] as const) {
      const auth = { authorization: `Bearer ${keys[role]}` };
      const refused = typeof declaration.access !== 'string' && !declaration.access.includes(role);
      const tooBig = await request(app)
        [route.method.toLowerCase() as 'post'](url)
        .set(auth)
        .set('content-type', 'application/json')
        .send(big);
      const bigAnswer = refused ? 403 : takesJson ? 413 : 415;
      expect([routeKey(route), role, tooBig.status]).toEqual([routeKey(route), role, bigAnswer]);
      const wrongType = await request(app)
        [route.method.toLowerCase() as 'post'](url)
        .set(auth)
        .set('content-type', 'text/plain')
        .send('id=1&email=x');
      expect([routeKey(route), role, wrongType.status]).toEqual([routeKey(route), role, refused ? 403 : 415]);
      expect(wrongType.body.error).toEqual(expect.any(String));
      const tooDeep = await request(app)
        [route.method.toLowerCase() as 'post'](url)
        .set(auth)
        .set('content-type', 'application/json')
        .send(`{"id":"x","email":"x@example.com","traits":{"a":${deep(100_000)}}}`);
      // A JSON body where a form is due is refused for its type; a provider's webhook or a source refuses an
      // unsigned or keyless body before it trusts anything in it.
      const refusedDeep = refused ? 403 : segmentCall ? 413 : !takesJson ? 415 : ownAuth ? 401 : 400;
      expect([routeKey(route), role, tooDeep.status]).toEqual([routeKey(route), role, refusedDeep]);
    }
  }
  // The unsubscribe link takes a one-click form post of at most 1 kB.
  const link = await request(app)
    .post(`/u/${ids.token[0]}`)
    .set('content-type', 'application/x-www-form-urlencoded')
    .send(`List-Unsubscribe=${'x'.repeat(2_000)}`);
  expect(link.status).toBe(413);
  expect(await rowChanges()).toEqual(before);
});

test('SQL, HTML and handlebars in a contact are stored as they are, and the welcome email shows them escaped, never run', async () => {
  const hostile = `<img src=x onerror=alert(1)>{{#each this}}x{{/each}}'; DROP TABLE contacts;--`;
  // A database of its own: the fuzz may have archived or redefined the built-in sequences, as it is allowed to.
  const fresh = await createTestDatabase();
  await installBuiltinSequences(fresh.db);
  const sink: MailCatcher = await startSmtpSink();
  const queue = uniqueId('fuzz-mail');
  const email = createSmtpProvider(sink.url);
  const worker = await createTestWorker(env, {
    taskQueue: queue,
    activities: createActivities({
      db: fresh.db,
      email,
      signer,
      mail: {
        from: 'Acme <hello@acme.test>',
        productName: 'Acme Notes',
        companyName: 'Acme Inc.',
        publicUrl: 'http://localhost:3000',
        appUrl: 'https://app.acme.test',
        frequencyCap: { max: 10, windowMs: 3600_000 },
      },
    }),
  });
  const mailApp = createApp({
    db: fresh.db,
    temporal: env.client,
    config,
    log: createLogger('silent'),
    signer,
    taskQueue: queue,
  });
  const auth = { authorization: `Bearer ${(await new ApiKeyStore(fresh.db).create('mail', 'marketer')).key}` };
  try {
    await worker.runUntil(async () => {
      const created = await request(mailApp)
        .post('/v1/contacts')
        .set(auth)
        .send({ id: hostile, email: 'hostile@example.com', traits: { first_name: hostile, [hostile]: hostile } });
      expect(created.status).toBe(201);
      const read = await request(mailApp)
        .get(`/v1/contacts/${encodeURIComponent(hostile)}`)
        .set(auth);
      expect(read.status).toBe(200);
      expect(read.body.id).toBe(hostile);
      expect(read.body.traits).toEqual({ first_name: hostile, [hostile]: hostile });
      await request(mailApp).post('/v1/events').set(auth).send({ contactId: hostile, name: 'signup' }).expect(202);
      const [mail] = await sink.waitFor((m) => m.length === 1, 20_000);
      expect(mail!.subject).toBe('Welcome to Acme Notes');
      // Escaped: the markup is text, the handlebars block is text (not run over the context), the SQL is text.
      expect(mail!.html).toContain(
        '&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;{{#each this}}x{{/each}}&#x27;; DROP TABLE contacts;--',
      );
      expect(mail!.html).not.toContain('<img src=x');
      expect(mail!.text).toContain(hostile);
      expect(await fresh.db('contacts').count({ n: '*' }).first()).toBeDefined(); // the table is still there
    });
  } finally {
    await email.close();
    await sink.stop();
    await fresh.destroy();
  }
}, 60_000);
