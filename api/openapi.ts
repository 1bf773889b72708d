import path from 'node:path';
import type { Response } from 'express';
import { z } from 'zod';
import { defineRoute, ok, type AnyRoute } from './registry';

/** What the document needs of a route: its declaration without the handler. */
type Documented = Omit<AnyRoute, 'handler' | 'before'>;

/** Lifts zod schemas into `components.schemas`, once each, naming them after the first operation that uses them. */
class Components {
  readonly schemas: Record<string, unknown> = {};
  private readonly seen = new Map<z.ZodType, string>();

  /** A `$ref` to the JSON Schema (2020-12, as OpenAPI 3.1 uses) of a zod schema. */
  ref(schema: z.ZodType, name: string, io: 'input' | 'output'): Record<string, unknown> {
    const known = this.seen.get(schema);
    if (known) return { $ref: `#/components/schemas/${known}` };
    this.seen.set(schema, name);
    const raw = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<
      string,
      unknown
    >;
    const { $schema: _s, $defs, ...rest } = raw as { $schema?: string; $defs?: Record<string, unknown> };
    const rewrite = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(rewrite);
      if (!node || typeof node !== 'object') return node;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) {
        out[k] =
          k === '$ref' && typeof v === 'string'
            ? v === '#'
              ? `#/components/schemas/${name}`
              : v.replace(/^#\/\$defs\//, `#/components/schemas/${name}_`)
            : rewrite(v);
      }
      return out;
    };
    for (const [defName, def] of Object.entries($defs ?? {})) this.schemas[`${name}_${defName}`] = rewrite(def);
    this.schemas[name] = rewrite(rest);
    return { $ref: `#/components/schemas/${name}` };
  }
}

/** An operation id from the method and path: get /v1/approvals/:id → getApprovalsById. */
function operationId(route: Documented): string {
  const parts = route.path
    .split('/')
    .filter((p) => p !== '' && p !== 'v1')
    .map((p) => (p.startsWith(':') ? `by-${p.slice(1)}` : p))
    .join('-')
    .split(/[^A-Za-z0-9]+/)
    .filter((p) => p !== '')
    .map((p) => p[0]!.toUpperCase() + p.slice(1));
  return `${route.method}${parts.join('')}`;
}

/** The path and query parameters of an operation, from the route's path and its query schema. */
function parameters(route: Documented): unknown[] {
  const pathParams = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  if (!route.query) return pathParams;
  const schema = z.toJSONSchema(route.query, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  const queryParams = Object.entries(schema.properties ?? {}).map(([name, s]) => {
    const { description, ...rest } = s;
    return {
      name,
      in: 'query',
      required: (schema.required ?? []).includes(name),
      schema: rest,
      ...(typeof description === 'string' ? { description } : {}),
    };
  });
  return [...pathParams, ...queryParams];
}

const ERROR = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };

function responses(route: Documented, id: string, components: Components): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, description] of Object.entries(route.responses)) {
    const success = status.startsWith('2') && status !== '204';
    const failure = status.startsWith('4') || status.startsWith('5');
    const media = route.produces ?? 'application/json';
    const schema =
      success && route.response ? { schema: components.ref(route.response, `${id}Response`, 'output') } : {};
    const example = success && route.example?.response !== undefined ? { example: route.example.response } : {};
    out[status] = {
      description,
      ...(success ? { content: { [media]: { ...schema, ...example } } } : failure ? { content: ERROR } : {}),
    };
  }
  if (route.access !== 'public' && !out['401']) out['401'] = { description: 'no valid API key', content: ERROR };
  return out;
}

function requestBody(route: Documented, id: string, components: Components): Record<string, unknown> | undefined {
  if (!route.body && !route.bodyMediaTypes) return undefined;
  const schema = route.body ? components.ref(route.body, `${id}Body`, 'input') : {};
  const example = route.example?.body !== undefined ? { example: route.example.body } : {};
  const types = route.bodyMediaTypes ?? ['application/json'];
  return {
    required: true,
    content: Object.fromEntries(
      types.map((t) => [t, t === 'application/json' ? { schema, ...example } : { schema: { type: 'string' } }]),
    ),
  };
}

function operation(route: Documented, components: Components): Record<string, unknown> {
  const id = operationId(route);
  const Id = `${id[0]!.toUpperCase()}${id.slice(1)}`;
  const roles =
    route.access === 'public' ? 'no key needed' : route.access === 'any' ? 'every role' : route.access.join(', ');
  const params = parameters(route);
  const body = requestBody(route, Id, components);
  return {
    operationId: id,
    summary: route.summary,
    description: [route.description, `Roles: ${roles}.`].filter(Boolean).join('\n\n'),
    tags: [route.tag],
    'x-roles': route.access,
    ...(route.access === 'public' ? { security: [] } : {}),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(body ? { requestBody: body } : {}),
    responses: responses(route, Id, components),
  };
}

/** The OpenAPI 3.1 document of the routes, with the zod schemas they validate with. */
export function buildOpenApiDocument(
  routes: readonly Documented[],
  options: { serverUrl?: string; version?: string } = {},
): Record<string, unknown> {
  const components = new Components();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    (paths[path] ??= {})[route.method] = operation(route, components);
  }
  components.schemas.Error = {
    type: 'object',
    required: ['error'],
    properties: {
      error: { type: 'string' },
      problems: {
        type: 'array',
        items: {
          type: 'object',
          required: ['path', 'message'],
          properties: { path: { type: 'string' }, message: { type: 'string' } },
        },
      },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'GTM Strategist API',
      version: options.version ?? '0.1.0',
      description:
        'Go-to-market automation on Temporal. Every /v1 route needs `Authorization: Bearer <API key>`; each key has a ' +
        'role (marketer, chairman, operator), and each operation lists the roles it allows. Bad requests get 400 with ' +
        'every problem listed, unknown ids 404, illegal state changes 409.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key: gtm_...' } },
      schemas: components.schemas,
    },
  };
}

/** Swagger UI's browser files, from the installed package (the machine may have no internet, so no CDN). */
const SWAGGER_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const SWAGGER_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'text/javascript',
};

const DOCS_PAGE = [
  '<!doctype html><html lang="en"><head><meta charset="utf-8">',
  '<meta name="viewport" content="width=device-width, initial-scale=1">',
  '<title>GTM Strategist API reference</title>',
  '<link rel="stylesheet" href="/docs/swagger-ui.css">',
  '</head><body><div id="reference"></div>',
  '<script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script>',
  '</body></html>',
].join('');

// Same-origin script (Helmet's CSP allows no inline script): the reference reads /openapi.json, "Authorize" takes
// an API key, and "Try it out" sends real requests with it.
const DOCS_INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#reference',
  deepLinking: true,
  persistAuthorization: true,
  tryItOutEnabled: false,
  displayRequestDuration: true,
});`;

const sendDocsAsset = (res: Response, type: string, body: string) =>
  res.set('Cache-Control', 'no-cache').type(type).send(body);

/** GET /openapi.json (built once, on the first request) and the API reference at /docs; no key needed. */
export function openApiRoutes(routes: () => readonly AnyRoute[], options: { serverUrl?: string } = {}): AnyRoute[] {
  let document: Record<string, unknown> | undefined;
  const docs = { tag: 'Operations', access: 'public' } as const;
  return [
    defineRoute({
      ...docs,
      method: 'get',
      path: '/openapi.json',
      summary: 'This document (OpenAPI 3.1)',
      responses: ok('the OpenAPI document'),
      handler: (_input, _req, res) => {
        document ??= buildOpenApiDocument(routes(), options);
        res.set('Cache-Control', 'no-cache').json(document);
      },
    }),
    defineRoute({
      ...docs,
      method: 'get',
      path: '/docs',
      summary: 'The API reference: every route with its roles, schemas and examples, and a way to try each call',
      produces: 'text/html',
      responses: ok('HTML'),
      handler: (_input, _req, res) => sendDocsAsset(res, 'html', DOCS_PAGE),
    }),
    defineRoute({
      ...docs,
      method: 'get',
      path: '/docs/init.js',
      summary: 'The reference page’s start-up script',
      produces: 'text/javascript',
      responses: ok('JavaScript'),
      handler: (_input, _req, res) => sendDocsAsset(res, 'text/javascript', DOCS_INIT),
    }),
    ...Object.entries(SWAGGER_FILES).map(([file, type]) =>
      defineRoute({
        ...docs,
        method: 'get',
        path: `/docs/${file}`,
        summary: `The reference page’s ${type === 'text/css' ? 'styles' : 'renderer'} (Swagger UI)`,
        produces: type,
        responses: ok(type),
        handler: (_input, _req, res) => {
          res.set('Cache-Control', 'public, max-age=86400').type(type).sendFile(path.join(SWAGGER_DIR, file));
        },
      }),
    ),
  ];
}
