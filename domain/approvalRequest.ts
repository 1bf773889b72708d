import type { Person } from './identity';
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
  /** The person behind `requestedBy`, when it is one: the request's audit row names them. */
  requester?: Person;
  details?: Record<string, unknown>;
}
