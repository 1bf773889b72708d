import { condition } from '@temporalio/workflow';
import { withPerson } from '../../domain/identity';
import { campaignNeedsApproval } from '../../domain/approvalPolicy';
import { getApprovalWorkflowId } from '../../domain/ids';
import type { CampaignActor, CampaignWorkflowResult } from '../types';
import { approvalInput, requestApproval } from './approvals';
import { nextState, setState, stopDelivery } from './delivery';
import { finishCancelled } from './ending';
import { launch } from './launch';
import { SYSTEM, iso, type CampaignRun } from './run';

/**
 * A planned campaign: the chairman first when the budget asks for it, then the platforms. Answers how the run
 * ended when it ended here (rejected, cancelled, too late, launch failed), or undefined once it is scheduled.
 */
export async function planAndLaunch(run: CampaignRun): Promise<CampaignWorkflowResult | undefined> {
  const { input, campaignId } = run;
  const needs = campaignNeedsApproval(run.budget, input.policy);
  let approvedBy: CampaignActor | undefined;
  if (needs.required) {
    await setState(
      run,
      nextState(run, { type: 'requestApproval' }),
      { by: input.requestedBy, ...withPerson(input.requester) },
      needs.reason,
    );
    const approvalWorkflowId = getApprovalWorkflowId('campaign', campaignId);
    run.campaignApproval = { workflowId: approvalWorkflowId, requestedAt: iso(Date.now()) };
    const budget = run.budget;
    const { scope, settled } = await requestApproval(
      approvalWorkflowId,
      approvalInput(
        run,
        'campaign',
        campaignId,
        `Campaign ${input.name}: ${budget.toFixed(2)} ${input.currency}`,
        `${input.requestedBy} asks to run ${input.name} on ${input.platforms.join(', ')} from ${input.startDate} to ${
          input.endDate
        } with a budget of ${budget.toFixed(2)} ${input.currency}. ${needs.reason}.`,
        budget,
        { by: input.requestedBy, ...withPerson(input.requester) },
        { platforms: input.platforms, startDate: input.startDate, endDate: input.endDate, channel: input.channel },
      ),
    );
    await condition(() => settled.result !== undefined || run.cancelRequest !== undefined);
    if (!settled.result) {
      scope.cancel();
      await condition(() => settled.result !== undefined);
    }
    run.campaignApproval = undefined;
    if (run.cancelRequest) return finishCancelled(run);
    const result = settled.result!;
    if (result.outcome !== 'approved') {
      const reason =
        result.outcome === 'expired'
          ? 'expired'
          : `rejected by ${result.by ?? 'the approver'}${result.comment ? `: ${result.comment}` : ''}`;
      await setState(
        run,
        nextState(run, { type: 'reject' }),
        { by: result.by ?? 'system', ...withPerson(result.person), ...(result.by ? { role: 'chairman' } : {}) },
        reason,
        { approvalId: result.approvalId },
      );
      return { outcome: 'rejected', reason, budget: run.budget, spent: run.spent };
    }
    approvedBy = { by: result.by ?? 'system', ...withPerson(result.person), role: 'chairman' };
  }
  if (run.cancelRequest) return finishCancelled(run);
  if (Date.now() >= run.endMs) {
    // Approved too late to run at all: nothing is bought on the platforms for a campaign already over.
    const reason = 'approved after its end date';
    await setState(run, nextState(run, { type: 'endDateReached' }), approvedBy ?? SYSTEM, reason);
    return { outcome: 'cancelled', reason, budget: run.budget, spent: run.spent };
  }
  await run.exclusive(() =>
    setState(
      run,
      nextState(run, { type: 'approve' }),
      approvedBy ?? SYSTEM,
      approvedBy ? `approved by ${approvedBy.by}` : needs.reason,
    ),
  );
  const failure = await run.exclusive(() => launch(run));
  if (failure) {
    await run.exclusive(() => stopDelivery(run));
    const reason = `launch failed: ${failure}`;
    await setState(run, nextState(run, { type: 'launchFailed' }), SYSTEM, reason);
    return { outcome: 'cancelled', reason, budget: run.budget, spent: run.spent };
  }
  return undefined;
}
