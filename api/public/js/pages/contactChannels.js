// A contact's channels beyond email, on their page: the phone and consent to text messages (with every change), the
// push devices their app registered, and their in-app inbox. Marketers and operators record or withdraw consent and
// remove devices, each after one more press; other roles read the same panels without those controls.
import { api, get } from '../api.js';
import { badge, clear, confirmButton, explain, fmt, h, hiddenText, holds, problem, rolesText } from '../ui.js';
import { tableOf } from './messages.js';

/** The roles the API lets change consent and devices; the server checks again, this only hides the controls. */
const WRITERS = ['marketer', 'operator'];
/** The inbox messages shown, newest first within unread and read (the API's own page size). */
const INBOX_LIMIT = 50;

const ACTION_WORDS = { opt_in: 'opted in', opt_out: 'opted out' };

/** Renders the SMS, push and in-app panels of contact `id` into `el`, each loading on its own. */
export async function contactChannels(el, ctx, id) {
  const path = `/v1/contacts/${encodeURIComponent(id)}`;
  const panel = (name) =>
    h('section', { class: 'panel', id: name, 'aria-labelledby': `${name}-title`, style: { marginTop: '1rem' } });
  const [sms, devices, inbox] = ['contact-sms', 'contact-devices', 'contact-inbox'].map(panel);
  clear(el, sms, devices, inbox);
  await Promise.all([smsPanel(sms, ctx, path), devicePanel(devices, ctx, path), inboxPanel(inbox, path)]);
}

/** The phone, the consent (given or not, where, when) and its history; for a writer, the form to change it. */
async function smsPanel(el, ctx, path) {
  const title = h('h2', { id: 'contact-sms-title', text: 'Text messages (SMS)' });
  const body = h('div', {}, h('p', { class: 'loading', text: 'Loading…' }));
  const status = h('p', { class: 'small', id: 'sms-consent-status', role: 'status' });
  clear(el, title, body, status);
  const say = (text) => (status.textContent = text);
  const show = (view, focusId) => {
    clear(body, consentWords(view), holds(ctx, WRITERS) ? consentControls(view, path, show, say) : readOnly(ctx));
    body.append(h('h3', { text: 'History' }), historyList(view.history));
    if (focusId) document.getElementById(focusId)?.focus();
  };
  try {
    show(await get(`${path}/sms-consent`));
  } catch (err) {
    clear(body, problem(err, 'SMS consent'));
  }
}

function consentWords(view) {
  const c = view.smsConsent;
  return h(
    'div',
    {},
    h(
      'p',
      {},
      'Phone ',
      view.phone
        ? h('b', { id: 'sms-phone', text: view.phone })
        : h('span', { class: 'muted', id: 'sms-phone', text: 'none: no text can go to this contact' }),
    ),
    h(
      'p',
      { id: 'sms-consent-state', 'data-consent': c ? 'given' : 'not_given' },
      'Consent ',
      c ? badge('given', 'ok') : badge('not given', 'warn'),
      c ? ` from “${c.source}” on ${fmt.date(c.at)}` : ' (texts go only to a contact who agreed to them)',
    ),
  );
}

const readOnly = (ctx) =>
  h('p', { class: 'small muted', text: `Read-only for you: your roles are ${rolesText(ctx)}.` });

/**
 * Record consent with where it was given, or withdraw it; each asks once more first. `show(view, focusId)` draws
 * the panel from the API's answer, `say` reports in the panel's status line.
 */
function consentControls(view, path, show, say) {
  if (!view.phone) {
    return h('p', {
      class: 'small muted',
      text: 'Consent is given for a phone number: set the contact’s phone first (POST /v1/contacts).',
    });
  }
  if (view.smsConsent) {
    return h(
      'div',
      { class: 'row' },
      confirmButton(
        { id: 'sms-consent-withdraw', class: 'danger' },
        'Withdraw consent',
        'Withdraw: no more texts to them?',
        async () => {
          const { body } = await api('DELETE', `${path}/sms-consent`);
          show(body, 'sms-consent-source');
          say('Consent withdrawn: no text goes to this contact until they agree again.');
        },
      ),
    );
  }
  const source = h('input', {
    id: 'sms-consent-source',
    name: 'source',
    maxlength: 200,
    autocomplete: 'off',
    placeholder: 'e.g. signup form, support call',
    'aria-describedby': 'sms-consent-source-help',
  });
  const label = 'Record consent';
  const give = h('button', { type: 'submit', id: 'sms-consent-give', class: 'primary', text: label });
  const disarm = () => {
    give.dataset.armed = '';
    give.textContent = label;
  };
  source.addEventListener('input', () => {
    source.removeAttribute('aria-invalid');
    disarm();
  });
  const record = async () => {
    const where = source.value.trim();
    if (!where) {
      source.setAttribute('aria-invalid', 'true');
      source.focus();
      return say('Write where the contact gave consent first, such as “signup form”.');
    }
    if (give.dataset.armed !== 'yes') {
      give.dataset.armed = 'yes';
      give.textContent = `Record consent from “${where}”?`;
      return undefined;
    }
    give.disabled = true;
    try {
      const { body } = await api('POST', `${path}/sms-consent`, { source: where });
      show(body, 'sms-consent-withdraw');
      say(`Consent recorded, given at “${where}”.`);
    } catch (err) {
      give.disabled = false;
      disarm();
      say(`Not recorded: ${explain(err)}`);
    }
    return undefined;
  };
  return h(
    'form',
    {
      id: 'sms-consent-form',
      class: 'row',
      onsubmit: (e) => {
        e.preventDefault();
        record();
      },
    },
    h('label', {}, 'Where consent was given ', source),
    give,
    h('span', {
      class: 'small muted',
      id: 'sms-consent-source-help',
      text: 'Kept with the consent as proof, such as the form or the call it was given in.',
    }),
  );
}

function historyList(history) {
  if (!history.length) return h('p', { class: 'muted small', id: 'sms-consent-history', text: 'No change yet.' });
  return h(
    'ul',
    { class: 'timeline', id: 'sms-consent-history' },
    history.map((c) =>
      h(
        'li',
        { 'data-action': c.action },
        h('span', { class: 'small muted', text: fmt.date(c.at) }),
        ` ${ACTION_WORDS[c.action] || fmt.label(c.action)} · ${c.source} · ${c.phone}`,
      ),
    ),
  );
}

/** The contact's push devices: platform and the end of the token (never the whole), with Remove for a writer. */
async function devicePanel(el, ctx, path) {
  const writer = holds(ctx, WRITERS);
  const title = h('h2', { id: 'contact-devices-title', text: 'Push devices', tabindex: '-1' });
  const list = h('div', {}, h('p', { class: 'loading', text: 'Loading…' }));
  const status = h('p', { class: 'small', id: 'contact-devices-status', role: 'status' });
  clear(el, title, list, status);
  const load = async () => {
    let devices;
    try {
      ({ devices } = await get(`${path}/devices`));
    } catch (err) {
      return clear(list, problem(err, 'Push devices'));
    }
    const remove = (d) =>
      confirmButton({ class: 'danger small' }, 'Remove', 'Remove: no more pushes to it?', async () => {
        await api('DELETE', `${path}/devices/${encodeURIComponent(d.id)}`);
        await load();
        status.textContent = `The ${d.platform} device ending ${d.tokenEnd} is removed.`;
        title.focus();
      });
    return clear(
      list,
      devices.length
        ? tableOf(
            {},
            ['Platform', 'Token ends in', 'Registered', 'Last registered', h('th', {}, hiddenText('Actions'))],
            devices.map((d) =>
              h(
                'tr',
                { 'data-device': d.id },
                h('td', { text: d.platform }),
                h('td', {}, h('code', { text: d.tokenEnd })),
                h('td', { class: 'small', text: fmt.date(d.createdAt) }),
                h('td', { class: 'small', text: fmt.date(d.updatedAt) }),
                h('td', {}, writer ? remove(d) : null),
              ),
            ),
          )
        : h('p', {
            class: 'muted',
            id: 'contact-devices-empty',
            text: 'No device: their app registers one with POST /v1/contacts/:id/devices, and pushes go to each.',
          }),
    );
  };
  await load();
}

/** The contact's in-app inbox: each message's title, whether it was read (or dismissed), and when. */
async function inboxPanel(el, path) {
  const title = h('h2', { id: 'contact-inbox-title', text: 'In-app inbox' });
  const list = h('div', {}, h('p', { class: 'loading', text: 'Loading…' }));
  clear(el, title, list);
  let inbox;
  try {
    inbox = await get(`${path}/inbox?limit=${INBOX_LIMIT}&includeDismissed=true`);
  } catch (err) {
    return clear(list, problem(err, 'The in-app inbox'));
  }
  title.append(h('span', { class: 'muted small', text: ` · ${inbox.unread} unread` }));
  const state = (m) =>
    m.dismissedAt ? badge('dismissed', 'muted') : m.readAt ? badge('read', 'ok') : badge('unread', 'warn');
  return clear(
    list,
    inbox.messages.length
      ? tableOf(
          {},
          ['Title', 'State', 'Received', 'Read'],
          inbox.messages.map((m) =>
            h(
              'tr',
              { 'data-inbox-message': m.id },
              h('td', { text: m.title }),
              h('td', {}, state(m)),
              h('td', { class: 'small', text: fmt.date(m.createdAt) }),
              h('td', { class: 'small', text: m.readAt ? fmt.date(m.readAt) : '–' }),
            ),
          ),
        )
      : h('p', {
          class: 'muted',
          id: 'contact-inbox-empty',
          text: 'Nothing in their inbox: an in-app send step or broadcast puts messages here.',
        }),
    inbox.messages.length === INBOX_LIMIT
      ? h('p', { class: 'small muted', text: `The newest ${INBOX_LIMIT} are shown.` })
      : null,
  );
}
