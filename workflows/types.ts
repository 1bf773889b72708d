import type { SequenceDefinition } from '../domain/sequences/definition';
import type { QuietHours } from '../domain/sequences/time';
import type { StrategyRequest } from '../domain/strategyDraft';

/** A product event as the workflows see it. */
export interface ProductEvent {
  name: string;
  properties: Record<string, unknown>;
  occurredAt: string;
}

/** What a sequence run carries into its next run when it continues as new. */
export interface SequenceCarry {
  enrollmentRunId: string;
  enrolledAt: string;
  stepId: string | null;
  visits: Record<string, number>;
  sends: number;
  variant?: string;
  lastEvent?: ProductEvent;
  pendingEvents: ProductEvent[];
  /** Set when the run continued as new in the middle of `stepId`'s wait: the next run waits on to this instant. */
  resumeUntil?: string;
}

export interface SequenceWorkflowInput {
  /** 1: the trigger was also signalled beside the start (signal-with-start); 2: it comes in the input only. */
  version: 1 | 2;
  sequenceKey: string;
  sequenceVersion: number;
  /** The definition as it was at enrollment: editing the sequence later does not change this run. */
  definition: SequenceDefinition;
  contactId: string;
  trigger: ProductEvent;
  /** When the enrollment was made, as recorded by whoever enrolled (the same instant in the database). */
  enrolledAt?: string;
  carry?: SequenceCarry;
}

export type SequenceOutcome = 'completed' | 'converted' | 'exited' | 'unsubscribed';

export interface SequenceWorkflowResult {
  outcome: SequenceOutcome;
  sends: number;
  variant?: string;
  revenue?: number;
  reason?: string;
}

export interface SequenceState {
  sequenceKey: string;
  sequenceVersion: number;
  status: 'active' | SequenceOutcome;
  currentStep: string | null;
  waitingFor?: { event?: string; until: string };
  sends: number;
  variant?: string;
  enrolledAt: string;
}

export interface SendEmailInput {
  idempotencyKey: string;
  contactId: string;
  template: string;
  subject: string;
  from?: string;
  marketing: boolean;
  workflowId: string;
  stepId: string;
  sequenceKey: string;
  variant?: string;
  /** Values for the template besides the contact's own (the event that led here, the trigger). */
  vars: Record<string, unknown>;
  /** The sequence's quiet hours, kept by the activity in the contact's time zone as it is at send time. */
  quietHours?: QuietHours;
}

export type SendEmailResult =
  | { status: 'sent' | 'duplicate'; providerMessageId: string | null }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; reason: string }
  | { status: 'deferred'; retryAt: string };

export interface ContactSnapshot {
  id: string;
  email: string;
  timezone: string;
  traits: Record<string, unknown>;
  unsubscribed: boolean;
}

// ---- Approvals (a reusable gate) and campaigns ----

/** What an approval is about; mirrors `ApprovalSubjectType` of domain/ids. */
export type ApprovalSubject = 'campaign' | 'budget_change' | 'strategy' | 'influencer_deal';

/** How long an approval waits, as ISO-8601 durations (PT24H, P2D, P7D). */
export interface ApprovalTiming {
  /** Reminders to the approvers, at this interval after the request. */
  reminderEvery: string;
  /** An escalation email once, this long after the request. */
  escalateAfter: string;
  /** The request ends as expired (a rejection) this long after it was made. */
  expireAfter: string;
}

export interface ApprovalWorkflowInput {
  version: 1;
  subjectType: ApprovalSubject;
  subjectId: string;
  title: string;
  summary?: string;
  amount?: number;
  currency?: string;
  requestedBy: string;
  details?: Record<string, unknown>;
  ventureName?: string;
  policy: ApprovalTiming;
  /** Who is asked and reminded (email addresses). */
  approvers: string[];
  /** Who hears of a request nobody decided within `escalateAfter` (email addresses). */
  escalateTo: string[];
}

/** The `decide` update's argument. */
export interface ApprovalDecisionInput {
  decision: 'approve' | 'reject';
  by: string;
  /** The decider's role, for the audit log; a decision is accepted only from the chairman. */
  role?: string;
  comment?: string;
  /**
   * The server's signature over the approval's workflow id, the decision, `by`, `role`, `comment` and the time it
   * was made, valid for minutes (services/approvalDecisions). Without a valid one the decision is refused, so
   * nobody who can reach Temporal but not the server's secret can decide.
   */
  proof: string;
}

/** Whether a decision's proof holds; `reason` says why not, without anything secret. */
export type DecisionProofVerdict = { valid: true } | { valid: false; reason: string };

export type ApprovalOutcome = 'approved' | 'rejected' | 'expired';

export interface ApprovalWorkflowResult {
  outcome: ApprovalOutcome;
  /** Who decided; absent for an expiry. */
  by?: string;
  /** The decider's comment, "expired", or why the request was withdrawn. */
  comment?: string;
  decidedAt: string;
  /** The approvals row. */
  approvalId: string | null;
}

/** The approval workflow's `status` query. */
export interface ApprovalState {
  approvalId: string | null;
  status: 'pending' | ApprovalOutcome;
  subjectType: ApprovalSubject;
  subjectId: string;
  title: string;
  amount?: number;
  currency?: string;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  remindersSent: number;
  escalatedAt?: string;
  decidedBy?: string;
  decidedAt?: string;
  comment?: string;
}

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
  budgetChanges: BudgetChangeRecord[];
  budgetChangeCount: number;
  appliedBudgetChanges: number;
  /** The last budget the chairman approved (or the one the campaign started with); absent in older runs. */
  approvedBudget?: number;
  lastSync?: { at: string; spent: number };
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
  budgetChanges: BudgetChangeRecord[];
}

// ---------------------------------------------------------------------------------------------------------------
// GTM intelligence: influencer scoring, strategies, churn scan

/** Where a scoring run is, carried into the next run when it continues as new. */
export interface InfluencerScoringCarry {
  scored: number;
  batches: number;
  total: number;
  afterId: string | null;
  startedAt: string;
}

export interface InfluencerScoringInput {
  version: 1;
  ventureId: string;
  runId: string;
  /** Influencers per batch activity; default 100. */
  batchSize?: number;
  /** Batches per workflow run before it continues as new; default 200. */
  batchesPerRun?: number;
  carry?: InfluencerScoringCarry;
}

export interface InfluencerScoringProgress {
  ventureId: string;
  runId: string;
  status: 'running' | 'completed';
  scored: number;
  total: number;
  batches: number;
  startedAt: string;
  completedAt?: string;
}

export type InfluencerScoringResult = InfluencerScoringProgress;

export interface StrategyWorkflowInput {
  version: 1;
  strategyId: string;
  ventureId: string;
  /** The validated body of POST /v1/ventures/:id/strategies. */
  request: StrategyRequest;
  requestedBy: { actor: string; actorRole: string };
  /** The chairman's approval gate, from configuration when the strategy is requested. */
  approval: { policy: ApprovalTiming; approvers: string[]; escalateTo: string[] };
}

export type StrategyPhase = 'drafting' | 'draft' | 'review' | 'approved' | 'active' | 'rejected' | 'expired' | 'failed';

export interface StrategyWorkflowStatus {
  strategyId: string;
  phase: StrategyPhase;
  approvalWorkflowId?: string;
  decidedBy?: string;
  decisionComment?: string;
  activatedBy?: string;
  error?: string;
}

export interface StrategyWorkflowResult {
  strategyId: string;
  outcome: 'active' | 'rejected' | 'expired' | 'cancelled';
}

/** Where a churn scan is, carried into the next run when it continues as new. */
export interface ChurnScanCarry {
  scanId: string;
  asOf: string;
  modelId: string | null;
  afterId: string | null;
  scored: number;
  atRisk: number;
  interventions: Record<'email' | 'in_app' | 'human', number>;
  coolingDown: number;
}

export interface ChurnScanInput {
  version: 1;
  /** Contacts per batch activity; default 200. */
  batchSize?: number;
  /** Batches per run before continuing as new; default 100. */
  batchesPerRun?: number;
  carry?: ChurnScanCarry;
}

export interface ChurnScanResult {
  scanId: string;
  asOf: string;
  method: 'model' | 'heuristic';
  modelId: string | null;
  scored: number;
  atRisk: number;
  interventions: Record<'email' | 'in_app' | 'human', number>;
  /** At-risk contacts left alone because they had an intervention within the cool-down. */
  coolingDown: number;
}

export interface ChurnIntervention {
  contactId: string;
  type: 'email' | 'in_app' | 'human';
  riskScore: number;
  reasons: string[];
}
