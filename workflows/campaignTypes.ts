import type { Person } from '../domain/identity';
import type { ApprovalTiming } from './approvalTypes';

/** The campaign workflow's input, result, carry, updates and query view. */

/** The campaign lifecycle's policy, taken from configuration when the campaign is created. */
export interface CampaignPolicy {
  /** Budgets over this need the chairman. */
  campaignBudgetThreshold: number;
  /** Budget increases of more than this percentage need the chairman. */
  budgetIncreasePct: number;
  approvalTiming: ApprovalTiming;
  approvers: string[];
  escalateTo: string[];
  /** Who gets budget alerts. */
  alertTo: string[];
  /** Percentage of the budget at which the alert goes out. */
  alertPct: number;
  /** ISO-8601 interval of metrics syncs. */
  syncEvery: string;
  /** History length past which a run continues as new; defaults to 2,000 events. */
  historyLimit?: number;
}

export type CampaignStateName =
  'planned' | 'awaiting_approval' | 'scheduled' | 'active' | 'paused' | 'completed' | 'cancelled' | 'rejected';

/** Who asked for a change of a campaign, for the audit log. */
export interface CampaignActor {
  by: string;
  role?: string;
  reason?: string;
  /**
   * The person behind `by` (user id, email, how they acted), when it is one. Only handed on to the activities that
   * write audit rows: the commands are the same without it, so runs started before 0.8.0 replay without a marker.
   */
  person?: Person;
}

/** One platform of a campaign as the workflow tracks it. */
export interface CampaignPlatformState {
  name: string;
  externalId?: string;
  /** True when the platform is simulated. */
  sandbox?: boolean;
  /** Fraction of the daily spend this platform gets. */
  share: number;
  dailyBudget: number;
  /** Days (inclusive, `to` open while paused) on which the platform was paused by us; the sandbox reads these. */
  pausedSpans: Array<{ from: string; to?: string }>;
  /** Daily budgets in force from each day on, oldest first. */
  budgetHistory: Array<{ from: string; amount: number }>;
  spend: number;
  conversions: number;
  revenue: number;
}

export type BudgetChangeStatus = 'applied' | 'pending_approval' | 'rejected';

export interface BudgetChangeRecord {
  n: number;
  from: number;
  to: number;
  requestedBy: string;
  reason?: string;
  status: BudgetChangeStatus;
  approvalWorkflowId?: string;
  decidedBy?: string;
  comment?: string;
  requestedAt: string;
}

/** What a run hands to the next when it continues as new. */
export interface CampaignCarry {
  state: CampaignStateName;
  stateReason?: string;
  pauseReason?: 'manual' | 'budget_exhausted';
  budget: number;
  spent: number;
  platforms: CampaignPlatformState[];
  launched: boolean;
  alertedForBudget: number | null;
  /** The budget the pace alert was last sent for; absent before 0.9.0 and until one is sent. */
  pacedForBudget?: number;
  budgetChanges: BudgetChangeRecord[];
  budgetChangeCount: number;
  appliedBudgetChanges: number;
  /** The last budget the chairman approved (or the one the campaign started with); absent in older runs. */
  approvedBudget?: number;
  lastSync?: { at: string; spent: number };
  syncError?: SyncError;
}

/**
 * Why the last metrics sync failed. `credential` when a platform refused a credential: the message names the setting
 * to renew, and syncs keep failing until it is renewed and the worker restarted.
 */
export interface SyncError {
  at: string;
  message: string;
  credential?: true;
}

export interface CampaignWorkflowInput {
  version: 1;
  campaignId: string;
  ventureId: string;
  ventureName?: string;
  name: string;
  channel: string;
  objective?: string;
  platforms: string[];
  /** First day of delivery, YYYY-MM-DD (UTC). */
  startDate: string;
  /** Last day of delivery, YYYY-MM-DD (UTC), included. */
  endDate: string;
  budget: number;
  currency: string;
  requestedBy: string;
  /** The person behind `requestedBy`, when it is one. */
  requester?: Person;
  policy: CampaignPolicy;
  carry?: CampaignCarry;
}

export interface CampaignWorkflowResult {
  outcome: 'completed' | 'cancelled' | 'rejected';
  reason?: string;
  budget: number;
  spent: number;
}

/** The `adjustBudget` update's argument. */
export interface AdjustBudgetInput {
  newBudget: number;
  requestedBy: string;
  person?: Person;
  role?: string;
  reason?: string;
}

export interface AdjustBudgetResult {
  status: BudgetChangeStatus;
  /** The budget in force after the call (the old one while approval is pending). */
  budget: number;
  requested: number;
  /** Why approval is or is not needed. */
  reason: string;
  approvalWorkflowId?: string;
}

/** The `reallocate` update's argument: who asks, and the split they chose (else the optimiser's). */
export interface ReallocateInput extends CampaignActor {
  /** Each platform's share of the daily budget, summing to 1; the API checks it before the update. */
  shares?: Record<string, number>;
}

export interface ReallocateResult {
  applied: boolean;
  reason: string;
  shares: Record<string, number>;
  dailyBudgets: Record<string, number>;
}

/** The campaign workflow's `status` query. */
export interface CampaignStatusView {
  campaignId: string;
  state: CampaignStateName;
  stateReason?: string;
  pauseReason?: 'manual' | 'budget_exhausted';
  budget: number;
  spent: number;
  percentSpent: number;
  currency: string;
  startDate: string;
  endDate: string;
  /** True when any platform is simulated: no money moves there. */
  sandbox: boolean;
  platforms: Array<CampaignPlatformState & { paused: boolean }>;
  pendingApproval?: { kind: 'campaign' | 'budget_change'; workflowId: string; amount: number; requestedAt: string };
  lastSync?: { at: string; spent: number };
  syncError?: SyncError;
  budgetChanges: BudgetChangeRecord[];
}
