import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ApprovalDecisionInput, ApprovalState, ApprovalWorkflowResult } from './types';

// What clients exchange with the approval workflow, apart from its code: the API and services import these
// without importing the workflow (and through it the activities' types).

/** The chairman's decision; refused (so the caller gets an error) once decided or expired. */
export const decideUpdate = defineUpdate<ApprovalWorkflowResult, [ApprovalDecisionInput]>('decide');
export const approvalStatusQuery = defineQuery<ApprovalState>('status');

/** Failure types a decision is refused with when it comes too late or too soon; the API answers 409 for these. */
export const APPROVAL_REFUSALS = {
  alreadyDecided: 'ApprovalAlreadyDecided',
  expired: 'ApprovalExpired',
  /** Another decision is being checked; the request may still be open once it is done. */
  deciding: 'ApprovalDecisionInProgress',
} as const;

/** The failure type of a decision without a valid proof: it was not made through the server, which signs them. */
export const INVALID_DECISION_PROOF = 'InvalidDecisionProof';
