import { api, get, post } from '../api.js';
import { clear, docsLink, emptyState, explain, h, holds, pageHead, problem } from '../ui.js';

const TRAIT_OPS = ['eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte', 'exists', 'contains', 'withinDays'];
const OUTCOMES = ['sent', 'delivered', 'opened', 'clicked', 'bounced', 'complained'];
/** A comparison in words, as the builder offers it and as a segment's rule reads. */
const OP_WORDS = {
  eq: 'is',
  neq: 'is not',
  in: 'is one of',
  gt: 'is more than',
  gte: 'is at least',
  lt: 'is less than',
  lte: 'is at most',
  exists: 'is set',
  contains: 'contains',
  withinDays: 'is within the last days',
};
/** What an email condition says a person did with (or got of) an email. */
const OUTCOME_WORDS = {
  sent: 'was sent an email',
  delivered: 'had an email delivered',
  opened: 'opened an email',
  clicked: 'clicked a link in an email',
  bounced: 'had an email bounce',
  complained: 'marked an email as spam',
};

const HELP = [
  'A segment gathers people by their traits, what they did and what they did with your email; broadcasts and sequences send to them. ',
  docsLink(),
];

/** Segments: the list with counts, a builder with a live count, and one segment's members a page at a time. */
export async function render(el, ctx, [key] = []) {
  if (key) return members(el, key);
  let segments;
  try {
    segments = (await get('/v1/segments')).segments;
  } catch (err) {
    return clear(el, pageHead('Segments', HELP), problem(err, 'The segments'));
  }
  const form = !holds(ctx, ['marketer', 'operator']) ? null : builder(() => render(el, ctx, []));
  // The builder is further down the page: the button takes the focus (and the eye) to its first field.
  const start = () =>
    form && h('button', { type: 'button', text: 'New segment', onclick: () => form.querySelector('input').focus() });
  clear(
    el,
    pageHead('Segments', HELP, segments.length ? start() : null),
    segments.length === 0
      ? emptyState(
          'segments-empty',
          form
            ? 'No segments yet. Build one with the form below: name it, add conditions, and the count shows who matches.'
            : 'No segments yet. A marketer or an operator builds them.',
          start(),
        )
      : h(
          'table',
          { id: 'segments' },
          h(
            'thead',
            {},
            h('tr', {}, h('th', { text: 'Segment' }), h('th', { text: 'Members' }), h('th', { text: 'Windowed' })),
          ),
          h(
            'tbody',
            {},
            segments.map((s) =>
              h(
                'tr',
                { dataset: { key: s.key } },
                h(
                  'td',
                  {},
                  h('a', { href: `#/segments/${encodeURIComponent(s.key)}`, text: `${s.name} (${s.key})` }),
                  h('div', { class: 'small muted', text: describe(s.definition) }),
                ),
                h('td', { class: 'count', text: String(s.count) }),
                h('td', { text: s.windowed ? 'yes: refreshed as time passes' : 'no' }),
              ),
            ),
          ),
        ),
    form,
  );
}

/** One condition's row: its kind decides the inputs; `read` turns it into a definition node. */
function conditionRow(onChange, remove) {
  const kind = h(
    'select',
    { name: 'kind', 'aria-label': 'Condition on' },
    ['trait', 'event', 'email'].map((k) => h('option', { value: k, text: k })),
  );
  const fields = h('span', { class: 'row' });
  const inputs = {};
  // Each field is named for a screen reader by what its placeholder shows the eye.
  const input = (name, attrs = {}) =>
    (inputs[name] = h('input', { name, oninput: onChange, 'aria-label': attrs.placeholder, ...attrs }));
  const select = (name, options, label) =>
    (inputs[name] = h(
      'select',
      { name, onchange: onChange, 'aria-label': label },
      options.map((o) => h('option', { value: o, text: OP_WORDS[o] ?? o })),
    ));
  const draw = () => {
    for (const k of Object.keys(inputs)) delete inputs[k];
    if (kind.value === 'trait')
      clear(
        fields,
        input('trait', { placeholder: 'trait' }),
        select('op', TRAIT_OPS, 'Comparison'),
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
        select('email', OUTCOMES, 'Email outcome'),
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
    h('button', { type: 'button', text: 'Remove', 'aria-label': 'Remove this condition', onclick: remove }),
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
  const key = h('input', { name: 'key', placeholder: 'e.g. active-pro', required: true });
  const name = h('input', { name: 'name', placeholder: 'e.g. Active on the pro plan', required: true });
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
    h(
      'p',
      { class: 'small muted' },
      'A condition is on a trait (what your product says about a person), an event (what they did) or email (what they did with your mail). The count below updates as you type.',
    ),
    h('div', { class: 'row' }, h('label', {}, 'Key', key), h('label', {}, 'Name', name)),
    h('label', { class: 'combine' }, 'Contacts matching ', combine),
    rows,
    h('button', { type: 'button', id: 'add-condition', text: 'Add a condition', onclick: add }),
    count,
    h('button', { type: 'submit', text: 'Save the segment' }),
    status,
  );
}

const days = (n) => (n === 1 ? 'day' : `${n} days`);
const times = (n) => (n === 1 ? 'once' : `${n} times`);
const shown = (v) => (Array.isArray(v) ? v.join(', ') : String(v));

/** One condition as a sentence: "plan is pro", "did signup at least 2 times in the last 7 days". */
function sentence(c) {
  if ('trait' in c) {
    if (c.op === 'exists') return `has ${c.trait}`;
    if (c.op === 'withinDays') return `${c.trait} is within the last ${days(c.value)}`;
    return `${c.trait} ${OP_WORDS[c.op] ?? c.op} ${shown(c.value)}`;
  }
  if ('event' in c) {
    const count = [
      c.atLeast !== undefined && c.atLeast !== 1 ? `at least ${times(c.atLeast)}` : null,
      c.atMost !== undefined ? `at most ${times(c.atMost)}` : null,
    ].filter(Boolean);
    const where = (c.where || []).map((p) => `${p.property} ${OP_WORDS[p.op] ?? p.op} ${shown(p.value ?? '')}`);
    return [
      c.atMost === 0 ? `never did ${c.event}` : `did ${c.event}`,
      c.atMost === 0 ? null : count.join(' and ') || null,
      where.length ? `with ${where.join(' and ')}` : null,
      c.withinDays ? `in the last ${days(c.withinDays)}` : null,
    ]
      .filter(Boolean)
      .join(' ');
  }
  if ('email' in c)
    return `${OUTCOME_WORDS[c.email] ?? `email ${c.email}`}${c.withinDays ? ` in the last ${days(c.withinDays)}` : ''}`;
  if ('subscribed' in c) return `gets mail about ${c.subscribed}`;
  return JSON.stringify(c);
}

/** A whole definition in words: "all of: plan is pro; seats is at least 10". */
function describe(def) {
  if (!def || typeof def !== 'object') return '';
  if (def.all) return def.all.length === 1 ? describe(def.all[0]) : `all of: ${def.all.map(describe).join('; ')}`;
  if (def.any) return def.any.length === 1 ? describe(def.any[0]) : `any of: ${def.any.map(describe).join('; ')}`;
  if (def.not) return `not (${describe(def.not)})`;
  return sentence(def);
}

async function members(el, key, cursors = [null]) {
  const cursor = cursors[cursors.length - 1];
  const back = h('p', {}, h('a', { href: '#/segments', text: '← Segments' }));
  let segment;
  let page;
  try {
    segment = await get(`/v1/segments/${encodeURIComponent(key)}`);
    page = (
      await api('GET', `/v1/segments/${encodeURIComponent(key)}/members?limit=50${cursor ? `&cursor=${cursor}` : ''}`)
    ).body;
  } catch (err) {
    return clear(el, back, pageHead('Segment', HELP), problem(err, `The segment ${key}`));
  }
  const rule = describe(segment.definition);
  clear(
    el,
    back,
    pageHead(segment.name, `Who is in it: ${rule}. Members enter and leave as their traits, events and email change.`),
    h('p', { id: 'segment-count', text: `${segment.count} members` }),
    h(
      'details',
      {},
      h('summary', { text: 'The definition as the API takes it' }),
      h('pre', { text: JSON.stringify(segment.definition, null, 2) }),
    ),
    h('h2', { text: 'Members' }),
    page.members.length === 0
      ? emptyState(
          'members-empty',
          'Nobody matches yet. People enter as soon as their traits or events match.',
          h('a', { href: '#/contacts', text: 'See the people' }),
        )
      : h(
          'table',
          { id: 'members' },
          h(
            'thead',
            {},
            h('tr', {}, h('th', { text: 'Contact' }), h('th', { text: 'Email' }), h('th', { text: 'Entered' })),
          ),
          h(
            'tbody',
            {},
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
