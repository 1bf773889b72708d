import type { Person } from '../../domain/identity';
import { CancellationScope, ParentClosePolicy, startChild } from '@temporalio/workflow';
import { approvalWorkflow } from '../approvalWorkflow';
import type { ApprovalSubject, ApprovalWorkflowInput, ApprovalWorkflowResult } from '../types';
import { iso, type CampaignRun } from './run';

/** What the chairman is asked, about the campaign or a change of its budget. */
export function approvalInput(
  run: CampaignRun,
  subjectType: ApprovalSubject,
  subjectId: string,
  title: string,
  summary: string,
  amount: number,
  requester: { by: string; person?: Person },
  details: Record<string, unknown>,
): ApprovalWorkflowInput {
  const { input } = run;
  return {
    version: 1,
    subjectType,
    subjectId,
    title,
    summary,
    amount,
    currency: input.currency,
    requestedBy: requester.by,
    ...(requester.person ? { requester: requester.person } : {}),
    details: { campaignId: run.campaignId, ventureId: input.ventureId, ...details },
    ...(input.ventureName ? { ventureName: input.ventureName } : {}),
    policy: input.policy.approvalTiming,
    approvers: input.policy.approvers,
    escalateTo: input.policy.escalateTo,
  };
}

/** Starts an approval child in a scope of its own, so the campaign can withdraw it (cancel) later. */
export async function requestApproval(
  workflowIdOfApproval: string,
  args: ApprovalWorkflowInput,
): Promise<{ scope: CancellationScope; settled: { result?: ApprovalWorkflowResult } }> {
  const scope = new CancellationScope();
  const handle = await scope.run(() =>
    startChild(approvalWorkflow, {
      workflowId: workflowIdOfApproval,
      args: [args],
      // A campaign terminated by an operator withdraws its open requests rather than leaving them in the inbox.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    }),
  );
  const settled: { result?: ApprovalWorkflowResult } = {};
  void handle.result().then(
    (r) => (settled.result = r),
    (err: unknown) =>
      (settled.result = {
        outcome: 'rejected',
        by: 'system',
        comment: `the approval ended without a decision (${(err as Error).message})`,
        decidedAt: iso(Date.now()),
        approvalId: null,
      }),
  );
  return { scope, settled };
}
