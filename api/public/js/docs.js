// The API reference: renders /openapi.json with the same DOM helpers as the dashboard (no third-party viewer, no CDN).
import { clear, h } from './ui.js';

const nav = document.getElementById('docs-nav');
const main = document.getElementById('docs-main');

function resolve(doc, schema, depth = 0) {
  if (!schema || depth > 6) return schema;
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return { ...resolve(doc, doc.components.schemas[name], depth + 1) };
  }
  const out = Array.isArray(schema) ? [] : {};
  for (const [k, v] of Object.entries(schema)) out[k] = v && typeof v === 'object' ? resolve(doc, v, depth + 1) : v;
  return out;
}

function operation(doc, path, method, op) {
  const id = op.operationId;
  const params = op.parameters || [];
  const body = op.requestBody && op.requestBody.content;
  return h(
    'details',
    { class: 'op', id },
    h(
      'summary',
      {},
      h('span', { class: `method ${method}`, text: method }),
      h('span', { class: 'path', text: path }),
      h('span', { text: op.summary }),
      h('span', { class: 'roles', text: op.description }),
    ),
    params.length
      ? h(
          'div',
          {},
          h('h4', { text: 'Parameters' }),
          h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Name', 'In', 'Required', 'Schema'].map((t) => h('th', { text: t })),
              ),
            ),
            h(
              'tbody',
              {},
              params.map((p) =>
                h(
                  'tr',
                  {},
                  h('td', { text: p.name }),
                  h('td', { text: p.in }),
                  h('td', { text: p.required ? 'yes' : 'no' }),
                  h('td', {}, h('code', { text: JSON.stringify(p.schema) })),
                ),
              ),
            ),
          ),
        )
      : null,
    body
      ? h(
          'div',
          {},
          h('h4', { text: `Request body (${Object.keys(body).join(', ')})` }),
          body['application/json'] && body['application/json'].schema
            ? h('pre', {
                class: 'schema',
                text: JSON.stringify(resolve(doc, body['application/json'].schema), null, 2),
              })
            : null,
        )
      : null,
    h('h4', { text: 'Responses' }),
    h(
      'ul',
      {},
      Object.entries(op.responses).map(([status, r]) => h('li', {}, h('code', { text: status }), ` ${r.description}`)),
    ),
  );
}

async function start() {
  const doc = await (await fetch('/openapi.json')).json();
  const byTag = new Map();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = (op.tags && op.tags[0]) || 'Other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ path, method, op });
    }
  }
  clear(
    nav,
    h('strong', { text: doc.info.title }),
    h('p', {}, h('a', { href: '/openapi.json', text: 'openapi.json' }), h('a', { href: '/', text: 'Dashboard' })),
    [...byTag].map(([tag, ops]) => [
      h('h3', { text: tag }),
      ops.map(({ path, method, op }) =>
        h('a', { href: `#${op.operationId}`, text: `${method.toUpperCase()} ${path}` }),
      ),
    ]),
  );
  clear(
    main,
    h('h1', { text: `${doc.info.title} ${doc.info.version}` }),
    h('p', { text: doc.info.description }),
    h('p', {
      class: 'small muted',
      text: `OpenAPI ${doc.openapi} · ${Object.keys(doc.paths).length} paths · security: bearer API key`,
    }),
    [...byTag].map(([tag, ops]) => [
      h('h2', { text: tag }),
      ops.map(({ path, method, op }) => operation(doc, path, method, op)),
    ]),
  );
  if (location.hash) {
    const target = document.getElementById(location.hash.slice(1));
    if (target) {
      target.open = true;
      target.scrollIntoView();
    }
  }
}

start().catch((err) =>
  clear(main, h('p', { class: 'error-box', text: `Could not load /openapi.json: ${err.message}` })),
);
