import { get, post } from '../api.js';
import { badge, clear, docsLink, emptyState, fmt, h, pageHead, problem, temporalLink } from '../ui.js';

const HELP = [
  'Spend and sends above the approval thresholds wait here until the chairman approves or rejects them, with a comment if useful. ',
  docsLink(),
];

/** The person's roles in a sentence: "Your role is marketer.", "Your roles are marketer and operator." */
function rolesSentence(roles) {
  if (roles.length === 0) return '';
  if (roles.length === 1) return ` Your role is ${roles[0]}.`;
  return ` Your roles are ${roles.slice(0, -1).join(', ')} and ${roles[roles.length - 1]}.`;
}

export async function render(el, ctx, [tab = 'pending']) {
  // Any one of the person's roles will do: a marketer who is also the chairman decides as the chairman.
  const roles = ctx.roles || [];
  const isChairman = roles.includes('chairman');
  let list;
  try {
    list = (await get(tab === 'pending' ? '/v1/approvals?status=pending' : '/v1/approvals?limit=200')).approvals;
  } catch (err) {
    return clear(el, pageHead('Approvals', HELP), problem(err, 'The approvals inbox'));
  }
  if (tab !== 'pending') list = list.filter((a) => a.status !== 'pending').reverse();
  clear(
    el,
    pageHead(isChairman ? 'Your approvals' : 'Approvals inbox', HELP),
    h(
      'nav',
      { class: 'row tabs', 'aria-label': 'Approvals', style: { marginBottom: '1rem' } },
      tabLink('#/approvals', 'Waiting', tab === 'pending', 'pending'),
      tabLink('#/approvals/decided', 'Decided', tab !== 'pending', 'approved'),
    ),
    isChairman
      ? null
      : h('p', {
          class: 'notice info',
          text: `Read-only: only the chairman decides.${rolesSentence(roles)}`,
        }),
    list.length === 0
      ? tab === 'pending'
        ? emptyState(
            'inbox-empty',
            'Nothing waiting for a decision. A campaign or broadcast over the thresholds lands here when it asks.',
            h('a', { href: '#/approvals/decided', text: 'See what was decided' }),
          )
        : emptyState(
            'inbox-empty',
            'Nothing decided yet.',
            h('a', { href: '#/approvals', text: 'See what is waiting' }),
          )
      : h(
          'div',
          { class: 'grid', id: 'approvals' },
          list.map((a) => item(a, ctx, isChairman && a.status === 'pending', () => render(el, ctx, [tab]))),
        ),
  );
}

/** A tab of the inbox: the current one is marked for screen readers as well as by its colour. */
const tabLink = (href, text, current, kind) =>
  h('a', { href, class: current ? `badge ${kind}` : 'badge', 'aria-current': current ? 'page' : undefined, text });

function item(a, ctx, canDecide, refresh) {
  const comment = h('textarea', {
    placeholder: 'Comment (optional)',
    'aria-label': `Comment on ${a.title}`,
    maxlength: 2000,
  });
  const message = h('p', { class: 'small', role: 'status' });
  const decide = (decision) => async (e) => {
    for (const b of e.target.parentElement.querySelectorAll('button')) b.disabled = true;
    message.textContent = decision === 'approve' ? 'Approving…' : 'Rejecting…';
    try {
      await post(`/v1/approvals/${a.id}/decision`, {
        decision,
        ...(comment.value.trim() ? { comment: comment.value.trim() } : {}),
      });
      await refresh();
    } catch (err) {
      message.textContent = err.message;
      for (const b of e.target.parentElement.querySelectorAll('button')) b.disabled = false;
    }
  };
  return h(
    'article',
    { class: 'panel approval', 'data-approval': a.id },
    h(
      'div',
      { class: 'spread' },
      h('h2', {}, `${a.title} `, badge(a.status)),
      a.amount !== null ? h('span', { class: 'amount', text: fmt.money(a.amount, a.currency) }) : null,
    ),
    a.summary ? h('p', { style: { margin: 0 }, text: a.summary }) : null,
    h(
      'div',
      { class: 'facts' },
      h('span', {}, 'What: ', h('b', { text: fmt.label(a.subjectType) })),
      h('span', {}, 'Asked by ', h('b', { text: a.requestedBy })),
      h('span', {}, 'Since ', h('b', { text: fmt.ago(a.requestedAt), title: fmt.date(a.requestedAt) })),
      a.expiresAt && a.status === 'pending' ? h('span', {}, 'Expires ', h('b', { text: fmt.date(a.expiresAt) })) : null,
      a.remindersSent
        ? h('span', { text: `${a.remindersSent} reminder${a.remindersSent === 1 ? '' : 's'} sent` })
        : null,
      a.escalatedAt ? h('span', { class: 'badge warn', text: 'escalated' }) : null,
      a.decidedBy
        ? h(
            'span',
            {},
            'Decided by ',
            h('b', { text: a.decidedBy }),
            a.decisionComment ? `: “${a.decisionComment}”` : '',
          )
        : null,
      temporalLink(ctx.meta, a.workflowId, 'History in Temporal UI'),
    ),
    canDecide
      ? h(
          'div',
          { class: 'grid' },
          comment,
          h(
            'div',
            { class: 'row' },
            h('button', {
              type: 'button',
              class: 'primary',
              'data-decision': 'approve',
              onclick: decide('approve'),
              text: 'Approve',
              'aria-label': `Approve ${a.title}`,
            }),
            h('button', {
              type: 'button',
              class: 'danger',
              'data-decision': 'reject',
              onclick: decide('reject'),
              text: 'Reject',
              'aria-label': `Reject ${a.title}`,
            }),
          ),
        )
      : null,
    message,
  );
}
