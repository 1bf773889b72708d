import type { Person, Via } from '../../domain/identity';
import type { ApprovalRequestDetails } from '../../domain/approvalRequest';
import type { ApprovalSubjectType } from '../../domain/ids';
import type { Db } from '../knex';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired';

export interface Approval {
  id: string;
  subjectType: ApprovalSubjectType;
  subjectId: string;
  workflowId: string;
  status: ApprovalStatus;
  title: string;
  summary: string | null;
  amount: number | null;
  currency: string | null;
  requestedBy: string;
  details: Record<string, unknown>;
  decidedBy: string | null;
  /** The person who decided (user id, email, how), when a signed-in person or their key did. */
  decider: Person | null;
  decisionComment: string | null;
  decidedAt: Date | null;
  remindersSent: number;
  escalatedAt: Date | null;
  expiresAt: Date | null;
  createdAt: Date;
}

interface ApprovalRow {
  id: string;
  subject_type: ApprovalSubjectType;
  subject_id: string;
  workflow_id: string;
  status: ApprovalStatus;
  title: string;
  summary: string | null;
  amount: number | null;
  currency: string | null;
  requested_by: string;
  details: Record<string, unknown>;
  decided_by: string | null;
  decided_by_user_id: string | null;
  decided_by_email: string | null;
  decided_via: Via | null;
  decision_comment: string | null;
  decided_at: Date | null;
  reminders_sent: number;
  escalated_at: Date | null;
  expires_at: Date | null;
  created_at: Date;
}

const toApproval = (r: ApprovalRow): Approval => ({
  id: r.id,
  subjectType: r.subject_type,
  subjectId: r.subject_id,
  workflowId: r.workflow_id,
  status: r.status,
  title: r.title,
  summary: r.summary,
  amount: r.amount === null ? null : Number(r.amount),
  currency: r.currency,
  requestedBy: r.requested_by,
  details: r.details ?? {},
  decidedBy: r.decided_by,
  decider:
    r.decided_by_user_id || r.decided_by_email || r.decided_via
      ? { userId: r.decided_by_user_id, email: r.decided_by_email, via: r.decided_via }
      : null,
  decisionComment: r.decision_comment,
  decidedAt: r.decided_at,
  remindersSent: r.reminders_sent,
  escalatedAt: r.escalated_at,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
});

export interface NewApproval extends ApprovalRequestDetails {
  workflowId: string;
  requestedAt: Date;
  expiresAt: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Approvals: one row per approval workflow (workflow_id is unique), the chairman's inbox. */
export class ApprovalStore {
  constructor(private readonly db: Db) {}

  /** Records a request once per workflow; a retried call finds the first row. */
  async request(input: NewApproval): Promise<{ approval: Approval; created: boolean }> {
    const inserted = await this.db('approvals')
      .insert({
        subject_type: input.subjectType,
        subject_id: input.subjectId,
        workflow_id: input.workflowId,
        status: 'pending',
        title: input.title,
        summary: input.summary ?? null,
        amount: input.amount ?? null,
        currency: input.currency ?? null,
        requested_by: input.requestedBy,
        details: JSON.stringify(input.details ?? {}),
        expires_at: input.expiresAt,
        created_at: input.requestedAt,
      })
      .onConflict('workflow_id')
      .ignore()
      .returning('*');
    if (inserted[0]) return { approval: toApproval(inserted[0] as ApprovalRow), created: true };
    const existing = await this.db<ApprovalRow>('approvals').where({ workflow_id: input.workflowId }).first();
    return { approval: toApproval(existing!), created: false };
  }

  async get(id: string): Promise<Approval | undefined> {
    if (!UUID.test(id)) return undefined;
    const row = await this.db<ApprovalRow>('approvals').where({ id }).first();
    return row && toApproval(row);
  }

  async getByWorkflowId(workflowId: string): Promise<Approval | undefined> {
    const row = await this.db<ApprovalRow>('approvals').where({ workflow_id: workflowId }).first();
    return row && toApproval(row);
  }

  async list(
    filter: { status?: ApprovalStatus; subjectType?: ApprovalSubjectType; subjectId?: string; limit?: number } = {},
  ): Promise<Approval[]> {
    const q = this.db<ApprovalRow>('approvals')
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .limit(filter.limit ?? 200);
    if (filter.status) q.where('status', filter.status);
    if (filter.subjectType) q.where('subject_type', filter.subjectType);
    if (filter.subjectId) q.where('subject_id', filter.subjectId);
    return (await q).map(toApproval);
  }

  async recordReminder(id: string, remindersSent: number): Promise<void> {
    await this.db('approvals').where({ id }).update({ reminders_sent: remindersSent });
  }

  async recordEscalation(id: string, at: Date): Promise<void> {
    await this.db('approvals').where({ id }).whereNull('escalated_at').update({ escalated_at: at });
  }

  /** Closes a pending request; false when it was already closed (a retried call). */
  async decide(
    id: string,
    decision: {
      status: Exclude<ApprovalStatus, 'pending'>;
      decidedBy: string | null;
      person?: Person;
      comment: string | null;
      at: Date;
    },
  ): Promise<boolean> {
    const n = await this.db('approvals')
      .where({ id, status: 'pending' })
      .update({
        status: decision.status,
        decided_by: decision.decidedBy,
        decided_by_user_id: decision.person?.userId ?? null,
        decided_by_email: decision.person?.email ?? null,
        decided_via: decision.person?.via ?? null,
        decision_comment: decision.comment,
        decided_at: decision.at,
      });
    return n > 0;
  }
}
