import request from 'supertest';
import type { Client } from '@temporalio/client';
import { createApp, routesOf } from '../../api/app';
import { buildOpenApiDocument } from '../../api/openapi';
import { routeKey } from '../../api/registry';
import { listRoutes } from '../reliability/routes';
import { createDb } from '../../db/knex';
import { createLogger } from '../../infra/logger';
import { MailCatcher } from '../../infra/mailCatcher';
import { LinkSigner } from '../../infra/signing';

// No query reaches the database or Temporal here: the app is only assembled, as production assembles it.
const db = createDb('postgres://postgres@127.0.0.1:1/none', 1);
const mailCatcher = new MailCatcher({ port: 0 });
const app = createApp({
  db,
  temporal: {} as Client,
  config: { publicUrl: 'http://localhost:3000', temporalUiUrl: 'http://localhost:8233', TEMPORAL_NAMESPACE: 'default' },
  log: createLogger('silent'),
  signer: new LinkSigner('x'.repeat(32)),
  mailCatcher,
});
afterAll(() => db.destroy());

test('every route the app serves is declared in its registry and documented, and nothing else is', () => {
  const documented = routesOf(app).map(routeKey).sort();
  const served = listRoutes(app).map(routeKey).sort();
  expect(served.length).toBeGreaterThan(50);
  expect(served.filter((r) => !documented.includes(r))).toEqual([]);
  expect(documented.filter((r) => !served.includes(r))).toEqual([]);
});

test('the document is OpenAPI 3.1 with bearer security, body schemas from zod, and path parameters', () => {
  const doc = buildOpenApiDocument(routesOf(app)) as any;
  expect(doc.openapi).toBe('3.1.0');
  expect(doc.components.securitySchemes.bearerAuth).toEqual(
    expect.objectContaining({ type: 'http', scheme: 'bearer' }),
  );
  const decide = doc.paths['/v1/approvals/{id}/decision'].post;
  expect(decide['x-roles']).toEqual(['chairman']);
  expect(decide.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]);
  const body = doc.components.schemas[decide.requestBody.content['application/json'].schema.$ref.split('/').pop()];
  expect(body.properties.decision.enum).toEqual(['approve', 'reject']);
  expect(body.required).toEqual(['decision']);
  // Public routes say so: no key.
  expect(doc.paths['/healthz'].get.security).toEqual([]);
  expect(doc.paths['/v1/commands'].post.responses['401']).toBeDefined();
  // Every $ref points at a schema that is there.
  const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
  for (const ref of refs) {
    const name = ref.slice(8, -1).replace('#/components/schemas/', '');
    expect(doc.components.schemas[name]).toBeDefined();
  }
  // The recursive sequence definition (conditions nest) resolves through components.
  expect(JSON.stringify(doc.components.schemas.PostSequencesBody)).toContain('#/components/schemas/PostSequencesBody');
});

test('GET /openapi.json needs no key; /docs is an API reference that loads its scripts from this origin', async () => {
  const res = await request(app).get('/openapi.json').expect(200);
  expect(res.body.paths['/v1/commands'].post.summary).toMatch(/command/i);
  const docs = await request(app).get('/docs').expect(200);
  expect(docs.headers['content-security-policy']).toContain("script-src 'self'");
  const scripts = [...docs.text.matchAll(/<script src="([^"]+)">/g)].map((m) => m[1]!);
  expect(scripts).toEqual(['/docs/swagger-ui-bundle.js', '/docs/init.js']);
  expect(docs.text).not.toMatch(/<script>/);
  for (const src of scripts)
    await request(app)
      .get(src)
      .expect(200)
      .expect('content-type', /javascript/);
  const init = await request(app).get('/docs/init.js');
  expect(init.text).toContain("url: '/openapi.json'");
  await request(app).get('/docs/swagger-ui.css').expect(200).expect('content-type', /css/);
});

test('a declared route documents its answer and carries a worked example', () => {
  const doc = buildOpenApiDocument(routesOf(app)) as any;
  const create = doc.paths['/v1/ventures'].post;
  expect(create.requestBody.content['application/json'].example).toEqual(
    expect.objectContaining({ slug: 'acme-notes' }),
  );
  const answer = create.responses['201'].content['application/json'].schema.$ref.split('/').pop();
  expect(doc.components.schemas[answer].properties).toEqual(
    expect.objectContaining({ id: expect.anything(), slug: expect.anything(), createdAt: expect.anything() }),
  );
});

test('the dashboard and Chart.js are served from this origin', async () => {
  const page = await request(app).get('/').expect(200);
  expect(page.text).toContain('<script src="/vendor/chart.umd.js"');
  expect(page.text).not.toMatch(/<script>(?!<)/);
  const chart = await request(app).get('/vendor/chart.umd.js').expect(200);
  expect(chart.headers['content-type']).toMatch(/javascript/);
  expect(chart.text).toContain('Chart');
  await request(app).get('/app.css').expect(200).expect('content-type', /css/);
  await request(app).get('/nothing-here').expect(404);
});
