import { ApplicationFailure, condition, patched } from '@temporalio/workflow';
import { budgetChangeNeedsApproval, cumulativeBudgetChangeNeedsApproval } from '../../domain/approvalPolicy';
import { refusal } from '../../domain/campaignLifecycle';
import { getApprovalWorkflowId } from '../../domain/ids';
import { withPerson } from '../../domain/identity';
import { moneyProblem } from '../../domain/money';
import type { AdjustBudgetInput, AdjustBudgetResult, BudgetChangeRecord, CampaignActor } from '../types';
import { approvalInput, requestApproval } from './approvals';
import { applyBudget } from './delivery';
import { db } from './proxies';
import { iso, type CampaignRun } from './run';

/** Budget changes kept in the state (and the status query); older ones are in the audit log. */
const MAX_BUDGET_CHANGES = 20;

export const refuse = (type: string, message: string) => ApplicationFailure.create({ type, message });

function rememberChange(run: CampaignRun, record: BudgetChangeRecord): void {
  run.budgetChanges.push(record);
  if (run.budgetChanges.length > MAX_BUDGET_CHANGES) run.budgetChanges.shift();
}

/** Withdraws a budget change still awaiting the chairman (the campaign ends first). */
export async function withdrawPendingBudget(run: CampaignRun): Promise<void> {
  const pending = run.pendingBudget;
  if (!pending) return;
  if (!pending.settled.result) {
    pending.scope.cancel();
    await condition(() => pending.settled.result !== undefined);
  }
  pending.record.status = 'rejected';
  pending.record.comment = 'withdrawn: the campaign ended';
  run.pendingBudget = undefined;
}

/** Applies (or records the refusal of) the budget change the chairman has decided. */
export async function settleBudgetChange(run: CampaignRun): Promise<void> {
  const pending = run.pendingBudget!;
  const result = pending.settled.result!;
  run.pendingBudget = undefined;
  const record = pending.record;
  if (result.by) record.decidedBy = result.by;
  if (result.comment) record.comment = result.comment;
  if (result.outcome === 'approved') {
    record.status = 'applied';
    run.approvedBudget = record.to;
    await applyBudget(
      run,
      record.to,
      {
        by: result.by ?? 'system',
        ...withPerson(result.person),
        role: 'chairman',
        reason: `budget change #${record.n} approved`,
      },
      { change: record.n, approvalWorkflowId: record.approvalWorkflowId, requestedBy: record.requestedBy },
    );
  } else {
    record.status = 'rejected';
    await db.recordCampaignEvent({
      campaignId: run.campaignId,
      action: 'campaign.budget_change_rejected',
      actor: result.by ?? 'system',
      ...withPerson(result.person),
      details: {
        change: record.n,
        from: record.from,
        to: record.to,
        outcome: result.outcome,
        comment: result.comment ?? null,
      },
    });
  }
}

/** Why a budget change cannot be made now, or undefined: asked by the validator and again inside the lock. */
export function budgetChangeRefusal(run: CampaignRun, req: AdjustBudgetInput): ApplicationFailure | undefined {
  const illegal = refusal('adjustBudget', run.state);
  if (illegal) return refuse('IllegalCampaignState', illegal);
  if (typeof req.newBudget !== 'number' || !Number.isFinite(req.newBudget) || req.newBudget <= 0) {
    return refuse('InvalidBudget', 'the new budget must be a positive number');
  }
  const amount = moneyProblem(req.newBudget, run.input.currency);
  if (amount) return refuse('InvalidBudget', `the new budget ${req.newBudget}: ${amount}`);
  if (req.newBudget < run.spent) {
    return refuse('BudgetBelowSpent', `the new budget ${req.newBudget} is below the ${run.spent} already spent`);
  }
  if (req.newBudget === run.budget) return refuse('BudgetUnchanged', `the budget is already ${run.budget}`);
  const pending = run.pendingBudget;
  if (pending && !pending.settled.result) {
    return refuse('BudgetChangePending', `a change of the budget to ${pending.record.to} is already awaiting approval`);
  }
  if (!req.requestedBy) return refuse('InvalidBudget', 'a budget change needs who asked for it');
  return undefined;
}

/** The `adjustBudget` update, run inside the lock: applied at once, or sent to the chairman. */
export async function adjustBudget(run: CampaignRun, req: AdjustBudgetInput): Promise<AdjustBudgetResult> {
  const { input, campaignId } = run;
  // Two requests can pass the validator before either takes the lock: only one change may await the chairman.
  if (patched('budget-change-checked-in-lock')) {
    // A decision that came in while this waited is applied first, so the change is judged against it.
    if (run.pendingBudget?.settled.result) await settleBudgetChange(run);
    const refused = budgetChangeRefusal(run, req);
    if (refused) throw refused;
  } else {
    const illegal = refusal('adjustBudget', run.state);
    if (illegal) throw refuse('IllegalCampaignState', illegal);
  }
  const n = ++run.budgetChangeCount;
  const { budget, spent } = run;
  // Measured against the last approved budget, so steps under the percentage cannot add up without him.
  const decision = patched('budget-increase-against-approved')
    ? cumulativeBudgetChangeNeedsApproval(
        { current: budget, proposed: req.newBudget, approved: run.approvedBudget },
        input.policy,
      )
    : budgetChangeNeedsApproval(budget, req.newBudget, input.policy);
  const actor: CampaignActor = {
    by: req.requestedBy,
    ...withPerson(req.person),
    ...(req.role ? { role: req.role } : {}),
    ...(req.reason ? { reason: req.reason } : {}),
  };
  const record: BudgetChangeRecord = {
    n,
    from: budget,
    to: req.newBudget,
    requestedBy: req.requestedBy,
    ...(req.reason ? { reason: req.reason } : {}),
    status: 'pending_approval',
    requestedAt: iso(Date.now()),
  };
  rememberChange(run, record);
  if (!decision.required) {
    await applyBudget(run, req.newBudget, actor, { change: n, policy: decision.reason });
    record.status = 'applied';
    return { status: 'applied', budget: run.budget, requested: req.newBudget, reason: decision.reason };
  }
  const subjectId = `${campaignId}:${n}`;
  const approvalWorkflowId = getApprovalWorkflowId('budget_change', subjectId);
  record.approvalWorkflowId = approvalWorkflowId;
  const summary =
    `${req.requestedBy} asks to change the budget of ${input.name} from ${budget.toFixed(2)} to ` +
    `${req.newBudget.toFixed(2)} ${input.currency} (${spent.toFixed(2)} spent so far)` +
    `${req.reason ? `: ${req.reason}` : ''}. ${decision.reason}.`;
  const { scope, settled } = await requestApproval(
    approvalWorkflowId,
    approvalInput(
      run,
      'budget_change',
      subjectId,
      `Budget of ${input.name}: ${budget.toFixed(2)} to ${req.newBudget.toFixed(2)} ${input.currency}`,
      summary,
      req.newBudget,
      { by: req.requestedBy, ...withPerson(req.person) },
      { change: n, from: budget, to: req.newBudget, spent },
    ),
  );
  run.pendingBudget = { record, scope, settled };
  await db.recordCampaignEvent({
    campaignId,
    action: 'campaign.budget_change_requested',
    actor: req.requestedBy,
    ...withPerson(req.person),
    ...(req.role ? { role: req.role } : {}),
    details: { change: n, from: budget, to: req.newBudget, reason: decision.reason, approvalWorkflowId },
  });
  return { status: 'pending_approval', budget, requested: req.newBudget, reason: decision.reason, approvalWorkflowId };
}
