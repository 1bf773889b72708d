// The From and Reply-to of a template: a choice among the senders the server allows, or a name and address typed in.
import { get } from '../api.js';
import { h } from '../ui.js';

/** The select's value for a typed name and address; no allowed address has this value, since every one holds an @. */
const TYPED = 'typed';
/** What a display name may hold without quotes (as the server reads a mailbox); anything else is quoted. */
const PLAIN_NAME = /^[\p{L}\p{M}\p{N} .!#$%&'*+/=?^_`{|}~-]+$/u;
const MAILBOX = /^\s*(.*?)\s*<([^<>]+)>\s*$/;

/**
 * The allowed senders (`GET /v1/senders`): `{ default, from, replyTo }`, each list of whole addresses and `@domain`
 * entries. When the server cannot say, empty lists: the fields then offer the default and whatever is stored.
 */
export function loadSenders() {
  return get('/v1/senders').catch(() => ({ default: '', from: [], replyTo: [] }));
}

/** `Name <address>` as the server reads it: the name quoted when it holds more than letters, digits and atoms. */
function composeMailbox(name, address) {
  const shown = name.trim().replace(/\s+/g, ' ');
  if (!shown) return address.trim();
  const quoted = PLAIN_NAME.test(shown) ? shown : `"${shown.replace(/["\\]/g, '\\$&')}"`;
  return `${quoted} <${address.trim()}>`;
}

/** The display name and address of a stored sender (`addr`, `Name <addr>` or `"Name" <addr>`). */
function splitMailbox(value) {
  const m = MAILBOX.exec(value);
  if (!m) return { name: '', address: value.trim() };
  const quoted = /^"(.*)"$/.exec(m[1]);
  return { name: quoted ? quoted[1].replace(/\\(.)/g, '$1') : m[1], address: m[2].trim() };
}

/** What the field's hint says is allowed: the domains any address may use, then the whole addresses. */
function allowedHint(domains, addresses) {
  const parts = [
    ...(domains.length ? [`any address at ${domains.join(' or ')}`] : []),
    ...(addresses.length ? [addresses.join(', ')] : []),
  ];
  return parts.length ? `Allowed: ${parts.join('; ')}. A name is optional.` : 'Only the default is allowed.';
}

/** Which choice a stored sender is: none (''), one of the listed addresses, or a typed name and address. */
function initialChoice(value, addresses) {
  if (!value) return { choice: '', typed: { name: '', address: '' } };
  const listed = addresses.find((a) => a.toLowerCase() === value.trim().toLowerCase());
  return listed ? { choice: listed, typed: { name: '', address: '' } } : { choice: TYPED, typed: splitMailbox(value) };
}

/**
 * A sender field named `name` ('from' or 'replyTo'): a select of the default (null), each allowed whole address, and
 * "another address" which shows a display name and an address input (with the allowed addresses to pick from) and a
 * hint listing the allowed domains. A problem the server reports on `name` shows in its `data-problem-for` slot.
 * Returns the element and `read()`: `{ value }` (null for the default) or `{ problem }` when the typed address is
 * missing.
 */
export function senderField({ name, label, allowed, defaultLabel, value, locked }) {
  const addresses = allowed.filter((e) => !e.startsWith('@'));
  const domains = allowed.filter((e) => e.startsWith('@'));
  const start = initialChoice(value, addresses);
  const listId = `template-${name}-addresses`;
  const typedName = h('input', { name: `${name}-name`, placeholder: 'Ada from Acme', disabled: locked });
  const typedAddress = h('input', {
    name: `${name}-address`,
    type: 'email',
    list: listId,
    placeholder: domains.length ? `someone${domains[0]}` : (addresses[0] ?? 'someone@example.com'),
    disabled: locked,
  });
  typedName.value = start.typed.name;
  typedAddress.value = start.typed.address;
  const select = h(
    'select',
    { name, disabled: locked, onchange: () => showTyped() },
    h('option', { value: '', text: `Default (${defaultLabel})` }),
    addresses.map((a) => h('option', { value: a, text: a })),
    h('option', { value: TYPED, text: domains.length ? 'Another address…' : 'With a display name…' }),
  );
  select.value = start.choice;
  const typed = h(
    'div',
    { class: 'sender-typed' },
    h(
      'div',
      { class: 'row' },
      h('label', {}, 'Name shown', typedName),
      h('label', { class: 'grow' }, 'Address', typedAddress),
    ),
    h('span', { class: 'muted small', text: allowedHint(domains, addresses) }),
    h(
      'datalist',
      { id: listId },
      addresses.map((a) => h('option', { value: a })),
    ),
  );
  const showTyped = () => (typed.hidden = select.value !== TYPED);
  showTyped();
  const el = h(
    'div',
    { class: 'sender-field', dataset: { field: name } },
    h('label', {}, label, select),
    typed,
    h('span', { class: 'field-problem', role: 'alert', dataset: { problemFor: name } }),
  );
  const read = () => {
    if (select.value === '') return { value: null };
    if (select.value !== TYPED) return { value: select.value };
    if (!typedAddress.value.trim()) {
      return { problem: `type the address, or choose Default (${allowedHint(domains, addresses)})` };
    }
    return { value: composeMailbox(typedName.value, typedAddress.value) };
  };
  return { el, read };
}
