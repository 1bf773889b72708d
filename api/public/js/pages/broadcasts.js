import { get, post } from '../api.js';
import {
  badge,
  clear,
  docsLink,
  emptyState,
  explain,
  fmt,
  h,
  holds,
  pageHead,
  problem,
  rolesText,
  temporalLink,
} from '../ui.js';

const WRITERS = ['marketer', 'operator'];
const FINAL = ['completed', 'cancelled', 'rejected', 'failed'];
/** Why recipients were skipped (the API's skip reasons), in the order the progress line names them, and its words. */
const SKIP_REASONS = {
  unsubscribed: 'unsubscribed',
  unsubscribed_topic: 'left the topic',
  suppressed: 'suppressed',
  capped: 'capped',
  contact_deleted: 'contact deleted',
  no_consent: 'no consent to texts',
  no_address: 'no phone or device',
};
/** The channels a broadcast sends on, and the template formats each sends (the API's CHANNEL_FORMATS). */
const CHANNELS = {
  email: { label: 'Email', formats: ['mjml', 'html'] },
  sms: { label: 'SMS (text message)', formats: ['text'] },
  in_app: { label: 'In-app inbox', formats: ['mjml', 'html'] },
  push: { label: 'Push notification', formats: ['text', 'json'] },
};
/** Who of a segment cannot receive a broadcast on a channel, besides those who opted out. */
const UNREACHABLE = {
  sms: ', or have no phone number or no consent to texts',
  push: ', or have no push device',
};
/** How often a broadcast's page asks for its progress while it can still change. */
const POLL_MS = 1500;
const HELP = [
  'A broadcast sends one message (an email, a text, an in-app message or a push) to everyone in a segment, now or at a time you choose; people who opted out are skipped. ',
  docsLink(),
];

/** Broadcasts: the list with status and counts, a form to send one to a segment, and one broadcast's live progress. */
export async function render(el, ctx, [id] = []) {
  if (id) return detail(el, ctx, id);
  let broadcasts;
  try {
    broadcasts = (await get('/v1/broadcasts?limit=100')).broadcasts;
  } catch (err) {
    return clear(el, pageHead('Broadcasts', HELP), problem(err, 'Broadcasts'));
  }
  const writer = holds(ctx, WRITERS);
  const below = writer
    ? await form()
    : h('p', { class: 'muted', text: `Read-only for you: your roles are ${rolesText(ctx)}.` });
  const formShown = below.id === 'broadcast-form';
  // The form is further down the page: the button takes the focus there.
  const start = h('button', {
    type: 'button',
    class: 'primary',
    text: 'New broadcast',
    onclick: () => below.querySelector('input').focus(),
  });
  clear(
    el,
    pageHead('Broadcasts', HELP),
    broadcasts.length === 0
      ? emptyState(
          'broadcasts-empty',
          !writer
            ? 'No broadcasts yet. A marketer or an operator sends them.'
            : formShown
              ? 'No broadcasts yet. Fill in the form below: a segment, a template, and when.'
              : 'No broadcasts yet. A broadcast goes to a segment, so build a segment first.',
          formShown ? start : null,
        )
      : listTable(broadcasts),
    below,
  );
}

function listTable(broadcasts) {
  return h(
    'table',
    { id: 'broadcasts' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Broadcast', 'Segment', 'Channel', 'Status', 'Sent', 'Skipped', 'Failed', 'Send at'].map((t) =>
          h('th', { text: t }),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      broadcasts.map((b) => {
        const c = b.counts;
        return h(
          'tr',
          { dataset: { id: b.id } },
          h('td', {}, h('a', { href: `#/broadcasts/${encodeURIComponent(b.id)}`, text: b.name })),
          h('td', { text: b.segment }),
          h('td', { class: 'channel', text: channelLabel(b.channel) }),
          h('td', { class: 'status' }, badge(b.status)),
          h('td', { class: 'sent', text: c ? `${fmt.number(c.sent)} of ${fmt.number(c.recipients)}` : '–' }),
          h('td', { class: 'skipped', text: c ? fmt.number(c.skipped) : '–' }),
          h('td', { class: 'failed', text: c ? fmt.number(c.failed) : '–' }),
          h('td', { text: `${fmt.date(b.sendAt)}${b.localTime ? ` (${b.localTime} local)` : ''}` }),
        );
      }),
    ),
  );
}

/** A channel's name as the page shows it; a broadcast without one is an email. */
const channelLabel = (channel) => CHANNELS[channel ?? 'email']?.label ?? channel;

/** A list from the API, or none when it cannot be read (the form then offers what it can). */
const listOf = (path, key) =>
  get(path)
    .then((r) => r[key])
    .catch(() => []);

/** A labelled field; a hint is the control's description, not part of its name. */
function field(label, control, hint) {
  const id = control.id || (control.id = `broadcast-${control.name}`);
  const note = hint ? h('small', { class: 'muted', id: `${id}-hint`, text: hint }) : null;
  if (note) control.setAttribute('aria-describedby', note.id);
  return h('div', { class: 'field' }, h('label', { for: id, text: label }), control, note);
}

async function form() {
  // The templates a broadcast may use (each channel some of their formats), and the topics it may be sent under.
  const [segmentsR, templates, topics] = await Promise.all([
    get('/v1/segments').catch((err) => err),
    listOf('/v1/templates?kind=email', 'templates'),
    listOf('/v1/topics', 'topics'),
  ]);
  if (segmentsR instanceof Error) return problem(segmentsR, 'The segments');
  const segments = segmentsR.segments;
  if (segments.length === 0) {
    return h(
      'p',
      { class: 'panel muted', id: 'broadcast-no-segment' },
      'A broadcast goes to a segment: ',
      h('a', { href: '#/segments', text: 'build one first' }),
      '.',
    );
  }
  const name = h('input', { name: 'name', required: true, maxlength: 200 });
  const segment = h(
    'select',
    { name: 'segment', required: true },
    segments.map((s) => h('option', { value: s.key, text: `${s.name} (${s.key})` })),
  );
  const channel = h(
    'select',
    { name: 'channel' },
    Object.entries(CHANNELS).map(([value, c]) => h('option', { value, text: c.label })),
  );
  const template =
    templates.length > 0
      ? h('select', { name: 'template', required: true })
      : h('input', { name: 'template', required: true, placeholder: 'e.g. nurture_intro' });
  // Only the templates whose format the channel sends; the one chosen stays chosen while it still fits.
  const showTemplates = () => {
    if (templates.length === 0) return;
    const formats = CHANNELS[channel.value].formats;
    const fits = templates.filter((t) => !t.format || formats.includes(t.format));
    const chosen = template.value;
    clear(
      template,
      fits.length > 0
        ? fits.map((t) =>
            h('option', {
              value: t.key,
              text: `${t.name} (${t.key})`,
              selected: chosen ? t.key === chosen : t.key === 'nurture_intro',
            }),
          )
        : h('option', { value: '', text: `no ${formats.join(' or ')} template yet: add one under Templates` }),
    );
  };
  const subject = h('input', {
    name: 'subject',
    maxlength: 300,
    placeholder: "the template's own",
  });
  const topic = h(
    'select',
    { name: 'topic' },
    h('option', { value: '', text: 'none (transactional templates only)' }),
    topics.map((t) => h('option', { value: t.key, text: `${t.name} (${t.key})`, selected: t.key === 'newsletter' })),
  );
  const now = h('input', { type: 'radio', name: 'when', value: 'now', checked: true });
  const later = h('input', { type: 'radio', name: 'when', value: 'later' });
  const sendAt = h('input', { type: 'datetime-local', name: 'sendAt', disabled: true, 'aria-label': 'Send at' });
  for (const r of [now, later]) r.addEventListener('change', () => (sendAt.disabled = !later.checked));
  const localTime = h('input', { type: 'time', name: 'localTime' });
  const rate = h('input', { type: 'number', name: 'rateLimitPerSecond', min: 1, max: 10000, placeholder: 'default' });
  const rateField = field('Rate (emails per second, optional)', rate);
  const rateLabel = rateField.querySelector('label');
  const audience = h('p', { id: 'audience-count', 'aria-live': 'polite', class: 'muted' });
  const status = h('p', { id: 'broadcast-form-status', role: 'alert' });

  let asked = 0;
  const showAudience = async () => {
    const mine = ++asked;
    audience.textContent = 'Counting…';
    try {
      const body = {
        segment: segment.value,
        ...(topic.value ? { topic: topic.value } : {}),
        ...(channel.value !== 'email' ? { channel: channel.value } : {}),
      };
      const a = await post('/v1/broadcasts/preview-audience', body);
      if (mine !== asked) return;
      audience.textContent = `${fmt.number(a.members)} member${a.members === 1 ? '' : 's'} now; ${fmt.number(a.eligible)} can receive it (the others unsubscribed, or left its topic${UNREACHABLE[channel.value] ?? ''}). Suppressed and capped addresses are skipped when it sends.`;
      audience.dataset.members = String(a.members);
      audience.dataset.eligible = String(a.eligible);
    } catch (err) {
      if (mine === asked) audience.textContent = explain(err);
    }
  };
  segment.addEventListener('change', showAudience);
  topic.addEventListener('change', showAudience);
  channel.addEventListener('change', () => {
    showTemplates();
    rateLabel.textContent = `Rate (${channel.value === 'email' ? 'emails' : 'messages'} per second, optional)`;
    showAudience();
  });

  const submit = async (e) => {
    e.preventDefault();
    status.textContent = '';
    if (later.checked && !sendAt.value) {
      status.textContent = 'sendAt: choose a date and time, or send now';
      return;
    }
    const body = { name: name.value, segment: segment.value, template: template.value };
    if (channel.value !== 'email') body.channel = channel.value;
    if (subject.value) body.subject = subject.value;
    if (topic.value) body.topic = topic.value;
    if (later.checked) body.sendAt = new Date(sendAt.value).toISOString();
    if (localTime.value) body.localTime = localTime.value;
    if (rate.value) body.rateLimitPerSecond = Number(rate.value);
    const button = e.target.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const created = await post('/v1/broadcasts', body);
      location.hash = `#/broadcasts/${encodeURIComponent(created.id)}`;
    } catch (err) {
      status.textContent = explain(err);
      button.disabled = false;
    }
  };

  const built = h(
    'form',
    { class: 'panel', id: 'broadcast-form', onsubmit: submit },
    h('h2', { text: 'New broadcast' }),
    field('Name', name),
    field('Segment', segment),
    field('Channel', channel, 'Texts go to contacts with a phone who agreed to them; pushes to registered devices'),
    audience,
    field('Template', template, 'Only the templates the channel can send are listed'),
    field('Subject', subject, "Optional: overrides the template's; Handlebars, e.g. {{product_name}}"),
    field('Topic', topic, 'Contacts who left this topic are skipped'),
    h(
      'fieldset',
      {},
      h('legend', { text: 'When' }),
      h('label', {}, now, ' Now'),
      h('label', {}, later, ' At ', sendAt),
    ),
    field('Local time (optional)', localTime, 'Each recipient gets it at this time on their own clock.'),
    rateField,
    h('p', {
      class: 'small muted',
      text: 'To send yourself a test first, schedule it for later: its page has a test box, and Cancel stops it.',
    }),
    h('button', { type: 'submit', class: 'primary', text: 'Create the broadcast' }),
    status,
  );
  showTemplates();
  showAudience();
  return built;
}

function progressText(b) {
  const c = b.counts;
  if (!c) return '';
  const done = c.recipients - c.remaining;
  const reasons = Object.entries(SKIP_REASONS)
    .filter(([r]) => c.skippedByReason?.[r] > 0)
    .map(([r, words]) => `${fmt.number(c.skippedByReason[r])} ${words}`);
  return (
    `${fmt.number(done)} of ${fmt.number(c.recipients)} done: ${fmt.number(c.sent)} sent, ` +
    `${fmt.number(c.skipped)} skipped${reasons.length ? ` (${reasons.join(', ')})` : ''}, ${fmt.number(c.failed)} failed`
  );
}

function approvalNote(b) {
  if (b.status === 'awaiting_approval') {
    return h(
      'p',
      { class: 'notice', id: 'broadcast-approval' },
      'Waiting for the chairman’s approval: it has more recipients than the approval threshold. ',
      h('a', { href: '#/approvals', text: 'Open the approvals' }),
    );
  }
  if (b.decidedBy) {
    return h('p', {
      class: b.status === 'rejected' ? 'notice' : 'muted',
      id: 'broadcast-approval',
      text: `${b.status === 'rejected' ? 'Rejected' : 'Approved'} by ${b.decidedBy}${b.decisionComment ? `: “${b.decisionComment}”` : ''}`,
    });
  }
  return null;
}

async function detail(el, ctx, id) {
  let b;
  try {
    b = await get(`/v1/broadcasts/${encodeURIComponent(id)}`);
  } catch (err) {
    return clear(el, h('p', {}, h('a', { href: '#/broadcasts', text: '← Broadcasts' })), problem(err, 'The broadcast'));
  }
  const writer = holds(ctx, WRITERS);
  const statusBox = h('span', { id: 'broadcast-status' });
  const bar = h('div');
  const meter = h(
    'div',
    {
      class: 'progress',
      id: 'broadcast-progress',
      role: 'progressbar',
      'aria-label': 'Sending progress',
      'aria-valuemin': 0,
    },
    bar,
  );
  const text = h('p', { id: 'broadcast-progress-text', 'aria-live': 'polite' });
  const approval = h('div');
  const actions = h('div', { class: 'row', id: 'broadcast-actions' });
  const actionStatus = h('p', { id: 'broadcast-action-status', role: 'alert' });

  let timer;
  let stopped = false;
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    window.removeEventListener('hashchange', stop);
  };
  window.addEventListener('hashchange', stop);

  const control = (action, label) =>
    h('button', {
      type: 'button',
      id: `broadcast-${action}`,
      text: label,
      onclick: async (e) => {
        e.target.disabled = true;
        actionStatus.textContent = '';
        try {
          await post(`/v1/broadcasts/${encodeURIComponent(id)}/${action}`);
        } catch (err) {
          actionStatus.textContent = explain(err);
        }
        await refresh();
      },
    });

  const draw = () => {
    clear(statusBox, badge(b.status));
    statusBox.dataset.status = b.status;
    const c = b.counts ?? { recipients: 0, remaining: 0 };
    const done = c.recipients - c.remaining;
    const share = c.recipients > 0 ? done / c.recipients : b.status === 'completed' ? 1 : 0;
    bar.style.width = `${(share * 100).toFixed(1)}%`;
    meter.setAttribute('aria-valuemax', String(c.recipients));
    meter.setAttribute('aria-valuenow', String(done));
    const line =
      c.recipients > 0 || FINAL.includes(b.status) ? progressText(b) : 'The audience is frozen when it starts.';
    if (text.textContent !== line) text.textContent = line;
    clear(approval, approvalNote(b));
    if (FINAL.includes(b.status)) return clear(actions);
    // Anyone may stop mail going out; starting it again is a writer's call.
    clear(
      actions,
      b.status === 'paused' ? (writer ? control('resume', 'Resume') : null) : control('pause', 'Pause'),
      control('cancel', 'Cancel'),
    );
  };
  const refresh = async () => {
    try {
      b = await get(`/v1/broadcasts/${encodeURIComponent(id)}`);
      draw();
    } catch (err) {
      actionStatus.textContent = explain(err);
    }
  };
  const poll = async () => {
    if (stopped || !el.isConnected) return stop();
    await refresh();
    if (stopped || !el.isConnected || FINAL.includes(b.status)) return stop();
    timer = setTimeout(poll, POLL_MS);
  };

  clear(
    el,
    h('p', {}, h('a', { href: '#/broadcasts', text: '← Broadcasts' })),
    pageHead(b.name, 'The progress updates by itself while it sends. Pause holds it, Resume goes on, Cancel stops it.'),
    h('p', {}, statusBox, ' ', temporalLink(ctx?.meta, b.workflowId)),
    h(
      'dl',
      { class: 'facts' },
      [
        ['Segment', h('a', { href: `#/segments/${encodeURIComponent(b.segment)}`, text: b.segment })],
        ['Channel', channelLabel(b.channel)],
        ['Template', b.template],
        ['Subject', b.subject ?? "the template's"],
        ['Topic', b.topic ?? 'none'],
        ['Send at', `${fmt.date(b.sendAt)}${b.localTime ? `, at ${b.localTime} on each recipient’s clock` : ''}`],
        ['Rate', `${fmt.number(b.rateLimitPerSecond)} per second`],
        ['Created by', b.createdBy],
      ].map(([term, value]) => [h('dt', { text: term }), h('dd', {}, value)]),
    ),
    approval,
    h('section', { class: 'panel' }, h('h2', { text: 'Progress' }), meter, text, actions, actionStatus),
    writer ? testBox(id, b.channel ?? 'email') : null,
  );
  draw();
  if (FINAL.includes(b.status)) stop();
  else timer = setTimeout(poll, POLL_MS);
}

/**
 * One copy to an address, not counted and not sent to the audience; its subject starts with [Test]. A test goes
 * to an email address, so only an email broadcast has one.
 */
function testBox(id, channel) {
  if (channel !== 'email') {
    return h('p', {
      class: 'panel muted',
      id: 'broadcast-test-note',
      text: 'A test goes to an email address, so only an email broadcast has one.',
    });
  }
  const email = h('input', { type: 'email', name: 'email', required: true, placeholder: 'me@example.com' });
  const result = h('p', { id: 'broadcast-test-result', role: 'status' });
  return h(
    'form',
    {
      class: 'panel',
      id: 'broadcast-test',
      onsubmit: async (e) => {
        e.preventDefault();
        result.textContent = 'Sending…';
        try {
          const r = await post(`/v1/broadcasts/${encodeURIComponent(id)}/test`, { email: email.value });
          result.textContent =
            r.status === 'sent' ? `A test went to ${email.value}.` : `Not sent: ${r.reason ?? r.status}`;
        } catch (err) {
          result.textContent = explain(err);
        }
      },
    },
    h('h2', { text: 'Send a test' }),
    field('Email address', email),
    h('button', { type: 'submit', text: 'Send a test' }),
    result,
  );
}
