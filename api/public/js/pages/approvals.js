import { get, post } from '../api.js';
import { badge, clear, fmt, h, problem, temporalLink } from '../ui.js';

export async function render(el, ctx, [tab = 'pending']) {
  const isChairman = ctx.meta.role === 'chairman';
  let list;
  try {
    list = (await get(tab === 'pending' ? '/v1/approvals?status=pending' : '/v1/approvals?limit=200')).approvals;
  } catch (err) {
    return clear(el, h('h1', { text: 'Approvals' }), problem(err, 'The approvals inbox'));
  }
  if (tab !== 'pending') list = list.filter((a) => a.status !== 'pending').reverse();
  clear(
    el,
    h('h1', { text: isChairman ? 'Your approvals' : 'Approvals inbox' }),
    h(
      'div',
      { class: 'row', style: { marginBottom: '1rem' } },
      h('a', { href: '#/approvals', class: tab === 'pending' ? 'badge pending' : 'badge', text: 'Waiting' }),
      h('a', { href: '#/approvals/decided', class: tab === 'pending' ? 'badge' : 'badge approved', text: 'Decided' }),
    ),
    isChairman
      ? null
      : h('p', {
          class: 'notice info',
          text: `Read-only: only the chairman decides. Your key has the ${ctx.meta.role} role.`,
        }),
    list.length === 0
      ? h('p', {
          class: 'panel muted',
          id: 'inbox-empty',
          text: tab === 'pending' ? 'Nothing is waiting for a decision.' : 'Nothing decided yet.',
        })
      : h(
          'div',
          { class: 'grid', id: 'approvals' },
          list.map((a) => item(a, ctx, isChairman && a.status === 'pending', () => render(el, ctx, [tab]))),
        ),
  );
}

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
      h('h3', {}, `${a.title} `, badge(a.status)),
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
            h('button', { class: 'primary', 'data-decision': 'approve', onclick: decide('approve'), text: 'Approve' }),
            h('button', { class: 'danger', 'data-decision': 'reject', onclick: decide('reject'), text: 'Reject' }),
          ),
        )
      : null,
    message,
  );
}
