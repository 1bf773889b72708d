import { upsertSearchAttributes } from '@temporalio/workflow';
import { addDays, dailyBudgets, dayOf } from '../../domain/campaignBudget';
import { isTerminal } from '../../domain/campaignLifecycle';
import { withPerson } from '../../domain/identity';
import { decide, type CampaignEvent, type PauseReason } from '../../domain/campaignMachine';
import { campaignStatusKey } from '../searchAttributes';
import type { CampaignActor, CampaignStateName } from '../types';
import { ads, db } from './proxies';
import { live, snapshotOf, type CampaignRun } from './run';

/**
 * The state an event the run's own flow raises leads to. The flow only raises events its state allows, so a
 * refusal here is a bug: the workflow task fails (and is retried after a fix) rather than record a wrong state.
 */
export function nextState(run: CampaignRun, event: CampaignEvent): CampaignStateName {
  const t = decide(snapshotOf(run), event);
  if (!t.ok) throw new Error(`campaign ${run.campaignId}: ${t.message}`);
  return t.next;
}

/** Moves the run to a state and records it: the row, the audit log and the CampaignStatus search attribute. */
export async function setState(
  run: CampaignRun,
  next: CampaignStateName,
  actor: CampaignActor,
  reason?: string,
  details?: Record<string, unknown>,
): Promise<void> {
  const from = run.state;
  run.state = next;
  run.stateReason = reason;
  upsertSearchAttributes([{ key: campaignStatusKey, value: next }]);
  await db.recordCampaignStatus({
    campaignId: run.campaignId,
    status: next,
    ...(reason ? { reason } : {}),
    actor: actor.by,
    ...withPerson(actor.person),
    ...(actor.role ? { role: actor.role } : {}),
    details: { from, ...details },
  });
  run.recordedState = next;
}

/** Spreads what is left of the budget over the days left, by share, and tells the platforms. */
export async function repace(run: CampaignRun): Promise<void> {
  const { input } = run;
  const today = dayOf(Date.now());
  const from = today < input.startDate ? input.startDate : today;
  if (run.budget - run.spent <= 0) return;
  const amounts = dailyBudgets({
    remaining: run.budget - run.spent,
    today: from,
    endDate: input.endDate,
    shares: Object.fromEntries(run.platforms.map((p) => [p.name, p.share])),
  });
  await Promise.all(
    live(run).map(async (p) => {
      const amount = amounts[p.name] ?? 0;
      if (amount === p.dailyBudget) return;
      await ads.setPlatformBudget({ platform: p.name, externalId: p.externalId, dailyBudget: amount });
      p.dailyBudget = amount;
      p.budgetHistory.push({ from, amount });
    }),
  );
}

/** Pauses delivery everywhere, by a person (`manual`) or by the budget guard; the caller has decided it may. */
export async function pauseDelivery(run: CampaignRun, actor: CampaignActor, why: PauseReason): Promise<void> {
  const next = nextState(run, why === 'manual' ? { type: 'pause' } : { type: 'budgetExhausted' });
  await Promise.all(
    live(run).map((p) => ads.setPlatformDelivery({ platform: p.name, externalId: p.externalId, action: 'pause' })),
  );
  // Today's delivery already happened: the pause counts from tomorrow, so the day is not reported twice differently.
  const from = addDays(dayOf(Date.now()), 1);
  for (const p of live(run)) if (!p.pausedSpans.some((s) => s.to === undefined)) p.pausedSpans.push({ from });
  run.pauseReason = why;
  await setState(run, next, actor, why === 'budget_exhausted' ? 'budget exhausted' : (actor.reason ?? 'paused'));
}

/** Resumes delivery everywhere and closes the paused spans; the caller has decided it may. */
export async function resumeDelivery(run: CampaignRun, actor: CampaignActor, event: CampaignEvent): Promise<void> {
  const next = nextState(run, event);
  await Promise.all(
    live(run).map((p) => ads.setPlatformDelivery({ platform: p.name, externalId: p.externalId, action: 'resume' })),
  );
  const to = addDays(dayOf(Date.now()), -1);
  for (const p of live(run)) {
    const open = p.pausedSpans.find((s) => s.to === undefined);
    if (!open) continue;
    if (to < open.from) p.pausedSpans.splice(p.pausedSpans.indexOf(open), 1);
    else open.to = to;
  }
  run.pauseReason = undefined;
  await setState(run, next, actor, actor.reason ?? 'resumed', { resumed: true });
}

/** Stops delivery everywhere for good (completion, cancellation); pausing is idempotent on the platforms. */
export function stopDelivery(run: CampaignRun): Promise<void[]> {
  return Promise.all(
    live(run).map((p) => ads.setPlatformDelivery({ platform: p.name, externalId: p.externalId, action: 'pause' })),
  );
}

/** Stores a new budget, paces the platforms to it, and lets a campaign the guard paused deliver again. */
export async function applyBudget(
  run: CampaignRun,
  newBudget: number,
  actor: CampaignActor,
  details: Record<string, unknown>,
): Promise<void> {
  const previous = run.budget;
  run.budget = newBudget;
  run.appliedBudgetChanges++;
  await db.applyCampaignBudget({
    campaignId: run.campaignId,
    budget: newBudget,
    previous,
    actor: actor.by,
    ...withPerson(actor.person),
    ...(actor.role ? { role: actor.role } : {}),
    details: { ...(actor.reason ? { reason: actor.reason } : {}), ...details },
  });
  if (run.launched && !isTerminal(run.state)) await repace(run);
  if (decide(snapshotOf(run), { type: 'budgetRaised' }).ok) {
    await resumeDelivery(
      run,
      {
        by: actor.by,
        ...withPerson(actor.person),
        ...(actor.role ? { role: actor.role } : {}),
        reason: 'budget raised',
      },
      { type: 'budgetRaised' },
    );
  }
}
