// One approval request, `#/approvals/<id>`: the page the approval email's "Review and decide" button opens. The
// chairman decides here, with a comment if useful; everyone else reads it.
import { get, post } from '../api.js';
import { clear, docsLink, fmt, h, pageHead, problem, temporalLink } from '../ui.js';
import { evidenceTable } from './proposalEvidence.js';

const HELP = [
  'What is asked, by whom and for how much. Only the chairman approves or rejects; the decision and its comment go in the audit log. ',
  docsLink(),
];

/** The pages of the dashboard a request's subject has, when it has one. */
function subjectLink(a) {
  const campaignId = a.subjectType === 'campaign' ? a.subjectId : a.details && a.details.campaignId;
  if (typeof campaignId === 'string') return h('a', { href: `#/campaigns/${campaignId}`, text: 'Open the campaign' });
  return null;
}

export async function render(el, ctx, [id]) {
  let approval;
  try {
    approval = await get(`/v1/approvals/${encodeURIComponent(id)}`);
  } catch (err) {
    if (err.status === 404) {
      return clear(
        el,
        pageHead('Approval', HELP),
        h(
          'div',
          { class: 'notice' },
          h('p', { text: 'There is no such request: the link may be mistyped.' }),
          h('a', { href: '#/approvals', text: 'Open the approvals inbox' }),
        ),
      );
    }
    return clear(el, pageHead('Approval', HELP), problem(err, 'The approval request'));
  }
  show(el, ctx, approval);
}

function show(el, ctx, a, outcome) {
  const canDecide = ctx.roles.includes('chairman') && a.status === 'pending';
  clear(
    el,
    pageHead(a.title, HELP, h('a', { href: '#/approvals', text: 'All approvals' })),
    h(
      'article',
      { class: 'panel approval', id: 'approval', 'data-approval-detail': a.id },
      outcome,
      h(
        'dl',
        { class: 'traits' },
        fact('Status', h('span', { id: 'approval-status', class: `badge ${a.status}`, text: a.status })),
        a.amount !== null
          ? fact('Amount', h('span', { id: 'approval-amount', class: 'amount', text: fmt.money(a.amount, a.currency) }))
          : null,
        fact('What', fmt.label(a.subjectType)),
        fact('Asked by', h('span', { id: 'approval-requested-by', text: a.requestedBy })),
        fact('Asked', `${fmt.date(a.requestedAt)} (${fmt.ago(a.requestedAt)})`),
        a.expiresAt && a.status === 'pending' ? fact('Expires', fmt.date(a.expiresAt)) : null,
        a.remindersSent ? fact('Reminders sent', String(a.remindersSent)) : null,
        a.escalatedAt ? fact('Escalated', fmt.date(a.escalatedAt)) : null,
        a.decidedBy ? fact('Decided by', h('span', { id: 'approval-decided-by', text: a.decidedBy })) : null,
        a.decidedAt ? fact('Decided', fmt.date(a.decidedAt)) : null,
        a.decisionComment ? fact('Comment', `“${a.decisionComment}”`) : null,
      ),
      a.summary ? h('p', { id: 'approval-summary', text: a.summary }) : null,
      a.subjectType === 'reallocation' && a.details
        ? evidence({ ...a.details, currency: a.currency })
        : details(a.details),
      h('p', { class: 'row small' }, subjectLink(a), temporalLink(ctx.meta, a.workflowId, 'History in Temporal UI')),
      canDecide ? decision(el, ctx, a) : readOnly(ctx, a),
    ),
  );
}

/** A reallocation's evidence: the split now and proposed, the conversions expected of each, the fit's quality. */
function evidence(d) {
  return h(
    'section',
    { 'aria-labelledby': 'approval-details-heading' },
    h('h2', { id: 'approval-details-heading', text: 'The evidence' }),
    evidenceTable(d),
  );
}

const fact = (term, value) => [h('dt', { text: term }), h('dd', {}, value)];

/** The request's details in words; ids are left out (the links above lead to the subject). */
function details(record) {
  const entries = Object.entries(record || {}).filter(([k, v]) => !/Id$/.test(k) && v !== null && v !== undefined);
  if (entries.length === 0) return null;
  return h(
    'section',
    { 'aria-labelledby': 'approval-details-heading' },
    h('h2', { id: 'approval-details-heading', text: 'Details' }),
    h(
      'dl',
      { class: 'traits', id: 'approval-details' },
      entries.map(([k, v]) => fact(words(k), valueText(v))),
    ),
  );
}

/** `startDate` → "start date". */
const words = (key) => fmt.label(key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase());

function valueText(v) {
  if (Array.isArray(v)) return v.map(valueText).join(', ');
  if (typeof v === 'number') return fmt.number(v);
  if (typeof v === 'object') return JSON.stringify(v);
  return fmt.label(v);
}

function readOnly(ctx, a) {
  if (a.status !== 'pending') return null;
  return h('p', {
    class: 'notice info',
    text: `Waiting for the chairman: only the chairman decides. You are signed in as ${ctx.roles.join(', ')}.`,
  });
}

/** The chairman's comment box and the two buttons; after a decision the page shows its outcome. */
function decision(el, ctx, a) {
  const comment = h('textarea', { id: 'approval-comment', maxlength: 2000, rows: 3 });
  const message = h('p', { class: 'small', role: 'status' });
  const buttons = [];
  const decide = (choice) => async () => {
    for (const b of buttons) b.disabled = true;
    message.textContent = choice === 'approve' ? 'Approving…' : 'Rejecting…';
    const text = comment.value.trim();
    try {
      const result = await post(`/v1/approvals/${a.id}/decision`, {
        decision: choice,
        ...(text ? { comment: text } : {}),
      });
      // The stored request may lag the workflow by a moment: the answer's outcome is the one to show.
      const decided = {
        ...a,
        ...result.approval,
        status: result.outcome,
        decidedBy: result.by,
        decisionComment: result.comment ?? (text || null),
        decidedAt: (result.approval && result.approval.decidedAt) || new Date().toISOString(),
      };
      show(el, ctx, decided, outcomeLine(decided));
    } catch (err) {
      message.textContent = err.status === 409 ? `Too late: ${err.message}` : err.message;
      for (const b of buttons) b.disabled = false;
    }
  };
  buttons.push(
    h('button', {
      type: 'button',
      class: 'primary',
      'data-decision': 'approve',
      text: 'Approve',
      onclick: decide('approve'),
    }),
    h('button', {
      type: 'button',
      class: 'danger',
      'data-decision': 'reject',
      text: 'Reject',
      onclick: decide('reject'),
    }),
  );
  return h(
    'section',
    { class: 'grid', 'aria-labelledby': 'approval-decide-heading' },
    h('h2', { id: 'approval-decide-heading', text: 'Your decision' }),
    h('label', { for: 'approval-comment' }, 'Comment (optional): the requester reads it with the decision', comment),
    h('div', { class: 'row' }, buttons),
    message,
  );
}

/** What the decision did, said once it is made (the comment stays in the facts above). */
function outcomeLine(a) {
  const verb = a.status === 'approved' ? 'Approved' : a.status === 'rejected' ? 'Rejected' : fmt.label(a.status);
  const next =
    a.subjectType === 'campaign'
      ? a.status === 'approved'
        ? ' The campaign goes on.'
        : ' The campaign does not run.'
      : a.subjectType === 'reallocation'
        ? a.status === 'approved'
          ? ' The campaign applies the new split.'
          : ' The platforms keep their split.'
        : '';
  return h('p', {
    id: 'approval-outcome',
    class: a.status === 'approved' ? 'notice info' : 'notice',
    role: 'status',
    text: `${verb} by ${a.decidedBy}.${next}`,
  });
}
