import { api, get, post } from '../api.js';
import { clear, h, problem } from '../ui.js';

const TRAIT_OPS = ['eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte', 'exists', 'contains', 'withinDays'];
const OUTCOMES = ['sent', 'delivered', 'opened', 'clicked', 'bounced', 'complained'];

/** Segments: the list with counts, a builder with a live count, and one segment's members a page at a time. */
export async function render(el, ctx, [key] = []) {
  if (key) return members(el, key);
  let segments;
  try {
    segments = (await get('/v1/segments')).segments;
  } catch (err) {
    return clear(el, h('h1', { text: 'Segments' }), problem(err, 'The segments'));
  }
  clear(
    el,
    h('h1', { text: 'Segments' }),
    segments.length === 0
      ? h('p', { class: 'panel muted', id: 'segments-empty', text: 'No segment yet: build one below.' })
      : h(
          'table',
          { id: 'segments' },
          h('tr', {}, h('th', { text: 'Segment' }), h('th', { text: 'Members' }), h('th', { text: 'Windowed' })),
          segments.map((s) =>
            h(
              'tr',
              { dataset: { key: s.key } },
              h('td', {}, h('a', { href: `#/segments/${encodeURIComponent(s.key)}`, text: `${s.name} (${s.key})` })),
              h('td', { class: 'count', text: String(s.count) }),
              h('td', { text: s.windowed ? 'yes' : 'no' }),
            ),
          ),
        ),
    ctx?.meta?.role === 'chairman' ? null : builder(() => render(el, ctx, [])),
  );
}

/** One condition's row: its kind decides the inputs; `read` turns it into a definition node. */
function conditionRow(onChange, remove) {
  const kind = h(
    'select',
    { name: 'kind' },
    ['trait', 'event', 'email'].map((k) => h('option', { value: k, text: k })),
  );
  const fields = h('span', { class: 'row' });
  const inputs = {};
  const input = (name, attrs = {}) => (inputs[name] = h('input', { name, oninput: onChange, ...attrs }));
  const select = (name, options) =>
    (inputs[name] = h(
      'select',
      { name, onchange: onChange },
      options.map((o) => h('option', { value: o, text: o })),
    ));
  const draw = () => {
    for (const k of Object.keys(inputs)) delete inputs[k];
    if (kind.value === 'trait')
      clear(
        fields,
        input('trait', { placeholder: 'trait' }),
        select('op', TRAIT_OPS),
        input('value', { placeholder: 'value' }),
      );
    else if (kind.value === 'event')
      clear(
        fields,
        input('event', { placeholder: 'event name' }),
        input('atLeast', { type: 'number', min: 1, placeholder: 'at least' }),
        input('atMost', { type: 'number', min: 0, placeholder: 'at most' }),
        input('withinDays', { type: 'number', min: 1, placeholder: 'within days' }),
      );
    else
      clear(
        fields,
        select('email', OUTCOMES),
        input('withinDays', { type: 'number', min: 1, placeholder: 'within days' }),
      );
    onChange();
  };
  kind.addEventListener('change', draw);
  const row = h(
    'div',
    { class: 'row condition' },
    kind,
    fields,
    h('button', { type: 'button', text: 'Remove', onclick: remove }),
  );
  const int = (name) => (inputs[name]?.value ? Number(inputs[name].value) : undefined);
  row.read = () => {
    if (kind.value === 'trait') {
      const op = inputs.op.value;
      const raw = inputs.value.value;
      const scalar = (v) =>
        v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v;
      const value =
        op === 'exists'
          ? undefined
          : op === 'in'
            ? raw.split(',').map((v) => scalar(v.trim()))
            : op === 'withinDays'
              ? Number(raw)
              : scalar(raw);
      return { trait: inputs.trait.value, op, ...(value === undefined ? {} : { value }) };
    }
    if (kind.value === 'event') {
      const node = { event: inputs.event.value };
      for (const k of ['atLeast', 'atMost', 'withinDays']) if (int(k) !== undefined) node[k] = int(k);
      return node;
    }
    return { email: inputs.email.value, ...(int('withinDays') ? { withinDays: int('withinDays') } : {}) };
  };
  draw();
  return row;
}

function builder(saved) {
  const rows = h('div', { id: 'conditions' });
  const combine = h(
    'select',
    { name: 'combine' },
    h('option', { value: 'all', text: 'all of' }),
    h('option', { value: 'any', text: 'any of' }),
  );
  const count = h('p', { id: 'live-count', class: 'muted', text: 'Add a condition to see who matches.' });
  const key = h('input', { name: 'key', placeholder: 'key, e.g. active-pro', required: true });
  const name = h('input', { name: 'name', placeholder: 'name', required: true });
  const status = h('p', { id: 'segment-status' });
  const definition = () => {
    const nodes = [...rows.children].map((r) => r.read());
    return nodes.length === 1 ? nodes[0] : { [combine.value]: nodes };
  };
  let timer;
  let asked = 0;
  const refresh = () => {
    clearTimeout(timer);
    if (rows.children.length === 0) return;
    timer = setTimeout(async () => {
      const mine = ++asked;
      try {
        const res = await post('/v1/segments/preview', { definition: definition() });
        if (mine === asked) count.textContent = `${res.count} contact${res.count === 1 ? '' : 's'} match now`;
      } catch (err) {
        if (mine === asked) count.textContent = explain(err);
      }
    }, 300);
  };
  combine.addEventListener('change', refresh);
  const add = () => {
    const row = conditionRow(refresh, () => {
      row.remove();
      refresh();
    });
    rows.append(row);
  };
  const save = async (e) => {
    e.preventDefault();
    try {
      await post('/v1/segments', { key: key.value, name: name.value, definition: definition() });
      saved();
    } catch (err) {
      status.textContent = explain(err);
    }
  };
  return h(
    'form',
    { class: 'panel', id: 'segment-builder', onsubmit: save },
    h('h2', { text: 'New segment' }),
    h('div', { class: 'row' }, key, name, h('label', {}, 'Contacts matching ', combine)),
    rows,
    h('button', { type: 'button', id: 'add-condition', text: 'Add a condition', onclick: add }),
    count,
    h('button', { type: 'submit', text: 'Save the segment' }),
    status,
  );
}

/** A 400's problems, path by path, or the error's message. */
function explain(err) {
  const problems = err?.body?.problems;
  return problems?.length ? problems.map((p) => `${p.path}: ${p.message}`).join('; ') : String(err?.message ?? err);
}

async function members(el, key, cursors = [null]) {
  const cursor = cursors[cursors.length - 1];
  let segment;
  let page;
  try {
    segment = await get(`/v1/segments/${encodeURIComponent(key)}`);
    page = (
      await api('GET', `/v1/segments/${encodeURIComponent(key)}/members?limit=50${cursor ? `&cursor=${cursor}` : ''}`)
    ).body;
  } catch (err) {
    return clear(el, h('h1', { text: 'Segment' }), problem(err, `The segment ${key}`));
  }
  clear(
    el,
    h('p', {}, h('a', { href: '#/segments', text: '← Segments' })),
    h('h1', { text: segment.name }),
    h('p', { id: 'segment-count', text: `${segment.count} members` }),
    h('pre', { text: JSON.stringify(segment.definition, null, 2) }),
    h(
      'table',
      { id: 'members' },
      h('tr', {}, h('th', { text: 'Contact' }), h('th', { text: 'Email' }), h('th', { text: 'Entered' })),
      page.members.map((m) =>
        h(
          'tr',
          {},
          h('td', {}, h('a', { href: `#/contacts/${encodeURIComponent(m.id)}`, text: m.id })),
          h('td', { text: m.email }),
          h('td', { text: new Date(m.enteredAt).toLocaleString() }),
        ),
      ),
    ),
    h(
      'div',
      { class: 'row' },
      cursors.length > 1
        ? h('button', { type: 'button', text: 'Previous', onclick: () => members(el, key, cursors.slice(0, -1)) })
        : null,
      page.nextCursor
        ? h('button', {
            type: 'button',
            id: 'next-page',
            text: 'Next',
            onclick: () => members(el, key, [...cursors, page.nextCursor]),
          })
        : null,
    ),
  );
}
