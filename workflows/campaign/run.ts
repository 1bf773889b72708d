import type { CancellationScope } from '@temporalio/workflow';
import { Mutex } from 'async-mutex';
import { dayStartMs, equalShares } from '../../domain/campaignBudget';
import type { CampaignSnapshot, PauseReason } from '../../domain/campaignMachine';
import { parseDuration } from '../../domain/sequences/duration';
import type {
  ApprovalWorkflowResult,
  BudgetChangeRecord,
  CampaignActor,
  CampaignCarry,
  CampaignPlatformState,
  CampaignStateName,
  CampaignWorkflowInput,
  SyncError,
} from '../types';

export const DAY_MS = 86_400_000;
export const SYSTEM: CampaignActor = { by: 'system' };

/** A budget change waiting for the chairman: its record, the approval's scope (to withdraw it) and its outcome. */
export interface PendingBudget {
  record: BudgetChangeRecord;
  scope: CancellationScope;
  settled: { result?: ApprovalWorkflowResult };
}

/**
 * Everything one run of a campaign knows, shared by the workflow's loop, its handlers and the helpers they call.
 * Handlers and the loop both call activities: `exclusive` takes the run's lock, and whoever holds it re-checks its
 * preconditions inside, as the state may have moved while it waited.
 */
export interface CampaignRun {
  readonly input: CampaignWorkflowInput;
  readonly workflowId: string;
  readonly campaignId: string;
  readonly startMs: number;
  /** Campaign days are whole UTC days: the end date is included. */
  readonly endMs: number;
  readonly syncMs: number;
  state: CampaignStateName;
  stateReason: string | undefined;
  pauseReason: PauseReason | undefined;
  /** The last state whose audit entry is written: an answer to a caller waits for this, not for `state`. */
  recordedState: CampaignStateName | undefined;
  budget: number;
  /** Increases are measured against this: the last budget the chairman approved, or the starting one. */
  approvedBudget: number;
  spent: number;
  launched: boolean;
  alertedForBudget: number | null;
  /** The budget the pace alert was last sent for: once per budget, like the spend alert. */
  pacedForBudget: number | null;
  readonly budgetChanges: BudgetChangeRecord[];
  budgetChangeCount: number;
  appliedBudgetChanges: number;
  lastSync: { at: string; spent: number } | undefined;
  /** Why the last metrics sync failed, until one succeeds. */
  syncError: SyncError | undefined;
  readonly platforms: CampaignPlatformState[];
  cancelRequest: CampaignActor | undefined;
  /** Pauses and resumes sent as signals (older clients), taken in order by the loop. */
  readonly deliveryRequests: Array<CampaignActor & { action: 'pause' | 'resume' }>;
  campaignApproval: { workflowId: string; requestedAt: string } | undefined;
  pendingBudget: PendingBudget | undefined;
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

/** A run's state from its input, or from what the previous run carried over. */
export function newCampaignRun(input: CampaignWorkflowInput, workflowId: string): CampaignRun {
  const carry = input.carry;
  const shares = equalShares(input.platforms);
  const lock = new Mutex();
  return {
    input,
    workflowId,
    campaignId: input.campaignId,
    startMs: dayStartMs(input.startDate),
    endMs: dayStartMs(input.endDate) + DAY_MS,
    syncMs: parseDuration(input.policy.syncEvery),
    state: carry?.state ?? 'planned',
    stateReason: carry?.stateReason,
    pauseReason: carry?.pauseReason,
    recordedState: carry?.state,
    budget: carry?.budget ?? input.budget,
    // A run carried over before the approved budget was tracked finds it in the kept changes.
    approvedBudget: carry?.approvedBudget ?? lastApprovedBudget(carry?.budgetChanges) ?? input.budget,
    spent: carry?.spent ?? 0,
    launched: carry?.launched ?? false,
    alertedForBudget: carry?.alertedForBudget ?? null,
    pacedForBudget: carry?.pacedForBudget ?? null,
    budgetChanges: carry?.budgetChanges ?? [],
    budgetChangeCount: carry?.budgetChangeCount ?? 0,
    appliedBudgetChanges: carry?.appliedBudgetChanges ?? 0,
    lastSync: carry?.lastSync,
    syncError: carry?.syncError,
    platforms:
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
      })),
    cancelRequest: undefined,
    deliveryRequests: [],
    campaignApproval: undefined,
    pendingBudget: undefined,
    exclusive: (fn) => lock.runExclusive(fn),
  };
}

/** The platforms the campaign was created on. */
export function live(run: CampaignRun) {
  return run.platforms.filter((p): p is CampaignPlatformState & { externalId: string } => !!p.externalId);
}

/** What the state machine needs to decide an event. */
export function snapshotOf(run: CampaignRun): CampaignSnapshot {
  return {
    state: run.state,
    ...(run.pauseReason ? { pauseReason: run.pauseReason } : {}),
    budget: run.budget,
    spent: run.spent,
  };
}

/** What the next run needs when this one continues as new. */
export function carryOf(run: CampaignRun): CampaignCarry {
  return {
    state: run.state,
    ...(run.stateReason ? { stateReason: run.stateReason } : {}),
    ...(run.pauseReason ? { pauseReason: run.pauseReason } : {}),
    budget: run.budget,
    spent: run.spent,
    platforms: run.platforms,
    launched: run.launched,
    alertedForBudget: run.alertedForBudget,
    ...(run.pacedForBudget !== null ? { pacedForBudget: run.pacedForBudget } : {}),
    budgetChanges: run.budgetChanges,
    budgetChangeCount: run.budgetChangeCount,
    appliedBudgetChanges: run.appliedBudgetChanges,
    approvedBudget: run.approvedBudget,
    ...(run.lastSync ? { lastSync: run.lastSync } : {}),
    ...(run.syncError ? { syncError: run.syncError } : {}),
  };
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** The amount of the last budget change the chairman approved, from a run's kept changes. */
function lastApprovedBudget(changes: readonly BudgetChangeRecord[] | undefined): number | undefined {
  const approved = (changes ?? []).filter((c) => c.status === 'applied' && c.decidedBy !== undefined);
  return approved[approved.length - 1]?.to;
}
