// Ad platforms: each platform live or simulated, what the last check found of its credentials, and the audience syncs
// that keep a platform audience equal to a segment.
import { api, get, post } from '../api.js';
import {
  badge,
  clear,
  confirmButton,
  docsLink,
  emptyState,
  explain,
  fmt,
  h,
  hiddenText,
  holds,
  pageHead,
  problem,
  rolesText,
} from '../ui.js';
import { field, showProblems } from './campaignFields.js';

const WRITERS = ['marketer', 'operator'];
/** How often the list asks again while a run is under way or awaited. */
const POLL_MS = 1500;
/** How many times it asks before it stops (a run that never shows up does not keep the page busy forever). */
const MAX_POLLS = 120;
const HELP = [
  'Google Ads, Meta and LinkedIn: live with credentials, simulated without them. An audience sync keeps a platform audience equal to a segment (hashed email addresses of those who may be advertised to). ',
  docsLink(),
];

const enc = encodeURIComponent;
const day = (d) => new Date(d).toLocaleDateString();

/** The page: the platforms, then the audience syncs and (for marketers and operators) the form to start one. */
export async function render(el, ctx, _rest, flash) {
  let platforms;
  let syncs;
  try {
    [platforms, syncs] = await Promise.all([
      get('/v1/ad-platforms').then((r) => r.platforms),
      get('/v1/audience-syncs').then((r) => r.audienceSyncs),
    ]);
  } catch (err) {
    return clear(el, pageHead('Ad platforms', HELP), problem(err, 'The ad platforms'));
  }
  const writer = holds(ctx, WRITERS);
  const list = syncList(writer);
  const below = writer
    ? await form(platforms, (text) => render(el, ctx, [], text))
    : h('p', { class: 'muted', text: `Read-only for you: your roles are ${rolesText(ctx)}.` });
  const formShown = below.id === 'audience-sync-form';
  const start = () =>
    formShown &&
    h('button', {
      type: 'button',
      text: 'New audience sync',
      onclick: () => below.querySelector('select').focus(),
    });
  const status = flash ? h('p', { id: 'audience-sync-status', role: 'status', text: flash }) : null;
  clear(
    el,
    pageHead('Ad platforms', HELP),
    platformSection(platforms),
    h(
      'section',
      { class: 'panel', id: 'audience-syncs-section' },
      h('div', { class: 'spread' }, h('h2', { text: 'Audience syncs' }), syncs.length ? start() : null),
      status,
      syncs.length === 0
        ? emptyState(
            'audience-syncs-empty',
            !writer
              ? 'No audience syncs yet. A marketer or an operator starts them.'
              : formShown
                ? 'No audience syncs yet. Choose a segment and a platform in the form below.'
                : 'No audience syncs yet. A sync sends a segment, so build a segment first.',
            start(),
          )
        : list.el,
    ),
    below,
  );
  if (syncs.length) list.show(syncs);
}

/** The platforms with their mode and credentials; a credential that needs renewing is an alert above them. */
function platformSection(platforms) {
  const alerts = platforms.flatMap((p) =>
    p.credentials
      .filter((c) => c.attention)
      .map((c) =>
        h(
          'div',
          {
            class: c.attention === 'refused' ? 'error-box' : 'notice',
            role: 'alert',
            dataset: { setting: c.setting, attention: c.attention },
          },
          h('strong', {
            text:
              c.attention === 'refused'
                ? `${c.setting} was refused: renew it.`
                : `${c.setting} expires on ${day(c.expiresAt)}: renew it.`,
          }),
          c.detail ? h('span', { class: 'small', text: ` ${c.detail}` }) : null,
        ),
      ),
  );
  return h(
    'section',
    { class: 'panel', id: 'ad-platforms-section' },
    h('h2', { text: 'Platforms' }),
    alerts.length ? h('div', { class: 'grid', id: 'credential-alerts' }, alerts) : null,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { id: 'ad-platforms' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Platform', 'Mode', 'Credentials'].map((t) => h('th', { scope: 'col', text: t })),
          ),
        ),
        h(
          'tbody',
          {},
          platforms.map((p) =>
            h(
              'tr',
              { dataset: { platform: p.name, mode: p.mode } },
              h('th', { scope: 'row', text: p.name }),
              h(
                'td',
                { class: 'mode' },
                p.mode === 'live' ? badge('live', 'ok') : badge('sandbox', 'warn'),
                h('span', {
                  class: 'small muted',
                  text: p.mode === 'live' ? ' real audiences and spend' : ' simulated, no money moves',
                }),
              ),
              h('td', { class: 'credentials' }, credentialLines(p)),
            ),
          ),
        ),
      ),
    ),
  );
}

function credentialLines(p) {
  if (p.mode === 'sandbox') return h('span', { class: 'muted small', text: 'none set' });
  if (p.credentials.length === 0) return h('span', { class: 'muted small', text: 'not checked yet' });
  return h(
    'ul',
    { class: 'list' },
    p.credentials.map((c) =>
      h(
        'li',
        { dataset: { setting: c.setting } },
        h('code', { text: c.setting }),
        ': ',
        c.valid ? badge('valid', c.attention ? 'warn' : 'ok') : badge('refused', 'bad'),
        c.expiresAt ? ` expires on ${day(c.expiresAt)}` : '',
        h('span', { class: 'small muted', text: `, checked ${fmt.ago(c.checkedAt)}`, title: fmt.date(c.checkedAt) }),
        c.detail && !c.attention ? h('div', { class: 'small muted', text: c.detail }) : null,
      ),
    ),
  );
}

/** Whether a sync still waits for a run: none finished yet, or one under way. */
const busy = (s) => !s.lastRun || s.runs.some((r) => r.status === 'running');

/**
 * The syncs' table. While a run is under way or awaited it asks again every POLL_MS and redraws the figures in place:
 * the buttons stay where they are, so the focus and a Stop waiting for its second press are kept.
 */
function syncList(writer) {
  const body = h('tbody');
  const el = h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { id: 'audience-syncs' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Audience', 'Segment', 'Platform', 'Last run', 'Eligible', 'Added', 'Removed', 'Matched', 'Errors'].map(
            (t, i) => h('th', { scope: 'col', class: i >= 4 && i <= 7 ? 'num' : undefined, text: t }),
          ),
          writer ? h('th', { scope: 'col' }, hiddenText('Actions')) : null,
        ),
      ),
      body,
    ),
  );
  /** Sync id → the first press's newest finished run, while a "Run now" waits for a newer one. */
  const awaited = new Map();
  const actionCells = new Map();
  /** Sync id → the sync as the table shows it now. */
  const latest = new Map();
  let timer;
  let polls = 0;

  const refresh = async () => {
    // The page was left or drawn again: this table is no longer shown.
    if (!el.isConnected) return;
    try {
      show((await get('/v1/audience-syncs')).audienceSyncs);
    } catch (err) {
      clear(body, h('tr', {}, h('td', { colspan: writer ? 10 : 9 }, problem(err, 'The audience syncs'))));
    }
  };
  /** A "Run now" whose run has finished is no longer awaited, and its button's line says how it ended. */
  const settle = (syncs) => {
    for (const s of syncs) {
      const before = awaited.get(s.id);
      if (before === undefined || (s.lastRun?.startedAt ?? null) === before || busy(s)) continue;
      awaited.delete(s.id);
      const message = actionCells.get(s.id)?.querySelector('[role=status]');
      if (message) message.textContent = `The run ${s.lastRun.status}.`;
    }
  };
  const schedule = (syncs) => {
    clearTimeout(timer);
    const waiting = syncs.some((s) => busy(s) || awaited.has(s.id));
    if (waiting && polls++ < MAX_POLLS) timer = setTimeout(refresh, POLL_MS);
  };

  const actions = (s) => {
    const message = h('span', { class: 'small', role: 'status' });
    const run = h('button', {
      type: 'button',
      'data-action': 'run',
      text: 'Run now',
      'aria-describedby': `audience-sync-name-${s.id}`,
      onclick: async () => {
        run.disabled = true;
        message.textContent = '';
        try {
          // The run shown when the button was pressed: a newer one is the one asked for (or one under way then).
          const before = latest.get(s.id)?.lastRun;
          await post(`/v1/audience-syncs/${enc(s.id)}/run`);
          awaited.set(s.id, before ? before.startedAt : null);
          message.textContent = 'Started: the figures update when it finishes.';
          polls = 0;
          await refresh();
        } catch (err) {
          message.textContent = explain(err);
        }
        run.disabled = false;
      },
    });
    const stop = confirmButton(
      { class: 'danger', 'data-action': 'stop', 'aria-describedby': `audience-sync-name-${s.id}` },
      'Stop',
      'Stop syncing? Press again',
      async () => {
        await api('DELETE', `/v1/audience-syncs/${enc(s.id)}`);
        actionCells.delete(s.id);
        await refresh();
      },
    );
    return h('td', {}, h('div', { class: 'row' }, run, stop), message);
  };

  const cells = (s) => {
    const shown = s.lastRun;
    const current = s.runs[0];
    const state =
      current && current.status === 'running'
        ? badge('running', 'pending')
        : shown
          ? badge(shown.status, shown.status === 'succeeded' ? 'ok' : 'bad')
          : h('span', { class: 'muted', text: 'not run yet' });
    const num = (cls, v) => h('td', { class: `num ${cls}`, text: shown ? fmt.number(v) : '–' });
    return [
      // The platform's id of the audience is long: it is the name's tooltip.
      h('td', {
        id: `audience-sync-name-${s.id}`,
        text: s.name,
        title: s.externalId ? `On the platform: ${s.externalId}` : undefined,
        dataset: { externalId: s.externalId || '' },
      }),
      h('td', {}, h('a', { href: `#/segments/${enc(s.segment)}`, text: s.segment })),
      h(
        'td',
        { class: 'platform' },
        s.platform,
        s.sandbox && s.platform !== 'sandbox'
          ? h('span', { class: 'small muted', text: ' (sandbox)', title: 'simulated, no money moves' })
          : null,
      ),
      h(
        'td',
        { class: 'status', dataset: { status: shown ? shown.status : 'none' } },
        state,
        shown
          ? h('div', {
              class: 'small muted when',
              text: fmt.ago(shown.finishedAt || shown.startedAt),
              title: fmt.date(shown.finishedAt || shown.startedAt),
            })
          : null,
      ),
      num('eligible', shown && shown.eligible),
      num('added', shown && shown.added),
      num('removed', shown && shown.removed),
      h('td', {
        class: 'num matched',
        text: !shown ? '–' : shown.matched === null ? 'not reported' : fmt.number(shown.matched),
      }),
      h('td', { class: 'errors', text: !shown ? '–' : shown.errors.length ? shown.errors.join('; ') : 'none' }),
    ];
  };

  function show(syncs) {
    latest.clear();
    for (const s of syncs) latest.set(s.id, s);
    const rows = new Map([...body.querySelectorAll('tr[data-id]')].map((r) => [r.dataset.id, r]));
    const same = rows.size === syncs.length && syncs.every((s) => rows.has(s.id));
    if (!same) {
      for (const id of [...actionCells.keys()]) if (!syncs.some((s) => s.id === id)) actionCells.delete(id);
      clear(
        body,
        syncs.map((s) => h('tr', { dataset: { id: s.id } })),
      );
    }
    for (const s of syncs) {
      const row = body.querySelector(`tr[data-id="${s.id}"]`);
      row.dataset.status = s.lastRun ? s.lastRun.status : 'none';
      row.dataset.busy = busy(s) ? 'yes' : 'no';
      if (!writer) {
        clear(row, cells(s));
        continue;
      }
      // The actions' cell stays: only the figures before it are drawn again.
      if (!actionCells.has(s.id)) actionCells.set(s.id, actions(s));
      const kept = actionCells.get(s.id);
      if (kept.parentElement !== row) row.append(kept);
      while (row.firstChild !== kept) row.firstChild.remove();
      kept.before(...cells(s));
    }
    settle(syncs);
    if (syncs.length === 0)
      clear(body, h('tr', {}, h('td', { colspan: writer ? 10 : 9, text: 'No audience syncs left.' })));
    schedule(syncs);
  }

  return { el, show };
}

/** The form that starts a sync; the API's problems show under the fields they name. */
async function form(platforms, created) {
  let segments;
  try {
    segments = (await get('/v1/segments')).segments;
  } catch (err) {
    return problem(err, 'The segments');
  }
  if (segments.length === 0) {
    return h(
      'p',
      { class: 'panel muted', id: 'audience-sync-no-segment' },
      'An audience sync sends a segment: ',
      h('a', { href: '#/segments', text: 'build one first' }),
      '.',
    );
  }
  const segment = h(
    'select',
    { id: 'audience-sync-segment', name: 'segment', required: true },
    segments.map((s) => h('option', { value: s.key, text: `${s.name} (${s.key}), ${fmt.number(s.count)} members` })),
  );
  const platform = h(
    'select',
    { id: 'audience-sync-platform', name: 'platform', required: true },
    platforms.map((p) =>
      h('option', { value: p.name, text: p.mode === 'live' ? p.name : `${p.name} (simulated, no money moves)` }),
    ),
  );
  const name = h('input', {
    id: 'audience-sync-name',
    name: 'name',
    maxlength: 200,
    placeholder: 'the segment’s name (GTM Strategist)',
  });
  const status = h('p', { id: 'audience-sync-form-status', role: 'alert' });
  const submit = async (e) => {
    e.preventDefault();
    status.textContent = '';
    const built = e.target;
    const button = built.querySelector('button[type=submit]');
    button.disabled = true;
    showProblems(built, null);
    try {
      const body = { segment: segment.value, platform: platform.value };
      if (name.value.trim()) body.name = name.value.trim();
      const sync = await post('/v1/audience-syncs', body);
      created(`${sync.name} is created: its first run has started.`);
    } catch (err) {
      status.textContent = showProblems(built, err).join(' ');
      button.disabled = false;
    }
  };
  return h(
    'form',
    { class: 'panel', id: 'audience-sync-form', onsubmit: submit, novalidate: true },
    h('h2', { text: 'New audience sync' }),
    h(
      'p',
      { class: 'small muted' },
      'The members who may be advertised to are uploaded as hashes of their email addresses, at once and then on a schedule; those who leave the segment or withdraw consent are removed. Stopping a sync leaves the platform audience as it is.',
    ),
    h(
      'div',
      { class: 'form-grid' },
      field('Segment', segment),
      field('Platform', platform, 'A platform without credentials is simulated'),
      field('Audience name (optional)', name, 'As the platform shows it'),
    ),
    h('button', { type: 'submit', class: 'primary', text: 'Start the sync' }),
    status,
  );
}
