import type { SequenceDefinition } from '../domain/sequences/definition';
import type { QuietHours } from '../domain/sequences/time';
import type { Channel } from '../domain/messages';

/** Inputs, results, carries and query views of the sequence workflow and its send activity. */

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
  /** Set when the run continued as new in the middle of `stepId`'s wait: the next run waits on to this instant. */
  resumeUntil?: string;
}

export interface SequenceWorkflowInput {
  /** 1: the trigger was also signalled beside the start (signal-with-start); 2: it comes in the input only. */
  version: 1 | 2;
  sequenceKey: string;
  sequenceVersion: number;
  /** The definition as it was at enrollment: editing the sequence later does not change this run. */
  definition: SequenceDefinition;
  contactId: string;
  trigger: ProductEvent;
  /** When the enrollment was made, as recorded by whoever enrolled (the same instant in the database). */
  enrolledAt?: string;
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
  /** The channel when it is not email (the step's `channel`). */
  channel?: Exclude<Channel, 'email'>;
  /** A webhook step's URL. */
  url?: string;
  template: string;
  /** The step's own subject; the template's when the step gives none. */
  subject?: string;
  from?: string;
  marketing: boolean;
  workflowId: string;
  stepId: string;
  sequenceKey: string;
  variant?: string;
  /** Values for the template besides the contact's own (the event that led here, the trigger). */
  vars: Record<string, unknown>;
  /** The sequence's quiet hours, kept by the activity in the contact's time zone as it is at send time. */
  quietHours?: QuietHours;
  /** False when the sequence turned our open and click tracking off. */
  tracking?: false;
}

export type SendEmailResult =
  | { status: 'sent' | 'duplicate'; providerMessageId: string | null }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; reason: string }
  /** The address is on the suppression list: nothing was handed to the provider. */
  | { status: 'suppressed'; reason: string }
  | { status: 'deferred'; retryAt: string };

export interface ContactSnapshot {
  id: string;
  email: string;
  timezone: string;
  traits: Record<string, unknown>;
  unsubscribed: boolean;
}
