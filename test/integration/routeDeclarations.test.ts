import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import { routesOf } from '../../api/app';
import { routeKey, type AnyRoute } from '../../api/registry';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { connectDevServer, createTestApp, createTestDatabase, uniqueId, type TestDatabase } from '../harness';

let database: TestDatabase;
let env: TestWorkflowEnvironment;
let app: Express;
let key: string;

beforeAll(async () => {
  database = await createTestDatabase();
  env = await connectDevServer();
  app = createTestApp(database.db, env.client, { taskQueue: uniqueId('declarations') });
  key = (await new ApiKeyStore(database.db).create('declarations marketer', 'marketer')).key;
});
afterAll(async () => {
  await env?.teardown();
  await database?.destroy();
});

const call = (method: 'get' | 'post' | 'put', path: string, body?: unknown) => {
  const req = request(app)[method](path).set('authorization', `Bearer ${key}`);
  return body === undefined ? req : req.send(body as object);
};

const route = (k: string): AnyRoute => {
  const found = routesOf(app).find((r) => routeKey(r) === k);
  if (!found) throw new Error(`${k} is not declared`);
  return found;
};

test('every worked example in the reference is a body its route accepts', () => {
  const rejected = routesOf(app)
    .filter((r) => r.body && r.example?.body !== undefined)
    .flatMap((r) => {
      const parsed = r.body!.safeParse(r.example!.body);
      return parsed.success ? [] : [`${routeKey(r)}: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`];
    });
  expect(rejected).toEqual([]);
});

test('the reference’s sequence example is stored as it stands, without warnings, and its PUT example versions it', async () => {
  const post = route('POST /v1/sequences').example!.body as { key: string };
  const created = await call('post', '/v1/sequences', post);
  expect([created.status, created.body.problems]).toEqual([201, undefined]);
  expect(created.body).toMatchObject({ key: post.key, version: 1, warnings: [] });
  const put = route('PUT /v1/sequences/:key').example!.body;
  const versioned = await call('put', `/v1/sequences/${post.key}`, put);
  expect(versioned.status).toBe(200);
  expect(versioned.body).toMatchObject({ version: 2, warnings: [], runningEnrollments: { active: 0 } });
});

test('the reference’s event and hand-enrollment examples work for a contact with that id', async () => {
  const event = route('POST /v1/events').example!.body as { contactId: string };
  expect((await call('post', '/v1/contacts', { id: event.contactId, email: 'user-1@example.com' })).status).toBe(201);
  const first = await call('post', '/v1/events', event);
  expect(first.status).toBe(202);
  expect(first.body).toMatchObject({ status: 'accepted', eventId: expect.any(Number) });
  // The example carries an idempotency key: sent again, it is a duplicate and stores nothing twice.
  expect((await call('post', '/v1/events', event)).body).toMatchObject({ status: 'duplicate', enrolled: [] });

  const sequence = route('POST /v1/sequences').example!.body as { key: string };
  const enrollment = route('POST /v1/sequences/:key/enrollments').example!.body;
  const enrolled = await call('post', `/v1/sequences/${sequence.key}/enrollments`, enrollment);
  expect([enrolled.status, enrolled.body.error]).toEqual([201, undefined]);
  const exit = route('POST /v1/sequences/:key/enrollments/:contactId/exit').example!;
  const exiting = await call('post', `/v1/sequences/${sequence.key}/enrollments/${event.contactId}/exit`, exit.body);
  expect(exiting.status).toBe(202);
  expect(exiting.body).toMatchObject({ status: 'exiting', reason: 'booked a demo by phone' });
});

test('one bad event, and a batch whose shape is wrong, each get a 400 naming the bad field, not just "invalid input"', async () => {
  const one = await call('post', '/v1/events', { contactId: 'user-1', name: 'signed up!' });
  expect(one.status).toBe(400);
  expect(one.body.problems).toEqual([{ path: 'name', message: expect.stringContaining('letters, digits') }]);
  const missing = await call('post', '/v1/events', { name: 'signup' });
  expect(missing.body.problems.map((p: { path: string }) => p.path)).toEqual(['contactId']);
  const empty = await call('post', '/v1/events', { events: [] });
  expect(empty.status).toBe(400);
  expect(empty.body.problems.map((p: { path: string }) => p.path)).toEqual(['events']);
});
