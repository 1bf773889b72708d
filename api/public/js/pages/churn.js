import { get } from '../api.js';
import { badge, clear, docsLink, emptyState, fmt, h, metric, pageHead, problem } from '../ui.js';
import { tableOf } from './messages.js';

const TITLE = 'Churn risk';
const HELP = [
  'Who is likely to leave, scored every day from what they do. Above 70% the scan steps in: a winback email, an ' +
    'in-app offer or a call from customer success. ',
  docsLink(),
];
const PAGE_SIZE = 25;
/** The lowest scores the list can start from. */
const THRESHOLDS = [
  { value: '0.5', text: '50% and above' },
  { value: '0.7', text: 'Above 70% (the scan steps in)' },
  { value: '0', text: 'Everyone scored' },
];
const LEVEL_BADGE = { high: 'bad', medium: 'warn', low: 'ok' };
const INTERVENTIONS = { email: 'winback email', in_app: 'in-app offer', human: 'customer success' };

export async function render(el, ctx) {
  const card = h('section', { class: 'panel', id: 'churn-model', 'aria-labelledby': 'churn-model-title' });
  const list = h('section', { class: 'panel', id: 'churn-at-risk', 'aria-labelledby': 'churn-list-title' });
  clear(el, pageHead(TITLE, HELP), card, list);
  await Promise.all([modelCard(card), atRisk(list, ctx)]);
}

/** The model the scan scores with: when and on what it was trained, how it did on rows it never saw, its weights. */
async function modelCard(el) {
  const title = h('h2', { id: 'churn-model-title', text: 'The model' });
  let card;
  try {
    card = await get('/v1/churn/model');
  } catch (err) {
    return clear(el, title, problem(err, 'The churn model'));
  }
  if (!card.trained) {
    return clear(
      el,
      title,
      emptyState(
        'churn-no-model',
        'No churn model is trained yet, so the daily scan scores with a fixed rule (below). Train one from stored ' +
          'events, or from a CSV export whose columns include satisfaction, support or payments:',
        card.howToTrain.map((line) => h('code', { class: 'small', text: line })),
        docsLink('How training works'),
      ),
      h('h3', { text: 'The rule in use' }),
      h('p', { class: 'muted small', id: 'churn-formula', text: card.heuristic.formula }),
      weightBars(card.heuristic.features),
    );
  }
  const m = card.model;
  const source =
    m.source.kind === 'csv'
      ? fileName(m.source.file)
      : m.source.kind === 'events'
        ? 'stored events'
        : m.source.description;
  const auc = m.holdout.auc === null ? '–' : m.holdout.auc.toFixed(3);
  const found =
    m.holdout.precision === null
      ? 'on rows it never saw'
      : `above 70%: ${fmt.pct(m.holdout.precision, 0)} of those flagged churned; ${fmt.pct(m.holdout.recall, 0)} of churners flagged`;
  clear(
    el,
    title,
    h(
      'div',
      { class: 'cards' },
      metric('Trained', fmt.ago(m.trainedAt), fmt.date(m.trainedAt)),
      metric('Trained on', source, `${fmt.number(m.rows)} rows, ${fmt.number(m.positives)} churned`),
      h(
        'div',
        { class: 'metric', id: 'churn-auc' },
        h('div', { class: 'label', text: 'Holdout AUC' }),
        h('div', { class: 'value', text: auc }),
        h('div', { class: 'hint', text: aucHint(m) }),
      ),
      metric('Accuracy', fmt.pct(m.holdout.accuracy), found),
    ),
    h('h3', { text: 'What raises the risk' }),
    weightBars(m.features.slice(0, 8)),
    m.unread.length
      ? h('p', {
          class: 'small muted',
          id: 'churn-unread',
          text: `Not read by this model: ${m.unread.map((f) => f.label.toLowerCase()).join(', ')}.`,
        })
      : null,
    m.mapping ? mappingNote(m) : null,
    card.skipped.length ? skippedNote(card.skipped) : null,
  );
}

const fileName = (file) =>
  String(file || 'a CSV file')
    .split('/')
    .pop();

/** What an AUC means, and for a CSV export's retrained model, what the export reached over all its columns. */
function aucHint(m) {
  const full = m.mapping && m.mapping.fullModel;
  return full && full.auc !== null
    ? `0.5 is a coin toss; over all the export’s columns: ${full.auc.toFixed(3)}`
    : '0.5 is a coin toss, 1 ranks every churner first';
}

/** Weights as bars, longest first: red raises the risk, green lowers it; the number is the weight itself. */
function weightBars(list) {
  const features = [...list].sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
  const top = Math.max(...features.map((f) => Math.abs(f.weight)), 1e-9);
  return h(
    'ul',
    { class: 'churn-bars', id: 'churn-weights' },
    features.map((f) =>
      h(
        'li',
        { 'data-feature': f.name, class: f.weight < 0 ? 'lowers' : 'raises' },
        h('span', { class: 'churn-bar-label', text: f.label }),
        h(
          'span',
          { class: 'churn-bar', 'aria-hidden': 'true' },
          h('span', { style: { width: `${Math.round((Math.abs(f.weight) / top) * 100)}%` } }),
        ),
        h('span', {
          class: 'churn-bar-value small',
          text: `${f.weight < 0 ? 'lowers' : 'raises'} ${Math.abs(f.weight).toFixed(2)}${f.cap ? ` (at most ${f.cap})` : ''}`,
        }),
      ),
    ),
  );
}

/** A CSV export's model: which columns stood for which event features, and what the full model reached. */
function mappingNote(m) {
  const full = m.mapping.fullModel;
  return h(
    'details',
    { id: 'churn-mapping' },
    h('summary', { text: `Mapped from ${fileName(m.source.file)}: ${m.mapping.columns.length} column(s) read` }),
    h(
      'ul',
      { class: 'small' },
      m.mapping.columns.map((c) => h('li', { text: `${c.column} read as “${c.label}”: ${c.how}` })),
    ),
    h('p', {
      class: 'small muted',
      text:
        `Left out: ${m.mapping.dropped.map((d) => d.column).join(', ') || 'nothing'}.` +
        (full && full.auc !== null ? ` Over every column the export reached an AUC of ${full.auc.toFixed(3)}.` : ''),
    }),
  );
}

function skippedNote(skipped) {
  return h(
    'div',
    { class: 'notice', id: 'churn-skipped' },
    h('strong', { text: 'Newer models the scan cannot use: ' }),
    h(
      'ul',
      { class: 'small' },
      skipped.map((s) => h('li', { text: `${s.source}, trained ${fmt.date(s.trainedAt)}: ${s.reason}` })),
    ),
  );
}

/** The venture's contacts by latest score, highest first, with a pager that follows the server's cursor. */
async function atRisk(el, ctx) {
  const title = h('h2', { id: 'churn-list-title', text: 'Contacts at risk' });
  if (!ctx.ventureId)
    return clear(
      el,
      title,
      emptyState(
        'churn-no-venture',
        'Churn is scored for a venture’s contacts, and there is no venture yet. The overview says how to create one.',
        h('a', { href: '#/overview', text: 'Open the overview' }),
      ),
    );
  const threshold = h(
    'select',
    { id: 'churn-min-score', 'aria-label': 'Lowest score shown' },
    THRESHOLDS.map((t) => h('option', { value: t.value, text: t.text })),
  );
  const results = h('div', { id: 'churn-results' });
  // The cursors of the pages before this one, so Back can return without offsets.
  const trail = [];
  const load = async (cursor) => {
    clear(results, h('p', { class: 'loading', text: 'Loading…' }));
    const params = new URLSearchParams({ limit: String(PAGE_SIZE), minScore: threshold.value });
    if (cursor) params.set('cursor', cursor);
    let page;
    try {
      page = await get(`/v1/ventures/${encodeURIComponent(ctx.ventureId)}/churn?${params}`);
    } catch (err) {
      return clear(results, problem(err, 'The contacts at risk'));
    }
    if (!page.contacts.length && !cursor) return clear(results, nobody(threshold.value));
    const back = h('button', { type: 'button', text: '‹ Back', disabled: trail.length === 0 });
    back.addEventListener('click', () => {
      trail.pop();
      load(trail[trail.length - 1]);
    });
    const next = h('button', { type: 'button', id: 'churn-next', text: 'Next ›', disabled: !page.nextCursor });
    next.addEventListener('click', () => {
      trail.push(page.nextCursor);
      load(page.nextCursor);
    });
    clear(
      results,
      tableOf(
        { id: 'churn-list' },
        ['Contact', h('th', { class: 'num', text: 'Score' }), 'Level', 'Why', 'Scored'],
        page.contacts.map(row),
      ),
      h('div', { class: 'row pager' }, back, next),
    );
  };
  threshold.addEventListener('change', () => {
    trail.length = 0;
    load();
  });
  clear(el, h('div', { class: 'spread' }, title, threshold), results);
  await load();
}

function row(item) {
  const c = item.contact;
  return h(
    'tr',
    { 'data-contact': c.id },
    h(
      'td',
      {},
      h('a', { href: `#/contacts/${encodeURIComponent(c.id)}`, text: c.name || c.email }),
      c.name ? h('div', { class: 'muted small', text: c.email }) : null,
    ),
    h('td', { class: 'num', text: fmt.pct(item.score, 0) }),
    h(
      'td',
      {},
      badge(item.level, LEVEL_BADGE[item.level]),
      item.intervention
        ? h('div', { class: 'muted small', text: INTERVENTIONS[item.intervention] || fmt.label(item.intervention) })
        : null,
    ),
    h(
      'td',
      {},
      item.topFactors.length
        ? h(
            'ul',
            { class: 'churn-factors small' },
            item.topFactors.map((f) => h('li', { text: f.label })),
          )
        : h('span', { class: 'muted small', text: 'nothing stands out' }),
    ),
    h('td', { class: 'small', title: fmt.date(item.scoredAt), text: fmt.ago(item.scoredAt) }),
  );
}

function nobody(minScore) {
  if (minScore === '0')
    return emptyState(
      'churn-none-scored',
      'Nobody of this venture has been scored yet. The daily scan scores every contact from their events; send ' +
        'events (logins, product use, tickets, payments, NPS) for contacts of this venture.',
      docsLink('Sending events: API reference'),
    );
  return emptyState(
    'churn-none-at-risk',
    'Nobody is at this risk or above. The daily scan scores every contact; choose “Everyone scored” to see them all.',
  );
}
