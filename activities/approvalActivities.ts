import { auditPerson, type Person } from '../domain/identity';
import type { Db } from '../db/knex';
import { ApprovalStore } from '../db/stores/approvals';
import { AuditLog } from '../db/stores/audit';
import type { LinkSigner } from '../infra/signing';
import { checkDecisionProof } from '../services/approvalDecisions';
import type {
  ApprovalDecisionInput,
  ApprovalOutcome,
  ApprovalRequestRecord,
  ApprovalSubject,
  DecisionProofVerdict,
} from '../workflows/types';

export interface ApprovalActivityDeps {
  db: Db;
  /** Holds the secret the API signs decisions with. */
  signer: LinkSigner;
}

/**
 * Activities of the approval workflow: the approvals row and the audit log, written together, and the check that
 * a decision was signed by the server.
 */
export function createApprovalActivities({ db, signer }: ApprovalActivityDeps) {
  const approvals = new ApprovalStore(db);

  return {
    /**
     * Whether a decision sent to an approval workflow carries the server's proof for that approval, as it stands,
     * by the chairman; done here because the secret stays out of workflow code and histories.
     * @remarks Run as a local activity; no I/O, and a bad proof is an answer (`valid: false`), never an error to retry.
     */
    async verifyApprovalDecision(input: {
      workflowId: string;
      decision: ApprovalDecisionInput;
    }): Promise<DecisionProofVerdict> {
      return checkDecisionProof(signer, input.workflowId, input.decision);
    },

    /**
     * Records an approval request (and audits it) once per approval workflow.
     * @remarks Idempotent by workflow id: a retry returns the row of the first attempt without a second audit entry.
     */
    async recordApprovalRequest(input: ApprovalRequestRecord): Promise<{ approvalId: string }> {
      return db.transaction(async (trx) => {
        const { approval, created } = await new ApprovalStore(trx).request({
          ...input,
          requestedAt: new Date(input.requestedAt),
          expiresAt: new Date(input.expiresAt),
        });
        if (created) {
          await new AuditLog(trx).record({
            actor: input.requestedBy,
            ...auditPerson(input.requester),
            action: 'approval.requested',
            subjectType: input.subjectType,
            subjectId: input.subjectId,
            details: {
              approvalId: approval.id,
              workflowId: input.workflowId,
              title: input.title,
              amount: input.amount ?? null,
              currency: input.currency ?? null,
              expiresAt: input.expiresAt,
            },
          });
        }
        return { approvalId: approval.id };
      });
    },

    /** Counts a reminder sent for an approval. @remarks Idempotent: it stores the count, not an increment. */
    async recordApprovalReminder(input: { approvalId: string; remindersSent: number }): Promise<void> {
      await approvals.recordReminder(input.approvalId, input.remindersSent);
    },

    /** Marks an approval escalated and audits it. @remarks A retry finds it escalated and audits nothing more. */
    async recordApprovalEscalation(input: {
      approvalId: string;
      subjectType: ApprovalSubject;
      subjectId: string;
      escalatedAt: string;
      escalateTo: string[];
    }): Promise<void> {
      await db.transaction(async (trx) => {
        const before = await new ApprovalStore(trx).get(input.approvalId);
        if (!before || before.escalatedAt) return;
        await new ApprovalStore(trx).recordEscalation(input.approvalId, new Date(input.escalatedAt));
        await new AuditLog(trx).record({
          actor: 'system',
          action: 'approval.escalated',
          subjectType: input.subjectType,
          subjectId: input.subjectId,
          details: { approvalId: input.approvalId, escalateTo: input.escalateTo },
        });
      });
    },

    /**
     * Closes an approval with its outcome and audits who decided.
     * @remarks Idempotent: only a pending row is closed, and only a closing write is audited.
     */
    async recordApprovalDecision(input: {
      approvalId: string;
      subjectType: ApprovalSubject;
      subjectId: string;
      outcome: ApprovalOutcome;
      by: string | null;
      person?: Person;
      role?: string;
      comment: string | null;
      decidedAt: string;
    }): Promise<void> {
      await db.transaction(async (trx) => {
        const closed = await new ApprovalStore(trx).decide(input.approvalId, {
          status: input.outcome,
          decidedBy: input.by,
          ...(input.person ? { person: input.person } : {}),
          comment: input.comment,
          at: new Date(input.decidedAt),
        });
        if (!closed) return;
        await new AuditLog(trx).record({
          actor: input.by ?? 'system',
          ...auditPerson(input.person),
          ...(input.role ? { actorRole: input.role } : {}),
          action: `approval.${input.outcome}`,
          subjectType: input.subjectType,
          subjectId: input.subjectId,
          details: { approvalId: input.approvalId, comment: input.comment },
        });
      });
    },
  };
}
