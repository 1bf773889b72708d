import { auditPerson, type Person } from '../domain/identity';
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/knex';
import { AuditLog } from '../db/stores/audit';
import { InfluencerStore } from '../db/stores/influencers';
import { StrategyStore, type StrategyStatus } from '../db/stores/strategies';
import { ChannelMixInfeasibleError } from '../domain/channelMix';
import { calculateMarketReadiness, suggestLaunchWindow } from '../domain/marketReadiness';
import { FLAT_SEASONALITY, readinessInputFromProfile, seasonalityFromProfile } from '../domain/readinessInput';
import { draftStrategy, type StrategyRequest } from '../domain/strategyDraft';
import { ventureChannelMix } from '../services/ventureChannelMix';
import { loadVenture } from '../services/ventureContext';

export interface StrategyActivityDeps {
  db: Db;
}

/** Failure types of the strategy activities that no retry can fix. */
export const STRATEGY_FAILURES = {
  ventureNotFound: 'VentureNotFound',
  illegalTransition: 'IllegalStrategyTransition',
  infeasibleMix: 'ChannelMixInfeasible',
} as const;

/** Activities of the strategy workflow. */
export function createStrategyActivities({ db }: StrategyActivityDeps) {
  return {
    /**
     * Drafts every column of a strategy from the venture: readiness (from the profile's inputs), the launch window
     * (seasonality from the request, else the profile, else flat), the channel mix optimised over the venture's
     * history and priors, and the shortlist of its best-scored influencers; stores it as a draft and audits it.
     * @remarks Idempotent by strategy id: a retry after the insert changes nothing and audits nothing more.
     * A missing venture or limits no channel set can meet fail at once (not retried).
     */
    async draftGtmStrategy(input: {
      strategyId: string;
      ventureId: string;
      request: StrategyRequest;
      requestedBy: { actor: string; actorRole: string };
      /** Today in the workflow's clock, YYYY-MM-DD, when the request names no start date. */
      today: string;
    }): Promise<{ strategyId: string; created: boolean }> {
      const venture = await loadVenture(db, input.ventureId);
      if (!venture) {
        throw ApplicationFailure.nonRetryable(
          `venture ${input.ventureId} does not exist`,
          STRATEGY_FAILURES.ventureNotFound,
        );
      }
      const { request } = input;
      const startDate = request.startDate ?? input.today;
      const readinessInput = readinessInputFromProfile(venture.profile);
      const readiness = readinessInput.ok ? calculateMarketReadiness(readinessInput.input) : null;
      const profileSeasonality = seasonalityFromProfile(venture.profile);
      const seasonality = request.seasonality ?? profileSeasonality ?? [...FLAT_SEASONALITY];
      const launchWindow = suggestLaunchWindow({
        // Unknown readiness is taken as the neutral 50: it delays nothing, and the risk assessment says why.
        readiness: readiness?.overall ?? 50,
        seasonality,
        from: startDate,
        ...(request.leadTimeWeeks !== undefined ? { leadTimeWeeks: request.leadTimeWeeks } : {}),
        ...(request.horizonMonths !== undefined ? { horizonMonths: request.horizonMonths } : {}),
      });
      let mix;
      try {
        mix = await ventureChannelMix(db, venture.id, request.budget, {
          ...(request.maxShare !== undefined ? { maxShare: request.maxShare } : {}),
          ...(request.minChannels !== undefined ? { minChannels: request.minChannels } : {}),
        });
      } catch (err) {
        if (err instanceof ChannelMixInfeasibleError) {
          throw ApplicationFailure.nonRetryable(err.message, STRATEGY_FAILURES.infeasibleMix);
        }
        throw err;
      }
      const top =
        request.shortlistSize > 0
          ? await new InfluencerStore(db).search({ ventureId: venture.id, limit: request.shortlistSize, offset: 0 })
          : { results: [] };
      const draft = draftStrategy({
        request,
        venture,
        startDate,
        readiness,
        missingReadinessInputs: readinessInput.ok ? [] : readinessInput.missing,
        ...(readinessInput.ok
          ? { pricing: { priceUsd: readinessInput.input.priceUsd, avgBudgetUsd: readinessInput.input.avgBudgetUsd } }
          : {}),
        launchWindow,
        seasonalitySource: request.seasonality ? 'request' : profileSeasonality ? 'profile' : 'flat',
        channelMix: mix,
        channelSources: Object.fromEntries(mix.curves.map((c) => [c.name, c.source])),
        maxShare: mix.maxShare,
        minChannels: mix.minChannels,
        shortlist: top.results.map(({ influencer, match }) => ({
          influencerId: influencer.id,
          name: influencer.name,
          handle: influencer.handle,
          platform: influencer.platform,
          compositeScore: match.compositeScore,
          riskFactors: match.riskFactors,
          recommendedCollaborationType: match.recommendedCollaborationType,
          estimatedReach: match.estimatedReach,
          estimatedCost: match.estimatedCost,
        })),
      });
      const created = await db.transaction(async (trx) => {
        const inserted = await new StrategyStore(trx).insertDraft({
          id: input.strategyId,
          ventureId: venture.id,
          name: request.name,
          type: request.type,
          draft,
        });
        if (inserted) {
          await new AuditLog(trx).record({
            ...input.requestedBy,
            action: 'strategy.drafted',
            subjectType: 'strategy',
            subjectId: input.strategyId,
            details: {
              ventureId: venture.id,
              type: request.type,
              budget: request.budget,
              currency: request.currency,
              launchWindow: { start: launchWindow.start, end: launchWindow.end },
              readiness: readiness?.overall ?? null,
              missingReadinessInputs: readinessInput.ok ? [] : readinessInput.missing,
            },
          });
        }
        return inserted;
      });
      return { strategyId: input.strategyId, created };
    },

    /**
     * Moves a strategy from one of `from` to `to` and audits the step; `approvedBy` (the decider's name) is
     * recorded as the users row of that approver, created on first approval.
     * @remarks Idempotent: a strategy already in `to` (a retried call) is left as it is and not audited again; a
     * strategy in any other state fails the call for good (IllegalStrategyTransition).
     */
    async moveStrategy(input: {
      strategyId: string;
      from: StrategyStatus[];
      to: StrategyStatus;
      actor: string;
      /** The person behind `actor`; the approver's users row when they signed in. */
      person?: Person;
      actorRole?: string;
      action: string;
      approvedBy?: string;
      details?: Record<string, unknown>;
    }): Promise<{ status: StrategyStatus; changed: boolean }> {
      return db.transaction(async (trx) => {
        const store = new StrategyStore(trx);
        const approverId = input.approvedBy
          ? (input.person?.userId ?? (await approverUserId(trx, input.approvedBy)))
          : undefined;
        const moved = await store.transition(input.strategyId, input.from, input.to, {
          ...(approverId ? { approvedBy: approverId } : {}),
        });
        if (!moved) {
          const current = await store.get(input.strategyId);
          if (current?.status === input.to) return { status: input.to, changed: false };
          throw ApplicationFailure.nonRetryable(
            `strategy ${input.strategyId} is ${current?.status ?? 'missing'}, not ${input.from.join(' or ')}`,
            STRATEGY_FAILURES.illegalTransition,
          );
        }
        await new AuditLog(trx).record({
          actor: input.actor,
          ...auditPerson(input.person),
          ...(input.actorRole ? { actorRole: input.actorRole } : {}),
          action: input.action,
          subjectType: 'strategy',
          subjectId: input.strategyId,
          details: {
            from: input.from,
            to: input.to,
            ...(input.approvedBy ? { approvedBy: input.approvedBy } : {}),
            ...input.details,
          },
        });
        return { status: input.to, changed: true };
      });
    },
  };
}

/**
 * The users row of an approver known by name (an API key's name): found by name among chairmen, or created with an
 * address under the reserved .invalid domain, since the key carries no email. `gtm_strategies.approved_by` points
 * at users, so the approval is kept against a person row rather than a free-text name.
 */
async function approverUserId(db: Db, name: string): Promise<string> {
  const existing = await db('users')
    .where({ name })
    .whereRaw("'chairman' = ANY(roles)")
    .orderBy('created_at')
    .first('id');
  if (existing) return existing.id as string;
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'approver';
  const email = `${slug}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}@approvers.invalid`;
  const [row] = await db('users')
    .insert({ email, name: name.slice(0, 200), roles: db.raw("'{chairman}'::user_role[]") })
    .onConflict('email')
    .merge({ name: name.slice(0, 200) })
    .returning('id');
  return row.id as string;
}
