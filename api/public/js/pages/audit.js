// The audit log (chairman and operators): who did what to which subject, and how (signed in to the dashboard, with
// an API key, or by a command), newest first, for everyone or one person.
import { get } from '../api.js';
import { clear, docsLink, emptyState, fmt, h, pageHead, problem } from '../ui.js';

const HELP = [
  'Every change and every refusal, newest first: who acted, how, what they did and to what. Rows are never edited or removed. ',
  docsLink(),
];
const LIMIT = 200;
const VIA = { dashboard: 'Dashboard', api_key: 'API key', command: 'Command' };

export async function render(el, ctx, [personId = ''] = []) {
  let entries;
  try {
    entries = await load(personId);
  } catch (err) {
    return clear(el, pageHead('Audit log', HELP), problem(err, 'The audit log'));
  }
  const people = await peopleToFilter(ctx, personId ? await load('') : entries);
  const names = new Map(people.map((p) => [p.id, p.name]));
  const list = h('div', {});
  const select = h(
    'select',
    {
      id: 'audit-person',
      'aria-describedby': 'audit-person-help',
      onchange: async () => {
        clear(list, h('p', { class: 'loading', text: 'Loading…' }));
        try {
          clear(list, table(await load(select.value), select.value, names));
        } catch (err) {
          clear(list, problem(err, 'The audit log'));
        }
      },
    },
    h('option', { value: '', text: 'Everyone' }),
    people.map((p) => h('option', { value: p.id, selected: p.id === personId, text: `${p.name} (${p.email})` })),
  );
  clear(
    el,
    pageHead('Audit log', HELP),
    h(
      'div',
      { class: 'filters row' },
      h('label', { for: 'audit-person' }, 'Person', select),
      h('span', {
        id: 'audit-person-help',
        class: 'muted small',
        text: `The newest ${LIMIT} rows. Rows of the system and of local role keys name no person.`,
      }),
    ),
    list,
  );
  clear(list, table(entries, personId, names));
}

const load = async (personId) =>
  (await get(`/v1/audit?limit=${LIMIT}${personId ? `&actorUserId=${encodeURIComponent(personId)}` : ''}`)).entries;

/** Everyone an operator can list; for the chairman, the people named in the log. */
async function peopleToFilter(ctx, entries) {
  if (ctx.roles.includes('operator')) {
    try {
      return (await get('/v1/users')).users.map((u) => ({ id: u.id, name: u.name, email: u.email }));
    } catch {
      // Fall back to the people named in the log.
    }
  }
  const seen = new Map();
  for (const e of entries) {
    if (e.actorUserId && !seen.has(e.actorUserId)) {
      seen.set(e.actorUserId, { id: e.actorUserId, name: e.actor, email: e.actorEmail || '' });
    }
  }
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** `campaign.created` → "campaign created". */
const action = (a) => fmt.label(a.replace(/\./g, ' ')).replace(/\bapi key\b/, 'API key');

/** The subject in words: a person by name, a campaign with a link to it, anything else by its kind and id. */
function subject(e, names) {
  if (!e.subjectType) return '–';
  const what = fmt.label(e.subjectType);
  if (e.subjectType === 'user' && names.has(e.subjectId)) return `${what} ${names.get(e.subjectId)}`;
  if (e.subjectType === 'campaign' && e.subjectId) {
    return h('a', {
      href: `#/campaigns/${encodeURIComponent(e.subjectId)}`,
      text: `${what} ${e.subjectId.slice(0, 8)}`,
    });
  }
  return e.subjectId ? `${what} ${e.subjectId}` : what;
}

/** A line of the details worth reading at a glance (a comment, a reason, a role), when there is one. */
function note(details) {
  const d = details || {};
  const parts = [];
  if (d.comment) parts.push(`“${d.comment}”`);
  if (d.reason) parts.push(String(d.reason));
  if (d.name && d.role) parts.push(`key “${d.name}” (${d.role})`);
  if (Array.isArray(d.needs)) parts.push(`needs ${d.needs.join(' or ')}`);
  return parts.join(' · ');
}

function table(entries, personId, names) {
  if (entries.length === 0) {
    return h(
      'div',
      { id: 'audit', 'data-person': personId },
      emptyState('audit-empty', 'Nothing recorded for this person yet. Choose “Everyone” to see the whole log.'),
    );
  }
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { id: 'audit', 'data-person': personId },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['When', 'Who', 'How', 'What', 'Subject', 'Note'].map((t) => h('th', { scope: 'col', text: t })),
        ),
      ),
      h(
        'tbody',
        {},
        entries.map((e) =>
          h(
            'tr',
            { 'data-action': e.action, 'data-at': new Date(e.at).toISOString() },
            h('td', { text: fmt.date(e.at), title: fmt.ago(e.at) }),
            h(
              'td',
              { class: 'who' },
              e.actor,
              e.actorEmail ? h('div', { class: 'muted small', text: e.actorEmail }) : null,
              e.actorRole ? h('div', { class: 'muted small', text: `as ${e.actorRole}` }) : null,
            ),
            h('td', { class: 'via', text: VIA[e.via] || '–' }),
            h('td', { class: 'what', text: action(e.action) }),
            h('td', {}, subject(e, names)),
            h('td', { class: 'small', text: note(e.details) }),
          ),
        ),
      ),
    ),
  );
}
