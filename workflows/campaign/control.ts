import { condition, type ApplicationFailure } from '@temporalio/workflow';
import { isTerminal } from '../../domain/campaignLifecycle';
import { withPerson, type Person } from '../../domain/identity';
import { controlActionProblem, decide, type ControlAction, type PauseReason } from '../../domain/campaignMachine';
import type { CampaignActor, CampaignStateName } from '../types';
import { refuse } from './budgetChanges';
import { pauseDelivery, resumeDelivery } from './delivery';
import { snapshotOf, type CampaignRun } from './run';

/** The `controlCampaign` update's argument: what a person asks of the campaign's delivery, and who asks. */
export interface ControlCampaignInput {
  action: ControlAction;
  by: string;
  person?: Person;
  role?: string;
  reason?: string;
}

/** The state the campaign is in once the action is done (the platforms told, the change recorded). */
export interface ControlCampaignResult {
  action: ControlAction;
  state: CampaignStateName;
  stateReason?: string;
  pauseReason?: PauseReason;
}

/** Why the action cannot be taken now, or undefined: asked by the validator and again inside the lock. */
export function controlRefusal(run: CampaignRun, req: ControlCampaignInput): ApplicationFailure | undefined {
  const problem = controlActionProblem(req?.action);
  if (problem) return refuse('InvalidControlRequest', problem);
  if (typeof req.by !== 'string' || req.by.trim() === '') {
    return refuse('InvalidControlRequest', 'by must name who asks (a non-empty string)');
  }
  const t = decide({ ...snapshotOf(run), cancelling: run.cancelRequest !== undefined }, { type: req.action });
  return t.ok ? undefined : refuse(t.type, t.message);
}

function resultOf(run: CampaignRun, action: ControlAction): ControlCampaignResult {
  return {
    action,
    state: run.state,
    ...(run.stateReason ? { stateReason: run.stateReason } : {}),
    ...(run.pauseReason && run.state === 'paused' ? { pauseReason: run.pauseReason } : {}),
  };
}

/**
 * The `controlCampaign` update: answers once the action is done. A pause or resume runs here, inside the lock;
 * a cancellation is the loop's to carry out (it may be waiting on the chairman), so this waits until it is recorded.
 */
export async function controlCampaign(run: CampaignRun, req: ControlCampaignInput): Promise<ControlCampaignResult> {
  const actor: CampaignActor = {
    by: req.by,
    ...withPerson(req.person),
    ...(req.role ? { role: req.role } : {}),
    ...(req.reason ? { reason: req.reason } : {}),
  };
  if (req.action === 'cancel') {
    run.cancelRequest ??= actor;
    await condition(() => run.recordedState !== undefined && isTerminal(run.recordedState));
    return resultOf(run, req.action);
  }
  return run.exclusive(async () => {
    const refused = controlRefusal(run, req);
    if (refused) throw refused;
    if (req.action === 'pause') await pauseDelivery(run, actor, 'manual');
    else await resumeDelivery(run, actor, { type: 'resume' });
    return resultOf(run, req.action);
  });
}
