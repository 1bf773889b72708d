import type { Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import {
  applyProposal,
  draftProposal,
  measureProposal,
  reallocationCandidates,
  recordDecision,
} from '../services/reallocationProposals';
import type { ApprovalWorkflowResult } from '../workflows/approvalTypes';
import type { ProposalWorkflowInput } from '../workflows/proposalTypes';

export interface ProposalActivityDeps {
  db: Db;
  /** The client that reaches the campaigns' runs: their status, and the `reallocate` update that applies a split. */
  temporal?: Client;
}

/** Activities of the reallocation proposal workflows: draft, decision, application, measurement, the weekly list. */
export function createProposalActivities({ db, temporal }: ProposalActivityDeps) {
  const client = (): Client => {
    if (!temporal) throw new Error('reallocation proposals need a Temporal client in the worker');
    return temporal;
  };
  return {
    /** Fits the campaign's curves and stores the proposal (once per workflow), saying who lets it go ahead. */
    draftReallocationProposal: (input: ProposalWorkflowInput & { workflowId: string }) =>
      draftProposal({ db, temporal: client() }, input),
    /** Records the chairman's decision on a proposal that waited for him. */
    recordProposalDecision: (input: { proposalId: string; decision: ApprovalWorkflowResult }) =>
      recordDecision(db, input.proposalId, input.decision),
    /** Has the campaign apply the split (its `reallocate` update, once per proposal) and records the outcome. */
    applyReallocationProposal: (input: Parameters<typeof applyProposal>[1]) =>
      applyProposal({ db, temporal: client() }, input),
    /** Records the conversions of the measuring window beside those predicted. */
    measureReallocationProposal: (input: { proposalId: string }) => measureProposal(db, input.proposalId),
    /** The campaigns the weekly round makes proposals for. */
    listReallocationCandidates: () => reallocationCandidates(db),
  };
}
