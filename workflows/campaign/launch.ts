import { dailyBudgets, dayOf } from '../../domain/campaignBudget';
import { ads } from './proxies';
import type { CampaignRun } from './run';

/** Creates the campaign on every platform (paused until its start); the error message of the first refusal, if any. */
export async function launch(run: CampaignRun): Promise<string | undefined> {
  const { input, campaignId } = run;
  const today = dayOf(Date.now());
  const from = today < input.startDate ? input.startDate : today;
  const amounts = dailyBudgets({
    remaining: run.budget,
    today: from,
    endDate: input.endDate,
    shares: Object.fromEntries(run.platforms.map((p) => [p.name, p.share])),
  });
  const results = await Promise.allSettled(
    run.platforms.map(async (p) => {
      const dailyBudget = amounts[p.name] ?? 0;
      const r = await ads.launchOnPlatform({
        campaignId,
        platform: p.name,
        name: input.name,
        dailyBudget,
        currency: input.currency,
        startDate: input.startDate,
        endDate: input.endDate,
        ...(input.objective ? { objective: input.objective } : {}),
      });
      p.externalId = r.externalId;
      p.sandbox = r.sandbox;
      p.dailyBudget = dailyBudget;
      p.budgetHistory = [{ from: input.startDate, amount: dailyBudget }];
    }),
  );
  run.launched = true;
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return undefined;
  const err = failed.reason as { cause?: { message?: string }; message?: string };
  return err.cause?.message ?? err.message ?? String(failed.reason);
}
