// The campaign's reallocation proposals: each with its evidence, who decided it, and, once its window is over, the
// conversions it predicted beside those that came in, so a marketer and the chairman can see how good past ones were.
import { api, get } from '../api.js';
import { badge, emptyState, fmt, h } from '../ui.js';
import { canBuild } from './campaignFields.js';
import { evidenceTable, withInterval } from './proposalEvidence.js';

const STAGE_WORDS = {
  proposed: 'being applied',
  awaiting_approval: 'waiting for the chairman',
  applied: 'applied',
  rejected: 'rejected',
  expired: 'expired',
  recommended: 'recommended',
  no_proposal: 'no proposal',
  not_applied: 'not applied',
};

/** How a measured proposal turned out, in a sentence. */
function outcome(p) {
  const m = p.measured;
  if (!m) {
    if (p.status !== 'applied') return null;
    const due = new Date(new Date(p.appliedAt).getTime() + (p.windowDays + 2) * 86_400_000);
    return h('p', { class: 'small muted', text: `Measured after ${p.windowDays} days, around ${fmt.date(due)}.` });
  }
  return h(
    'p',
    { class: m.withinInterval ? 'small' : 'small notice' },
    `Over ${m.days} days: `,
    h('strong', { class: 'proposal-actual', text: `${fmt.number(m.actual)} conversions` }),
    ` came in; ${withInterval(m.predicted)} were predicted. `,
    m.withinInterval ? 'Within the interval.' : 'Outside the interval.',
  );
}

/** How good the measured proposals were, in a sentence: how many came in within their interval, actual to predicted. */
function trackRecord(proposals) {
  const measured = proposals.filter((p) => p.measured && p.measured.predicted && p.measured.predicted.value > 0);
  if (measured.length === 0) return null;
  const within = measured.filter((p) => p.measured.withinInterval).length;
  const ratio =
    measured.reduce((a, p) => a + p.measured.actual, 0) / measured.reduce((a, p) => a + p.measured.predicted.value, 0);
  return h('p', {
    id: 'proposal-record',
    class: 'small',
    text:
      `${measured.length} measured: ${within} came in within the predicted interval; ` +
      `together they brought ${Math.round(ratio * 100)}% of the conversions predicted.`,
  });
}

function proposalCard(p) {
  return h(
    'article',
    { class: 'panel proposal', dataset: { proposal: p.id, status: p.status } },
    h('h3', {}, `Proposal ${p.n} `, badge(STAGE_WORDS[p.status] || p.status, p.status)),
    h(
      'p',
      { class: 'small' },
      `${fmt.date(p.createdAt)}, ${p.requestedBy === 'system' ? 'the weekly round' : `asked by ${p.requestedBy}`}. `,
      p.movedPct !== null ? `Moves ${p.movedPct}% of the daily budget. ` : '',
      `${fmt.label(p.reason)}.`,
      p.decidedBy ? ` Decided by ${p.decidedBy}${p.decisionComment ? `: “${p.decisionComment}”` : ''}.` : '',
      p.approvalWorkflowId && p.status === 'awaiting_approval'
        ? [' ', h('a', { href: `#/approvals`, text: 'Open the approvals inbox' })]
        : '',
    ),
    p.proposedShares ? evidenceTable(p, `proposal-evidence-${p.n}`) : null,
    outcome(p),
  );
}

/**
 * The section, with a button for marketers to make a proposal now rather than at the weekly round. `awaiting` is the
 * workflow id of a proposal just asked for: the list reads again every second until it is there (its curves are
 * being fitted meanwhile).
 */
export function proposalsSection(ctx, campaign, awaiting) {
  let expected = awaiting;
  let tries = 0;
  const list = h('div', { id: 'proposal-list' }, h('p', { class: 'muted', text: 'Loading proposals…' }));
  const message = h('p', { class: 'small', role: 'status', id: 'proposal-message' });
  const propose = canBuild(ctx)
    ? h('button', {
        type: 'button',
        id: 'propose-now',
        text: 'Propose a split now',
        onclick: async (e) => {
          e.target.disabled = true;
          message.textContent = 'Fitting the curves…';
          try {
            const { body } = await api('POST', `/v1/campaigns/${campaign.id}/proposals`, {});
            message.textContent = 'Proposal started: it appears below once the curves are fitted.';
            expected = body.workflowId;
            tries = 0;
            void load();
          } catch (err) {
            message.textContent = err.message;
          } finally {
            e.target.disabled = false;
          }
        },
      })
    : null;
  const load = async () => {
    // Another page was opened meanwhile: stop reading.
    if (tries > 0 && !list.isConnected) return;
    try {
      const r = await get(`/v1/campaigns/${campaign.id}/proposals`);
      const pending = expected && !r.proposals.some((p) => p.workflowId === expected);
      if (pending && tries++ < 60) setTimeout(load, 1000);
      else expected = undefined;
      list.replaceChildren(
        ...(pending
          ? [h('p', { class: 'muted', id: 'proposal-making', text: 'Making the proposal: fitting the curves…' })]
          : []),
        ...(r.proposals.length
          ? [trackRecord(r.proposals), ...r.proposals.map(proposalCard)].filter(Boolean)
          : [
              emptyState(
                'proposals-empty',
                `No proposals yet. Every week the curves of the platforms are fitted and a new split proposed; one ` +
                  `that moves more than ${r.approvalPct}% of the daily budget goes to the chairman.`,
              ),
            ]),
      );
    } catch (err) {
      list.replaceChildren(h('p', { class: 'notice', text: `Proposals could not be read: ${err.message}` }));
    }
  };
  void load();
  return h(
    'section',
    { class: 'panel', id: 'campaign-proposals', 'aria-labelledby': 'proposals-heading' },
    h('h2', { id: 'proposals-heading', text: 'Reallocation proposals' }),
    h('div', { class: 'row' }, propose),
    message,
    list,
  );
}
