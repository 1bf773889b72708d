import {
  ParentClosePolicy,
  defineQuery,
  executeChild,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { createActivities } from '../activities';
import { getApprovalWorkflowId, getProposalWorkflowId } from '../domain/ids';
import { withPerson, type Person } from '../domain/identity';
import { measureAt } from '../domain/reallocationProposal';
import { DATABASE_ACTIVITY } from './activityOptions';
import { approvalWorkflow } from './approvalWorkflow';
import type {
  ProposalStatusView,
  ProposalWorkflowInput,
  ReallocationScanInput,
  ReallocationScanResult,
} from './proposalTypes';

export type * from './proposalTypes';

type Activities = ReturnType<typeof createActivities>;

/** Drafting fits curves with bootstrap refits over the campaign's days: seconds, a few minutes at the most. */
const db = proxyActivities<Activities>({ ...DATABASE_ACTIVITY, startToCloseTimeout: '5m' });

export const proposalStatusQuery = defineQuery<ProposalStatusView>('status');

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One reallocation proposal for one campaign: fit the response curves of its platforms and propose a split of the
 * remaining daily budget (or take the split a person chose), record it, and let it go ahead the way its size asks:
 * through the chairman when it moves more than the policy's percentage, at once when a person chose it or the
 * venture lets small proposals apply, else left as a recommendation. Once applied by the campaign (its
 * `reallocate` update, named after the decider), it waits out the measuring window and records the conversions
 * that came in against those predicted.
 * @remarks The id is `proposal:{campaignId}:{n}`; the draft, the decision and the application are keyed by it, so a
 * retried activity neither drafts twice nor applies twice. The approval is a child: whoever can reach Temporal but
 * not the server's signing secret cannot approve.
 */
export async function proposalWorkflow(input: ProposalWorkflowInput): Promise<ProposalStatusView> {
  const { workflowId } = workflowInfo();
  const view: ProposalStatusView = { campaignId: input.campaignId, n: input.n, stage: 'drafting' };
  setHandler(proposalStatusQuery, () => view);

  const draft = await db.draftReallocationProposal({ ...input, workflowId });
  view.proposalId = draft.proposalId;
  view.reason = draft.reason;
  if (!draft.made) {
    view.stage = 'no_proposal';
    return view;
  }
  view.shares = draft.shares;
  view.movedPct = draft.movedPct;
  if (draft.gate === 'recommend') {
    view.stage = 'recommended';
    return view;
  }

  let decider: { by: string; person?: Person; role?: string } = {
    by: input.requestedBy,
    ...withPerson(input.requester),
    ...(input.role ? { role: input.role } : {}),
  };
  if (draft.gate === 'chairman') {
    const approvalWorkflowId = getApprovalWorkflowId('reallocation', draft.proposalId);
    view.stage = 'awaiting_approval';
    view.approvalWorkflowId = approvalWorkflowId;
    const decision = await executeChild(approvalWorkflow, {
      workflowId: approvalWorkflowId,
      args: [draft.approval!],
      // The proposal ends (an operator terminates it): its open request leaves the chairman's inbox with it.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    });
    await db.recordProposalDecision({ proposalId: draft.proposalId, decision });
    if (decision.outcome !== 'approved') {
      view.stage = 'rejected';
      view.reason = decision.comment ?? decision.outcome;
      return view;
    }
    decider = { by: decision.by ?? 'chairman', ...withPerson(decision.person), role: 'chairman' };
  }

  const applied = await db.applyReallocationProposal({
    proposalId: draft.proposalId,
    campaignId: input.campaignId,
    shares: draft.shares,
    by: decider.by,
    ...(decider.person ? { person: decider.person } : {}),
    ...(decider.role ? { role: decider.role } : {}),
    workflowId,
  });
  if (!applied.applied) {
    view.stage = 'not_applied';
    view.reason = applied.reason;
    return view;
  }
  view.stage = 'applied';
  const appliedAt = Date.now();
  const measureOn = measureAt(appliedAt, input.policy.windowDays);
  view.appliedAt = iso(appliedAt);
  view.measureAt = iso(measureOn);
  await sleep(measureOn - appliedAt);
  view.measured = await db.measureReallocationProposal({ proposalId: draft.proposalId });
  return view;
}

/**
 * The weekly round: one proposal workflow for each active campaign on two or more platforms that has no proposal
 * still open. Proposals outlive the round (they wait for the chairman and the measuring window).
 * @remarks Started by a Temporal Schedule; a campaign's next number comes from its stored proposals, and a start
 * that finds the workflow already running (a retried round) passes over it.
 */
export async function reallocationScanWorkflow(input: ReallocationScanInput): Promise<ReallocationScanResult> {
  const { candidates, skipped } = await db.listReallocationCandidates();
  const started: string[] = [];
  for (const c of candidates) {
    const workflowId = getProposalWorkflowId(c.campaignId, c.n);
    try {
      await startChild(proposalWorkflow, {
        workflowId,
        args: [
          {
            version: 1,
            campaignId: c.campaignId,
            n: c.n,
            source: 'fitted',
            requestedBy: 'system',
            policy: input.policy,
          },
        ],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      started.push(workflowId);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      skipped.push({ campaignId: c.campaignId, reason: `${workflowId} was already started` });
    }
  }
  return { started, skipped };
}
