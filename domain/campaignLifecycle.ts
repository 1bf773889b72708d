/** The states of `gtm_campaigns.status`, in lifecycle order. */
export const CAMPAIGN_STATES = [
  'planned',
  'awaiting_approval',
  'scheduled',
  'active',
  'paused',
  'completed',
  'cancelled',
  'rejected',
] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

/** States a campaign never leaves. */
export const TERMINAL_CAMPAIGN_STATES: readonly CampaignState[] = ['completed', 'cancelled', 'rejected'];

/** What a person can ask of a running campaign. */
export type CampaignAction = 'pause' | 'resume' | 'cancel' | 'adjustBudget' | 'reallocate';

const ALLOWED: Record<CampaignAction, readonly CampaignState[]> = {
  pause: ['active'],
  resume: ['paused'],
  cancel: ['planned', 'awaiting_approval', 'scheduled', 'active', 'paused'],
  // The budget under review is the one the chairman is asked about: it cannot change while the request is open.
  adjustBudget: ['scheduled', 'active', 'paused'],
  reallocate: ['active', 'paused'],
};

export function isTerminal(state: CampaignState): boolean {
  return TERMINAL_CAMPAIGN_STATES.includes(state);
}

/** Whether an action is legal in a state; the API answers 409 when it is not. */
export function canApply(action: CampaignAction, state: CampaignState): boolean {
  return ALLOWED[action].includes(state);
}

/** The reason an action is refused in a state, or undefined when it is allowed. */
export function refusal(action: CampaignAction, state: CampaignState): string | undefined {
  if (canApply(action, state)) return undefined;
  const allowed = ALLOWED[action].join(', ');
  return `cannot ${action === 'adjustBudget' ? 'change the budget of' : action} a campaign that is ${state} (only when ${allowed})`;
}
