/** The approval gate's input, result, decision and query view: declared here once for workflows, activities and API. */

import type { ApprovalRequestDetails } from '../domain/approvalRequest';
import type { ApprovalSubjectType } from '../domain/ids';
import type { Person } from '../domain/identity';

export type { ApprovalRequestDetails } from '../domain/approvalRequest';
/** What an approval is about. */
export type ApprovalSubject = ApprovalSubjectType;

/** How long an approval waits, as ISO-8601 durations (PT24H, P2D, P7D). */
export interface ApprovalTiming {
  /** Reminders to the approvers, at this interval after the request. */
  reminderEvery: string;
  /** An escalation email once, this long after the request. */
  escalateAfter: string;
  /** The request ends as expired (a rejection) this long after it was made. */
  expireAfter: string;
}

/** Who is asked, who hears of a stalled request, and how long it waits: the gate a workflow puts its subject to. */
export interface ApprovalGate {
  policy: ApprovalTiming;
  /** Who is asked and reminded (email addresses). */
  approvers: string[];
  /** Who hears of a request nobody decided within `escalateAfter` (email addresses). */
  escalateTo: string[];
}

/** The approval workflow's input. */
export interface ApprovalWorkflowInput extends ApprovalRequestDetails, ApprovalGate {
  version: 1;
  ventureName?: string;
}

/** The approvals row the workflow writes when it starts: the request, with its run and its instants. */
export interface ApprovalRequestRecord extends ApprovalRequestDetails {
  workflowId: string;
  requestedAt: string;
  expiresAt: string;
}

/** The `decide` update's argument. */
export interface ApprovalDecisionInput {
  decision: 'approve' | 'reject';
  by: string;
  /** The person behind `by` (user id, email, how they acted), signed with the rest. */
  person?: Person;
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
  person?: Person;
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
