import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import type { Contact } from '../db/stores/contacts';
import { EnrollmentStore } from '../db/stores/enrollments';
import { EventStore, type NewEvent } from '../db/stores/events';
import { SequenceStore, type SequenceRecord } from '../db/stores/sequences';
import { getSequenceWorkflowId, TASK_QUEUES } from '../domain/ids';
import { matchesEvent } from '../domain/sequences/conditions';
import { parseDuration } from '../domain/sequences/duration';
import { eventSignal, sequenceWorkflow } from '../workflows/sequenceWorkflow';
import type { ProductEvent, SequenceWorkflowInput } from '../workflows/types';
import type { Metrics } from '../infra/metrics';

export interface IncomingEvent extends NewEvent {
  contact: Contact;
}

export type EventOutcome = { status: 'accepted' | 'duplicate'; eventId: number; enrolled: string[] };

export type EnrollResult =
  { enrolled: true; workflowId: string; runId: string } | { enrolled: false; workflowId: string; reason: string };

/**
 * Turns stored product events into workflow actions: a trigger event enrolls the contact by
 * signal-with-start, any other event is signalled to the contact's running enrollments. Nothing polls.
 */
export class EnrollmentService {
  private readonly events: EventStore;
  private readonly sequences: SequenceStore;
  private readonly enrollments: EnrollmentStore;

  constructor(
    db: Db,
    private readonly temporal: Client,
    private readonly metrics?: Metrics,
    private readonly taskQueue: string = TASK_QUEUES.main,
  ) {
    this.events = new EventStore(db);
    this.sequences = new SequenceStore(db);
    this.enrollments = new EnrollmentStore(db);
  }

  /**
   * Stores the events, then delivers each to the workflows in order. An event repeated under an idempotency
   * key is not stored twice, and is delivered again only if its first delivery never completed.
   */
  async ingest(incoming: IncomingEvent[]): Promise<EventOutcome[]> {
    const outcomes = await this.events.insertMany(incoming);
    this.metrics?.eventsAccepted.inc(outcomes.filter((o) => !o.duplicate).length);
    const names = [...new Set(incoming.map((e) => e.name))];
    const triggered = await this.sequences.listTriggeredBy(names);
    const active = await this.enrollments.listActiveForContacts([...new Set(incoming.map((e) => e.contact.id))]);
    const running = new Map<string, Set<string>>();
    for (const e of active)
      (running.get(e.contactId) ?? running.set(e.contactId, new Set()).get(e.contactId)!).add(e.workflowId);

    const results: EventOutcome[] = [];
    const delivered: number[] = [];
    for (const [i, event] of incoming.entries()) {
      const outcome = outcomes[i]!;
      const status = outcome.duplicate ? 'duplicate' : 'accepted';
      if (outcome.duplicate && outcome.delivered) {
        results.push({ status, eventId: outcome.id, enrolled: [] });
        continue;
      }
      const productEvent: ProductEvent = {
        name: event.name,
        properties: event.properties,
        occurredAt: event.occurredAt.toISOString(),
      };
      const enrolled: string[] = [];
      const contactRuns =
        running.get(event.contact.id) ?? running.set(event.contact.id, new Set()).get(event.contact.id)!;
      const startedHere = new Set<string>();
      for (const sequence of triggered) {
        if (!sequence.definition.triggers.some((t) => matchesEvent(t, productEvent))) continue;
        const result = await this.enroll(
          event.contact,
          sequence,
          productEvent,
          contactRuns.has(getSequenceWorkflowId(sequence.key, event.contact.id)),
        );
        if (result.enrolled) {
          enrolled.push(sequence.key);
          contactRuns.add(result.workflowId);
        }
        startedHere.add(result.workflowId);
      }
      for (const workflowId of contactRuns) {
        if (!startedHere.has(workflowId)) await this.signal(workflowId, productEvent);
      }
      delivered.push(outcome.id);
      results.push({ status, eventId: outcome.id, enrolled });
    }
    await this.events.markDelivered(delivered);
    return results;
  }

  /**
   * Enrolls a contact into a sequence on the definition's current version, honouring the re-entry rule.
   * If the contact is already in it, the event is delivered to that enrollment instead.
   */
  async enroll(
    contact: Contact,
    sequence: SequenceRecord,
    trigger: ProductEvent,
    alreadyRunning?: boolean,
  ): Promise<EnrollResult> {
    const workflowId = getSequenceWorkflowId(sequence.key, contact.id);
    if (contact.unsubscribedAt && sequence.definition.category === 'marketing') {
      return { enrolled: false, workflowId, reason: 'the contact unsubscribed from marketing email' };
    }
    const latest = await this.enrollments.latest(contact.id, sequence.key);
    let running = alreadyRunning ?? latest?.status === 'active';
    if (running && latest?.status === 'active' && !(await this.isRunning(workflowId))) {
      // Terminated or failed from outside (an operator in the Temporal UI): the row must not block re-entry.
      await this.enrollments.update(workflowId, { status: 'failed', exitReason: 'the run ended outside the sequence' });
      running = false;
    }
    if (!running && latest) {
      const rule = sequence.definition.reentry;
      if (rule.mode === 'never')
        return { enrolled: false, workflowId, reason: 'already enrolled once; re-entry is never' };
      if (rule.mode === 'after') {
        const allowedAt = latest.enrolledAt.getTime() + parseDuration(rule.after!);
        if (Date.now() < allowedAt) {
          return { enrolled: false, workflowId, reason: `re-entry allowed after ${new Date(allowedAt).toISOString()}` };
        }
      }
    }
    const enrolledAt = new Date();
    const input: SequenceWorkflowInput = {
      version: 1,
      enrolledAt: enrolledAt.toISOString(),
      sequenceKey: sequence.key,
      sequenceVersion: sequence.currentVersion,
      definition: sequence.definition,
      contactId: contact.id,
      trigger,
    };
    const handle = await this.temporal.workflow.signalWithStart(sequenceWorkflow, {
      workflowId,
      taskQueue: this.taskQueue,
      args: [input],
      signal: eventSignal,
      signalArgs: [trigger],
    });
    this.metrics?.workflowStarts.inc({ workflow: 'sequenceWorkflow' });
    if (running) return { enrolled: false, workflowId, reason: 'already in this sequence' };
    // Recorded here as well as by the workflow, so an event that follows at once finds the enrollment.
    await this.enrollments.start({
      sequenceKey: sequence.key,
      sequenceVersion: sequence.currentVersion,
      contactId: contact.id,
      workflowId,
      runId: handle.signaledRunId,
      enrolledAt,
    });
    return { enrolled: true, workflowId, runId: handle.signaledRunId };
  }

  private async isRunning(workflowId: string): Promise<boolean> {
    try {
      return (await this.temporal.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** Delivers an event to a running enrollment; one that ended meanwhile is skipped. */
  async signal(workflowId: string, event: ProductEvent): Promise<void> {
    try {
      await this.temporal.workflow.getHandle(workflowId).signal(eventSignal, event);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
}
