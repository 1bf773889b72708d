import { patched, type ApplicationFailure } from '@temporalio/workflow';
import { remainingDailyBudget } from '../../domain/campaignBudget';
import { refusal, sharesProblem } from '../../domain/campaignLifecycle';
import { withPerson } from '../../domain/identity';
import type { ReallocateInput, ReallocateResult } from '../types';
import { refuse } from './budgetChanges';
import { repace } from './delivery';
import { db } from './proxies';
import type { CampaignRun } from './run';

/** Why a reallocation cannot be made now, or undefined: asked by the validator and again inside the lock. */
export function reallocateRefusal(run: CampaignRun, req?: ReallocateInput): ApplicationFailure | undefined {
  const illegal = refusal('reallocate', run.state);
  if (illegal) return refuse('IllegalCampaignState', illegal);
  if (run.platforms.length < 2) return refuse('NothingToReallocate', 'the campaign runs on one platform only');
  const problem = req?.shares
    ? sharesProblem(
        req.shares,
        run.platforms.map((p) => p.name),
      )
    : undefined;
  if (problem) return refuse('InvalidShares', problem);
  return undefined;
}

/**
 * The `reallocate` update, run inside the lock: new shares, the marketer's when they chose them, else the channel-mix
 * optimiser's, paced at once.
 */
export async function reallocate(run: CampaignRun, actor: ReallocateInput): Promise<ReallocateResult> {
  const refused = reallocateRefusal(run, actor);
  if (refused) throw refused;
  const { platforms, campaignId } = run;
  const current = () => Object.fromEntries(platforms.map((p) => [p.name, p.share]));
  const daily = () => Object.fromEntries(platforms.map((p) => [p.name, p.dailyBudget]));
  // A split of the marketer's own (0.8.0) replaces the optimiser's activity. An older worker ignored `shares` and
  // asked the optimiser, so a history it recorded replays down that path: no marker there, no chosen split.
  const chosen = actor.shares && patched('reallocate-chosen-shares') ? actor.shares : undefined;
  const plan = chosen
    ? { shares: chosen, reason: `split chosen by ${actor.by}` }
    : await db.planChannelMix({
        campaignId,
        platforms: platforms.map((p) => p.name),
        dailyBudget: remainingDailyBudget(run.budget, run.spent, run.input.endDate, Date.now()),
      });
  if (!plan.shares) return { applied: false, reason: plan.reason, shares: current(), dailyBudgets: daily() };
  for (const p of platforms) p.share = plan.shares[p.name] ?? 0;
  await repace(run);
  await db.recordCampaignEvent({
    campaignId,
    action: 'campaign.reallocated',
    actor: actor.by,
    ...withPerson(actor.person),
    ...(actor.role ? { role: actor.role } : {}),
    details: { shares: current(), dailyBudgets: daily(), reason: plan.reason },
  });
  return { applied: true, reason: plan.reason, shares: current(), dailyBudgets: daily() };
}
