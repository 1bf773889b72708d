import {
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineSignal,
  defineUpdate,
  isCancellation,
  log,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { decide } from '../domain/campaignMachine';
import { adjustBudget, budgetChangeRefusal, settleBudgetChange } from './campaign/budgetChanges';
import {
  controlCampaign,
  controlRefusal,
  type ControlCampaignInput,
  type ControlCampaignResult,
} from './campaign/control';
import { nextState, pauseDelivery, resumeDelivery, setState } from './campaign/delivery';
import { complete, finishCancelled } from './campaign/ending';
import { sync } from './campaign/metricsSync';
import { planAndLaunch } from './campaign/planning';
import { ads, db } from './campaign/proxies';
import { reallocate, reallocateRefusal } from './campaign/reallocate';
import { SYSTEM, carryOf, live, newCampaignRun, snapshotOf, type CampaignRun } from './campaign/run';
import { statusView } from './campaign/status';
import { campaignStatusQuery, reallocateUpdate } from './campaignMessages';
import { campaignStatusKey, ventureIdKey } from './searchAttributes';
import type {
  AdjustBudgetInput,
  AdjustBudgetResult,
  CampaignActor,
  CampaignWorkflowInput,
  CampaignWorkflowResult,
} from './types';

export type { ControlCampaignInput, ControlCampaignResult } from './campaign/control';
export { campaignStatusQuery, reallocateUpdate } from './campaignMessages';

/** Fire-and-forget pause, kept for runs in flight and older clients; `controlCampaignUpdate` answers instead. */
export const pauseCampaignSignal = defineSignal<[CampaignActor]>('pause');
/** Fire-and-forget resume, kept for runs in flight and older clients; `controlCampaignUpdate` answers instead. */
export const resumeCampaignSignal = defineSignal<[CampaignActor]>('resume');
/** Fire-and-forget cancel, kept for runs in flight and older clients; `controlCampaignUpdate` answers instead. */
export const cancelCampaignSignal = defineSignal<[CampaignActor]>('cancel');
/**
 * Pauses, resumes or cancels the campaign and answers with its state once done (platforms told, change recorded);
 * the validator refuses an action its state does not allow, with the lifecycle's reason.
 */
export const controlCampaignUpdate = defineUpdate<ControlCampaignResult, [ControlCampaignInput]>('controlCampaign');
/** Changes the budget, through the chairman when the policy asks; refused below what is already spent. */
export const adjustBudgetUpdate = defineUpdate<AdjustBudgetResult, [AdjustBudgetInput]>('adjustBudget');

const DEFAULT_HISTORY_LIMIT = 2_000;

/**
 * One campaign from plan to end: the chairman's approval when the budget asks for it, a durable wait for the start
 * date, launch on every platform, metrics syncs on a timer with a budget guard (alert at the configured percentage,
 * pause everywhere at 100%), pause/resume/cancel by update (or by signal), budget changes by update, completion
 * with a final report. Which event is legal in which state is `domain/campaignMachine`'s to say.
 * @remarks Platform calls are activities with an idempotency key per campaign and platform, retried with backoff
 * while the platform throttles or fails. Status changes go to gtm_campaigns, the audit log and the CampaignStatus
 * search attribute. Continues as new past ~2,000 history events, carrying its state (never while an approval runs).
 */
export async function campaignWorkflow(input: CampaignWorkflowInput): Promise<CampaignWorkflowResult> {
  const run = newCampaignRun(input, workflowInfo().workflowId);
  registerHandlers(run);
  try {
    const result = await lifecycle(run);
    // An answer owed to a caller (a cancellation by update) goes out before the run closes.
    if (!allHandlersFinished() && patched('campaign-control-update')) await condition(allHandlersFinished);
    return result;
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled from Temporal (UI, CLI) rather than through the API: stop spending and record it the same way.
    await CancellationScope.nonCancellable(async () => {
      run.cancelRequest ??= { by: 'temporal', reason: 'cancelled in Temporal' };
      await run.exclusive(() => finishCancelled(run, { type: 'cancelledInTemporal' }));
    });
    throw err;
  }
}

function registerHandlers(run: CampaignRun): void {
  setHandler(campaignStatusQuery, () => statusView(run));
  setHandler(pauseCampaignSignal, (a) => void run.deliveryRequests.push({ ...a, action: 'pause' }));
  setHandler(resumeCampaignSignal, (a) => void run.deliveryRequests.push({ ...a, action: 'resume' }));
  setHandler(cancelCampaignSignal, (a) => {
    run.cancelRequest ??= a;
  });
  setHandler(controlCampaignUpdate, (req) => controlCampaign(run, req), {
    validator: (req) => {
      const refused = controlRefusal(run, req);
      if (refused) throw refused;
    },
  });
  setHandler(adjustBudgetUpdate, (req) => run.exclusive(() => adjustBudget(run, req)), {
    validator: (req) => {
      const refused = budgetChangeRefusal(run, req);
      if (refused) throw refused;
    },
  });
  setHandler(reallocateUpdate, (req) => run.exclusive(() => reallocate(run, req)), {
    validator: (req) => {
      const refused = reallocateRefusal(run, req);
      if (refused) throw refused;
    },
  });
}

/** A pause or resume sent by signal: done when the state allows it, else recorded or logged. */
async function deliveryRequest(run: CampaignRun, req: CampaignActor & { action: 'pause' | 'resume' }): Promise<void> {
  const t = decide(snapshotOf(run), { type: req.action });
  if (t.ok) {
    if (req.action === 'pause') return pauseDelivery(run, req, 'manual');
    return resumeDelivery(run, req, { type: 'resume' });
  }
  if (t.type === 'BudgetExhausted') {
    return db.recordCampaignEvent({
      campaignId: run.campaignId,
      action: 'campaign.resume_refused',
      actor: req.by,
      ...(req.role ? { role: req.role } : {}),
      details: { reason: 'budget exhausted', spent: run.spent, budget: run.budget },
    });
  }
  log.warn('campaign request ignored in this state', { action: req.action, state: run.state });
}

/** Tells the platforms to deliver from the start date on. */
async function start(run: CampaignRun): Promise<void> {
  if (!decide(snapshotOf(run), { type: 'startDateReached' }).ok) return;
  const next = nextState(run, { type: 'startDateReached' });
  await Promise.all(
    live(run).map((p) => ads.setPlatformDelivery({ platform: p.name, externalId: p.externalId, action: 'resume' })),
  );
  await setState(run, next, SYSTEM, 'start date reached');
}

/** Whether the run may continue as new now: nothing half done that the next run would not know about. */
const quiet = (run: CampaignRun) => !run.pendingBudget && run.deliveryRequests.length === 0 && !run.cancelRequest;

/** Plan, launch, then the loop of timers and requests until the end date or a cancellation. */
async function lifecycle(run: CampaignRun): Promise<CampaignWorkflowResult> {
  const { input, startMs, endMs, syncMs } = run;
  if (!input.carry) {
    upsertSearchAttributes([
      { key: ventureIdKey, value: input.ventureId },
      { key: campaignStatusKey, value: run.state },
    ]);
  }
  if (run.state === 'planned') {
    const ended = await planAndLaunch(run);
    if (ended) return ended;
  }

  let nextSyncAt = run.lastSync ? Date.parse(run.lastSync.at) + syncMs : Math.max(startMs, Date.now()) + syncMs;
  for (;;) {
    if (run.cancelRequest) return run.exclusive(() => finishCancelled(run));
    if (Date.now() >= endMs) return run.exclusive(() => complete(run));
    if (run.state === 'scheduled' && Date.now() >= startMs) {
      await run.exclusive(() => start(run));
      nextSyncAt = Date.now() + syncMs;
    }
    if (run.pendingBudget?.settled.result) {
      // A budget change asked for meanwhile may have applied the decision already.
      await run.exclusive(async () => {
        if (run.pendingBudget?.settled.result) await settleBudgetChange(run);
      });
    }
    while (run.deliveryRequests.length > 0) {
      const req = run.deliveryRequests.shift()!;
      await run.exclusive(() => deliveryRequest(run, req));
    }
    if ((run.state === 'active' || run.state === 'paused') && Date.now() >= nextSyncAt) {
      await run.exclusive(async () => {
        if (run.state === 'active' || run.state === 'paused') await sync(run, false);
      });
      nextSyncAt = Date.now() + syncMs;
    }

    const info = workflowInfo();
    const tooLong =
      info.continueAsNewSuggested || info.historyLength > (input.policy.historyLimit ?? DEFAULT_HISTORY_LIMIT);
    if (tooLong && quiet(run)) {
      await condition(allHandlersFinished);
      if (quiet(run)) return continueAsNew<typeof campaignWorkflow>({ ...input, carry: carryOf(run) });
    }

    const wakeAt = Math.min(endMs, run.state === 'scheduled' ? startMs : nextSyncAt);
    const wait = wakeAt - Date.now();
    if (wait > 0) {
      await condition(
        () =>
          run.cancelRequest !== undefined ||
          run.deliveryRequests.length > 0 ||
          (run.pendingBudget !== undefined && run.pendingBudget.settled.result !== undefined),
        wait,
      );
    }
  }
}
