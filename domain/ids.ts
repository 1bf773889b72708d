/** Task queues, kebab-case, one module. */
export const TASK_QUEUES = {
  /** Sequences, campaigns, approvals, strategies: the workflows and their light activities. */
  main: 'gtm-main',
} as const;

/**
 * Workflow ids are built from business keys, so a second start for the same key finds the first. An enrollment's
 * uses the contact's internal id, not the client's: the API, the event intake and the outbox's idempotency keys
 * derive it again from that id, so changing it would start a second run beside every enrollment in flight. The
 * client's id is in the `ContactId` search attribute and the memo instead.
 */
export function getSequenceWorkflowId(sequenceKey: string, contactId: string): string {
  return `seq:${sequenceKey}:${contactId}`;
}

export function getCampaignWorkflowId(campaignId: string): string {
  return `campaign:${campaignId}`;
}

/** What the chairman can be asked to approve (the `approval_subject` enum in the database). */
export const APPROVAL_SUBJECT_TYPES = [
  'campaign',
  'budget_change',
  'strategy',
  'influencer_deal',
  'broadcast',
  'reallocation',
] as const;
export type ApprovalSubjectType = (typeof APPROVAL_SUBJECT_TYPES)[number];

export function getApprovalWorkflowId(subjectType: ApprovalSubjectType, subjectId: string): string {
  return `approval:${subjectType}:${subjectId}`;
}

/** A reallocation proposal: the campaign's n-th, from the weekly schedule or a person's split. */
export function getProposalWorkflowId(campaignId: string, n: number): string {
  return `proposal:${campaignId}:${n}`;
}

export function getStrategyWorkflowId(strategyId: string): string {
  return `strategy:${strategyId}`;
}

export function getInfluencerScoringWorkflowId(ventureId: string, runId: string): string {
  return `influencers:${ventureId}:${runId}`;
}

/**
 * The idempotency key of one email: the workflow id and the step, qualified by the enrollment (the first
 * run id, stable across continue-as-new, new on re-entry) and the visit (a looping nurture sends a step again).
 */
export function getSendIdempotencyKey(
  workflowId: string,
  enrollmentRunId: string,
  stepId: string,
  visit: number,
): string {
  return `${workflowId}/${enrollmentRunId}/${stepId}#${visit}`;
}

/** One schedule per task queue: the product's is `name`; a stack on a queue of its own gets its own. */
export function scheduleIdFor(name: string, taskQueue: string = TASK_QUEUES.main): string {
  return taskQueue === TASK_QUEUES.main ? name : `${name}:${taskQueue}`;
}
