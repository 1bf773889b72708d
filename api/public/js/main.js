import { api, get, session } from './api.js';
import { clear, h, problem } from './ui.js';
import { listen, speak, speechAvailable } from './voice.js';
import * as overview from './pages/overview.js';
import * as campaigns from './pages/campaigns.js';
import * as influencers from './pages/influencers.js';
import * as approvals from './pages/approvals.js';
import * as sequences from './pages/sequences.js';
import * as mail from './pages/mail.js';
import * as contacts from './pages/contacts.js';
import * as segments from './pages/segments.js';
import * as broadcasts from './pages/broadcasts.js';
import * as templates from './pages/templates.js';

const PAGES = [
  { path: 'overview', title: 'GTM overview', page: overview },
  { path: 'campaigns', title: 'Campaigns', page: campaigns },
  { path: 'influencers', title: 'Influencers', page: influencers },
  { path: 'approvals', title: 'Approvals', page: approvals },
  { path: 'sequences', title: 'Sequences', page: sequences },
  { path: 'contacts', title: 'People', page: contacts },
  { path: 'segments', title: 'Segments', page: segments },
  { path: 'broadcasts', title: 'Broadcasts', page: broadcasts },
  { path: 'templates', title: 'Templates', page: templates },
  // The caught mail holds other people's approval requests and unsubscribe links: the operator's to read.
  { path: 'mail', title: 'Mail', page: mail, roles: ['operator'] },
];
const VENTURE = 'gtm.ventureId';

const root = document.getElementById('app');
const ctx = { meta: null, ventures: [], ventureId: null, answerBox: null, main: null, refreshNav: () => {} };

window.addEventListener('gtm:signed-out', () => signIn('Your key is no longer valid. Sign in again.'));

function signIn(message = '') {
  const error = h('p', { class: 'error', role: 'alert', text: message });
  const input = h('input', {
    type: 'password',
    name: 'key',
    autocomplete: 'off',
    required: true,
    placeholder: 'gtm_…',
    id: 'api-key',
  });
  const form = h(
    'form',
    {
      onsubmit: async (e) => {
        e.preventDefault();
        const key = input.value.trim();
        error.textContent = '';
        try {
          await api('GET', '/v1/meta', undefined, key);
          session.set(key);
          await start();
        } catch (err) {
          error.textContent = err.status === 401 ? 'That key is not valid.' : `Could not sign in: ${err.message}`;
        }
      },
    },
    h('label', { for: 'api-key' }, 'API key', input),
    h('button', { class: 'primary', type: 'submit', text: 'Sign in' }),
    error,
    h(
      'p',
      { class: 'muted small' },
      'A local run writes one key per role to ',
      h('code', { text: '.data/api-keys.json' }),
      '; ',
      h('code', { text: 'npm run keys:create' }),
      ' makes more. The key stays in this tab only. ',
      h('a', { href: '/docs', text: 'API reference' }),
    ),
  );
  clear(root, h('main', { class: 'signin' }, h('h1', { text: 'GTM Strategist' }), form));
  input.focus();
}

async function start() {
  if (!session.key) return signIn();
  try {
    ctx.meta = await get('/v1/meta');
  } catch (err) {
    if (err.status === 401) return signIn('That key is not valid.');
    clear(root, problem(err, 'The API'));
    return;
  }
  await loadVentures();
  renderShell();
  route();
}

async function loadVentures() {
  try {
    ctx.ventures = (await get('/v1/ventures?limit=500')).ventures;
  } catch {
    ctx.ventures = [];
  }
  const saved = sessionStorage.getItem(VENTURE);
  ctx.ventureId = ctx.ventures.some((v) => v.id === saved) ? saved : (ctx.ventures[0] && ctx.ventures[0].id) || null;
}
ctx.reloadVentures = async () => {
  await loadVentures();
  renderShell();
  route();
};

function renderShell() {
  const nav = h(
    'nav',
    { 'aria-label': 'Pages' },
    PAGES.filter((p) => !p.roles || p.roles.includes(ctx.meta.role)).map((p) =>
      h('a', { href: `#/${p.path}`, 'data-page': p.path, text: p.title }),
    ),
  );
  const who = h(
    'div',
    { class: 'who' },
    h(
      'span',
      {},
      h('span', { class: 'label', text: 'Signed in as ' }),
      h('strong', { id: 'role', text: ctx.meta.role }),
      ' ',
      ctx.meta.sandbox
        ? h('span', { class: 'badge warn', text: 'sandbox', title: 'Ad platforms without credentials are simulated' })
        : null,
    ),
    h('button', {
      type: 'button',
      id: 'sign-out',
      onclick: () => {
        session.clear();
        signIn();
      },
      text: 'Sign out',
    }),
  );
  const ventureSelect = h(
    'select',
    {
      id: 'venture',
      'aria-label': 'Venture',
      onchange: (e) => {
        ctx.ventureId = e.target.value;
        sessionStorage.setItem(VENTURE, ctx.ventureId);
        route();
      },
    },
    ctx.ventures.length === 0
      ? h('option', { value: '', text: 'No venture yet' })
      : ctx.ventures.map((v) =>
          h('option', { value: v.id, selected: v.id === ctx.ventureId, text: v.productName || v.name }),
        ),
  );
  ctx.answerBox = h('div', { id: 'answer' });
  ctx.main = h('div', { id: 'page' });
  clear(
    root,
    h(
      'div',
      { class: 'shell' },
      h('aside', { class: 'sidebar' }, h('div', { class: 'brand', text: 'GTM Strategist' }), nav, who),
      h('main', { class: 'main' }, h('div', { class: 'topbar' }, ventureSelect, commandBar()), ctx.answerBox, ctx.main),
    ),
  );
  ctx.refreshNav = () => {
    const current = location.hash.replace(/^#\/?/, '').split('/')[0] || 'overview';
    for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.dataset.page === current);
  };
}

function commandBar() {
  const input = h('input', {
    type: 'text',
    id: 'command',
    name: 'command',
    placeholder: 'Ask or command: "what is waiting for my approval"',
    autocomplete: 'off',
    'aria-label': 'Command',
  });
  let spoken = false;
  const run = async () => {
    const text = input.value.trim();
    if (!text) return;
    const box = ctx.answerBox;
    clear(box, h('div', { class: 'answer' }, h('span', { class: 'muted', text: 'Working…' })));
    try {
      const { status, body } = await api('POST', '/v1/commands', {
        text,
        ...(ctx.ventureId ? { ventureId: ctx.ventureId } : {}),
      });
      clear(box, renderAnswer(body, status));
      if (spoken) speak(body.speech);
      if (['approve', 'reject', 'pause_campaign', 'resume_campaign'].includes(body.intent) && status === 200) route();
    } catch (err) {
      clear(box, h('div', { class: 'answer refused' }, err.message));
    }
    spoken = false;
  };
  const form = h(
    'form',
    {
      class: 'command',
      role: 'search',
      onsubmit: (e) => {
        e.preventDefault();
        run();
      },
    },
    input,
  );
  if (speechAvailable()) {
    const mic = h(
      'button',
      { type: 'button', class: 'mic', id: 'mic', title: 'Speak a command', 'aria-label': 'Speak a command' },
      micIcon(),
    );
    mic.addEventListener('click', () => {
      mic.classList.add('listening');
      listen({
        onText: (t) => {
          input.value = t;
        },
        onEnd: (final) => {
          mic.classList.remove('listening');
          if (final) {
            spoken = true;
            run();
          }
        },
      });
    });
    form.append(mic);
  }
  form.append(h('button', { type: 'submit', class: 'primary', text: 'Go' }));
  return form;
}

function micIcon() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute(
    'd',
    'M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1A7 7 0 0 0 19 11h-2z',
  );
  path.setAttribute('fill', 'currentColor');
  svg.append(path);
  return svg;
}

function renderAnswer(body, status) {
  const box = h(
    'div',
    { class: `answer${status === 200 ? '' : ' refused'}`, 'data-intent': body.intent },
    h('div', {
      class: 'intent',
      text: `${body.intent.replace(/_/g, ' ')}${Object.keys(body.parameters || {}).length && body.intent !== 'unknown' ? ` · ${JSON.stringify(body.parameters)}` : ''}`,
    }),
    h('div', { class: 'speech', text: body.speech }),
  );
  const r = body.result || {};
  if (body.intent === 'find_influencers' && Array.isArray(r.results) && r.results.length) {
    box.append(
      h(
        'ul',
        {},
        r.results.slice(0, 5).map((i) =>
          h('li', {
            text: `${i.name} (@${i.handle}, ${i.platform}) · score ${Math.round(i.compositeScore)} · ${i.followersCount.toLocaleString()} followers`,
          }),
        ),
      ),
      h('a', { href: '#/influencers', text: 'Open influencer discovery' }),
    );
  }
  if (body.intent === 'gtm_performance' && r.venture) {
    box.append(
      h('a', {
        href: '#/overview',
        text: 'Open the overview',
        onclick: () => {
          ctx.ventureId = r.venture.id;
          sessionStorage.setItem(VENTURE, r.venture.id);
        },
      }),
    );
  }
  if (body.intent === 'pending_approvals') box.append(h('a', { href: '#/approvals', text: 'Open the inbox' }));
  if (body.intent === 'optimize_budget' && Array.isArray(r.channels)) {
    box.append(
      h(
        'ul',
        {},
        r.channels
          .filter((c) => c.amount > 0)
          .map((c) =>
            h('li', {
              text: `${c.name.replace(/_/g, ' ')}: ${Math.round(c.amount).toLocaleString()} (${Math.round(c.share * 100)}%)`,
            }),
          ),
      ),
    );
  }
  return box;
}

function route() {
  if (!ctx.main) return;
  const [page, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const entry = PAGES.find((p) => p.path === page) || PAGES[0];
  ctx.refreshNav();
  document.title = `${entry.title} · GTM Strategist`;
  // A fresh container per visit: a slower render of the page left behind writes into a detached element.
  const container = h('div', {}, h('p', { class: 'loading', text: 'Loading…' }));
  clear(ctx.main, container);
  Promise.resolve(entry.page.render(container, ctx, rest.map(decodeURIComponent))).catch((err) =>
    clear(container, problem(err, entry.title)),
  );
}

window.addEventListener('hashchange', route);
start();
