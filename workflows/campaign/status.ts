import type { CampaignStatusView } from '../types';
import type { CampaignRun } from './run';

/** The campaign as the `status` query shows it. */
export function statusView(run: CampaignRun): CampaignStatusView {
  const { input, state, stateReason, pauseReason, budget, spent, platforms, launched } = run;
  const pending = run.pendingBudget;
  return {
    campaignId: run.campaignId,
    state,
    ...(stateReason ? { stateReason } : {}),
    ...(pauseReason && state === 'paused' ? { pauseReason } : {}),
    budget,
    spent,
    percentSpent: budget > 0 ? Math.round((spent / budget) * 1000) / 10 : 0,
    currency: input.currency,
    startDate: input.startDate,
    endDate: input.endDate,
    sandbox: platforms.some((p) => p.sandbox),
    platforms: platforms.map((p) => ({
      ...p,
      paused: launched && (state !== 'active' || p.pausedSpans.some((s) => s.to === undefined)),
    })),
    ...(run.campaignApproval
      ? { pendingApproval: { kind: 'campaign' as const, amount: budget, ...run.campaignApproval } }
      : pending && !pending.settled.result
        ? {
            pendingApproval: {
              kind: 'budget_change' as const,
              workflowId: pending.record.approvalWorkflowId!,
              amount: pending.record.to,
              requestedAt: pending.record.requestedAt,
            },
          }
        : {}),
    ...(run.lastSync ? { lastSync: run.lastSync } : {}),
    ...(run.syncError ? { syncError: run.syncError } : {}),
    budgetChanges: run.budgetChanges,
  };
}
