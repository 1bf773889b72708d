// Users (operators): the people who sign in to the dashboard, their roles, and whether they still may. Giving
// someone access without a password emails them a link to choose one.
import { api, get } from '../api.js';
import { clear, confirmButton, docsLink, emptyState, fmt, h, hiddenText, pageHead, problem } from '../ui.js';

const ROLES = ['marketer', 'chairman', 'operator'];
const ROLE_HELP = {
  marketer: 'builds campaigns, sequences and content',
  chairman: 'approves spend',
  operator: 'runs the system and manages users',
};
const HELP = [
  'The people who sign in to this dashboard, and what each may do. Deactivating someone ends their sessions and stops their API keys at once. ',
  docsLink(),
];

export async function render(el, ctx) {
  const list = h('div', { id: 'users-list' });
  const refresh = async () => {
    let users;
    try {
      users = (await get('/v1/users')).users;
    } catch (err) {
      return clear(list, problem(err, 'The list of users'));
    }
    clear(list, table(users, ctx, refresh));
  };
  clear(el, pageHead('Users', HELP), list, addForm(refresh));
  await refresh();
}

/** A checkbox per role, in a fieldset whose legend names it (for screen readers, every box says whose role). */
function roleBoxes(idPrefix, legend, checked = [], legendHidden = false) {
  return h(
    'fieldset',
    { class: 'roles-choice' },
    h('legend', { class: legendHidden ? 'visually-hidden' : undefined, text: legend }),
    ROLES.map((role) =>
      h(
        'label',
        { class: 'inline', for: `${idPrefix}-${role}` },
        h('input', { type: 'checkbox', id: `${idPrefix}-${role}`, value: role, checked: checked.includes(role) }),
        role,
        h('span', { class: 'muted small', text: `: ${ROLE_HELP[role]}` }),
      ),
    ),
  );
}

const chosen = (fieldset) => [...fieldset.querySelectorAll('input:checked')].map((i) => i.value);

function table(users, ctx, refresh) {
  if (users.length === 0) return emptyState('users-empty', 'Nobody signs in yet. Give someone access below.');
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { id: 'users' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Name', 'Email', 'Roles', 'Access', 'Last sign-in'].map((t) => h('th', { scope: 'col', text: t })),
          h('th', { scope: 'col' }, hiddenText('Actions')),
        ),
      ),
      h(
        'tbody',
        {},
        users.map((u) => row(u, ctx, refresh)),
      ),
    ),
  );
}

function row(u, ctx, refresh) {
  const roles = h('td', { class: 'roles', text: u.roles.join(', ') });
  const message = h('span', { class: 'small', role: 'status' });
  const change = async (patch) => {
    try {
      await api('PATCH', `/v1/users/${u.id}`, patch);
      await refresh();
    } catch (err) {
      message.textContent = problemText(err);
    }
  };
  const editRoles = h('button', {
    type: 'button',
    'data-action': 'edit-roles',
    text: 'Edit roles',
    'aria-label': `Edit roles of ${u.name}`,
    onclick: () => {
      const boxes = roleBoxes(`roles-${u.id}`, `Roles of ${u.name}`, u.roles, true);
      clear(
        roles,
        boxes,
        h(
          'div',
          { class: 'row' },
          h('button', {
            type: 'button',
            class: 'primary',
            'data-action': 'save-roles',
            text: 'Save roles',
            onclick: () => change({ roles: chosen(boxes) }),
          }),
          h('button', { type: 'button', text: 'Cancel', onclick: () => refresh() }),
        ),
      );
      boxes.querySelector('input').focus();
    },
  });
  const self = ctx.me.user && ctx.me.user.id === u.id;
  const access = u.active
    ? self
      ? null
      : confirmButton(
          { class: 'danger', 'data-action': 'deactivate', 'aria-describedby': `user-name-${u.id}` },
          'Deactivate',
          `Deactivate ${u.name}? Press again`,
          () => change({ active: false }),
        )
    : h('button', {
        type: 'button',
        'data-action': 'reactivate',
        text: 'Reactivate',
        'aria-label': `Reactivate ${u.name}`,
        onclick: () => change({ active: true }),
      });
  return h(
    'tr',
    { 'data-user': u.id },
    h('td', { id: `user-name-${u.id}` }, u.name, self ? h('span', { class: 'muted small', text: ' (you)' }) : null),
    h('td', { text: u.email }),
    roles,
    h('td', { class: 'active', text: u.active ? 'active' : 'deactivated' }),
    h('td', { text: u.lastSignInAt ? fmt.ago(u.lastSignInAt) : 'never', title: fmt.date(u.lastSignInAt) }),
    h(
      'td',
      {},
      h(
        'div',
        { class: 'row' },
        editRoles,
        access,
        h('a', {
          href: `#/account/${u.id}`,
          'data-action': 'keys',
          text: 'API keys',
          'aria-label': `API keys of ${u.name}`,
        }),
        message,
      ),
    ),
  );
}

/** A 400's problems in words, or the error's message. */
function problemText(err) {
  const problems = (err.body && err.body.problems) || [];
  return problems.length ? problems.map((p) => `${p.path}: ${p.message}`).join('; ') : err.message;
}

/** A labelled input with its help and the place its problem is said. */
function field(id, label, attrs, help) {
  const problemEl = h('span', { id: `${id}-problem`, class: 'error small', role: 'alert' });
  const input = h('input', { id, 'aria-describedby': `${id}-help ${id}-problem`, ...attrs });
  return {
    input,
    problem: problemEl,
    el: h('label', { for: id }, label, input, h('span', { id: `${id}-help`, class: 'small', text: help }), problemEl),
  };
}

function addForm(refresh) {
  const name = field(
    'user-name',
    'Name',
    { type: 'text', required: true, maxlength: 200 },
    'As the audit log shows it.',
  );
  const email = field(
    'user-email',
    'Email address',
    { type: 'email', required: true, autocomplete: 'off' },
    'They sign in with it.',
  );
  const password = field(
    'user-password',
    'Password (optional)',
    { type: 'password', autocomplete: 'new-password' },
    'Leave empty to email them a link to choose one themselves. At least 10 characters.',
  );
  const roles = roleBoxes('user-role', 'Roles');
  const status = h('p', { id: 'user-add-status', role: 'status', class: 'small' });
  const fields = { name, email, password };
  const form = h(
    'form',
    {
      id: 'user-add',
      class: 'grid',
      onsubmit: async (e) => {
        e.preventDefault();
        for (const f of Object.values(fields)) f.problem.textContent = '';
        const body = { name: name.input.value.trim(), email: email.input.value.trim(), roles: chosen(roles) };
        if (body.roles.length === 0) return (status.textContent = 'Choose at least one role.');
        if (password.input.value) body.password = password.input.value;
        status.textContent = 'Adding…';
        try {
          const user = (await api('POST', '/v1/users', body)).body;
          form.reset();
          status.textContent = body.password
            ? `Added ${user.name}: they sign in with the password you chose.`
            : `Added ${user.name}. An email with a link to choose a password is on its way to ${user.email}.`;
          await refresh();
        } catch (err) {
          status.textContent = err.status === 409 ? '' : problemText(err);
          if (err.status === 409) email.problem.textContent = 'This address has an account already.';
          for (const p of (err.body && err.body.problems) || []) {
            if (fields[p.path]) fields[p.path].problem.textContent = `${p.message}.`;
          }
        }
      },
    },
    h('div', { class: 'two' }, name.el, email.el),
    roles,
    password.el,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', text: 'Add' })),
    status,
  );
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'user-add-heading', style: { marginTop: '1rem' } },
    h('h2', { id: 'user-add-heading', text: 'Give someone access' }),
    form,
  );
}
