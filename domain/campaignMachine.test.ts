import { CAMPAIGN_STATES, type CampaignState } from './campaignLifecycle';
import { controlActionProblem, decide, type CampaignEvent, type CampaignSnapshot } from './campaignMachine';

const at = (state: CampaignState, more: Partial<CampaignSnapshot> = {}): CampaignSnapshot => ({
  state,
  budget: 1000,
  spent: 200,
  ...more,
});

/** Every state, and what each event does there: the next state, or the refusal's words. */
const TABLE: Record<CampaignEvent['type'], Record<CampaignState, string>> = {
  pause: {
    planned: '✗ cannot pause a campaign that is planned (only when active)',
    awaiting_approval: '✗ cannot pause a campaign that is awaiting_approval (only when active)',
    scheduled: '✗ cannot pause a campaign that is scheduled (only when active)',
    active: 'paused',
    paused: '✗ cannot pause a campaign that is paused (only when active)',
    completed: '✗ cannot pause a campaign that is completed (only when active)',
    cancelled: '✗ cannot pause a campaign that is cancelled (only when active)',
    rejected: '✗ cannot pause a campaign that is rejected (only when active)',
  },
  resume: {
    planned: '✗ cannot resume a campaign that is planned (only when paused)',
    awaiting_approval: '✗ cannot resume a campaign that is awaiting_approval (only when paused)',
    scheduled: '✗ cannot resume a campaign that is scheduled (only when paused)',
    active: '✗ cannot resume a campaign that is active (only when paused)',
    paused: 'active',
    completed: '✗ cannot resume a campaign that is completed (only when paused)',
    cancelled: '✗ cannot resume a campaign that is cancelled (only when paused)',
    rejected: '✗ cannot resume a campaign that is rejected (only when paused)',
  },
  cancel: {
    planned: 'cancelled',
    awaiting_approval: 'cancelled',
    scheduled: 'cancelled',
    active: 'cancelled',
    paused: 'cancelled',
    completed:
      '✗ cannot cancel a campaign that is completed (only when planned, awaiting_approval, scheduled, active, paused)',
    cancelled:
      '✗ cannot cancel a campaign that is cancelled (only when planned, awaiting_approval, scheduled, active, paused)',
    rejected:
      '✗ cannot cancel a campaign that is rejected (only when planned, awaiting_approval, scheduled, active, paused)',
  },
  requestApproval: {
    planned: 'awaiting_approval',
    awaiting_approval: '✗ cannot handle requestApproval for a campaign that is awaiting_approval (only when planned)',
    scheduled: '✗ cannot handle requestApproval for a campaign that is scheduled (only when planned)',
    active: '✗ cannot handle requestApproval for a campaign that is active (only when planned)',
    paused: '✗ cannot handle requestApproval for a campaign that is paused (only when planned)',
    completed: '✗ cannot handle requestApproval for a campaign that is completed (only when planned)',
    cancelled: '✗ cannot handle requestApproval for a campaign that is cancelled (only when planned)',
    rejected: '✗ cannot handle requestApproval for a campaign that is rejected (only when planned)',
  },
  approve: {
    planned: 'scheduled',
    awaiting_approval: 'scheduled',
    scheduled: '✗ cannot handle approve for a campaign that is scheduled (only when planned, awaiting_approval)',
    active: '✗ cannot handle approve for a campaign that is active (only when planned, awaiting_approval)',
    paused: '✗ cannot handle approve for a campaign that is paused (only when planned, awaiting_approval)',
    completed: '✗ cannot handle approve for a campaign that is completed (only when planned, awaiting_approval)',
    cancelled: '✗ cannot handle approve for a campaign that is cancelled (only when planned, awaiting_approval)',
    rejected: '✗ cannot handle approve for a campaign that is rejected (only when planned, awaiting_approval)',
  },
  reject: {
    planned: '✗ cannot handle reject for a campaign that is planned (only when awaiting_approval)',
    awaiting_approval: 'rejected',
    scheduled: '✗ cannot handle reject for a campaign that is scheduled (only when awaiting_approval)',
    active: '✗ cannot handle reject for a campaign that is active (only when awaiting_approval)',
    paused: '✗ cannot handle reject for a campaign that is paused (only when awaiting_approval)',
    completed: '✗ cannot handle reject for a campaign that is completed (only when awaiting_approval)',
    cancelled: '✗ cannot handle reject for a campaign that is cancelled (only when awaiting_approval)',
    rejected: '✗ cannot handle reject for a campaign that is rejected (only when awaiting_approval)',
  },
  launchFailed: {
    planned: '✗ cannot handle launchFailed for a campaign that is planned (only when scheduled)',
    awaiting_approval: '✗ cannot handle launchFailed for a campaign that is awaiting_approval (only when scheduled)',
    scheduled: 'cancelled',
    active: '✗ cannot handle launchFailed for a campaign that is active (only when scheduled)',
    paused: '✗ cannot handle launchFailed for a campaign that is paused (only when scheduled)',
    completed: '✗ cannot handle launchFailed for a campaign that is completed (only when scheduled)',
    cancelled: '✗ cannot handle launchFailed for a campaign that is cancelled (only when scheduled)',
    rejected: '✗ cannot handle launchFailed for a campaign that is rejected (only when scheduled)',
  },
  startDateReached: {
    planned: '✗ cannot handle startDateReached for a campaign that is planned (only when scheduled)',
    awaiting_approval:
      '✗ cannot handle startDateReached for a campaign that is awaiting_approval (only when scheduled)',
    scheduled: 'active',
    active: '✗ cannot handle startDateReached for a campaign that is active (only when scheduled)',
    paused: '✗ cannot handle startDateReached for a campaign that is paused (only when scheduled)',
    completed: '✗ cannot handle startDateReached for a campaign that is completed (only when scheduled)',
    cancelled: '✗ cannot handle startDateReached for a campaign that is cancelled (only when scheduled)',
    rejected: '✗ cannot handle startDateReached for a campaign that is rejected (only when scheduled)',
  },
  budgetExhausted: {
    planned: '✗ cannot handle budgetExhausted for a campaign that is planned (only when active)',
    awaiting_approval: '✗ cannot handle budgetExhausted for a campaign that is awaiting_approval (only when active)',
    scheduled: '✗ cannot handle budgetExhausted for a campaign that is scheduled (only when active)',
    active: 'paused',
    paused: '✗ cannot handle budgetExhausted for a campaign that is paused (only when active)',
    completed: '✗ cannot handle budgetExhausted for a campaign that is completed (only when active)',
    cancelled: '✗ cannot handle budgetExhausted for a campaign that is cancelled (only when active)',
    rejected: '✗ cannot handle budgetExhausted for a campaign that is rejected (only when active)',
  },
  budgetRaised: Object.fromEntries(
    CAMPAIGN_STATES.map((s) => [
      s,
      '✗ only a campaign paused because its budget was used up resumes when the budget is raised',
    ]),
  ) as Record<CampaignState, string>,
  cancelledInTemporal: Object.fromEntries(CAMPAIGN_STATES.map((s) => [s, 'cancelled'])) as Record<
    CampaignState,
    string
  >,
  endDateReached: {
    planned: 'cancelled',
    awaiting_approval: 'cancelled',
    scheduled: 'completed',
    active: 'completed',
    paused: 'completed',
    completed: '✗ the campaign already ended completed',
    cancelled: '✗ the campaign already ended cancelled',
    rejected: '✗ the campaign already ended rejected',
  },
};

const outcome = (s: CampaignSnapshot, e: CampaignEvent): string => {
  const t = decide(s, e);
  return t.ok ? t.next : `✗ ${t.message}`;
};

describe.each(Object.keys(TABLE) as Array<CampaignEvent['type']>)('%s', (type) => {
  test.each([...CAMPAIGN_STATES])('in %s', (state) => {
    expect(outcome(at(state), { type } as CampaignEvent)).toBe(TABLE[type][state]);
  });
});

test('a manual pause and the guard pause are told apart, so only the guard pause lifts when the budget is raised', () => {
  expect(decide(at('active'), { type: 'pause' })).toEqual({ ok: true, next: 'paused', pauseReason: 'manual' });
  expect(decide(at('active'), { type: 'budgetExhausted' })).toEqual({
    ok: true,
    next: 'paused',
    pauseReason: 'budget_exhausted',
  });
  // 1,500 budget, 1,000 spent: money is left again after the raise.
  expect(
    decide(at('paused', { pauseReason: 'budget_exhausted', budget: 1500, spent: 1000 }), { type: 'budgetRaised' }),
  ).toEqual({ ok: true, next: 'active' });
  expect(outcome(at('paused', { pauseReason: 'manual', budget: 1500, spent: 1000 }), { type: 'budgetRaised' })).toBe(
    '✗ only a campaign paused because its budget was used up resumes when the budget is raised',
  );
  // Raised to 1,000 with 1,000 spent: still nothing to spend.
  expect(
    decide(at('paused', { pauseReason: 'budget_exhausted', budget: 1000, spent: 1000 }), { type: 'budgetRaised' }),
  ).toEqual({ ok: false, type: 'BudgetExhausted', message: 'the budget is used up (1000 of 1000): raise it first' });
});

test('a resume is refused while the budget is used up, with its own refusal type', () => {
  expect(decide(at('paused', { budget: 500, spent: 500 }), { type: 'resume' })).toEqual({
    ok: false,
    type: 'BudgetExhausted',
    message: 'the budget is used up (500 of 500): raise it first',
  });
  expect(decide(at('paused', { budget: 500, spent: 499.99 }), { type: 'resume' })).toEqual({
    ok: true,
    next: 'active',
  });
});

test('while a cancellation is under way a pause or resume is refused, a second cancel is not', () => {
  expect(outcome(at('active', { cancelling: true }), { type: 'pause' })).toBe(
    '✗ cannot pause a campaign that is being cancelled',
  );
  expect(outcome(at('paused', { cancelling: true }), { type: 'resume' })).toBe(
    '✗ cannot resume a campaign that is being cancelled',
  );
  expect(outcome(at('active', { cancelling: true }), { type: 'cancel' })).toBe('cancelled');
});

test('an unknown control action names the valid choices', () => {
  expect(controlActionProblem('stop')).toBe('action must be one of pause, resume, cancel (got "stop")');
  expect(controlActionProblem('pause')).toBeUndefined();
});
