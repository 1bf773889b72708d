import { ActivityFailure, ApplicationFailure, log, patched } from '@temporalio/workflow';
import { addDays, budgetGuard, dayOf } from '../../domain/campaignBudget';
import { budgetRunsOutBeforeEnd, forecastCampaign, type BudgetRunOut } from '../../domain/campaignForecast';
import { decide } from '../../domain/campaignMachine';
import { pauseDelivery } from './delivery';
import { db, mail, metrics } from './proxies';
import { SYSTEM, iso, live, snapshotOf, type CampaignRun } from './run';

/** Days a regular sync fetches again: platforms restate recent days as late conversions come in. */
const LOOKBACK_DAYS = 3;

/**
 * Emails the budget_alert template to everyone the policy alerts (the chairman), once per kind, budget change and
 * address: the campaign's spend against its budget, with what `extra` adds.
 */
function notifyAlertees(run: CampaignRun, kind: string, subject: string, extra: Record<string, unknown>) {
  const { input, workflowId, campaignId } = run;
  return Promise.all(
    input.policy.alertTo.map((to) =>
      mail.sendNotification({
        idempotencyKey: `${workflowId}/${kind}/${run.appliedBudgetChanges}/${to}`,
        to,
        template: 'budget_alert',
        subject,
        vars: {
          ...(input.ventureName ? { venture_name: input.ventureName } : {}),
          budget: {
            name: input.name,
            spent: run.spent.toFixed(2),
            limit: run.budget.toFixed(2),
            currency: input.currency,
            ...extra,
          },
        },
        ctaPath: `/v1/campaigns/${campaignId}`,
        workflowId,
      }),
    ),
  );
}

/** Tells the chairman the campaign reached the alert percentage, or used its budget up, and audits it. */
async function alert(run: CampaignRun, paused: boolean, percent: number): Promise<void> {
  await notifyAlertees(
    run,
    paused ? 'budget-exhausted' : 'budget-alert',
    paused
      ? 'Paused: {{budget.name}} has used its budget'
      : '{{budget.name}} has spent {{budget.percent}}% of its budget',
    { percent, paused },
  );
  run.alertedForBudget = run.budget;
  await db.recordCampaignEvent({
    campaignId: run.campaignId,
    action: paused ? 'campaign.budget_exhausted' : 'campaign.budget_alert',
    actor: 'system',
    details: { spent: run.spent, budget: run.budget, percent, to: run.input.policy.alertTo },
  });
}

/** Tells the chairman the budget runs out before the end date at the recent pace, once per budget, and audits it. */
async function paceAlert(run: CampaignRun, runsOut: BudgetRunOut): Promise<void> {
  await notifyAlertees(
    run,
    'budget-pace',
    'At this pace {{budget.name}} runs out of budget on {{budget.runs_out_on}}',
    {
      percent: run.budget > 0 ? Math.round((run.spent / run.budget) * 1000) / 10 : 0,
      paused: false,
      runs_out_on: runsOut.date,
      days_before_end: runsOut.daysBeforeEnd,
    },
  );
  run.pacedForBudget = run.budget;
  await db.recordCampaignEvent({
    campaignId: run.campaignId,
    action: 'campaign.budget_pace_alert',
    actor: 'system',
    details: { spent: run.spent, budget: run.budget, runsOutOn: runsOut.date, daysBeforeEnd: runsOut.daysBeforeEnd },
  });
}

/**
 * When the budget runs out before the end date at the last week's pace (domain/campaignForecast), once per budget.
 * Only a sync that hands back its recent days can tell (0.9.0 on); the marker keeps older histories replaying.
 */
async function guardPace(run: CampaignRun, recentDays: SyncOutcome['recentDays']): Promise<void> {
  if (!recentDays || run.pacedForBudget === run.budget || !patched('budget-pace-alert')) return;
  const forecast = forecastCampaign({
    budget: run.budget,
    spent: run.spent,
    startDate: run.input.startDate,
    endDate: run.input.endDate,
    dailyBudget: live(run).reduce((sum, p) => sum + p.dailyBudget, 0),
    history: recentDays,
    now: Date.now(),
    options: { draws: 0 },
  });
  const runsOut = budgetRunsOutBeforeEnd(forecast);
  if (runsOut) await paceAlert(run, runsOut);
}

/**
 * Keeps the last sync failure on the campaign for its status. A refused credential is audited once per message (it
 * names the setting to renew); runs before 0.13.0 only logged, and the marker keeps their histories replaying.
 */
async function recordSyncError(run: CampaignRun, type: string | undefined, message: string): Promise<void> {
  const credential = type === 'AdCredentialInvalid';
  const repeated = run.syncError?.message === message;
  run.syncError = { at: iso(Date.now()), message, ...(credential ? { credential: true } : {}) };
  if (!credential || repeated || !patched('sync-credential-audit')) return;
  await db.recordCampaignEvent({
    campaignId: run.campaignId,
    action: 'campaign.sync_failed',
    actor: 'system',
    details: { reason: 'credential_refused', message },
  });
}

type SyncOutcome = Awaited<ReturnType<typeof metrics.syncCampaignMetrics>>;

/** The days a sync reads: the last few again, and every day since the last sync if that was longer ago. */
function syncRange(run: CampaignRun, final: boolean): { from: string; to: string } | undefined {
  const { input, lastSync } = run;
  const today = dayOf(Date.now());
  const to = final || today > input.endDate ? input.endDate : today;
  if (to < input.startDate) return undefined;
  const lastDay = lastSync ? dayOf(Date.parse(lastSync.at)) : input.startDate;
  const back = addDays(lastDay < to ? lastDay : to, -(LOOKBACK_DAYS - 1));
  const from = final || back < input.startDate ? input.startDate : back;
  return { from, to };
}

/** Fetches metrics and stores them; unless it is the final sync, applies the budget guard. */
export async function sync(run: CampaignRun, final: boolean): Promise<void> {
  const { input, campaignId } = run;
  if (!run.launched || live(run).length === 0) return;
  const range = syncRange(run, final);
  if (!range) return;
  let result: SyncOutcome;
  try {
    result = await metrics.syncCampaignMetrics({
      campaignId,
      ventureId: input.ventureId,
      channel: input.channel,
      from: range.from,
      to: range.to,
      platforms: live(run).map((p) => ({
        name: p.name,
        externalId: p.externalId,
        budgetHistory: p.budgetHistory,
        pausedSpans: p.pausedSpans,
      })),
    });
  } catch (err) {
    // A sync that could not finish within its hour is skipped; the next one reads the same days again. The campaign
    // shows why until a sync succeeds, and a refused credential (which names the setting to renew) is audited.
    if (!(err instanceof ActivityFailure)) throw err;
    const message = err.cause?.message ?? err.message;
    log.warn('metrics sync skipped', { campaignId, error: message });
    await recordSyncError(
      run,
      err.cause instanceof ApplicationFailure ? (err.cause.type ?? undefined) : undefined,
      message,
    );
    return;
  }
  run.syncError = undefined;
  run.spent = result.spent;
  for (const p of run.platforms) {
    const m = result.byPlatform[p.name];
    if (!m) continue;
    p.spend = m.spend;
    p.conversions = m.conversions;
    p.revenue = m.revenue;
  }
  run.lastSync = { at: iso(Date.now()), spent: run.spent };
  if (final) return;

  const guard = budgetGuard({
    budget: run.budget,
    spent: run.spent,
    alertPct: input.policy.alertPct,
    alertedForBudget: run.alertedForBudget,
  });
  if (guard.exhausted) {
    // A campaign already paused by a person stays paused; the machine says so.
    if (decide(snapshotOf(run), { type: 'budgetExhausted' }).ok) {
      await pauseDelivery(run, SYSTEM, 'budget_exhausted');
      await alert(run, true, guard.percent);
    }
  } else if (guard.alert) {
    await alert(run, false, guard.percent);
  } else {
    await guardPace(run, result.recentDays);
  }
}
