// The sign-in page: an email address and a password; a link by email for a forgotten one; single sign-on when the
// server has it; and, for a local run, an API key instead.
import { api, session, signInWithPassword } from '../api.js';
import { clear, docsLink, h } from '../ui.js';
import { forgotPassword } from './resetPassword.js';

/** Where single sign-on starts (it redirects to the identity provider), when this server has it set up. */
const SSO = '/v1/session/sso';
/** The page to come back to after single sign-on, which leaves the dashboard for the identity provider. */
export const RETURN_TO = 'gtm.returnTo';

/**
 * Shows the sign-in page in `root`. `notice` says why (e.g. "Sign in to review this request"), `message` is an
 * error to show at once, `email` fills the address; `onSignedIn()` runs once a session (or a key) is there.
 */
export function render(root, { notice = '', message = '', email = '', onSignedIn }) {
  const error = h('p', { class: 'error', id: 'sign-in-error', role: 'alert', text: message });
  const emailInput = h('input', {
    type: 'email',
    id: 'email',
    name: 'email',
    autocomplete: 'username',
    required: true,
    value: email,
  });
  const password = h('input', {
    type: 'password',
    id: 'password',
    name: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const submit = h('button', { class: 'primary', type: 'submit', text: 'Sign in' });
  const form = h(
    'form',
    {
      id: 'sign-in-form',
      onsubmit: async (e) => {
        e.preventDefault();
        error.textContent = '';
        submit.disabled = true;
        try {
          const result = await signInWithPassword(emailInput.value.trim(), password.value);
          if (result.ok) return await onSignedIn();
          error.textContent = refusal(result);
          password.value = '';
          password.focus();
        } catch (err) {
          error.textContent = `Could not sign in: ${err.message}`;
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('label', { for: 'email' }, 'Email address', emailInput),
    h('label', { for: 'password' }, 'Password', password),
    submit,
    error,
  );
  const forgotten = h('div', {});
  const forgotButton = h('button', {
    type: 'button',
    id: 'forgot-password',
    class: 'link-button',
    'aria-expanded': 'false',
    text: 'Forgot your password?',
    onclick: () => {
      const open = forgotButton.getAttribute('aria-expanded') !== 'true';
      forgotButton.setAttribute('aria-expanded', String(open));
      clear(forgotten, open ? forgotPassword(emailInput.value.trim()) : null);
      if (open) forgotten.querySelector('input').focus();
    },
  });
  const sso = h('button', {
    type: 'button',
    id: 'sso-sign-in',
    hidden: true,
    text: 'Sign in with single sign-on',
    onclick: () => {
      // The server comes back to a path (the approval link's); any other page is remembered here.
      const approval = /^#\/approvals\/([0-9a-f-]{36})$/i.exec(location.hash);
      sessionStorage.setItem(RETURN_TO, location.hash);
      location.assign(approval ? `${SSO}?next=${encodeURIComponent(`/approvals/${approval[1]}`)}` : SSO);
    },
  });
  clear(
    root,
    h(
      'main',
      { class: 'signin' },
      h('h1', { text: 'GTM Strategist' }),
      notice ? h('p', { class: 'notice info', id: 'sign-in-notice', text: notice }) : null,
      form,
      h('p', {}, forgotButton),
      forgotten,
      sso,
      apiKeyOption(onSignedIn),
    ),
  );
  (email ? password : emailInput).focus();
  offerSingleSignOn(sso);
}

/** What a refused sign-in says: a wrong password, or a lock with how long it lasts. */
function refusal({ status, retryAfter, message }) {
  if (status === 401) return 'The email address or the password is wrong.';
  if (status === 429) {
    const minutes = Math.max(1, Math.ceil((retryAfter || 60) / 60));
    return `Too many attempts. Try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
  }
  if (status === 400) return 'Give an email address and a password.';
  return `Could not sign in: ${message}`;
}

/**
 * Shows the single sign-on button when the server has it set up: the route then redirects to the identity provider
 * (an opaque redirect here) or answers 200. Without it the answer is a 404, or a 401 (an unknown /v1 route asks who
 * is calling before it says it is unknown).
 */
async function offerSingleSignOn(button) {
  try {
    const res = await fetch(SSO, { method: 'HEAD', redirect: 'manual', credentials: 'same-origin' });
    button.hidden = !(res.type === 'opaqueredirect' || res.ok);
  } catch {
    button.hidden = true;
  }
}

/** For a local run: an API key instead of a password, kept in this tab only. */
function apiKeyOption(onSignedIn) {
  const error = h('p', { class: 'error', role: 'alert' });
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
      id: 'api-key-form',
      onsubmit: async (e) => {
        e.preventDefault();
        const key = input.value.trim();
        error.textContent = '';
        try {
          await api('GET', '/v1/me', undefined, key);
          session.set(key);
          await onSignedIn();
        } catch (err) {
          error.textContent = err.status === 401 ? 'That key is not valid.' : `Could not sign in: ${err.message}`;
        }
      },
    },
    h('label', { for: 'api-key' }, 'API key', input),
    h('button', { type: 'submit', text: 'Sign in with the key' }),
    error,
    h(
      'p',
      { class: 'muted small' },
      'A local run writes one key per role to ',
      h('code', { text: '.data/api-keys.json' }),
      '; ',
      h('code', { text: 'npm run keys:create' }),
      ' makes more. The key stays in this tab only. ',
      docsLink(),
    ),
  );
  return h('details', { id: 'use-api-key' }, h('summary', { text: 'Use an API key instead' }), form);
}
