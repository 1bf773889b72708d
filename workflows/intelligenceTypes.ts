import type { StrategyRequest } from '../domain/strategyDraft';
import type { ApprovalGate } from './approvalTypes';

/** GTM intelligence: influencer scoring, strategies, churn scan. */

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
  /** Influencers per batch activity; default 1,000 (100 for runs started before larger batches). */
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
  approval: ApprovalGate;
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
