import { get } from '../api.js';
import { badge, clear, h, problem } from '../ui.js';
import { editor } from './templateEditor.js';

const WRITERS = ['marketer', 'operator'];
const KINDS = ['email', 'layout', 'partial'];
/** The path segment that opens the editor on a template not yet saved. */
const NEW = 'new';
const enc = encodeURIComponent;

/** Templates: the list with a filter by kind, and an editor with live desktop and phone previews. */
export async function render(el, ctx, [key] = []) {
  if (key) return editor(el, ctx, key === NEW ? null : key);
  const writer = WRITERS.includes(ctx?.meta?.role);
  const table = h('div', { id: 'templates-list' });
  const kind = h(
    'select',
    { id: 'template-kind', onchange: () => listTable(table, kind.value) },
    h('option', { value: '', text: 'All kinds' }),
    KINDS.map((k) => h('option', { value: k, text: k })),
  );
  clear(
    el,
    h(
      'div',
      { class: 'spread' },
      h('h1', { text: 'Templates' }),
      writer
        ? h('button', {
            type: 'button',
            class: 'primary',
            id: 'new-template',
            text: 'New template',
            onclick: () => (location.hash = `#/templates/${NEW}`),
          })
        : null,
    ),
    h('div', { class: 'row' }, h('label', {}, 'Kind', kind)),
    table,
  );
  await listTable(table, '');
}

/** The templates of one kind (all when empty) as a table into `box`; each key opens its editor. */
async function listTable(box, kind) {
  let templates;
  try {
    templates = (await get(`/v1/templates${kind ? `?kind=${enc(kind)}` : ''}`)).templates;
  } catch (err) {
    return clear(box, problem(err, 'The templates'));
  }
  const head = ['Key', 'Name', 'Kind', 'Format', 'Version', 'Locales', ''].map((t) => h('th', { text: t }));
  clear(
    box,
    templates.length === 0
      ? h('p', { class: 'panel muted', text: 'No template of this kind.' })
      : h(
          'table',
          { id: 'templates' },
          h('thead', {}, h('tr', {}, head)),
          h(
            'tbody',
            {},
            templates.map((t) =>
              h(
                'tr',
                { dataset: { key: t.key } },
                h('td', {}, h('a', { href: `#/templates/${enc(t.key)}`, text: t.key })),
                h('td', { text: t.name }),
                h('td', { text: t.kind }),
                h('td', { text: t.format }),
                h('td', { class: 'version', text: String(t.version) }),
                h('td', { text: (t.locales || []).join(', ') }),
                h('td', {}, t.builtIn ? badge('built-in', 'built-in') : null),
              ),
            ),
          ),
        ),
  );
}
