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

/**
 * Why a chosen split of a campaign's daily budget will not do, or undefined: one share per platform of the
 * campaign, none other, each between 0 and 1, summing to 1.
 */
export function sharesProblem(shares: Record<string, number>, platforms: readonly string[]): string | undefined {
  const given = Object.keys(shares);
  const missing = platforms.filter((p) => !given.includes(p));
  const unknown = given.filter((p) => !platforms.includes(p));
  if (missing.length || unknown.length) {
    return `give one share for each of the campaign's platforms (${platforms.join(', ')})${
      unknown.length ? `, not ${unknown.join(', ')}` : ''
    }`;
  }
  if (given.some((p) => !Number.isFinite(shares[p]) || shares[p]! < 0 || shares[p]! > 1)) {
    return 'each share must be between 0 and 1';
  }
  const sum = given.reduce((a, p) => a + shares[p]!, 0);
  if (Math.abs(sum - 1) > 0.001) return `the shares must add up to 1 (100%), not ${Math.round(sum * 1000) / 1000}`;
  return undefined;
}
