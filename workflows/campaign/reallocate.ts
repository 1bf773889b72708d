import type { ApplicationFailure } from '@temporalio/workflow';
import { dayOf, dayStartMs } from '../../domain/campaignBudget';
import { refusal, sharesProblem } from '../../domain/campaignLifecycle';
import { withPerson } from '../../domain/identity';
import type { ReallocateInput, ReallocateResult } from '../types';
import { refuse } from './budgetChanges';
import { repace } from './delivery';
import { db } from './proxies';
import { DAY_MS, type CampaignRun } from './run';

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
  const today = dayOf(Date.now());
  const daysLeft = Math.max(1, Math.round((run.endMs - dayStartMs(today)) / DAY_MS));
  const plan = actor.shares
    ? { shares: actor.shares, reason: `split chosen by ${actor.by}` }
    : await db.planChannelMix({
        campaignId,
        platforms: platforms.map((p) => p.name),
        dailyBudget: Math.max(0, run.budget - run.spent) / daysLeft,
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
