// Account: the API keys of the signed-in person (`#/account`), or, for operators, of anyone (`#/account/<userId>`).
// A key acts as its owner in one of their roles; it is shown once, when made, and can be revoked at any time.
import { api, get } from '../api.js';
import { clear, confirmButton, docsLink, emptyState, fmt, h, hiddenText, pageHead, problem } from '../ui.js';

const HELP = [
  'A key lets a script or another system call the API as this person, in one of their roles. It stops working when revoked, when its role is taken away, or when the person is deactivated. ',
  docsLink(),
];

export async function render(el, ctx, [userId] = []) {
  const own = ctx.me.user;
  if (!userId && !own) {
    return clear(
      el,
      pageHead('Your API keys', HELP),
      h('p', {
        class: 'notice info',
        id: 'account-no-person',
        text: 'You are signed in with an API key that belongs to nobody (a local run’s role key). Keys are kept per person: sign in with your email address and password to manage yours.',
      }),
    );
  }
  let person = own;
  if (userId && (!own || userId !== own.id)) {
    try {
      person = (await get('/v1/users')).users.find((u) => u.id === userId);
    } catch (err) {
      return clear(el, pageHead('API keys', HELP), problem(err, 'The person'));
    }
    if (!person)
      return clear(el, pageHead('API keys', HELP), h('p', { class: 'notice', text: 'There is no such person.' }));
  }
  const title = person === own ? 'Your API keys' : `API keys of ${person.name}`;
  const fresh = h('div', {});
  const list = h('div', { id: 'keys-list' });
  const refresh = async () => {
    try {
      clear(list, table(person, (await get(`/v1/users/${person.id}/keys`)).keys, refresh));
    } catch (err) {
      clear(list, problem(err, 'The keys'));
    }
  };
  clear(
    el,
    pageHead(title, HELP, person === own ? null : h('a', { href: '#/users', text: 'All users' })),
    person.active
      ? createForm(person, person === own ? 'you' : person.name, fresh, refresh)
      : h('p', { class: 'notice', text: `${person.name} is deactivated: their keys do not work.` }),
    fresh,
    list,
  );
  await refresh();
}

function createForm(person, owner, fresh, refresh) {
  const name = h('input', {
    id: 'key-name',
    type: 'text',
    required: true,
    maxlength: 200,
    'aria-describedby': 'key-name-help',
  });
  const role = h(
    'select',
    { id: 'key-role', 'aria-describedby': 'key-role-help' },
    person.roles.map((r) => h('option', { value: r, text: r })),
  );
  const status = h('p', { class: 'small', role: 'status' });
  const form = h(
    'form',
    {
      id: 'key-create',
      class: 'grid',
      onsubmit: async (e) => {
        e.preventDefault();
        status.textContent = 'Creating…';
        try {
          const made = (await api('POST', `/v1/users/${person.id}/keys`, { name: name.value.trim(), role: role.value }))
            .body;
          status.textContent = '';
          form.reset();
          clear(fresh, shownOnce(made, owner));
          await refresh();
          fresh.querySelector('#copy-key').focus();
        } catch (err) {
          const problems = (err.body && err.body.problems) || [];
          status.textContent = problems.length
            ? problems.map((p) => `${p.path}: ${p.message}`).join('; ')
            : err.message;
        }
      },
    },
    h(
      'div',
      { class: 'two' },
      h(
        'label',
        { for: 'key-name' },
        'Name',
        name,
        h('span', { id: 'key-name-help', class: 'small', text: 'What uses it, e.g. “CRM sync”.' }),
      ),
      h(
        'label',
        { for: 'key-role' },
        'Role',
        role,
        h('span', { id: 'key-role-help', class: 'small', text: 'What the key may do: one of the person’s roles.' }),
      ),
    ),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', text: 'Create key' })),
    status,
  );
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'key-create-heading' },
    h('h2', { id: 'key-create-heading', text: 'Create a key' }),
    form,
  );
}

/** The new key, this once: with a copy button and the warning that it will not be shown again. */
function shownOnce(made, owner) {
  const copied = h('span', { class: 'small', role: 'status' });
  const value = h('code', { id: 'new-key-value', text: made.key });
  return h(
    'section',
    { id: 'new-key', class: 'notice', 'aria-labelledby': 'new-key-heading', style: { margin: '1rem 0' } },
    h('h2', { id: 'new-key-heading', text: `The new key “${made.name}”` }),
    h('p', {
      text: `Copy it now: it will not be shown again. Anyone who has it acts as ${owner}; keep it out of code and chats.`,
    }),
    h(
      'p',
      { class: 'row' },
      value,
      h('button', {
        type: 'button',
        id: 'copy-key',
        text: 'Copy',
        onclick: async () => {
          try {
            await navigator.clipboard.writeText(made.key);
            copied.textContent = 'Copied.';
          } catch {
            // No clipboard (an insecure origin, a refused permission): select the key for Ctrl-C instead.
            getSelection().selectAllChildren(value);
            copied.textContent = 'Selected: press Ctrl-C (⌘-C) to copy.';
          }
        },
      }),
      copied,
    ),
  );
}

function table(person, keys, refresh) {
  if (keys.length === 0) {
    return emptyState('keys-empty', 'No API keys yet. Create one above for a script or a system that calls the API.');
  }
  return h(
    'div',
    { class: 'table-wrap', style: { marginTop: '1rem' } },
    h(
      'table',
      { id: 'keys' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Name', 'Role', 'Starts with', 'Created', 'Last used', 'Status'].map((t) =>
            h('th', { scope: 'col', text: t }),
          ),
          h('th', { scope: 'col' }, hiddenText('Actions')),
        ),
      ),
      h(
        'tbody',
        {},
        keys.map((k) =>
          h(
            'tr',
            { 'data-key': k.id },
            h('td', { id: `key-name-${k.id}`, text: k.name }),
            h('td', { text: k.role }),
            h('td', {}, h('code', { text: `${k.prefix}…` })),
            h('td', { text: fmt.date(k.createdAt) }),
            h('td', { text: k.lastUsedAt ? fmt.ago(k.lastUsedAt) : 'never' }),
            h('td', { class: 'status', text: k.revokedAt ? 'revoked' : 'live' }),
            h(
              'td',
              {},
              k.revokedAt
                ? null
                : confirmButton(
                    { class: 'danger', 'data-action': 'revoke', 'aria-describedby': `key-name-${k.id}` },
                    'Revoke',
                    `Revoke “${k.name}”? Press again`,
                    async () => {
                      await api('DELETE', `/v1/users/${person.id}/keys/${k.id}`);
                      await refresh();
                    },
                  ),
            ),
          ),
        ),
      ),
    ),
  );
}
