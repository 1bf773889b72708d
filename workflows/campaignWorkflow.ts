import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { Mutex } from 'async-mutex';
import type { createActivities } from '../activities';
import {
  budgetChangeNeedsApproval,
  campaignNeedsApproval,
  cumulativeBudgetChangeNeedsApproval,
} from '../domain/approvalPolicy';
import { addDays, budgetGuard, dailyBudgets, dayOf, dayStartMs, equalShares } from '../domain/campaignBudget';
import { isTerminal, refusal } from '../domain/campaignLifecycle';
import { getApprovalWorkflowId } from '../domain/ids';
import { moneyProblem } from '../domain/money';
import { parseDuration } from '../domain/sequences/duration';
import { approvalWorkflow } from './approvalWorkflow';
import { campaignStatusKey, ventureIdKey } from './searchAttributes';
import type {
  AdjustBudgetInput,
  AdjustBudgetResult,
  ApprovalSubject,
  ApprovalWorkflowInput,
  ApprovalWorkflowResult,
  BudgetChangeRecord,
  CampaignActor,
  CampaignPlatformState,
  CampaignStateName,
  CampaignStatusView,
  CampaignWorkflowInput,
  CampaignWorkflowResult,
  ReallocateResult,
} from './types';
import { DATABASE_ACTIVITY, SEND_ACTIVITY } from './activityOptions';

type Activities = ReturnType<typeof createActivities>;

/** Campaign rows and audit entries. */
const db = proxyActivities<Activities>(DATABASE_ACTIVITY);

/**
 * Ad platform calls: throttling and outages are retried with backoff for up to a day; a refusal is final. A
 * platform that cannot pause or resume for a day fails the run, where operators see it.
 */
const ads = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '1 day',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '5m',
    nonRetryableErrorTypes: ['AdPlatformRejected', 'UnknownAdPlatform'],
  },
});

/** Metrics syncs read every platform in turn, heartbeating after each; one that cannot finish in an hour is skipped. */
const metrics = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '3m',
  scheduleToCloseTimeout: '1h',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '5m',
    nonRetryableErrorTypes: ['AdPlatformRejected', 'UnknownAdPlatform'],
  },
});

/** Alerts to the chairman. */
const mail = proxyActivities<Activities>(SEND_ACTIVITY);

export const pauseCampaignSignal = defineSignal<[CampaignActor]>('pause');
export const resumeCampaignSignal = defineSignal<[CampaignActor]>('resume');
export const cancelCampaignSignal = defineSignal<[CampaignActor]>('cancel');
/** Changes the budget, through the chairman when the policy asks; refused below what is already spent. */
export const adjustBudgetUpdate = defineUpdate<AdjustBudgetResult, [AdjustBudgetInput]>('adjustBudget');
/** Splits the daily budget between the platforms by their results so far (channel-mix optimiser). */
export const reallocateUpdate = defineUpdate<ReallocateResult, [CampaignActor]>('reallocate');
export const campaignStatusQuery = defineQuery<CampaignStatusView>('status');

const DAY_MS = 86_400_000;
/** Days a regular sync fetches again: platforms restate recent days as late conversions come in. */
const LOOKBACK_DAYS = 3;
const DEFAULT_HISTORY_LIMIT = 2_000;
/** Budget changes kept in the state (and the status query); older ones are in the audit log. */
const MAX_BUDGET_CHANGES = 20;
const SYSTEM: CampaignActor = { by: 'system' };

const refuse = (type: string, message: string) => ApplicationFailure.create({ type, message });

/**
 * One campaign from plan to end: the chairman's approval when the budget asks for it, a durable wait for the start
 * date, launch on every platform, metrics syncs on a timer with a budget guard (alert at the configured percentage,
 * pause everywhere at 100%), pause/resume/cancel by signal, budget changes by update, completion with a final report.
 * @remarks Platform calls are activities with an idempotency key per campaign and platform, retried with backoff
 * while the platform throttles or fails. Status changes go to gtm_campaigns, the audit log and the CampaignStatus
 * search attribute. Continues as new past ~2,000 history events, carrying its state (never while an approval runs).
 */
export async function campaignWorkflow(input: CampaignWorkflowInput): Promise<CampaignWorkflowResult> {
  const { workflowId } = workflowInfo();
  const { policy, campaignId } = input;
  const carry = input.carry;
  const startMs = dayStartMs(input.startDate);
  // Campaign days are whole UTC days: the end date is included.
  const endMs = dayStartMs(input.endDate) + DAY_MS;
  const syncMs = parseDuration(policy.syncEvery);
  const iso = (ms: number) => new Date(ms).toISOString();

  let state: CampaignStateName = carry?.state ?? 'planned';
  let stateReason = carry?.stateReason;
  let pauseReason = carry?.pauseReason;
  let budget = carry?.budget ?? input.budget;
  // Increases are measured against this: the last budget the chairman approved, or the one the campaign started
  // with when the policy let it start without him. A run carried over before this was tracked finds it in the log.
  let approvedBudget = carry?.approvedBudget ?? lastApprovedBudget(carry?.budgetChanges) ?? input.budget;
  let spent = carry?.spent ?? 0;
  let launched = carry?.launched ?? false;
  let alertedForBudget = carry?.alertedForBudget ?? null;
  const budgetChanges: BudgetChangeRecord[] = carry?.budgetChanges ?? [];
  let budgetChangeCount = carry?.budgetChangeCount ?? 0;
  let appliedBudgetChanges = carry?.appliedBudgetChanges ?? 0;
  let lastSync = carry?.lastSync;
  const shares = equalShares(input.platforms);
  const platforms: CampaignPlatformState[] =
    carry?.platforms ??
    input.platforms.map((name) => ({
      name,
      share: shares[name] ?? 0,
      dailyBudget: 0,
      pausedSpans: [],
      budgetHistory: [],
      spend: 0,
      conversions: 0,
      revenue: 0,
    }));

  let cancelRequest: CampaignActor | undefined;
  const deliveryRequests: Array<CampaignActor & { action: 'pause' | 'resume' }> = [];
  let campaignApproval: { workflowId: string; requestedAt: string } | undefined;
  let pendingBudget:
    { record: BudgetChangeRecord; scope: CancellationScope; settled: { result?: ApprovalWorkflowResult } } | undefined;

  // Handlers and the main loop both call activities; one at a time keeps budgets, pauses and state consistent.
  // Whoever takes the lock checks its preconditions again inside it: the state may have moved while it waited.
  const lock = new Mutex();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => lock.runExclusive(fn);

  const live = () => platforms.filter((p): p is CampaignPlatformState & { externalId: string } => !!p.externalId);

  setHandler(campaignStatusQuery, () => ({
    campaignId,
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
    ...(campaignApproval
      ? { pendingApproval: { kind: 'campaign' as const, amount: budget, ...campaignApproval } }
      : pendingBudget && !pendingBudget.settled.result
        ? {
            pendingApproval: {
              kind: 'budget_change' as const,
              workflowId: pendingBudget.record.approvalWorkflowId!,
              amount: pendingBudget.record.to,
              requestedAt: pendingBudget.record.requestedAt,
            },
          }
        : {}),
    ...(lastSync ? { lastSync } : {}),
    budgetChanges,
  }));

  setHandler(pauseCampaignSignal, (a) => void deliveryRequests.push({ ...a, action: 'pause' }));
  setHandler(resumeCampaignSignal, (a) => void deliveryRequests.push({ ...a, action: 'resume' }));
  setHandler(cancelCampaignSignal, (a) => {
    cancelRequest ??= a;
  });

  const setState = async (
    next: CampaignStateName,
    actor: CampaignActor,
    reason?: string,
    details?: Record<string, unknown>,
  ) => {
    const from = state;
    state = next;
    stateReason = reason;
    upsertSearchAttributes([{ key: campaignStatusKey, value: next }]);
    await db.recordCampaignStatus({
      campaignId,
      status: next,
      ...(reason ? { reason } : {}),
      actor: actor.by,
      ...(actor.role ? { role: actor.role } : {}),
      details: { from, ...details },
    });
  };

  const approvalInput = (
    subjectType: ApprovalSubject,
    subjectId: string,
    title: string,
    summary: string,
    amount: number,
    requestedBy: string,
    details: Record<string, unknown>,
  ): ApprovalWorkflowInput => ({
    version: 1,
    subjectType,
    subjectId,
    title,
    summary,
    amount,
    currency: input.currency,
    requestedBy,
    details: { campaignId, ventureId: input.ventureId, ...details },
    ...(input.ventureName ? { ventureName: input.ventureName } : {}),
    policy: policy.approvalTiming,
    approvers: policy.approvers,
    escalateTo: policy.escalateTo,
  });

  /** Starts an approval child in a scope of its own, so the campaign can withdraw it (cancel) later. */
  const requestApproval = async (workflowIdOfApproval: string, args: ApprovalWorkflowInput) => {
    const scope = new CancellationScope();
    const handle = await scope.run(() =>
      startChild(approvalWorkflow, {
        workflowId: workflowIdOfApproval,
        args: [args],
        // A campaign terminated by an operator withdraws its open requests rather than leaving them in the inbox.
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      }),
    );
    const settled: { result?: ApprovalWorkflowResult } = {};
    void handle.result().then(
      (r) => (settled.result = r),
      (err: unknown) =>
        (settled.result = {
          outcome: 'rejected',
          by: 'system',
          comment: `the approval ended without a decision (${(err as Error).message})`,
          decidedAt: iso(Date.now()),
          approvalId: null,
        }),
    );
    return { scope, settled };
  };

  const rememberChange = (record: BudgetChangeRecord) => {
    budgetChanges.push(record);
    if (budgetChanges.length > MAX_BUDGET_CHANGES) budgetChanges.shift();
  };

  /** Spreads what is left of the budget over the days left, by share, and tells the platforms. */
  const repace = async () => {
    const today = dayOf(Date.now());
    const from = today < input.startDate ? input.startDate : today;
    if (budget - spent <= 0) return;
    const amounts = dailyBudgets({
      remaining: budget - spent,
      today: from,
      endDate: input.endDate,
      shares: Object.fromEntries(platforms.map((p) => [p.name, p.share])),
    });
    await Promise.all(
      live().map(async (p) => {
        const amount = amounts[p.name] ?? 0;
        if (amount === p.dailyBudget) return;
        await ads.setPlatformBudget({ platform: p.name, externalId: p.externalId, dailyBudget: amount });
        p.dailyBudget = amount;
        p.budgetHistory.push({ from, amount });
      }),
    );
  };

  const pauseDelivery = async (actor: CampaignActor, why: 'manual' | 'budget_exhausted') => {
    await Promise.all(
      live().map((p) => ads.setPlatformDelivery({ platform: p.name, externalId: p.externalId, action: 'pause' })),
    );
    // Today's delivery already happened: the pause counts from tomorrow, so the day is not reported twice differently.
    const from = addDays(dayOf(Date.now()), 1);
    for (const p of live()) if (!p.pausedSpans.some((s) => s.to === undefined)) p.pausedSpans.push({ from });
    pauseReason = why;
    await setState('paused', actor, why === 'budget_exhausted' ? 'budget exhausted' : (actor.reason ?? 'paused'));
  };

  const resumeDelivery = async (actor: CampaignActor) => {
    await Promise.all(
      live().map((p) => ads.setPlatformDelivery({ platform: p.name, externalId: p.externalId, action: 'resume' })),
    );
    const to = addDays(dayOf(Date.now()), -1);
    for (const p of live()) {
      const open = p.pausedSpans.find((s) => s.to === undefined);
      if (!open) continue;
      if (to < open.from) p.pausedSpans.splice(p.pausedSpans.indexOf(open), 1);
      else open.to = to;
    }
    pauseReason = undefined;
    await setState('active', actor, actor.reason ?? 'resumed', { resumed: true });
  };

  /** Stops delivery everywhere for good (completion, cancellation); pausing is idempotent on the platforms. */
  const stopDelivery = () =>
    Promise.all(
      live().map((p) => ads.setPlatformDelivery({ platform: p.name, externalId: p.externalId, action: 'pause' })),
    );

  const applyBudget = async (newBudget: number, actor: CampaignActor, details: Record<string, unknown>) => {
    const previous = budget;
    budget = newBudget;
    appliedBudgetChanges++;
    await db.applyCampaignBudget({
      campaignId,
      budget: newBudget,
      previous,
      actor: actor.by,
      ...(actor.role ? { role: actor.role } : {}),
      details: { ...(actor.reason ? { reason: actor.reason } : {}), ...details },
    });
    if (launched && !isTerminal(state)) await repace();
    // Raising the budget of a campaign the guard paused lets it deliver again.
    if (state === 'paused' && pauseReason === 'budget_exhausted' && spent < budget) {
      await resumeDelivery({ by: actor.by, ...(actor.role ? { role: actor.role } : {}), reason: 'budget raised' });
    }
  };

  const alert = async (paused: boolean, percent: number) => {
    const kind = paused ? 'budget-exhausted' : 'budget-alert';
    await Promise.all(
      policy.alertTo.map((to) =>
        mail.sendNotification({
          idempotencyKey: `${workflowId}/${kind}/${appliedBudgetChanges}/${to}`,
          to,
          template: 'budget_alert',
          subject: paused
            ? 'Paused: {{budget.name}} has used its budget'
            : '{{budget.name}} has spent {{budget.percent}}% of its budget',
          vars: {
            ...(input.ventureName ? { venture_name: input.ventureName } : {}),
            budget: {
              name: input.name,
              spent: spent.toFixed(2),
              limit: budget.toFixed(2),
              currency: input.currency,
              percent,
              paused,
            },
          },
          ctaPath: `/v1/campaigns/${campaignId}`,
          workflowId,
        }),
      ),
    );
    alertedForBudget = budget;
    await db.recordCampaignEvent({
      campaignId,
      action: paused ? 'campaign.budget_exhausted' : 'campaign.budget_alert',
      actor: 'system',
      details: { spent, budget, percent, to: policy.alertTo },
    });
  };

  /** Fetches metrics and stores them; unless it is the final sync, applies the budget guard. */
  const sync = async (final: boolean) => {
    if (!launched || live().length === 0) return;
    const today = dayOf(Date.now());
    const to = final || today > input.endDate ? input.endDate : today;
    if (to < input.startDate) return;
    // The last days again, and every day since the last sync if that was longer ago (a worker that was down).
    const lastDay = lastSync ? dayOf(Date.parse(lastSync.at)) : input.startDate;
    const back = addDays(lastDay < to ? lastDay : to, -(LOOKBACK_DAYS - 1));
    const from = final || back < input.startDate ? input.startDate : back;
    let result: Awaited<ReturnType<typeof metrics.syncCampaignMetrics>>;
    try {
      result = await metrics.syncCampaignMetrics({
        campaignId,
        ventureId: input.ventureId,
        channel: input.channel,
        from,
        to,
        platforms: live().map((p) => ({
          name: p.name,
          externalId: p.externalId,
          budgetHistory: p.budgetHistory,
          pausedSpans: p.pausedSpans,
        })),
      });
    } catch (err) {
      // A sync that could not finish within its hour is skipped; the next one reads the same days again.
      if (!(err instanceof ActivityFailure)) throw err;
      log.warn('metrics sync skipped', { campaignId, error: err.cause?.message ?? err.message });
      return;
    }
    spent = result.spent;
    for (const p of platforms) {
      const m = result.byPlatform[p.name];
      if (!m) continue;
      p.spend = m.spend;
      p.conversions = m.conversions;
      p.revenue = m.revenue;
    }
    lastSync = { at: iso(Date.now()), spent };
    if (final) return;

    const guard = budgetGuard({ budget, spent, alertPct: policy.alertPct, alertedForBudget });
    if (guard.exhausted) {
      if (state === 'active') {
        await pauseDelivery(SYSTEM, 'budget_exhausted');
        await alert(true, guard.percent);
      }
    } else if (guard.alert) {
      await alert(false, guard.percent);
    }
  };

  /** Creates the campaign on every platform; the error message of the first refusal, if any. */
  const launch = async (): Promise<string | undefined> => {
    const today = dayOf(Date.now());
    const from = today < input.startDate ? input.startDate : today;
    const amounts = dailyBudgets({
      remaining: budget,
      today: from,
      endDate: input.endDate,
      shares: Object.fromEntries(platforms.map((p) => [p.name, p.share])),
    });
    const results = await Promise.allSettled(
      platforms.map(async (p) => {
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
    launched = true;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) return undefined;
    const err = failed.reason as { cause?: { message?: string }; message?: string };
    return err.cause?.message ?? err.message ?? String(failed.reason);
  };

  /** Withdraws a budget change still awaiting the chairman (the campaign ends first). */
  const withdrawPendingBudget = async () => {
    const pending = pendingBudget;
    if (!pending) return;
    if (!pending.settled.result) {
      pending.scope.cancel();
      await condition(() => pending.settled.result !== undefined);
    }
    pending.record.status = 'rejected';
    pending.record.comment = 'withdrawn: the campaign ended';
    pendingBudget = undefined;
  };

  const settleBudgetChange = async () => {
    const pending = pendingBudget!;
    const result = pending.settled.result!;
    pendingBudget = undefined;
    const record = pending.record;
    if (result.by) record.decidedBy = result.by;
    if (result.comment) record.comment = result.comment;
    if (result.outcome === 'approved') {
      record.status = 'applied';
      approvedBudget = record.to;
      await applyBudget(
        record.to,
        { by: result.by ?? 'system', role: 'chairman', reason: `budget change #${record.n} approved` },
        { change: record.n, approvalWorkflowId: record.approvalWorkflowId, requestedBy: record.requestedBy },
      );
    } else {
      record.status = 'rejected';
      await db.recordCampaignEvent({
        campaignId,
        action: 'campaign.budget_change_rejected',
        actor: result.by ?? 'system',
        details: {
          change: record.n,
          from: record.from,
          to: record.to,
          outcome: result.outcome,
          comment: result.comment ?? null,
        },
      });
    }
  };

  const finishCancelled = async (): Promise<CampaignWorkflowResult> => {
    const actor = cancelRequest ?? SYSTEM;
    await withdrawPendingBudget();
    if (launched) await stopDelivery();
    const reason = actor.reason ?? 'cancelled';
    await setState('cancelled', actor, reason);
    return { outcome: 'cancelled', reason, budget, spent };
  };

  /** Why a budget change cannot be made now, or undefined: asked by the validator and again inside the lock. */
  const budgetChangeRefusal = (req: AdjustBudgetInput): ApplicationFailure | undefined => {
    const illegal = refusal('adjustBudget', state);
    if (illegal) return refuse('IllegalCampaignState', illegal);
    if (typeof req.newBudget !== 'number' || !Number.isFinite(req.newBudget) || req.newBudget <= 0) {
      return refuse('InvalidBudget', 'the new budget must be a positive number');
    }
    const amount = moneyProblem(req.newBudget, input.currency);
    if (amount) return refuse('InvalidBudget', `the new budget ${req.newBudget}: ${amount}`);
    if (req.newBudget < spent) {
      return refuse('BudgetBelowSpent', `the new budget ${req.newBudget} is below the ${spent} already spent`);
    }
    if (req.newBudget === budget) return refuse('BudgetUnchanged', `the budget is already ${budget}`);
    if (pendingBudget && !pendingBudget.settled.result) {
      return refuse(
        'BudgetChangePending',
        `a change of the budget to ${pendingBudget.record.to} is already awaiting approval`,
      );
    }
    if (!req.requestedBy) return refuse('InvalidBudget', 'a budget change needs who asked for it');
    return undefined;
  };

  setHandler(
    adjustBudgetUpdate,
    (req) =>
      exclusive(async (): Promise<AdjustBudgetResult> => {
        // Two requests can pass the validator before either takes the lock: only one change may await the chairman.
        if (patched('budget-change-checked-in-lock')) {
          // A decision that came in while this waited is applied first, so the change is judged against it.
          if (pendingBudget?.settled.result) await settleBudgetChange();
          const refused = budgetChangeRefusal(req);
          if (refused) throw refused;
        } else {
          const illegal = refusal('adjustBudget', state);
          if (illegal) throw refuse('IllegalCampaignState', illegal);
        }
        const n = ++budgetChangeCount;
        // Measured against the last approved budget, so steps under the percentage cannot add up without him.
        const decision = patched('budget-increase-against-approved')
          ? cumulativeBudgetChangeNeedsApproval(
              { current: budget, proposed: req.newBudget, approved: approvedBudget },
              policy,
            )
          : budgetChangeNeedsApproval(budget, req.newBudget, policy);
        const actor: CampaignActor = {
          by: req.requestedBy,
          ...(req.role ? { role: req.role } : {}),
          ...(req.reason ? { reason: req.reason } : {}),
        };
        const record: BudgetChangeRecord = {
          n,
          from: budget,
          to: req.newBudget,
          requestedBy: req.requestedBy,
          ...(req.reason ? { reason: req.reason } : {}),
          status: 'pending_approval',
          requestedAt: iso(Date.now()),
        };
        rememberChange(record);
        if (!decision.required) {
          await applyBudget(req.newBudget, actor, { change: n, policy: decision.reason });
          record.status = 'applied';
          return { status: 'applied', budget, requested: req.newBudget, reason: decision.reason };
        }
        const approvalWorkflowId = getApprovalWorkflowId('budget_change', `${campaignId}:${n}`);
        record.approvalWorkflowId = approvalWorkflowId;
        const { scope, settled } = await requestApproval(
          approvalWorkflowId,
          approvalInput(
            'budget_change',
            `${campaignId}:${n}`,
            `Budget of ${input.name}: ${budget.toFixed(2)} to ${req.newBudget.toFixed(2)} ${input.currency}`,
            `${req.requestedBy} asks to change the budget of ${input.name} from ${budget.toFixed(2)} to ${req.newBudget.toFixed(
              2,
            )} ${input.currency} (${spent.toFixed(2)} spent so far)${req.reason ? `: ${req.reason}` : ''}. ${decision.reason}.`,
            req.newBudget,
            req.requestedBy,
            { change: n, from: budget, to: req.newBudget, spent },
          ),
        );
        pendingBudget = { record, scope, settled };
        await db.recordCampaignEvent({
          campaignId,
          action: 'campaign.budget_change_requested',
          actor: req.requestedBy,
          ...(req.role ? { role: req.role } : {}),
          details: { change: n, from: budget, to: req.newBudget, reason: decision.reason, approvalWorkflowId },
        });
        return {
          status: 'pending_approval',
          budget,
          requested: req.newBudget,
          reason: decision.reason,
          approvalWorkflowId,
        };
      }),
    {
      validator: (req) => {
        const refused = budgetChangeRefusal(req);
        if (refused) throw refused;
      },
    },
  );

  /** Why a reallocation cannot be made now, or undefined: asked by the validator and again inside the lock. */
  const reallocateRefusal = (): ApplicationFailure | undefined => {
    const illegal = refusal('reallocate', state);
    if (illegal) return refuse('IllegalCampaignState', illegal);
    if (platforms.length < 2) return refuse('NothingToReallocate', 'the campaign runs on one platform only');
    return undefined;
  };

  setHandler(
    reallocateUpdate,
    (actor) =>
      exclusive(async (): Promise<ReallocateResult> => {
        const refused = reallocateRefusal();
        if (refused) throw refused;
        const current = () => Object.fromEntries(platforms.map((p) => [p.name, p.share]));
        const daily = () => Object.fromEntries(platforms.map((p) => [p.name, p.dailyBudget]));
        const today = dayOf(Date.now());
        const daysLeft = Math.max(1, Math.round((endMs - dayStartMs(today)) / DAY_MS));
        const plan = await db.planChannelMix({
          campaignId,
          platforms: platforms.map((p) => p.name),
          dailyBudget: Math.max(0, budget - spent) / daysLeft,
        });
        if (!plan.shares) return { applied: false, reason: plan.reason, shares: current(), dailyBudgets: daily() };
        for (const p of platforms) p.share = plan.shares[p.name] ?? 0;
        await repace();
        await db.recordCampaignEvent({
          campaignId,
          action: 'campaign.reallocated',
          actor: actor.by,
          ...(actor.role ? { role: actor.role } : {}),
          details: { shares: current(), dailyBudgets: daily(), reason: plan.reason },
        });
        return { applied: true, reason: plan.reason, shares: current(), dailyBudgets: daily() };
      }),
    {
      validator: (_actor) => {
        const refused = reallocateRefusal();
        if (refused) throw refused;
      },
    },
  );

  const run = async (): Promise<CampaignWorkflowResult> => {
    if (!carry) {
      upsertSearchAttributes([
        { key: ventureIdKey, value: input.ventureId },
        { key: campaignStatusKey, value: state },
      ]);
    }

    // Planned: the chairman first when the budget asks for it, then the platforms.
    if (state === 'planned') {
      const needs = campaignNeedsApproval(budget, policy);
      let approvedBy: CampaignActor | undefined;
      if (needs.required) {
        await setState('awaiting_approval', { by: input.requestedBy }, needs.reason);
        const approvalWorkflowId = getApprovalWorkflowId('campaign', campaignId);
        campaignApproval = { workflowId: approvalWorkflowId, requestedAt: iso(Date.now()) };
        const { scope, settled } = await requestApproval(
          approvalWorkflowId,
          approvalInput(
            'campaign',
            campaignId,
            `Campaign ${input.name}: ${budget.toFixed(2)} ${input.currency}`,
            `${input.requestedBy} asks to run ${input.name} on ${input.platforms.join(', ')} from ${input.startDate} to ${
              input.endDate
            } with a budget of ${budget.toFixed(2)} ${input.currency}. ${needs.reason}.`,
            budget,
            input.requestedBy,
            { platforms: input.platforms, startDate: input.startDate, endDate: input.endDate, channel: input.channel },
          ),
        );
        await condition(() => settled.result !== undefined || cancelRequest !== undefined);
        if (!settled.result) {
          scope.cancel();
          await condition(() => settled.result !== undefined);
        }
        campaignApproval = undefined;
        if (cancelRequest) return finishCancelled();
        const result = settled.result!;
        if (result.outcome !== 'approved') {
          const reason =
            result.outcome === 'expired'
              ? 'expired'
              : `rejected by ${result.by ?? 'the approver'}${result.comment ? `: ${result.comment}` : ''}`;
          await setState(
            'rejected',
            { by: result.by ?? 'system', ...(result.by ? { role: 'chairman' } : {}) },
            reason,
            {
              approvalId: result.approvalId,
            },
          );
          return { outcome: 'rejected', reason, budget, spent };
        }
        approvedBy = { by: result.by ?? 'system', role: 'chairman' };
      }
      if (cancelRequest) return finishCancelled();
      if (Date.now() >= endMs) {
        // Approved too late to run at all: nothing is bought on the platforms for a campaign already over.
        const reason = 'approved after its end date';
        await setState('cancelled', approvedBy ?? SYSTEM, reason);
        return { outcome: 'cancelled', reason, budget, spent };
      }
      await exclusive(() =>
        setState('scheduled', approvedBy ?? SYSTEM, approvedBy ? `approved by ${approvedBy.by}` : needs.reason),
      );
      const failure = await exclusive(launch);
      if (failure) {
        await exclusive(stopDelivery);
        const reason = `launch failed: ${failure}`;
        await setState('cancelled', SYSTEM, reason);
        return { outcome: 'cancelled', reason, budget, spent };
      }
    }

    let nextSyncAt = lastSync ? Date.parse(lastSync.at) + syncMs : Math.max(startMs, Date.now()) + syncMs;
    for (;;) {
      if (cancelRequest) return exclusive(finishCancelled);
      if (Date.now() >= endMs) {
        return exclusive(async () => {
          await withdrawPendingBudget();
          await sync(true);
          await stopDelivery();
          const report = await db.writeFinalReport({
            campaignId,
            ventureId: input.ventureId,
            channel: input.channel,
            endDate: input.endDate,
          });
          await setState('completed', SYSTEM, 'end date reached', { finalReport: report });
          return { outcome: 'completed' as const, budget, spent };
        });
      }
      if (state === 'scheduled' && Date.now() >= startMs) {
        await exclusive(async () => {
          if (state !== 'scheduled') return;
          await Promise.all(
            live().map((p) =>
              ads.setPlatformDelivery({ platform: p.name, externalId: p.externalId, action: 'resume' }),
            ),
          );
          await setState('active', SYSTEM, 'start date reached');
        });
        nextSyncAt = Date.now() + syncMs;
      }
      if (pendingBudget?.settled.result) {
        // A budget change asked for meanwhile may have applied the decision already.
        await exclusive(async () => {
          if (pendingBudget?.settled.result) await settleBudgetChange();
        });
      }
      while (deliveryRequests.length > 0) {
        const req = deliveryRequests.shift()!;
        await exclusive(async () => {
          if (req.action === 'pause' && state === 'active') return pauseDelivery(req, 'manual');
          if (req.action === 'resume' && state === 'paused') {
            if (spent < budget) return resumeDelivery(req);
            return db.recordCampaignEvent({
              campaignId,
              action: 'campaign.resume_refused',
              actor: req.by,
              ...(req.role ? { role: req.role } : {}),
              details: { reason: 'budget exhausted', spent, budget },
            });
          }
          log.warn('campaign request ignored in this state', { action: req.action, state });
        });
      }
      if ((state === 'active' || state === 'paused') && Date.now() >= nextSyncAt) {
        await exclusive(async () => {
          if (state === 'active' || state === 'paused') await sync(false);
        });
        nextSyncAt = Date.now() + syncMs;
      }

      const info = workflowInfo();
      const tooLong =
        info.continueAsNewSuggested || info.historyLength > (policy.historyLimit ?? DEFAULT_HISTORY_LIMIT);
      if (tooLong && !pendingBudget && deliveryRequests.length === 0 && !cancelRequest) {
        await condition(allHandlersFinished);
        if (!pendingBudget && deliveryRequests.length === 0 && !cancelRequest) {
          return continueAsNew<typeof campaignWorkflow>({
            ...input,
            carry: {
              state,
              ...(stateReason ? { stateReason } : {}),
              ...(pauseReason ? { pauseReason } : {}),
              budget,
              spent,
              platforms,
              launched,
              alertedForBudget,
              budgetChanges,
              budgetChangeCount,
              appliedBudgetChanges,
              approvedBudget,
              ...(lastSync ? { lastSync } : {}),
            },
          });
        }
      }

      const wakeAt = Math.min(endMs, state === 'scheduled' ? startMs : nextSyncAt);
      const wait = wakeAt - Date.now();
      if (wait > 0) {
        await condition(
          () =>
            cancelRequest !== undefined ||
            deliveryRequests.length > 0 ||
            (pendingBudget !== undefined && pendingBudget.settled.result !== undefined),
          wait,
        );
      }
    }
  };

  try {
    return await run();
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled from Temporal (UI, CLI) rather than through the API: stop spending and record it the same way.
    await CancellationScope.nonCancellable(async () => {
      cancelRequest ??= { by: 'temporal', reason: 'cancelled in Temporal' };
      await exclusive(finishCancelled);
    });
    throw err;
  }
}

/** The amount of the last budget change the chairman approved, from a run's kept changes. */
function lastApprovedBudget(changes: readonly BudgetChangeRecord[] | undefined): number | undefined {
  const approved = (changes ?? []).filter((c) => c.status === 'applied' && c.decidedBy !== undefined);
  return approved[approved.length - 1]?.to;
}
