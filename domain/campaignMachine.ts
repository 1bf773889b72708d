import { refusal, type CampaignState } from './campaignLifecycle';

/** Why a campaign is paused: by a person, or by the budget guard at 100%. */
export type PauseReason = 'manual' | 'budget_exhausted';

/** What a person can ask of a running campaign's delivery, by an update that answers with the new state. */
export const CONTROL_ACTIONS = ['pause', 'resume', 'cancel'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

/** What the machine needs to know of a campaign to decide an event. */
export interface CampaignSnapshot {
  state: CampaignState;
  pauseReason?: PauseReason;
  budget: number;
  spent: number;
  /** A cancellation was asked for and is under way: a person's pause or resume is not started meanwhile. */
  cancelling?: boolean;
}

/**
 * Everything that moves a campaign: people's requests (pause, resume, cancel), the chairman's decision, the
 * platforms (a failed launch), the calendar (start and end dates) and the budget guard.
 */
export type CampaignEvent =
  | { type: 'requestApproval' }
  | { type: 'approve' }
  | { type: 'reject' }
  | { type: 'launchFailed' }
  | { type: 'startDateReached' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'budgetExhausted' }
  | { type: 'budgetRaised' }
  | { type: 'cancel' }
  | { type: 'cancelledInTemporal' }
  | { type: 'endDateReached' };

export type CampaignEventType = CampaignEvent['type'];

/** Refusal types callers map to answers: an illegal state is a 409, so is a used-up budget. */
export type RefusalType = 'IllegalCampaignState' | 'BudgetExhausted';

export type Transition =
  { ok: true; next: CampaignState; pauseReason?: PauseReason } | { ok: false; type: RefusalType; message: string };

const to = (next: CampaignState, pauseReason?: PauseReason): Transition =>
  pauseReason ? { ok: true, next, pauseReason } : { ok: true, next };
const no = (message: string, type: RefusalType = 'IllegalCampaignState'): Transition => ({ ok: false, type, message });

/** The refusal of an event allowed only in some states, worded like the API's refusals. */
function onlyIn(event: CampaignEventType, state: CampaignState, allowed: readonly CampaignState[]): string {
  return `cannot handle ${event} for a campaign that is ${state} (only when ${allowed.join(', ')})`;
}

type Rule = (s: CampaignSnapshot) => Transition;

/** Events the system raises (dates, approvals, platforms, the guard): from which states, to which state. */
const SYSTEM_RULES: Record<Exclude<CampaignEventType, ControlAction>, Rule> = {
  requestApproval: (s) =>
    s.state === 'planned' ? to('awaiting_approval') : no(onlyIn('requestApproval', s.state, ['planned'])),
  approve: (s) =>
    s.state === 'planned' || s.state === 'awaiting_approval'
      ? to('scheduled')
      : no(onlyIn('approve', s.state, ['planned', 'awaiting_approval'])),
  reject: (s) =>
    s.state === 'awaiting_approval' ? to('rejected') : no(onlyIn('reject', s.state, ['awaiting_approval'])),
  launchFailed: (s) => (s.state === 'scheduled' ? to('cancelled') : no(onlyIn('launchFailed', s.state, ['scheduled']))),
  startDateReached: (s) =>
    s.state === 'scheduled' ? to('active') : no(onlyIn('startDateReached', s.state, ['scheduled'])),
  // A campaign the guard finds already paused (by a person) stays as it is.
  budgetExhausted: (s) =>
    s.state === 'active' ? to('paused', 'budget_exhausted') : no(onlyIn('budgetExhausted', s.state, ['active'])),
  // Only the guard's own pause is lifted by more budget; a person's pause waits for a person.
  budgetRaised: (s) => {
    if (s.state !== 'paused' || s.pauseReason !== 'budget_exhausted')
      return no('only a campaign paused because its budget was used up resumes when the budget is raised');
    if (s.spent >= s.budget) return no(budgetUsedUp(s), 'BudgetExhausted');
    return to('active');
  },
  // Operators may cancel any run in Temporal; what is left to record is that it ended cancelled.
  cancelledInTemporal: () => to('cancelled'),
  // Approved too late to run at all, or at the end of its days: never bought anything, or done.
  endDateReached: (s) => {
    if (s.state === 'planned' || s.state === 'awaiting_approval') return to('cancelled');
    if (s.state === 'scheduled' || s.state === 'active' || s.state === 'paused') return to('completed');
    return no(`the campaign already ended ${s.state}`);
  },
};

function budgetUsedUp(s: CampaignSnapshot): string {
  return `the budget is used up (${s.spent} of ${s.budget}): raise it first`;
}

/** A person's request: legal states from the lifecycle table, and the budget for a resume. */
function control(action: ControlAction, s: CampaignSnapshot): Transition {
  const illegal = refusal(action, s.state);
  if (illegal) return no(illegal);
  if (action === 'cancel') return to('cancelled');
  if (s.cancelling) return no(`cannot ${action} a campaign that is being cancelled`);
  if (action === 'pause') return to('paused', 'manual');
  if (s.spent >= s.budget) return no(budgetUsedUp(s), 'BudgetExhausted');
  return to('active');
}

/** The state a campaign moves to on an event, or why it cannot. Pure: the workflow does what the answer says. */
export function decide(s: CampaignSnapshot, event: CampaignEvent): Transition {
  if (event.type === 'pause' || event.type === 'resume' || event.type === 'cancel') return control(event.type, s);
  return SYSTEM_RULES[event.type](s);
}

/** Parses an untrusted control action; the error names the valid choices. */
export function controlActionProblem(action: unknown): string | undefined {
  return (CONTROL_ACTIONS as readonly unknown[]).includes(action)
    ? undefined
    : `action must be one of ${CONTROL_ACTIONS.join(', ')} (got ${JSON.stringify(action)})`;
}
