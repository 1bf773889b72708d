import { auditPerson, type Person } from '../domain/identity';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../db/knex';
import { AuditLog } from '../db/stores/audit';
import { CampaignPerformanceStore } from '../db/stores/campaignPerformance';
import { CampaignStore } from '../db/stores/campaigns';
import type { CampaignState } from '../domain/campaignLifecycle';
import type { MetricsWithRates } from '../domain/campaignMetrics';
import { suggestShares } from '../services/campaignMix';
import { daysOf } from '../services/campaignForecast';
import type { CampaignDay } from '../domain/campaignForecast';
import { AdCredentialError, AdPlatformError, type AdPlatform, type DailyMetrics } from '../providers/ads/types';

/** The failure type of an activity stopped by a credential the platform refused; the message names the setting. */
export const AD_CREDENTIAL_INVALID = 'AdCredentialInvalid';

export interface CampaignActivityDeps {
  db: Db;
  /** Adapters by the platform names campaigns use (google, meta, linkedin, sandbox); none, no campaigns. */
  ads?: Partial<Record<string, AdPlatform>>;
}

/** A platform of a campaign as the metrics sync needs it. */
export interface SyncPlatform {
  name: string;
  externalId: string;
  /** Daily budgets in force from each day on, oldest first (the sandbox simulates each day at its budget). */
  budgetHistory: Array<{ from: string; amount: number }>;
  pausedSpans: Array<{ from: string; to?: string }>;
}

export interface SyncResult {
  spent: number;
  total: MetricsWithRates;
  byPlatform: Record<string, MetricsWithRates>;
  /** The last RECENT_DAYS days with results, summed over the platforms: the budget guard's pace. */
  recentDays?: CampaignDay[];
}

/** Days of results a sync hands back for the pace: two weeks covers the forecast's seven-day pace. */
const RECENT_DAYS = 14;

/** The idempotency key of a campaign on a platform: a retried create finds the campaign the first attempt made. */
export function platformIdempotencyKey(campaignId: string, platform: string): string {
  return `${campaignId}:${platform}`;
}

/**
 * A platform error as Temporal should see it: a refused credential is non-retryable (type AdCredentialInvalid, its
 * setting in the details), so is any other refusal (AdPlatformRejected); throttling and outages stay retryable,
 * the next attempt after the wait the platform asked for (Retry-After, a quota's retry delay) when it gave one.
 */
export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof AdPlatformError)) return err;
  if (err instanceof AdCredentialError) {
    return ApplicationFailure.create({
      message: err.message,
      type: AD_CREDENTIAL_INVALID,
      nonRetryable: true,
      details: [{ platform: err.platform, setting: err.setting }],
    });
  }
  if (!err.retryable) return ApplicationFailure.nonRetryable(err.message, 'AdPlatformRejected');
  return ApplicationFailure.create({
    message: err.message,
    type: 'AdPlatformUnavailable',
    ...(err.retryAfterMs ? { nextRetryDelay: err.retryAfterMs } : {}),
  });
}

/**
 * The identity every attempt of the running activity shares (workflow, run, activity id), so an attempt retried
 * after its transaction committed finds its own audit entry instead of adding a second one. Undefined when called
 * outside an activity (a script, a unit test of the function itself): then each call audits.
 */
export function activityWriteKey(): string | undefined {
  let info: ReturnType<typeof Context.current>['info'];
  try {
    info = Context.current().info;
  } catch {
    return undefined;
  }
  const run = info.workflowExecution;
  return run ? `activity:${run.workflowId}/${run.runId}/${info.activityId}` : undefined;
}

/** Activities of the campaign workflow: the campaign's rows, its audit trail and the ad platforms. */
export function createCampaignActivities({ db, ads }: CampaignActivityDeps) {
  const campaigns = new CampaignStore(db);
  const performance = new CampaignPerformanceStore(db);

  const platform = (name: string): AdPlatform => {
    const p = ads?.[name];
    if (!p) throw ApplicationFailure.nonRetryable(`ad platform '${name}' is not configured`, 'UnknownAdPlatform');
    return p;
  };

  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toActivityFailure(err);
    }
  };

  return {
    /**
     * Sets the campaign's status (and why) and audits who changed it, in one transaction.
     * @remarks Quick database write, retried until the database answers; a retry audits nothing more.
     */
    async recordCampaignStatus(input: {
      campaignId: string;
      status: CampaignState;
      reason?: string;
      actor: string;
      person?: Person;
      role?: string;
      details?: Record<string, unknown>;
    }): Promise<void> {
      await db.transaction(async (trx) => {
        await new CampaignStore(trx).setStatus(input.campaignId, input.status, input.reason ?? null, trx);
        await new AuditLog(trx).record({
          actor: input.actor,
          ...auditPerson(input.person),
          ...(input.role ? { actorRole: input.role } : {}),
          action: `campaign.${input.status}`,
          subjectType: 'campaign',
          subjectId: input.campaignId,
          details: { ...(input.reason ? { reason: input.reason } : {}), ...input.details },
          ...keyed(),
        });
      });
    },

    /**
     * Audits a campaign event that is not a status change (an alert, a budget request).
     * @remarks Retried; a retry after the entry was written adds nothing.
     */
    async recordCampaignEvent(input: {
      campaignId: string;
      action: string;
      actor: string;
      person?: Person;
      role?: string;
      details?: Record<string, unknown>;
    }): Promise<void> {
      await new AuditLog(db).record({
        actor: input.actor,
        ...auditPerson(input.person),
        ...(input.role ? { actorRole: input.role } : {}),
        action: input.action,
        subjectType: 'campaign',
        subjectId: input.campaignId,
        details: input.details ?? {},
        ...keyed(),
      });
    },

    /** Stores a new budget and audits who set it. @remarks Quick database write, retried; audited once. */
    async applyCampaignBudget(input: {
      campaignId: string;
      budget: number;
      previous: number;
      actor: string;
      person?: Person;
      role?: string;
      details?: Record<string, unknown>;
    }): Promise<void> {
      await db.transaction(async (trx) => {
        await new CampaignStore(trx).setBudget(input.campaignId, input.budget, trx);
        await new AuditLog(trx).record({
          actor: input.actor,
          ...auditPerson(input.person),
          ...(input.role ? { actorRole: input.role } : {}),
          action: 'campaign.budget_changed',
          subjectType: 'campaign',
          subjectId: input.campaignId,
          details: { from: input.previous, to: input.budget, ...input.details },
          ...keyed(),
        });
      });
    },

    /**
     * Creates the campaign on one platform (paused until resumed) and stores its id there.
     * @remarks Idempotent by a key of the campaign and the platform, so a retry after a timeout never makes a
     * second campaign. Throttling and 5xx are retried with backoff; a refusal is non-retryable (AdPlatformRejected).
     */
    async launchOnPlatform(input: {
      campaignId: string;
      platform: string;
      name: string;
      dailyBudget: number;
      currency: string;
      startDate: string;
      endDate: string;
      objective?: string;
    }): Promise<{ externalId: string; created: boolean; sandbox: boolean }> {
      const p = platform(input.platform);
      const result = await call(() =>
        p.createCampaign({
          idempotencyKey: platformIdempotencyKey(input.campaignId, input.platform),
          name: input.name,
          dailyBudget: input.dailyBudget,
          currency: input.currency,
          startDate: input.startDate,
          endDate: input.endDate,
          ...(input.objective ? { objective: input.objective } : {}),
        }),
      );
      await campaigns.setPlatformCampaignId(input.campaignId, input.platform, result.externalId, p.sandbox);
      // A retry finds the campaign the first attempt created (created: false); keyed, it still audits the launch
      // when that attempt failed before writing its entry, and adds nothing when it did not.
      const key = keyed();
      if (result.created || key.idempotencyKey) {
        await new AuditLog(db).record({
          actor: 'system',
          action: 'campaign.launched_on_platform',
          subjectType: 'campaign',
          subjectId: input.campaignId,
          details: { platform: input.platform, externalId: result.externalId, sandbox: p.sandbox },
          ...key,
        });
      }
      return { ...result, sandbox: p.sandbox };
    },

    /** Pauses or resumes delivery on one platform. @remarks Idempotent on the platforms; retried like launches. */
    async setPlatformDelivery(input: {
      platform: string;
      externalId: string;
      action: 'pause' | 'resume';
    }): Promise<void> {
      const p = platform(input.platform);
      await call(() => (input.action === 'pause' ? p.pause(input.externalId) : p.resume(input.externalId)));
    },

    /** Sets one platform's daily budget. @remarks Idempotent; retried like launches. */
    async setPlatformBudget(input: { platform: string; externalId: string; dailyBudget: number }): Promise<void> {
      const p = platform(input.platform);
      await call(() => p.setBudget(input.externalId, input.dailyBudget));
    },

    /**
     * Fetches the days in [from, to] from every platform, upserts one campaign_performance row per platform and
     * day (CTR, CVR, ROAS, CAC computed), and stores the campaign's total spend.
     * @remarks Rows are upserted on (campaign, platform, day), so a retried or repeated sync never duplicates a day.
     * Heartbeats per platform; throttling and outages are retried.
     */
    async syncCampaignMetrics(input: {
      campaignId: string;
      ventureId: string | null;
      channel: string;
      from: string;
      to: string;
      platforms: SyncPlatform[];
    }): Promise<SyncResult> {
      for (const pl of input.platforms) {
        const p = platform(pl.name);
        const days: DailyMetrics[] = [];
        // The sandbox simulates a day at the budget it is told; a real platform reports what happened.
        const segments = p.sandbox ? budgetSegments(input.from, input.to, pl.budgetHistory) : [{ ...input }];
        for (const s of segments) {
          const hints = {
            paused: pl.pausedSpans,
            ...('amount' in s && s.amount !== undefined ? { dailyBudget: s.amount } : {}),
          };
          days.push(...(await call(() => p.fetchMetrics(pl.externalId, { from: s.from, to: s.to }, hints))));
        }
        await performance.upsertDays(
          { campaignId: input.campaignId, ventureId: input.ventureId, channel: input.channel, platform: pl.name },
          days,
        );
        Context.current().heartbeat({ platform: pl.name });
      }
      const totals = await performance.totals(input.campaignId);
      await campaigns.setSpent(input.campaignId, totals.total.spend, totals);
      const recentDays = daysOf(await performance.daily(input.campaignId)).slice(-RECENT_DAYS);
      return { spent: totals.total.spend, total: totals.total, byPlatform: totals.byPlatform, recentDays };
    },

    /** Writes the final report row of a completed campaign. @remarks Upserted, so a retry rewrites the same row. */
    async writeFinalReport(input: {
      campaignId: string;
      ventureId: string | null;
      channel: string;
      endDate: string;
    }): Promise<MetricsWithRates> {
      return performance.writeFinalReport(input);
    },

    /**
     * Splits a daily budget between a campaign's platforms with the channel-mix optimiser, fitted on each
     * platform's daily spend and conversions so far.
     * @remarks Pure computation over the campaign's rows; an infeasible or data-less case is answered, not thrown.
     */
    async planChannelMix(input: {
      campaignId: string;
      platforms: string[];
      dailyBudget: number;
    }): Promise<{ shares?: Record<string, number>; reason: string }> {
      const plan = await suggestShares(db, input);
      if (plan.shares) {
        await campaigns.appendOptimizationLog(input.campaignId, {
          at: new Date().toISOString(),
          kind: 'reallocation',
          dailyBudget: input.dailyBudget,
          limits: plan.limits,
          shares: plan.shares,
          expectedConversions: plan.expectedConversions,
        });
      }
      return { ...(plan.shares ? { shares: plan.shares } : {}), reason: plan.reason };
    },
  };
}

/** [from, to] cut where the daily budget changes, each piece with the budget in force on it. */
export function budgetSegments(
  from: string,
  to: string,
  history: ReadonlyArray<{ from: string; amount: number }>,
): Array<{ from: string; to: string; amount?: number }> {
  const changes = [...history].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const at = (day: string) => {
    let amount: number | undefined;
    for (const c of changes) if (c.from <= day) amount = c.amount;
    return amount;
  };
  const out: Array<{ from: string; to: string; amount?: number }> = [];
  let start = from;
  for (const c of changes) {
    if (c.from <= start || c.from > to) continue;
    out.push({ from: start, to: dayBefore(c.from), ...amountOf(at(start)) });
    start = c.from;
  }
  out.push({ from: start, to, ...amountOf(at(start)) });
  return out;
}

/** The audit entry's idempotency key for the running activity, as a spreadable field. */
function keyed(): { idempotencyKey?: string } {
  const key = activityWriteKey();
  return key ? { idempotencyKey: key } : {};
}

const amountOf = (amount: number | undefined) => (amount === undefined ? {} : { amount });

function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}
