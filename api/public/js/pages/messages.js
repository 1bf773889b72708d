import { api, get } from '../api.js';
import { badge, clear, confirmButton, fmt, h, hiddenText, holds, problem, rolesText } from '../ui.js';
import { SEND_CHANNELS } from './sequenceBuilderWords.js';

/**
 * The message log on the dashboard: a list of messages with their statuses and one message's timeline; and the
 * suppression list, the addresses no message goes to.
 */

/** Rows per page of every paged list on the dashboard's message and suppression views. */
export const PAGE_SIZE = 20;

/** A scrolling table: the header row's labels and the body's rows. */
export function tableOf(attrs, heads, rows) {
  // A column without a visible heading still gets one for a screen reader.
  const th = (t) => (t === '' ? h('th', {}, hiddenText('More')) : typeof t === 'string' ? h('th', { text: t }) : t);
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', attrs, h('thead', {}, h('tr', {}, heads.map(th))), h('tbody', {}, rows)),
  );
}

const SOURCES = { engine: 'our send path', sendgrid: 'SendGrid', mailgun: 'Mailgun', tracking: 'our tracking' };

const statusBadge = (status) => badge(status, `msg ${status}`);

/** A message's channel in words, as the Channel select of a send step calls it. */
export const channelName = (channel) => SEND_CHANNELS[channel]?.label ?? fmt.label(channel);

const MESSAGE_COLUMNS = {
  when: ['When', (m) => h('td', { class: 'small', text: fmt.date(m.sentAt || m.createdAt) })],
  to: ['To', (m) => h('td', { class: 'small', text: m.to })],
  channel: ['Channel', (m) => h('td', { class: 'small channel', text: channelName(m.channel) })],
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
        text: m.sequenceKey ? `${m.sequenceKey} · ${m.stepId || '–'}${m.variant ? ` · ${m.variant}` : ''}` : '–',
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

export function pager({ total, limit, offset }, shown, [one, many], go) {
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
      h('p', { class: 'small muted', text: `${channelName(m.channel)} to ${m.to} · template ${m.template}${route}` }),
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

/** The roles the API lets change the suppression list; the server checks again, this only hides the buttons. */
const LIST_KEEPERS = ['marketer', 'operator'];

/**
 * Whether mail may go to one address at all, into `box`: a suppressed address gets nothing but must-deliver mail.
 * `changed` runs after the address is taken off the list.
 */
export async function suppressionOf(box, email, ctx, changed) {
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
            holds(ctx, LIST_KEEPERS) ? removeButton(s.email, changed) : null,
          )
        : h('p', { class: 'small muted', text: 'Not on the suppression list.' }),
    );
  } catch (err) {
    clear(box, problem(err, 'The suppression list'));
  }
}

/** The suppression list a page at a time, with a Remove button for the roles that may change it. */
export async function suppressionList(el, ctx, offset = 0) {
  const canRemove = holds(ctx, LIST_KEEPERS);
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
      text: `No email goes to these addresses except must-deliver templates. Hard bounces and complaints add themselves.${canRemove ? '' : ` Read-only for you: your roles are ${rolesText(ctx)}.`}`,
    }),
    page.total === 0
      ? h('p', {
          class: 'muted empty',
          id: 'suppressions-empty',
          text: 'Nobody is suppressed: every address may get mail. Bounces and complaints will add themselves here.',
        })
      : tableOf(
          { id: 'suppression-list' },
          ['Address', 'Reason', 'Detail', 'Since', 'Until', h('th', {}, hiddenText('Actions'))],
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
  return confirmButton(
    { class: 'danger small', 'data-remove': email },
    'Remove',
    'Mail may go again: remove?',
    async () => {
      await api('DELETE', `/v1/suppressions/${encodeURIComponent(email)}`);
      await done();
    },
  );
}
