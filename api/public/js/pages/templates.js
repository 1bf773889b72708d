import { get } from '../api.js';
import { badge, clear, docsLink, emptyState, h, hiddenText, holds, pageHead, problem } from '../ui.js';
import { editor } from './templateEditor.js';

const WRITERS = ['marketer', 'operator'];
const KINDS = ['email', 'layout', 'partial'];
/** The path segment that opens the editor on a template not yet saved. */
const NEW = 'new';
const enc = encodeURIComponent;

/** Templates: the list with a filter by kind, and an editor with live desktop and phone previews. */
export async function render(el, ctx, [key] = []) {
  if (key) return editor(el, ctx, key === NEW ? null : key);
  const writer = holds(ctx, WRITERS);
  const table = h('div', { id: 'templates-list' });
  const create = () =>
    writer
      ? h('button', {
          type: 'button',
          class: 'primary',
          id: 'new-template',
          text: 'New template',
          onclick: () => (location.hash = `#/templates/${NEW}`),
        })
      : null;
  const kind = h(
    'select',
    { id: 'template-kind', onchange: () => listTable(table, kind.value, writer) },
    h('option', { value: '', text: 'All kinds' }),
    KINDS.map((k) => h('option', { value: k, text: k })),
  );
  clear(
    el,
    pageHead(
      'Templates',
      [
        'Templates are the emails sequences and broadcasts send; an email sits in a layout and may include partials. Open one to edit it with live previews. ',
        docsLink(),
      ],
      create(),
    ),
    h('div', { class: 'row' }, h('label', {}, 'Kind', kind)),
    table,
  );
  await listTable(table, '', writer);
}

/** The templates of one kind (all when empty) as a table into `box`; each key opens its editor. */
async function listTable(box, kind, writer) {
  let templates;
  try {
    templates = (await get(`/v1/templates${kind ? `?kind=${enc(kind)}` : ''}`)).templates;
  } catch (err) {
    return clear(box, problem(err, 'The templates'));
  }
  const head = ['Key', 'Name', 'Kind', 'Format', 'Version', 'Locales'].map((t) => h('th', { text: t }));
  head.push(h('th', {}, hiddenText('Origin')));
  clear(
    box,
    templates.length === 0
      ? emptyState(
          'templates-empty',
          writer
            ? `No ${kind ? `${kind} ` : ''}templates yet. Start one with New template.`
            : `No ${kind ? `${kind} ` : ''}templates yet. A marketer or an operator writes them.`,
          writer ? h('a', { href: `#/templates/${NEW}`, text: 'New template' }) : null,
        )
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
