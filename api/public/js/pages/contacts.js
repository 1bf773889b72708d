import { api, get, upload } from '../api.js';
import {
  badge,
  clear,
  confirmButton,
  docsLink,
  emptyState,
  explain,
  filePicker,
  fmt,
  h,
  hiddenText,
  holds,
  pageHead,
  problem,
  temporalLink,
} from '../ui.js';
import { contactChannels } from './contactChannels.js';
import {
  channelName,
  messageList,
  PAGE_SIZE,
  showTimeline,
  suppressionList,
  suppressionOf,
  tableOf,
} from './messages.js';

/** The roles the API lets change people and the suppression list; the server checks again, this only hides buttons. */
const WRITERS = ['marketer', 'operator'];
const PEOPLE_PAGE = 25;

export async function render(el, ctx, [id]) {
  const input = h('input', {
    id: 'contact-search-id',
    name: 'contact',
    value: id || '',
    placeholder: 'contact id, e.g. demo-ada',
    'aria-label': 'Contact id',
    autocomplete: 'off',
    required: true,
  });
  const search = h(
    'form',
    {
      id: 'contact-search',
      class: 'row',
      role: 'search',
      'aria-label': 'Look a contact up',
      onsubmit: (e) => {
        e.preventDefault();
        const next = `#/contacts/${encodeURIComponent(input.value.trim())}`;
        if (location.hash === next) window.dispatchEvent(new HashChangeEvent('hashchange'));
        else location.hash = next;
      },
    },
    input,
    h('button', { type: 'submit', class: 'primary', text: 'Look up' }),
  );
  const detail = h('div', { id: 'contact-detail' });
  const people = h('section', { class: 'panel', id: 'people', 'aria-labelledby': 'people-title' });
  const suppressions = h('section', { class: 'panel', id: 'suppressions' });
  const help = [
    'Everyone your product sent us, by contact id: what happened to each, their messages, and who gets no mail. ',
    docsLink(),
  ];
  clear(el, pageHead('People', help), search, detail, people, suppressions);
  if (!id) clear(detail, h('p', { class: 'muted', text: 'Look a contact up by the id your product gave it.' }));
  await Promise.all([
    id ? contactDetail(detail, ctx, id) : null,
    peopleList(people, ctx),
    suppressionList(suppressions, ctx),
  ]);
}

/**
 * Import a CSV of contacts (a header row; id, email and any traits): a small file is imported while the page waits,
 * a large one by a workflow. `done` reloads the list; `status` says how it went.
 */
function importer(status, done) {
  const pick = { id: 'people-import', label: 'Import a CSV…', accept: '.csv,text/csv', name: 'CSV of contacts' };
  return filePicker(pick, async (f) => {
    status.textContent = `Uploading ${f.name}…`;
    try {
      const r = await upload('/v1/contacts/import', f, 'text/csv', (p) => {
        status.textContent = p < 1 ? `Uploading ${f.name}… ${Math.round(p * 100)}%` : `Importing ${f.name}…`;
      });
      status.textContent = r.location
        ? `${f.name} is large: it is being imported in the background. Reload in a while.`
        : `Imported ${f.name}: ${r.created} new, ${r.updated} updated, ${r.rejected} rejected.${r.error ? ` It stopped: ${r.error}` : ''}`;
      await done();
    } catch (err) {
      status.textContent = `Not imported: ${explain(err)}`;
    }
  });
}

/** The searchable list: a prefix of the email or id, a segment, and a pager that follows the server's cursor. */
async function peopleList(el, ctx) {
  const q = h('input', {
    id: 'people-q',
    name: 'q',
    placeholder: 'email or id starts with…',
    'aria-label': 'Search people',
    autocomplete: 'off',
  });
  const segment = h(
    'select',
    { id: 'people-segment', 'aria-label': 'Segment' },
    h('option', { value: '', text: 'Everyone' }),
  );
  const results = h('div', { id: 'people-results' });
  const status = h('p', { class: 'small', id: 'people-import-status', role: 'status' });
  const imports = holds(ctx, WRITERS) ? importer(status, () => load()) : null;
  const head = h('div', { class: 'spread' }, h('h2', { id: 'people-title', text: 'People' }), imports?.button);
  // The cursors of the pages before this one, so Back can return without offsets.
  const trail = [];
  const load = async (cursor) => {
    clear(results, h('p', { class: 'loading', text: 'Loading…' }));
    const params = new URLSearchParams({ limit: String(PEOPLE_PAGE) });
    if (q.value.trim()) params.set('q', q.value.trim());
    if (segment.value) params.set('segment', segment.value);
    if (cursor) params.set('cursor', cursor);
    let page;
    try {
      page = await get(`/v1/contacts?${params}`);
    } catch (err) {
      return clear(results, problem(err, 'The people list'));
    }
    const back = h('button', { type: 'button', class: 'newer', text: '‹ Back', disabled: trail.length === 0 });
    back.addEventListener('click', () => {
      trail.pop();
      load(trail[trail.length - 1]);
    });
    const next = h('button', {
      type: 'button',
      class: 'older',
      id: 'people-next',
      text: 'Next ›',
      disabled: !page.nextCursor,
    });
    next.addEventListener('click', () => {
      trail.push(page.nextCursor);
      load(page.nextCursor);
    });
    const nobody = !page.contacts.length && !params.has('q') && !params.has('segment') && !cursor;
    // With nobody at all, the import button moves from the heading into the empty state, where the eye is.
    if (imports && !nobody) head.append(imports.button);
    clear(
      results,
      page.contacts.length
        ? tableOf(
            { id: 'people-list' },
            ['Id', 'Email', 'Created', h('th', {}, hiddenText('Subscription'))],
            page.contacts.map((c) =>
              h(
                'tr',
                { 'data-contact': c.id },
                h('td', {}, h('a', { href: `#/contacts/${encodeURIComponent(c.id)}`, text: c.id })),
                h('td', { text: c.email }),
                h('td', { class: 'small', text: fmt.date(c.createdAt) }),
                h('td', {}, c.unsubscribedAt ? badge('unsubscribed', 'bad') : null),
              ),
            ),
          )
        : nobody
          ? emptyState(
              'people-empty',
              'No people yet. Import a CSV or send events.',
              imports?.button,
              docsLink('Sending contacts and events: API reference'),
            )
          : h('p', { class: 'muted empty', id: 'people-empty', text: 'Nobody matches: try a shorter start.' }),
      page.contacts.length ? h('div', { class: 'row pager' }, back, next) : null,
    );
  };
  const form = h(
    'form',
    {
      id: 'people-search',
      class: 'row',
      role: 'search',
      'aria-label': 'Search people',
      onsubmit: (e) => {
        e.preventDefault();
        trail.length = 0;
        load();
      },
    },
    q,
    segment,
    h('button', { type: 'submit', text: 'Search' }),
  );
  clear(el, head, form, status, imports?.file, results);
  get('/v1/segments')
    .then((body) => {
      for (const s of (body && body.segments) || [])
        segment.append(h('option', { value: s.key, text: s.name || s.key }));
    })
    .catch(() => undefined);
  await load();
}

async function contactDetail(el, ctx, id) {
  clear(el, h('p', { class: 'loading', text: 'Loading…' }));
  let contact;
  try {
    contact = await get(`/v1/contacts/${encodeURIComponent(id)}`);
  } catch (err) {
    return clear(
      el,
      err.status === 404 && !err.missing
        ? h('p', { class: 'notice', id: 'contact-missing', text: `There is no contact with id “${id}”.` })
        : problem(err, `Contact ${id}`),
    );
  }
  const list = h('div', { id: 'contact-messages' });
  const timeline = h('div', { id: 'message-timeline' }, h('p', { class: 'muted', text: 'Choose a message.' }));
  const suppression = h('div', { id: 'contact-suppression' });
  const history = h('div', { id: 'contact-timeline' });
  const channels = h('div', { id: 'contact-channels' });
  clear(
    el,
    profile(contact, ctx, suppression),
    actions(contact, ctx),
    channels,
    h('section', { class: 'panel', style: { marginTop: '1rem' } }, h('h2', { text: 'What happened' }), history),
    h(
      'section',
      { class: 'panel', id: 'enrollments', style: { marginTop: '1rem' } },
      h('h2', { text: 'Enrollments' }),
      enrollmentTable(ctx, contact.enrollments || []),
    ),
    h(
      'div',
      { class: 'messages-view' },
      h('section', { class: 'panel' }, h('h2', { text: 'Messages' }), list),
      h('section', { class: 'panel' }, h('h2', { text: 'Timeline' }), timeline),
    ),
  );
  await Promise.all([
    personTimeline(history, id),
    contactChannels(channels, ctx, id),
    suppressionOf(suppression, contact.email, ctx, reload),
    messageList(list, `/v1/contacts/${encodeURIComponent(id)}/messages`, {
      empty: 'No message to this contact yet: the sequences and broadcasts they are in will send them.',
      columns: ['when', 'channel', 'subject', 'from', 'status'],
      onOpen: (m) => showTimeline(timeline, m.id),
    }),
  ]);
}

const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));

/** List hygiene for writers; a copy of the data and erasure for the operator, each asking once more first. */
function actions(c, ctx) {
  const path = `/v1/contacts/${encodeURIComponent(c.id)}`;
  const out = h('p', { class: 'small', id: 'contact-action-result' });
  const buttons = [];
  if (holds(ctx, WRITERS)) {
    const change = c.unsubscribedAt ? 'resubscribe' : 'unsubscribe';
    buttons.push(
      confirmed(`contact-${change}`, change === 'unsubscribe' ? 'Unsubscribe' : 'Resubscribe', 'Sure?', async () => {
        await api('POST', `${path}/${change}`);
        reload();
      }),
    );
  }
  if (holds(ctx, ['operator'])) {
    buttons.push(
      confirmed('contact-export', 'Export data', 'Download everything?', async () => {
        const { body } = await api('GET', `${path}/export`);
        const link = h('a', {
          href: URL.createObjectURL(new Blob([JSON.stringify(body, null, 2)], { type: 'application/json' })),
          download: `contact-${c.internalId}.json`,
          id: 'contact-export-file',
          text: 'Download the export',
        });
        clear(out, link);
        link.click();
      }),
      confirmed('contact-erase', 'Erase', 'Erase for good? This cannot be undone', async () => {
        const { body } = await api('DELETE', path);
        clear(
          out,
          h('span', {
            class: 'notice',
            id: 'contact-erased',
            text: `Erased: ${body.events} events, ${body.enrollments} enrollments, ${body.workflowsDeleted} workflow runs; the address stays suppressed as a hash.`,
          }),
        );
      }),
    );
  }
  return buttons.length ? h('div', { class: 'row', id: 'contact-actions' }, ...buttons, out) : null;
}

/** A button that asks again before it acts, and shows the error on itself. */
const confirmed = (id, label, ask, act) =>
  confirmButton({ id, class: id === 'contact-erase' ? 'danger' : undefined }, label, ask, act);

const KIND_LABEL = {
  event: (d) => `event ${d.name}`,
  message: (d) => `${channelName(d.channel)} “${d.subject}” (${d.template})`,
  'enrollment.started': (d) => `entered ${d.sequenceKey} v${d.version}`,
  'enrollment.ended': (d) => `left ${d.sequenceKey}: ${d.status}${d.exitReason ? `, ${d.exitReason}` : ''}`,
  subscription: (d) => `${d.change} by ${d.actor} (${d.source})`,
};

/** The contact's timeline, newest first, with a button for older items. */
async function personTimeline(el, id, before) {
  let page;
  try {
    page = await get(
      `/v1/contacts/${encodeURIComponent(id)}/timeline?limit=${PAGE_SIZE}${before ? `&before=${before}` : ''}`,
    );
  } catch (err) {
    return clear(el, problem(err, 'The timeline'));
  }
  if (!before) clear(el);
  el.querySelector('.timeline-more')?.remove();
  if (!page.items.length && !before)
    return clear(
      el,
      h('p', { class: 'muted', text: 'Nothing yet: the events your product sends about them show here.' }),
    );
  el.append(
    h(
      'ul',
      { class: 'timeline' },
      page.items.map((i) =>
        h(
          'li',
          { 'data-kind': i.kind },
          h('span', { class: 'small muted', text: fmt.date(i.at) }),
          ' ',
          i.kind === 'message' ? badge(i.data.status, `msg ${i.data.status}`) : null,
          ` ${KIND_LABEL[i.kind](i.data)}`,
        ),
      ),
    ),
  );
  if (page.nextBefore) {
    const more = h('button', { type: 'button', class: 'timeline-more small', text: 'Older' });
    more.addEventListener('click', () => personTimeline(el, id, page.nextBefore));
    el.append(more);
  }
}

function profile(c, ctx, suppression) {
  const venture = c.ventureId && ctx.ventures.find((v) => v.id === c.ventureId);
  const traits = Object.entries(c.traits || {});
  return h(
    'section',
    { class: 'panel profile', id: 'contact-profile', 'data-contact': c.id },
    h('h2', {}, `${c.email} `, c.unsubscribedAt ? badge('unsubscribed', 'bad') : null),
    h(
      'div',
      { class: 'facts' },
      fact('Id', c.id),
      fact('Time zone', c.timezone || '–'),
      fact('Venture', venture ? venture.productName || venture.name : c.ventureId || '–'),
      fact('Created', fmt.date(c.createdAt)),
      c.unsubscribedAt ? fact('Unsubscribed', fmt.date(c.unsubscribedAt)) : null,
    ),
    suppression,
    traits.length
      ? h(
          'dl',
          { class: 'traits' },
          traits.map(([k, v]) => [
            h('dt', { text: k }),
            h('dd', { text: v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v) }),
          ]),
        )
      : h('p', { class: 'muted small', text: 'No traits.' }),
  );
}

const fact = (label, value) => h('span', {}, `${label} `, h('b', { text: value }));

/** A contact's enrollments, with where the live ones stand. */
function enrollmentTable(ctx, enrollments) {
  if (!enrollments.length) return h('p', { class: 'muted', text: 'No enrollment.' });
  return tableOf(
    {},
    ['Sequence', 'Status', 'Version', 'Now', 'Enrolled', h('th', {}, hiddenText('History'))],
    enrollments.map((en) =>
      h(
        'tr',
        {},
        h('td', {}, h('a', { href: `#/sequences/${encodeURIComponent(en.sequenceKey)}`, text: en.sequenceKey })),
        h('td', {}, badge(en.status)),
        h('td', { text: `v${en.sequenceVersion}` }),
        h('td', { class: 'small', text: describeState(en) }),
        h('td', { class: 'small', text: fmt.ago(en.enrolledAt), title: fmt.date(en.enrolledAt) }),
        h('td', {}, temporalLink(ctx.meta, en.workflowId, 'Temporal UI')),
      ),
    ),
  );
}

function describeState(en) {
  const state = en.state;
  if (!state) return en.currentStep ? `at ${en.currentStep}` : en.exitReason || '–';
  const parts = [];
  if (state.currentStep) parts.push(`at ${state.currentStep}`);
  if (state.waitingFor)
    parts.push(
      state.waitingFor.event
        ? `waiting for ${state.waitingFor.event} until ${fmt.date(state.waitingFor.until)}`
        : `waiting until ${fmt.date(state.waitingFor.until)}`,
    );
  parts.push(`${state.sends} sent`);
  if (state.variant) parts.push(`variant ${state.variant}`);
  return parts.join(', ');
}
