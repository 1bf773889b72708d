import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  defineQuery,
  defineUpdate,
  executeChild,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { withPerson } from '../domain/identity';
import { getApprovalWorkflowId } from '../domain/ids';
import { approvalWorkflow } from './approvalWorkflow';
import type { StrategyWorkflowInput, StrategyWorkflowResult, StrategyWorkflowStatus } from './types';
import { DATABASE_ACTIVITY } from './activityOptions';

type Activities = ReturnType<typeof createActivities>;

const PERMANENT = ['VentureNotFound', 'IllegalStrategyTransition', 'ChannelMixInfeasible'];

/** State changes and audit entries. */
const db = proxyActivities<Activities>({
  ...DATABASE_ACTIVITY,
  retry: { ...DATABASE_ACTIVITY.retry, nonRetryableErrorTypes: PERMANENT },
});

/** The draft: a few queries and the optimiser, done in seconds. */
const drafting = proxyActivities<Activities>({
  ...DATABASE_ACTIVITY,
  startToCloseTimeout: '1m',
  retry: { ...DATABASE_ACTIVITY.retry, nonRetryableErrorTypes: PERMANENT },
});

export const strategyStatusQuery = defineQuery<StrategyWorkflowStatus>('status');
/** Activates an approved strategy; refused (StrategyNotApproved) in any other phase. */
export const activateUpdate = defineUpdate<StrategyWorkflowStatus, [{ by: string; role?: string }]>('activate');

/** Failure type the `activate` validator refuses with; the API answers 409. */
export const STRATEGY_NOT_APPROVED = 'StrategyNotApproved';

/**
 * Drafts a GTM strategy (readiness, launch window, channel mix, influencer shortlist), puts it in review behind the
 * chairman's approval gate (a child approval workflow), and on approval waits to be activated; a rejection or an
 * expired request sends it back to draft. Every step is in the audit log.
 * @remarks The draft and every state change are idempotent activities keyed by the strategy id; the approval
 * child has its own business id (`approval:strategy:<id>`), so a second start finds the first.
 */
export async function strategyWorkflow(input: StrategyWorkflowInput): Promise<StrategyWorkflowResult> {
  const { strategyId, request } = input;
  const status: StrategyWorkflowStatus = { strategyId, phase: 'drafting' };
  let activation: { by: string; role?: string } | undefined;
  setHandler(strategyStatusQuery, () => ({ ...status }));
  setHandler(
    activateUpdate,
    async (a) => {
      activation = a;
      await condition(() => status.phase !== 'approved');
      return { ...status };
    },
    {
      validator: (_a) => {
        if (status.phase !== 'approved' || activation) {
          throw ApplicationFailure.create({
            type: STRATEGY_NOT_APPROVED,
            message: `only an approved strategy can be activated; this one is ${activation ? 'being activated' : status.phase}`,
          });
        }
      },
    },
  );

  try {
    await drafting.draftGtmStrategy({
      strategyId,
      ventureId: input.ventureId,
      request,
      requestedBy: input.requestedBy,
      today: new Date().toISOString().slice(0, 10),
    });
    status.phase = 'draft';
    await db.moveStrategy({
      strategyId,
      from: ['draft'],
      to: 'review',
      actor: 'system',
      action: 'strategy.review_requested',
    });
    status.phase = 'review';

    const approvalWorkflowId = getApprovalWorkflowId('strategy', strategyId);
    status.approvalWorkflowId = approvalWorkflowId;
    const decision = await executeChild(approvalWorkflow, {
      workflowId: approvalWorkflowId,
      args: [
        {
          version: 1,
          subjectType: 'strategy',
          subjectId: strategyId,
          title: `GTM strategy "${request.name}" (${request.type})`,
          summary: `A ${request.type} strategy with a budget of ${request.budget} ${request.currency}.`,
          amount: request.budget,
          currency: request.currency,
          requestedBy: input.requestedBy.actor,
          details: { ventureId: input.ventureId, strategyId, type: request.type },
          policy: input.approval.policy,
          approvers: input.approval.approvers,
          escalateTo: input.approval.escalateTo,
        },
      ],
    });
    if (decision.by) status.decidedBy = decision.by;
    if (decision.comment) status.decisionComment = decision.comment;

    if (decision.outcome !== 'approved') {
      await db.moveStrategy({
        strategyId,
        from: ['review'],
        to: 'draft',
        actor: decision.by ?? 'system',
        ...withPerson(decision.person),
        action: decision.outcome === 'expired' ? 'strategy.approval_expired' : 'strategy.rejected',
        details: { comment: decision.comment ?? null, approvalId: decision.approvalId },
      });
      status.phase = decision.outcome === 'expired' ? 'expired' : 'rejected';
      await condition(allHandlersFinished);
      return { strategyId, outcome: decision.outcome };
    }

    await db.moveStrategy({
      strategyId,
      from: ['review'],
      to: 'approved',
      actor: decision.by ?? 'system',
      ...withPerson(decision.person),
      actorRole: 'chairman',
      action: 'strategy.approved',
      ...(decision.by ? { approvedBy: decision.by } : {}),
      details: { comment: decision.comment ?? null, approvalId: decision.approvalId },
    });
    status.phase = 'approved';

    await condition(() => activation !== undefined);
    const by = activation!;
    await db.moveStrategy({
      strategyId,
      from: ['approved'],
      to: 'active',
      actor: by.by,
      ...(by.role ? { actorRole: by.role } : {}),
      action: 'strategy.activated',
    });
    status.activatedBy = by.by;
    status.phase = 'active';
    await condition(allHandlersFinished);
    return { strategyId, outcome: 'active' };
  } catch (err) {
    status.phase = 'failed';
    status.error = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    throw err;
  }
}
