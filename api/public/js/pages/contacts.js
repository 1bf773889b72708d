import { api, get } from '../api.js';
import { badge, clear, fmt, h, problem, temporalLink } from '../ui.js';

const PAGE_SIZE = 20;
/** The roles the API lets change the suppression list; the server checks again, this only hides the buttons. */
const WRITERS = ['marketer', 'operator'];
const SOURCES = { engine: 'our send path', sendgrid: 'SendGrid', mailgun: 'Mailgun', tracking: 'our tracking' };

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
  const suppressions = h('section', { class: 'panel', id: 'suppressions' });
  clear(el, h('h1', { text: 'Contacts' }), search, detail, suppressions);
  if (!id) clear(detail, h('p', { class: 'muted', text: 'Look a contact up by the id your product gave it.' }));
  await Promise.all([id ? contactDetail(detail, ctx, id) : null, suppressionList(suppressions, ctx)]);
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
  clear(
    el,
    profile(contact, ctx, suppression),
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
    suppressionOf(suppression, contact.email, ctx),
    messageList(list, `/v1/contacts/${encodeURIComponent(id)}/messages`, {
      empty: 'No message to this contact yet.',
      onOpen: (m) => showTimeline(timeline, m.id),
    }),
  ]);
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

/** Whether mail may go to the contact's address at all: a suppressed address gets nothing but must-deliver mail. */
async function suppressionOf(box, email, ctx) {
  try {
    const { suppressions } = await get(`/v1/suppressions?email=${encodeURIComponent(email)}`);
    const s = suppressions[0];
    clear(
      box,
      s
        ? h(
            'p',
            { class: 'notice small' },
            badge('suppressed', 'bad'),
            ` ${fmt.label(s.reason)} since ${fmt.date(s.createdAt)}${s.expiresAt ? `, until ${fmt.date(s.expiresAt)}` : ', for good'}${s.detail ? `: ${s.detail}` : ''} `,
            WRITERS.includes(ctx.meta.role)
              ? removeButton(s.email, () => window.dispatchEvent(new HashChangeEvent('hashchange')))
              : null,
          )
        : h('p', { class: 'small muted', text: 'Not on the suppression list.' }),
    );
  } catch (err) {
    clear(box, problem(err, 'The suppression list'));
  }
}

/** A contact's enrollments, with where the live ones stand. */
function enrollmentTable(ctx, enrollments) {
  if (!enrollments.length) return h('p', { class: 'muted', text: 'No enrollment.' });
  return tableOf(
    {},
    ['Sequence', 'Status', 'Version', 'Now', 'Enrolled', ''],
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

/** A scrolling table: the header row's labels and the body's rows. */
export function tableOf(attrs, heads, rows) {
  const th = (t) => (typeof t === 'string' ? h('th', { text: t }) : t);
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', attrs, h('thead', {}, h('tr', {}, heads.map(th))), h('tbody', {}, rows)),
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

const statusBadge = (status) => badge(status, `msg ${status}`);

const MESSAGE_COLUMNS = {
  when: ['When', (m) => h('td', { class: 'small', text: fmt.date(m.sentAt || m.createdAt) })],
  to: ['To', (m) => h('td', { class: 'small', text: m.to })],
  subject: [
    'Subject',
    (m) =>
      h(
        'td',
        {},
        h('button', { type: 'button', class: 'link-button', text: m.subject }),
        h('div', { class: 'muted small', text: m.template }),
      ),
  ],
  from: [
    'From',
    (m) =>
      h('td', {
        class: 'small',
        text: m.sequenceKey
          ? `${m.sequenceKey} · ${m.stepId || '–'}${m.variant ? ` · ${m.variant}` : ''}`
          : fmt.label(m.channel),
      }),
  ],
  variant: ['Variant', (m) => h('td', { class: 'small', text: m.variant || '–' })],
  status: ['Status', (m) => h('td', {}, statusBadge(m.status))],
};

/**
 * A paged table of messages, newest first, from `path` (an endpoint answering { total, limit, offset, messages }).
 * A click on a row hands the message to `onOpen`; the contact and the sequence pages share it.
 */
export async function messageList(box, path, options, offset = 0) {
  const { empty, onOpen, columns = ['when', 'subject', 'from', 'status'] } = options;
  clear(box, h('p', { class: 'loading', text: 'Loading…' }));
  let page;
  try {
    page = await get(`${path}?limit=${PAGE_SIZE}&offset=${offset}`);
  } catch (err) {
    return clear(box, problem(err, 'Messages'));
  }
  if (page.total === 0) return clear(box, h('p', { class: 'muted empty', text: empty }));
  const rows = page.messages.map((m) => {
    const row = h(
      'tr',
      { class: 'link', 'data-message': m.id, 'data-status': m.status },
      columns.map((c) => MESSAGE_COLUMNS[c][1](m)),
    );
    row.addEventListener('click', () => {
      for (const r of box.querySelectorAll('tr.selected')) r.classList.remove('selected');
      row.classList.add('selected');
      onOpen(m);
    });
    return row;
  });
  clear(
    box,
    tableOf(
      { class: 'messages' },
      columns.map((c) => MESSAGE_COLUMNS[c][0]),
      rows,
    ),
    pager(page, page.messages.length, ['message', 'messages'], (o) => messageList(box, path, options, o)),
  );
}

function pager({ total, limit, offset }, shown, [one, many], go) {
  const range = h('span', {
    class: 'small muted range',
    text: shown ? `${offset + 1}–${offset + shown} of ${fmt.number(total)}` : `nothing here of ${fmt.number(total)}`,
  });
  if (offset === 0 && total <= limit)
    return h('p', { class: 'small muted', text: `${total} ${total === 1 ? one : many}` });
  return h(
    'div',
    { class: 'row pager' },
    h('button', {
      type: 'button',
      class: 'newer',
      disabled: offset === 0,
      onclick: () => go(Math.max(0, offset - limit)),
      text: '← Newer',
    }),
    range,
    h('button', {
      type: 'button',
      class: 'older',
      disabled: offset + limit >= total,
      onclick: () => go(offset + limit),
      text: 'Older →',
    }),
  );
}

/** One message and what happened to it, oldest event first; machine opens and clicks greyed with why. */
export async function showTimeline(box, id) {
  clear(box, h('p', { class: 'loading', text: 'Loading…' }));
  let m;
  try {
    m = await get(`/v1/messages/${encodeURIComponent(id)}`);
  } catch (err) {
    return clear(box, problem(err, 'This message'));
  }
  const events = [...(m.timeline || [])].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
  const route = m.sequenceKey
    ? ` · ${m.sequenceKey} / ${m.stepId || '–'}${m.variant ? ` (variant ${m.variant})` : ''}`
    : '';
  clear(
    box,
    h(
      'div',
      { class: 'message-head', 'data-message': m.id },
      h('h3', {}, `${m.subject} `, statusBadge(m.status)),
      h('p', { class: 'small muted', text: `To ${m.to} · template ${m.template}${route}` }),
      h('p', {
        class: 'small muted',
        text: [
          m.provider ? `through ${m.provider}` : 'not handed to a provider',
          m.providerMessageId ? `provider id ${m.providerMessageId}` : null,
          m.tracked ? 'opens and clicks tracked' : 'no tracking in it',
          m.marketing ? 'marketing' : 'transactional',
        ]
          .filter(Boolean)
          .join(' · '),
      }),
      m.error ? h('p', { class: 'error-box small', text: m.error }) : null,
    ),
    events.length === 0
      ? h('p', { class: 'muted empty', text: 'No event recorded yet.' })
      : h('ol', { class: 'timeline' }, events.map(timelineItem)),
    events.some((e) => e.machine)
      ? h('p', {
          class: 'small muted',
          text: 'Greyed events were a machine, not a reader (a mail privacy proxy, a link scanner): no rate counts them.',
        })
      : null,
  );
}

function timelineItem(e) {
  const why = [e.bounceType ? `${e.bounceType} bounce` : null, e.reason].filter(Boolean).join(': ');
  // Only web links become links: a provider may report any string as the URL clicked.
  const url =
    e.url && /^https?:\/\//i.test(e.url)
      ? h('a', { href: e.url, target: '_blank', rel: 'noopener noreferrer', text: e.url })
      : e.url;
  return h(
    'li',
    { class: `event${e.machine ? ' machine' : ''}`, 'data-status': e.status },
    h(
      'div',
      { class: 'spread' },
      h(
        'span',
        {},
        statusBadge(e.status),
        ' ',
        h('span', { class: 'small source', text: SOURCES[e.source] || e.source }),
      ),
      h('time', { class: 'small muted', datetime: e.occurredAt, text: fmt.date(e.occurredAt) }),
    ),
    why ? h('div', { class: 'small reason', text: why }) : null,
    url ? h('div', { class: 'small url' }, url) : null,
    e.machine ? h('div', { class: 'small machine-reason', text: `Machine: ${e.machine.reason}` }) : null,
  );
}

async function suppressionList(el, ctx, offset = 0) {
  const canRemove = WRITERS.includes(ctx.meta.role);
  const title = h('h2', { text: 'Suppression list' });
  clear(el, title, h('p', { class: 'loading', text: 'Loading…' }));
  let page;
  try {
    page = await get(`/v1/suppressions?limit=${PAGE_SIZE}&offset=${offset}`);
  } catch (err) {
    return clear(el, title, problem(err, 'The suppression list'));
  }
  const reload = (o) => suppressionList(el, ctx, o);
  const list = page.suppressions;
  clear(
    el,
    title,
    h('p', {
      class: 'small muted',
      text: `No email goes to these addresses except must-deliver templates. Hard bounces and complaints add themselves.${canRemove ? '' : ` Read-only: your key has the ${ctx.meta.role} role.`}`,
    }),
    page.total === 0
      ? h('p', { class: 'muted empty', id: 'suppressions-empty', text: 'Nobody is suppressed.' })
      : tableOf(
          { id: 'suppression-list' },
          ['Address', 'Reason', 'Detail', 'Since', 'Until', ''],
          list.map((s) =>
            h(
              'tr',
              { 'data-suppression': s.email },
              h('td', { text: s.email }),
              h('td', {}, badge(s.reason, `reason ${s.reason}`)),
              h('td', { class: 'small', text: s.detail || '–' }),
              h('td', { class: 'small', text: fmt.date(s.createdAt), title: `by ${s.createdBy}` }),
              h('td', { class: 'small', text: s.expiresAt ? fmt.date(s.expiresAt) : 'for good' }),
              h('td', {}, canRemove ? removeButton(s.email, () => reload(offset)) : null),
            ),
          ),
        ),
    page.total ? pager(page, list.length, ['address', 'addresses'], reload) : null,
  );
}

/** Removing lets mail go to the address again (after a complaint, say), so the button asks once more first. */
function removeButton(email, done) {
  const button = h('button', { type: 'button', class: 'danger small', 'data-remove': email, text: 'Remove' });
  button.addEventListener('click', async () => {
    if (button.dataset.armed !== 'yes') {
      button.dataset.armed = 'yes';
      button.textContent = 'Mail may go again: remove?';
      return;
    }
    button.disabled = true;
    try {
      await api('DELETE', `/v1/suppressions/${encodeURIComponent(email)}`);
      await done();
    } catch (err) {
      button.disabled = false;
      button.dataset.armed = '';
      button.textContent = `Remove (${err.message})`;
    }
  });
  return button;
}
