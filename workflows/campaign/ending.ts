import type { CampaignEvent } from '../../domain/campaignMachine';
import type { CampaignWorkflowResult } from '../types';
import { withdrawPendingBudget } from './budgetChanges';
import { nextState, setState, stopDelivery } from './delivery';
import { sync } from './metricsSync';
import { db } from './proxies';
import { SYSTEM, type CampaignRun } from './run';

/**
 * Ends the run cancelled: withdraws a budget change awaiting the chairman, stops delivery, records who cancelled.
 * `cancelledInTemporal` when an operator cancelled the run itself, which may catch it in any state.
 */
export async function finishCancelled(
  run: CampaignRun,
  event: Extract<CampaignEvent, { type: 'cancel' | 'cancelledInTemporal' }> = { type: 'cancel' },
): Promise<CampaignWorkflowResult> {
  const actor = run.cancelRequest ?? SYSTEM;
  const next = nextState(run, event);
  await withdrawPendingBudget(run);
  if (run.launched) await stopDelivery(run);
  const reason = actor.reason ?? 'cancelled';
  await setState(run, next, actor, reason);
  return { outcome: 'cancelled', reason, budget: run.budget, spent: run.spent };
}

/** Ends the run at its end date: a final sync, delivery stopped, the final report written. */
export async function complete(run: CampaignRun): Promise<CampaignWorkflowResult> {
  const { input, campaignId } = run;
  const next = nextState(run, { type: 'endDateReached' });
  await withdrawPendingBudget(run);
  await sync(run, true);
  await stopDelivery(run);
  const report = await db.writeFinalReport({
    campaignId,
    ventureId: input.ventureId,
    channel: input.channel,
    endDate: input.endDate,
  });
  await setState(run, next, SYSTEM, 'end date reached', { finalReport: report });
  return { outcome: 'completed', budget: run.budget, spent: run.spent };
}
