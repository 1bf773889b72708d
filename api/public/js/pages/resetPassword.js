// Passwords by email: asking for a link ("Forgot your password?" on the sign-in page) and the page the link opens,
// `#/reset-password/<token>`, which sets the new password. Both work without being signed in.
import { api } from '../api.js';
import { clear, h } from '../ui.js';

const MIN_LENGTH = 10;

/**
 * The "Forgot your password?" form: asks for the address and says the same whether or not it has an account (the
 * server answers 202 either way, so nobody learns who has one).
 */
export function forgotPassword(email = '') {
  const input = h('input', {
    type: 'email',
    id: 'forgot-email',
    name: 'email',
    autocomplete: 'username',
    required: true,
    value: email,
  });
  const status = h('p', { id: 'forgot-status', role: 'status', class: 'small' });
  const send = h('button', { type: 'submit', text: 'Email me a link' });
  const form = h(
    'form',
    {
      id: 'forgot-form',
      onsubmit: async (e) => {
        e.preventDefault();
        send.disabled = true;
        status.textContent = 'Sending…';
        try {
          await api('POST', '/v1/password-resets', { email: input.value.trim() });
          status.textContent =
            'If that address has an account, an email is on its way. Its link works once, for a short while.';
        } catch (err) {
          status.textContent = err.status === 429 ? 'Too many requests. Try again in a minute.' : err.message;
        }
        send.disabled = false;
      },
    },
    h('label', { for: 'forgot-email' }, 'Your email address', input),
    send,
    status,
  );
  return h(
    'section',
    { id: 'forgot', 'aria-labelledby': 'forgot-heading' },
    h('h2', { id: 'forgot-heading', text: 'Reset your password' }),
    h('p', { class: 'muted small', text: 'We email you a link that sets a new password.' }),
    form,
  );
}

/** A password field with its label, help and the place its problem is said (tied to it for screen readers). */
function passwordField(id, label, help) {
  const problem = h('p', { id: `${id}-problem`, class: 'error small', role: 'alert' });
  const hint = help ? h('span', { id: `${id}-help`, class: 'small', text: help }) : null;
  const input = h('input', {
    type: 'password',
    id,
    name: id,
    autocomplete: 'new-password',
    required: true,
    'aria-describedby': [hint && `${id}-help`, `${id}-problem`].filter(Boolean).join(' '),
  });
  return { input, problem, field: h('div', {}, h('label', { for: id }, label, input, hint), problem) };
}

/**
 * The page a set-password link opens: the new password twice, then `onDone(user)` (the caller shows the sign-in
 * form). A link that is used, expired or forged, and a password too weak, are said where they apply.
 */
export function render(root, token, { onDone }) {
  const first = passwordField('new-password', 'New password', `At least ${MIN_LENGTH} characters.`);
  const second = passwordField('new-password-again', 'The same password again');
  const linkProblem = h('div', { id: 'reset-problem', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary', text: 'Set the password' });
  const say = (field, text) => {
    field.problem.textContent = text;
    field.input.setAttribute('aria-invalid', text ? 'true' : 'false');
  };
  const form = h(
    'form',
    {
      id: 'reset-form',
      onsubmit: async (e) => {
        e.preventDefault();
        say(first, '');
        say(second, '');
        clear(linkProblem);
        if (first.input.value !== second.input.value) {
          say(second, 'The two passwords differ.');
          return second.input.focus();
        }
        submit.disabled = true;
        try {
          const { body } = await api('POST', '/v1/password-resets/complete', { token, password: first.input.value });
          onDone(body.user);
        } catch (err) {
          const problems = (err.body && err.body.problems) || [];
          const weak = problems.find((p) => p.path === 'password');
          if (weak) {
            say(first, `The password ${weak.message}.`);
            first.input.focus();
          } else if (problems.some((p) => p.path === 'token')) {
            clear(linkProblem, expiredLink());
          } else {
            clear(linkProblem, h('p', { class: 'error', text: err.message }));
          }
        }
        submit.disabled = false;
      },
    },
    first.field,
    second.field,
    submit,
  );
  clear(
    root,
    h(
      'main',
      { class: 'signin' },
      h('h1', { text: 'Choose a new password' }),
      h('p', { class: 'muted small', text: 'Every other session of yours ends when the password is set.' }),
      linkProblem,
      form,
    ),
  );
  first.input.focus();
}

/** What a used or expired link says, with the way to ask for another. */
function expiredLink() {
  return h(
    'div',
    { class: 'error-box' },
    h('p', {
      text: 'This link is not valid: it has expired or was used already. Ask for a new one on the sign-in page.',
    }),
    h('a', { href: '#/', text: 'Go to the sign-in page' }),
  );
}
