import { withPerson, type Person } from '../domain/identity';
import {
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type WorkflowUpdateHandle,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { CampaignState } from '../domain/campaignLifecycle';
import type { ControlAction } from '../domain/campaignMachine';
import { getCampaignWorkflowId } from '../domain/ids';
import { campaignStatusQuery, controlCampaignUpdate, type ControlCampaignResult } from '../workflows/campaignWorkflow';

/** The action is not legal in the campaign's state (or its budget is used up): a 409 with the workflow's reason. */
export class CampaignActionRefusedError extends Error {
  override readonly name = 'CampaignActionRefusedError';
  constructor(
    message: string,
    /** `IllegalCampaignState`, `BudgetExhausted` or `InvalidControlRequest`. */
    readonly type: string,
  ) {
    super(message);
  }
}

/** The campaign's run has ended (or never started): nothing can be paused, resumed or cancelled any more. A 409. */
export class CampaignNotRunningError extends Error {
  override readonly name = 'CampaignNotRunningError';
  constructor(readonly campaignId: string) {
    super(`campaign ${campaignId} is no longer running`);
  }
}

/** No worker took the request in time: nothing was done, the caller may try again. A 503. */
export class CampaignControlUnavailableError extends Error {
  override readonly name = 'CampaignControlUnavailableError';
  constructor(readonly campaignId: string) {
    super(`campaign ${campaignId} did not take the request in time; nothing was changed, try again`);
  }
}

export interface ControlTimings {
  /** How long to wait for the run to accept (validate) the request; past it nothing was done. */
  acceptWithinMs: number;
  /** How long to wait, once accepted, for the platforms to be told; past it the action carries on in the run. */
  answerWithinMs: number;
}

/**
 * Bounds for an HTTP caller. Accepting takes one workflow task; the platforms usually answer in well under a
 * second, but a throttled one is retried for up to a day, so past three seconds the caller hears "under way".
 */
export const CONTROL_TIMINGS: ControlTimings = { acceptWithinMs: 5_000, answerWithinMs: 3_000 };

/**
 * Pauses, resumes or cancels a campaign through its workflow's `controlCampaign` update and answers with the state
 * it reached: `done` once the platforms were told and the change recorded, or, when that takes longer than the
 * caller can wait, the state now and `done: false` (the run carries on with it).
 * @throws CampaignActionRefusedError when the state does not allow the action (the validator's reason)
 * @throws CampaignNotRunningError when the run has ended
 * @throws CampaignControlUnavailableError when no worker accepted the request in time
 */
export async function controlCampaign(
  temporal: Client,
  campaignId: string,
  action: ControlAction,
  actor: { by: string; person?: Person; role: string; reason?: string },
  timings: ControlTimings = CONTROL_TIMINGS,
): Promise<{ state: CampaignState; done: boolean }> {
  const handle = temporal.workflow.getHandle(getCampaignWorkflowId(campaignId));
  const request = {
    action,
    by: actor.by,
    ...withPerson(actor.person),
    role: actor.role,
    ...(actor.reason ? { reason: actor.reason } : {}),
  };
  let update: WorkflowUpdateHandle<ControlCampaignResult>;
  try {
    // The deadline covers the whole call: a request that is not accepted by then is not admitted at all.
    update = await temporal.withDeadline(Date.now() + timings.acceptWithinMs, () =>
      handle.startUpdate(controlCampaignUpdate, { args: [request], waitForStage: 'ACCEPTED' }),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw new CampaignControlUnavailableError(campaignId);
    throw controlError(err, campaignId);
  }
  try {
    const done = await temporal.withDeadline(Date.now() + timings.answerWithinMs, () => update.result());
    return { state: done.state, done: true };
  } catch (err) {
    if (!(err instanceof WorkflowUpdateRPCTimeoutOrCancelledError)) throw controlError(err, campaignId);
  }
  // Under way: the state as it is now (a query answers for a closed run too, while Temporal keeps its history).
  try {
    return { state: (await handle.query(campaignStatusQuery)).state, done: false };
  } catch (err) {
    throw controlError(err, campaignId);
  }
}

/** The typed error for a refused or failed update; anything unexpected is passed on as it is. */
function controlError(err: unknown, campaignId: string): unknown {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    return new CampaignActionRefusedError(err.cause.message, err.cause.type ?? 'IllegalCampaignState');
  }
  if (err instanceof WorkflowNotFoundError || isRunClosed(err)) return new CampaignNotRunningError(campaignId);
  return err;
}

/** The server's words for an update sent to a run that has closed, or closed before it answered. */
function isRunClosed(err: unknown): boolean {
  const text = `${(err as Error)?.message ?? ''} ${String((err as { cause?: unknown })?.cause ?? '')}`;
  return /already completed|workflow execution already completed|completed before the update/i.test(text);
}
