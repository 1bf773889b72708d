/** The reallocation proposal workflows' inputs, results and query view: declared once for workflows, activities and API. */
import type { Person } from '../domain/identity';
import type { ProposalGate } from '../domain/reallocationProposal';
import type { Estimate } from '../domain/responseCurves';
import type { ApprovalGate, ApprovalWorkflowInput } from './approvalTypes';

/** How proposals are governed, from configuration: the chairman's percentage, the measuring window, his gate. */
export interface ReallocationPolicy {
  /** A proposal moving more than this percentage of the daily budget waits for the chairman. */
  approvalPct: number;
  /** Days after applying that predicted conversions are measured against the actual. */
  windowDays: number;
  gate: ApprovalGate;
}

/** The proposal workflow's input: `proposal:{campaignId}:{n}`. */
export interface ProposalWorkflowInput {
  version: 1;
  campaignId: string;
  n: number;
  source: 'fitted' | 'chosen';
  requestedBy: string;
  requester?: Person;
  /** The role the person asked in; a chairman's own split needs nobody else. */
  role?: string;
  /** The split a person chose; without it the fitted curves propose one. */
  shares?: Record<string, number>;
  policy: ReallocationPolicy;
}

/** What the draft activity decided: a proposal and who lets it go ahead, or why there is none. */
export type ProposalDraft =
  | { proposalId: string; made: false; reason: string }
  | {
      proposalId: string;
      made: true;
      gate: ProposalGate;
      shares: Record<string, number>;
      movedPct: number;
      reason: string;
      /** The approval request when the chairman decides. */
      approval?: ApprovalWorkflowInput;
      /** Conversions a day expected at the proposed split. */
      expectedProposed: Estimate | null;
    };

/** The proposal workflow's `status` query. */
export interface ProposalStatusView {
  campaignId: string;
  n: number;
  proposalId?: string;
  stage: 'drafting' | 'no_proposal' | 'recommended' | 'awaiting_approval' | 'rejected' | 'applied' | 'not_applied';
  reason?: string;
  shares?: Record<string, number>;
  movedPct?: number;
  approvalWorkflowId?: string;
  appliedAt?: string;
  measureAt?: string;
  measured?: { actual: number; predicted: Estimate | null; days: number };
}

/** The weekly scan's input: started by a Temporal Schedule with the policy of the configuration it was made with. */
export interface ReallocationScanInput {
  version: 1;
  policy: ReallocationPolicy;
}

/** What a scan started. */
export interface ReallocationScanResult {
  started: string[];
  /** Campaigns passed over, with why (a proposal still open, a start already made). */
  skipped: Array<{ campaignId: string; reason: string }>;
}
