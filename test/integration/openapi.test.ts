import request from 'supertest';
import type { Client } from '@temporalio/client';
import type { Express } from 'express';
import { createApp } from '../../api/app';
import { buildOpenApiDocument, ROUTES } from '../../api/openapi';
import { createDb } from '../../db/knex';
import { createLogger } from '../../infra/logger';
import { MailCatcher } from '../../infra/mailCatcher';
import { LinkSigner } from '../../infra/signing';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: string | string[];
  name: string;
}

/** Every (method, path) the Express app serves, found by walking its router stack. */
function registeredRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths)
          for (const [m, on] of Object.entries(layer.route.methods))
            if (on && m !== '_all') out.push(`${m} ${prefix}${p}`);
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return [...new Set(out)].sort();
}

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

test('every route the app serves is in the OpenAPI document, and nothing else is', () => {
  const documented = ROUTES.map((r) => `${r.method} ${r.path}`).sort();
  const served = registeredRoutes(app);
  expect(served.length).toBeGreaterThan(50);
  expect(served.filter((r) => !documented.includes(r))).toEqual([]);
  expect(documented.filter((r) => !served.includes(r))).toEqual([]);
});

test('the document is OpenAPI 3.1 with bearer security, body schemas from zod, and path parameters', () => {
  const doc = buildOpenApiDocument() as any;
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

test('GET /openapi.json needs no key; /docs is a page that loads its script from this origin', async () => {
  const res = await request(app).get('/openapi.json').expect(200);
  expect(res.body.paths['/v1/commands'].post.summary).toMatch(/command/i);
  const docs = await request(app).get('/docs').expect(200);
  expect(docs.text).toContain('<script type="module" src="/js/docs.js">');
  expect(docs.headers['content-security-policy']).toContain("script-src 'self'");
  await request(app)
    .get('/js/docs.js')
    .expect(200)
    .expect('content-type', /javascript/);
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
