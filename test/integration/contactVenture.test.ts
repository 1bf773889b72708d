import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { connectDevServer, createTestApp, createTestDatabase, type TestDatabase } from '../harness';

// A user's own contacts, posted with the venture they belong to, are what that venture's attribution reads.
let t: TestDatabase;
let env: TestWorkflowEnvironment;
let app: Express;
let auth: { authorization: string };
let ventureId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  env = await connectDevServer();
  app = createTestApp(t.db, env.client);
  auth = { authorization: `Bearer ${(await new ApiKeyStore(t.db).create('m', 'marketer')).key}` };
  const venture = await request(app)
    .post('/v1/ventures')
    .set(auth)
    .send({ name: 'Acme', slug: 'acme', productName: 'Acme Notes' })
    .expect(201);
  ventureId = venture.body.id;
});
afterAll(async () => {
  await env.teardown();
  await t.destroy();
});

const event = (contactId: string, name: string, occurredAt: string, properties: Record<string, unknown>) =>
  request(app).post('/v1/events').set(auth).send({ contactId, name, occurredAt, properties }).expect(202);

test('a contact posted with its ventureId keeps it, and the venture attribution sees its journey', async () => {
  const created = await request(app)
    .post('/v1/contacts')
    .set(auth)
    .send({ id: 'user-1', email: 'ada@example.com', ventureId })
    .expect(201);
  expect(created.body).toMatchObject({ id: 'user-1', ventureId });
  expect((await request(app).get('/v1/contacts/user-1').set(auth).expect(200)).body.ventureId).toBe(ventureId);
  // A contact of no venture, with a journey of its own, must not be counted.
  await request(app).post('/v1/contacts').set(auth).send({ id: 'stranger', email: 'x@example.com' }).expect(201);

  await event('user-1', 'page_view', '2026-11-02T10:00:00Z', { utm_source: 'newsletter', utm_medium: 'email' });
  await event('user-1', 'page_view', '2026-11-03T10:00:00Z', { channel: 'paid_search' });
  await event('user-1', 'purchase', '2026-11-04T10:00:00Z', { amount: 100 });
  await event('stranger', 'page_view', '2026-11-02T10:00:00Z', { channel: 'display' });
  await event('stranger', 'purchase', '2026-11-03T10:00:00Z', { amount: 999 });

  const res = await request(app).get(`/v1/ventures/${ventureId}/attribution?model=linear`).set(auth).expect(200);
  // One converted journey of two touchpoints; linear credit halves the conversion and its 100.
  expect(res.body.journeys).toEqual({ total: 1, converted: 1, contacts: 1 });
  expect(res.body.totalConversions).toBe(1);
  expect(res.body.totalValue).toBe(100);
  const byChannel = Object.fromEntries(
    (res.body.channels as { channel: string; conversions: number; value: number }[]).map((c) => [
      c.channel,
      [c.conversions, c.value],
    ]),
  );
  expect(byChannel).toEqual({ email: [0.5, 50], paid_search: [0.5, 50] });
});

test('a ventureId that names no venture is a 400 naming the field', async () => {
  for (const bad of ['00000000-0000-4000-8000-000000000000', 'acme']) {
    const res = await request(app)
      .post('/v1/contacts')
      .set(auth)
      .send({ id: 'user-2', email: 'bob@example.com', ventureId: bad })
      .expect(400);
    expect(res.body.problems).toEqual([{ path: 'ventureId', message: expect.stringContaining(bad) }]);
  }
  await request(app).get('/v1/contacts/user-2').set(auth).expect(404);
});
