import { api, get } from '../api.js';
import { badge, clear, fmt, h, problem, temporalLink } from '../ui.js';
import { messageList, pager, PAGE_SIZE, showTimeline, tableOf } from './messages.js';

/** The roles the API lets change the suppression list; the server checks again, this only hides the buttons. */
const WRITERS = ['marketer', 'operator'];

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
