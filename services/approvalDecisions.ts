import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { LinkSigner } from '../infra/signing';
import { decideUpdate } from '../workflows/approvalMessages';
import type { ApprovalDecisionInput, ApprovalWorkflowResult, DecisionProofVerdict } from '../workflows/types';

/** What a decision proof is signed for, so no other signed token (an unsubscribe link) passes as one. */
export const DECISION_PROOF_PURPOSE = 'approval-decision';
/** Long enough for the update to reach a busy worker, short enough that a proof seen in a history is stale. */
export const DECISION_PROOF_TTL_MS = 5 * 60_000;

/** A decision as a person made it, before the server signs it. */
export type UnsignedDecision = Omit<ApprovalDecisionInput, 'proof'>;

/** The signed statement: every field of the decision and the approval it is for, in a fixed order. */
const statementSchema = z
  .object({
    workflowId: z.string(),
    decision: z.enum(['approve', 'reject']),
    by: z.string(),
    person: z
      .object({ userId: z.string().nullable(), email: z.string().nullable(), via: z.string().nullable() })
      .strict()
      .nullable()
      .default(null),
    role: z.string().nullable(),
    comment: z.string().nullable(),
    at: z.string(),
  })
  .strict();
type Statement = z.infer<typeof statementSchema>;

function statement(workflowId: string, d: UnsignedDecision, at: string): string {
  const s: Statement = {
    workflowId,
    decision: d.decision,
    by: d.by,
    person: d.person ?? null,
    role: d.role ?? null,
    comment: d.comment ?? null,
    at,
  };
  return JSON.stringify(s);
}

/** The decision with its proof: the server's signature over the approval's workflow id and every field. */
export function signDecision(
  signer: LinkSigner,
  workflowId: string,
  decision: UnsignedDecision,
  now = Date.now(),
): ApprovalDecisionInput {
  const proof = signer.sign(
    DECISION_PROOF_PURPOSE,
    statement(workflowId, decision, new Date(now).toISOString()),
    DECISION_PROOF_TTL_MS,
    now,
  );
  return { ...decision, proof };
}

const refuse = (reason: string): DecisionProofVerdict => ({ valid: false, reason });

const samePerson = (signed: Statement['person'], given: ApprovalDecisionInput['person']) =>
  signed === null
    ? given === undefined || given === null
    : given != null && signed.userId === given.userId && signed.email === given.email && signed.via === given.via;

/**
 * Whether a decision arriving at an approval workflow was signed by this server for that approval, as it stands
 * (same decision, person, role and comment), by the chairman, within the last few minutes.
 */
export function checkDecisionProof(
  signer: LinkSigner,
  workflowId: string,
  decision: ApprovalDecisionInput,
  now = Date.now(),
): DecisionProofVerdict {
  if (typeof decision.proof !== 'string' || decision.proof === '') return refuse('the decision carries no proof');
  const signed = signer.verify(DECISION_PROOF_PURPOSE, decision.proof, now);
  if (signed === undefined) return refuse('the proof is not signed by this server, or it has expired');
  let parsed: ReturnType<typeof statementSchema.safeParse>;
  try {
    parsed = statementSchema.safeParse(JSON.parse(signed));
  } catch {
    return refuse('the proof does not state a decision');
  }
  if (!parsed.success) return refuse('the proof does not state a decision');
  const s = parsed.data;
  if (s.workflowId !== workflowId) return refuse('the proof is for another request');
  if (
    s.decision !== decision.decision ||
    s.by !== decision.by ||
    !samePerson(s.person, decision.person) ||
    s.role !== (decision.role ?? null) ||
    s.comment !== (decision.comment ?? null)
  )
    return refuse('the proof is for another decision');
  if (s.role !== 'chairman') return refuse('only the chairman decides');
  return { valid: true };
}

/**
 * Signs a decision and sends it to the approval workflow's `decide` update: the one way the API and the commands
 * decide. Errors are the Temporal client's (a refusal is a `WorkflowUpdateFailedError`), for the caller to answer.
 */
export function executeDecision(
  temporal: Client,
  signer: LinkSigner,
  workflowId: string,
  decision: UnsignedDecision,
): Promise<ApprovalWorkflowResult> {
  return temporal.workflow
    .getHandle(workflowId)
    .executeUpdate(decideUpdate, { args: [signDecision(signer, workflowId, decision)] });
}
