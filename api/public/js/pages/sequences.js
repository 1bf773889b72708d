// The Sequences page: the list of sequences, the builder of the chosen one (or of a new one) with its numbers on
// the graph, and the stats panels under it: the totals, the day-by-day chart, the funnel per step and the messages.
import { get } from '../api.js';
import { clear, h, holds, problem } from '../ui.js';
import { builder } from './sequenceBuilder.js';
import { drawDaily, funnelPanel, stepMessages, summary } from './sequenceStats.js';

const WRITERS = ['marketer', 'operator'];
const enc = encodeURIComponent;
/** Said once on the next render (after a publish re-renders the page). */
let notice = '';

export async function render(el, ctx, [key]) {
  const writer = holds(ctx, WRITERS);
  let sequences, templates, topics;
  try {
    [sequences, templates, topics] = await Promise.all([
      get('/v1/sequences').then((b) => b.sequences),
      // The builder's choices; without them the graph still shows, with template keys for names.
      get('/v1/templates?kind=email').then(
        (b) => b.templates,
        () => [],
      ),
      writer
        ? get('/v1/topics').then(
            (b) => b.topics,
            () => [],
          )
        : [],
    ]);
  } catch (err) {
    return clear(el, h('h1', { text: 'Sequences' }), problem(err, 'Sequences'));
  }
  const said = notice;
  notice = '';
  const choices = { templates, topics, writer };
  const selected =
    sequences.find((s) => s.key === key) || sequences.find((s) => s.key === 'onboarding') || sequences[0];
  const detail = h('div', { id: 'sequence-detail' });
  const list = h(
    'div',
    { class: 'seq-list', role: 'group', 'aria-label': 'Sequences' },
    sequences.map((s) =>
      h('button', {
        type: 'button',
        class: s === selected ? 'selected' : undefined,
        'aria-pressed': String(s === selected),
        onclick: () => (location.hash = `#/sequences/${enc(s.key)}`),
        text: s.name,
      }),
    ),
  );
  const onPublished = async (publishedKey, message) => {
    notice = message;
    const hash = `#/sequences/${enc(publishedKey)}`;
    if (location.hash !== hash) location.hash = hash;
    else await render(el, ctx, [publishedKey]);
  };
  // Which builder the detail shows; a stored sequence still loading its stats must not replace a new one.
  let showing = selected ? selected.key : null;
  const startNew = () => {
    showing = null;
    for (const b of list.querySelectorAll('button')) {
      b.classList.remove('selected');
      b.setAttribute('aria-pressed', 'false');
    }
    builder(detail, { ...choices, sequence: null, stats: null, onPublished, openMessages: null });
    document.getElementById('sb-key')?.focus();
  };
  const newButton = writer
    ? h('button', { type: 'button', id: 'new-sequence', class: 'primary', text: 'New sequence', onclick: startNew })
    : null;
  clear(
    el,
    h(
      'div',
      { class: 'page-head' },
      h('div', { class: 'spread' }, h('h1', { text: 'Sequences' }), sequences.length ? newButton : null),
      h(
        'p',
        { class: 'page-help' },
        'A sequence walks each contact it enrolls through emails, waits and checks, one step at a time. ' +
          (writer
            ? 'Build it as a graph of steps and publish it; contacts already in it keep the version they started on. '
            : 'Marketers build them; here you see each one’s steps and numbers. '),
        h('a', { href: '/docs#/Sequences', text: 'API reference' }),
      ),
    ),
    sequences.length ? list : emptyState(newButton),
    detail,
    contactLookup(),
  );
  if (selected)
    await showSequence(detail, selected, { ...choices, onPublished, notice: said }, () => showing === selected.key);
}

/** No sequence yet: what one is, and the button that starts one (for a role that may). */
function emptyState(newButton) {
  return h(
    'div',
    { class: 'panel empty-state', id: 'sequences-empty' },
    h('p', {
      text:
        'There is no sequence yet. A sequence is a series of steps a contact walks through after an event enrolls ' +
        'them: send an email, wait two days, check whether they acted, send a tip. ' +
        (newButton ? 'Start one with New sequence.' : 'A marketer builds them here.'),
    }),
    newButton,
    h('p', { class: 'small muted', text: 'Every step type and condition is described in docs/sequences.md.' }),
  );
}

/**
 * The builder of a stored sequence, its counts on the graph, and the stats panels under it; drawn only if `current()`
 * still holds once the stats are in.
 */
async function showSequence(el, sequence, options, current) {
  const [statsR] = await Promise.allSettled([get(`/v1/sequences/${enc(sequence.key)}/stats`)]);
  if (!current()) return;
  const stats = statsR.status === 'fulfilled' ? statsR.value : null;
  const messagesPanel = h('section', { class: 'panel', id: 'step-messages-panel', hidden: true });
  const openMessages = (stepId) => stepMessages(messagesPanel, sequence.key, stepId);
  const builderBox = h('div', { id: 'sequence-builder' });
  builder(builderBox, { ...options, sequence, stats, openMessages });
  const daily = h('div', { class: 'chart-box', id: 'daily-chart' });
  clear(
    el,
    builderBox,
    h(
      'div',
      { class: 'two', style: { marginTop: '1rem' } },
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'stats-title' },
        h('h2', { id: 'stats-title', text: 'Stats' }),
        stats ? summary(stats, sequence) : problem(statsR.reason, 'Sequence stats'),
      ),
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'daily-title' },
        h('h2', { id: 'daily-title', text: 'Day by day' }),
        stats ? daily : h('p', { class: 'muted', text: 'No numbers yet.' }),
      ),
    ),
    stats ? funnelPanel(stats, sequence.definition.steps, openMessages) : null,
    messagesPanel,
  );
  if (stats) drawDaily(daily, stats.daily);
}

/** The contact page has the whole story of a contact; this is the way there from a sequence. */
function contactLookup() {
  const input = h('input', { id: 'contact-id', placeholder: 'contact id, e.g. demo-ada', 'aria-label': 'Contact id' });
  const go = (e) => {
    e.preventDefault();
    if (input.value.trim()) location.hash = `#/contacts/${encodeURIComponent(input.value.trim())}`;
  };
  return h(
    'section',
    { class: 'panel', style: { marginTop: '1rem' } },
    h('h2', { text: 'A contact’s enrollments and messages' }),
    h('form', { class: 'row', onsubmit: go }, input, h('button', { type: 'submit', text: 'Open the contact' })),
  );
}
