import type { SequenceDefinition } from '../domain/sequences/definition';

/** A product event as the workflows see it. */
export interface ProductEvent {
  name: string;
  properties: Record<string, unknown>;
  occurredAt: string;
}

/** What a sequence run carries into its next run when it continues as new. */
export interface SequenceCarry {
  enrollmentRunId: string;
  enrolledAt: string;
  stepId: string | null;
  visits: Record<string, number>;
  sends: number;
  variant?: string;
  lastEvent?: ProductEvent;
  pendingEvents: ProductEvent[];
}

export interface SequenceWorkflowInput {
  version: 1;
  sequenceKey: string;
  sequenceVersion: number;
  /** The definition as it was at enrollment: editing the sequence later does not change this run. */
  definition: SequenceDefinition;
  contactId: string;
  trigger: ProductEvent;
  carry?: SequenceCarry;
}

export type SequenceOutcome = 'completed' | 'converted' | 'exited' | 'unsubscribed';

export interface SequenceWorkflowResult {
  outcome: SequenceOutcome;
  sends: number;
  variant?: string;
  revenue?: number;
  reason?: string;
}

export interface SequenceState {
  sequenceKey: string;
  sequenceVersion: number;
  status: 'active' | SequenceOutcome;
  currentStep: string | null;
  waitingFor?: { event?: string; until: string };
  sends: number;
  variant?: string;
  enrolledAt: string;
}

export interface SendEmailInput {
  idempotencyKey: string;
  contactId: string;
  template: string;
  subject: string;
  from?: string;
  marketing: boolean;
  workflowId: string;
  stepId: string;
  sequenceKey: string;
  variant?: string;
  /** Values for the template besides the contact's own (the event that led here, the trigger). */
  vars: Record<string, unknown>;
}

export type SendEmailResult =
  | { status: 'sent' | 'duplicate'; providerMessageId: string | null }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; reason: string }
  | { status: 'deferred'; retryAt: string };

export interface ContactSnapshot {
  id: string;
  email: string;
  timezone: string;
  traits: Record<string, unknown>;
  unsubscribed: boolean;
}
