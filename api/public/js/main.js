import { api, get, session, signOut, whoAmI } from './api.js';
import { clear, h, problem } from './ui.js';
import { listen, speak, speechAvailable } from './voice.js';
import * as overview from './pages/overview.js';
import * as campaigns from './pages/campaigns.js';
import * as influencers from './pages/influencers.js';
import * as approvals from './pages/approvals.js';
import * as approvalDetail from './pages/approvalDetail.js';
import * as sequences from './pages/sequences.js';
import * as mail from './pages/mail.js';
import * as contacts from './pages/contacts.js';
import * as churn from './pages/churn.js';
import * as segments from './pages/segments.js';
import * as broadcasts from './pages/broadcasts.js';
import * as adPlatforms from './pages/adPlatforms.js';
import * as templates from './pages/templates.js';
import * as users from './pages/users.js';
import * as account from './pages/account.js';
import * as audit from './pages/audit.js';
import * as signInPage from './pages/signIn.js';
import * as resetPassword from './pages/resetPassword.js';

/** The pages, in the navigation's order; `roles` limits a page to people with one of them. */
const PAGES = [
  { path: 'overview', title: 'GTM overview', page: overview },
  { path: 'campaigns', title: 'Campaigns', page: campaigns },
  { path: 'influencers', title: 'Influencers', page: influencers },
  { path: 'approvals', title: 'Approvals', page: approvals },
  { path: 'sequences', title: 'Sequences', page: sequences },
  { path: 'contacts', title: 'People', page: contacts },
  { path: 'churn', title: 'Churn risk', page: churn },
  { path: 'segments', title: 'Segments', page: segments },
  { path: 'broadcasts', title: 'Broadcasts', page: broadcasts },
  { path: 'ad-platforms', title: 'Ad platforms', page: adPlatforms },
  { path: 'templates', title: 'Templates', page: templates },
  // The caught mail holds other people's approval requests and unsubscribe links: the operator's to read.
  { path: 'mail', title: 'Mail', page: mail, roles: ['operator'] },
  // "People" is the contacts' page: the people who sign in are the users.
  { path: 'users', title: 'Users', page: users, roles: ['operator'] },
  { path: 'audit', title: 'Audit log', page: audit, roles: ['chairman', 'operator'] },
  { path: 'account', title: 'Account', page: account },
];
/** One approval request, the page the approval email's button opens. */
const APPROVAL = { path: 'approvals', title: 'Approval', page: approvalDetail };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const VENTURE = 'gtm.ventureId';

const root = document.getElementById('app');
const ctx = {
  meta: null,
  /** Who is signed in: {user (null for a key of nobody), name, roles, via}. */
  me: null,
  /** Every role of the person (a request acts in the first one the route takes). */
  roles: [],
  ventures: [],
  ventureId: null,
  answerBox: null,
  main: null,
  refreshNav: () => {},
};

// The approval email links to /approvals/<id>, a real path: the dashboard routes by hash, so it becomes one.
const linked = /^\/approvals\/([^/]+)\/?$/.exec(location.pathname);
if (linked) history.replaceState(null, '', `/#/approvals/${linked[1]}`);

window.addEventListener('gtm:signed-out', () => {
  if (ctx.main) showSignIn({ message: 'Your session has ended. Sign in again.' });
});

/** The hash's page and arguments: `#/approvals/<id>` is ['approvals', '<id>']. */
const hashRoute = () => location.hash.replace(/^#\/?/, '').split('/');

/** The sign-in page; it says why when the person came for one request. */
function showSignIn(options = {}) {
  ctx.main = null;
  const [page, id] = hashRoute();
  const forApproval = page === 'approvals' && UUID.test(id || '');
  signInPage.render(root, {
    notice: forApproval ? 'Sign in to review this request.' : '',
    ...options,
    onSignedIn: start,
  });
}

async function start() {
  const [page, token] = hashRoute();
  if (page === 'reset-password' && token) {
    ctx.main = null;
    return resetPassword.render(root, decodeURIComponent(token), {
      onDone: (user) => {
        session.clear();
        history.replaceState(null, '', '/#/overview');
        showSignIn({ notice: 'Your password is set. Sign in.', email: user.email });
      },
    });
  }
  // Back from single sign-on, which left for the identity provider: to the page the person was headed for.
  const returnTo = sessionStorage.getItem(signInPage.RETURN_TO);
  sessionStorage.removeItem(signInPage.RETURN_TO);
  if (returnTo && !location.hash) history.replaceState(null, '', `/${returnTo}`);
  // Single sign-on sets the cookie without this page knowing: coming back from it, ask who is signed in.
  if (!session.started && returnTo === null) return showSignIn();
  const hadSession = session.started;
  try {
    ctx.me = await whoAmI();
    if (!ctx.me) return showSignIn(hadSession ? { message: 'Your session has ended. Sign in again.' } : {});
    ctx.roles = ctx.me.roles;
    ctx.meta = await get('/v1/meta');
  } catch (err) {
    if (err.status === 401) return showSignIn({ message: 'Your session has ended. Sign in again.' });
    clear(root, problem(err, 'The API'));
    return;
  }
  await loadVentures();
  renderShell();
  route();
}

/** The pages this person sees: those of any of their roles. */
const visiblePages = () => PAGES.filter((p) => !p.roles || p.roles.some((r) => ctx.roles.includes(r)));

async function loadVentures() {
  try {
    ctx.ventures = (await get('/v1/ventures?limit=500')).ventures;
  } catch {
    ctx.ventures = [];
  }
  const saved = sessionStorage.getItem(VENTURE);
  ctx.ventureId = ctx.ventures.some((v) => v.id === saved) ? saved : (ctx.ventures[0] && ctx.ventures[0].id) || null;
}
/** Reads the ventures again (one was created or changed) and draws the shell; `selectId` becomes the selected one. */
ctx.reloadVentures = async (selectId) => {
  if (selectId) sessionStorage.setItem(VENTURE, selectId);
  await loadVentures();
  renderShell();
  route();
};

function renderShell() {
  const nav = h(
    'nav',
    { 'aria-label': 'Pages' },
    visiblePages().map((p) => h('a', { href: `#/${p.path}`, 'data-page': p.path, text: p.title })),
  );
  const who = h(
    'div',
    { class: 'who' },
    h(
      'span',
      {},
      h('span', { class: 'label', text: 'Signed in as ' }),
      h('strong', { id: 'who-name', text: ctx.me.name }),
      ctx.me.via === 'api_key' ? h('span', { class: 'label', text: ' (API key)' }) : null,
    ),
    h(
      'span',
      {},
      h('span', { class: 'label', text: ctx.roles.length > 1 ? 'Roles: ' : 'Role: ' }),
      h('span', { id: 'role', text: ctx.roles.join(', ') }),
      ' ',
      ctx.meta.sandbox
        ? h('span', { class: 'badge warn', text: 'sandbox', title: 'Ad platforms without credentials are simulated' })
        : null,
    ),
    h('button', {
      type: 'button',
      id: 'sign-out',
      onclick: async () => {
        await signOut();
        showSignIn();
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
  const [page, ...rest] = hashRoute();
  const known = PAGES.find((p) => p.path === page);
  const entry =
    page === 'approvals' && UUID.test(rest[0] || '')
      ? APPROVAL
      : visiblePages().find((p) => p.path === page) || (known ? null : PAGES[0]);
  ctx.refreshNav();
  // A fresh container per visit: a slower render of the page left behind writes into a detached element.
  // It names the page it holds, so a page's styles can stay inside it.
  const container = h(
    'div',
    { dataset: { route: (entry || known).path } },
    h('p', { class: 'loading', text: 'Loading…' }),
  );
  clear(ctx.main, container);
  if (!entry) {
    document.title = `${known.title} · GTM Strategist`;
    const who = known.roles.join(' or ');
    return clear(
      container,
      h('h1', { text: known.title }),
      h('p', { class: 'notice', text: `This page is for the ${who} role.` }),
    );
  }
  document.title = `${entry.title} · GTM Strategist`;
  Promise.resolve(entry.page.render(container, ctx, rest.map(decodeURIComponent))).catch((err) =>
    clear(container, problem(err, entry.title)),
  );
}

// A set-password link opened in a signed-in tab, or the sign-in page's own links, start over; the rest route.
window.addEventListener('hashchange', () => (ctx.main && hashRoute()[0] !== 'reset-password' ? route() : start()));
start();
