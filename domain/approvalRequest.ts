import type { ApprovalSubjectType } from './ids';

/** What is asked for: the subject, its wording and amount, and who asks. Stored as the approvals row. */
export interface ApprovalRequestDetails {
  subjectType: ApprovalSubjectType;
  subjectId: string;
  title: string;
  summary?: string;
  amount?: number;
  currency?: string;
  requestedBy: string;
  details?: Record<string, unknown>;
}
