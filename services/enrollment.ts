import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import type { Contact } from '../db/stores/contacts';
import { EnrollmentStore } from '../db/stores/enrollments';
import { EventStore, type NewEvent } from '../db/stores/events';
import { SegmentStore, segmentsGeneration, type SegmentChangeEvent, type SegmentPlan } from '../db/stores/segments';
import { SequenceStore, type SequenceRecord } from '../db/stores/sequences';
import { getSequenceWorkflowId, TASK_QUEUES } from '../domain/ids';
import { matchesEvent } from '../domain/sequences/conditions';
import { inHoldout } from '../domain/sequences/split';
import { heardEvents } from '../domain/sequences/heardEvents';
import { parseDuration } from '../domain/sequences/duration';
import type { SequenceDefinition } from '../domain/sequences/definition';
import { CONTACT_MEMO_KEY, contactIdKey, sequenceKeyKey } from '../workflows/searchAttributes';
import { eventSignal, SEQUENCE_WORKFLOW, type SequenceWorkflow } from '../workflows/sequenceMessages';
import type { ProductEvent, SequenceWorkflowInput } from '../workflows/types';
import type { Metrics } from '../infra/metrics';
import { mapLimit } from './mapLimit';

export interface IncomingEvent extends NewEvent {
  contact: Contact;
}

/** The names of the events an enrollment reacts to. */
type Heard = Pick<ReadonlySet<string>, 'has'>;

/** Contacts whose events are delivered at once, within one ingest call. */
const DELIVERY_CONCURRENCY = 8;
/** How long the list of segment definitions is kept; a change made in this process is seen at once. */
const SEGMENT_PLANS_TTL_MS = 5_000;
/**
 * The last ingest round that evaluates segments: product events (round 0) may move contacts into segments, and the
 * `segment.*` events that result (round 1) may move them into segments defined over those; whatever that emits is
 * stored and delivered but evaluates nothing, so definitions that read each other cannot loop.
 */
const LAST_SEGMENT_ROUND = 1;

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
  private readonly heard = new Map<string, Heard>();
  private readonly segments: SegmentStore;
  private segmentPlans?: { at: number; generation: number; plans: SegmentPlan[] };

  constructor(
    db: Db,
    private readonly temporal: Client,
    private readonly metrics?: Metrics,
    private readonly taskQueue: string = TASK_QUEUES.main,
  ) {
    this.events = new EventStore(db);
    this.sequences = new SequenceStore(db);
    this.enrollments = new EnrollmentStore(db);
    this.segments = new SegmentStore(db);
  }

  /**
   * Stores the events, then delivers them to the workflows: each contact's in order, several contacts at once.
   * An event repeated under an idempotency key is not stored twice, and is delivered again only if its first
   * delivery never completed. Then the segments that read these events are evaluated again for these contacts.
   */
  async ingest(incoming: IncomingEvent[]): Promise<EventOutcome[]> {
    return this.ingestRound(incoming, 0);
  }

  private async ingestRound(incoming: IncomingEvent[], round: number): Promise<EventOutcome[]> {
    const outcomes = await this.events.insertMany(incoming);
    this.metrics?.eventsAccepted.inc(outcomes.filter((o) => !o.duplicate).length);
    const triggered = await this.sequences.listTriggeredBy([...new Set(incoming.map((e) => e.name))]);
    const active = await this.enrollments.listActiveForContacts([...new Set(incoming.map((e) => e.contact.id))]);
    // Per contact, each running enrollment and the events it can react to.
    const running = new Map<string, Map<string, Heard>>();
    for (const e of active) {
      const runs = running.get(e.contactId) ?? running.set(e.contactId, new Map()).get(e.contactId)!;
      runs.set(e.workflowId, await this.heardBy(e.sequenceKey, e.sequenceVersion));
    }

    const results = new Array<EventOutcome>(incoming.length);
    const delivered: number[] = [];
    const deliver = async (i: number) => {
      const event = incoming[i]!;
      const outcome = outcomes[i]!;
      const status = outcome.duplicate ? 'duplicate' : 'accepted';
      if (outcome.duplicate && outcome.delivered) {
        results[i] = { status, eventId: outcome.id, enrolled: [] };
        return;
      }
      const productEvent: ProductEvent = {
        name: event.name,
        properties: event.properties,
        occurredAt: event.occurredAt.toISOString(),
      };
      const enrolled: string[] = [];
      const contactRuns =
        running.get(event.contact.id) ?? running.set(event.contact.id, new Map()).get(event.contact.id)!;
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
          contactRuns.set(result.workflowId, heardEvents(sequence.definition));
        }
        startedHere.add(result.workflowId);
      }
      for (const [workflowId, heard] of contactRuns) {
        if (!startedHere.has(workflowId) && heard.has(event.name)) await this.signal(workflowId, productEvent);
      }
      delivered.push(outcome.id);
      results[i] = { status, eventId: outcome.id, enrolled };
    };
    // One contact's events in the order they came; different contacts' events side by side.
    const byContact = new Map<string, number[]>();
    for (const [i, e] of incoming.entries()) {
      (byContact.get(e.contact.id) ?? byContact.set(e.contact.id, []).get(e.contact.id)!).push(i);
    }
    await mapLimit([...byContact.values()], DELIVERY_CONCURRENCY, async (indices) => {
      for (const i of indices) await deliver(i);
    });
    await this.events.markDelivered(delivered);
    if (round <= LAST_SEGMENT_ROUND && incoming.length > 0) {
      const names = new Set(incoming.map((e) => e.name));
      const email = [...names].some((n) => n.startsWith('email.'));
      await this.evaluateSegments(
        incoming.map((e) => e.contact),
        (p) => p.reads.events.some((n) => names.has(n)) || (email && p.reads.engagement),
        round,
      );
    }
    return results;
  }

  /**
   * Tells the audience that these contacts' traits changed (an upsert, an import, an identify): the segments that
   * read traits are evaluated again for them, and whoever entered or left one is sent `segment.entered` or
   * `segment.left` like any other event.
   */
  async contactsChanged(contacts: Contact[]): Promise<void> {
    await this.evaluateSegments(contacts, (p) => p.reads.traits, 0);
  }

  /**
   * Tells the audience that these contacts' subscriptions changed: the segments with a `subscribed` condition on one
   * of `topics` are evaluated again for them, or on any topic when `topics` is omitted (the contact-wide unsubscribe
   * and its undoing count for every topic).
   */
  async subscriptionsChanged(contacts: Contact[], topics?: readonly string[]): Promise<void> {
    const affected = (p: SegmentPlan) => p.reads.topics.some((t) => !topics || topics.includes(t));
    await this.evaluateSegments(contacts, affected, 0);
  }

  /**
   * Evaluates the chosen segments for these contacts (one statement per segment for the whole batch) and ingests
   * `segment.entered` / `segment.left` for each change, as the next round.
   */
  private async evaluateSegments(
    contacts: Contact[],
    affected: (plan: SegmentPlan) => boolean,
    round: number,
  ): Promise<void> {
    if (contacts.length === 0) return;
    const plans = (await this.plans()).filter(affected);
    if (plans.length === 0) return;
    const byId = new Map(contacts.map((c) => [c.id, c]));
    const ids = [...byId.keys()];
    const now = new Date();
    const changes: IncomingEvent[] = [];
    for (const plan of plans) {
      // The statement stores the events with the change; ingesting them under the same keys delivers those rows.
      const change = await this.segments.apply(plan.key, plan.definition, ids, now);
      for (const e of change.events) changes.push(segmentEvent(e, byId.get(e.contactId)!));
    }
    if (changes.length > 0) await this.ingestRound(changes, round + 1);
  }

  /**
   * Delivers membership changes computed elsewhere (a recomputation, the scheduled refresh and its sweep of
   * undelivered segment events), as the first segment round.
   */
  async ingestSegmentChanges(events: IncomingEvent[]): Promise<EventOutcome[]> {
    return this.ingestRound(events, 1);
  }

  /** The segment definitions, cached: ingesting events when no segment reads them costs no query. */
  private async plans(): Promise<SegmentPlan[]> {
    const cached = this.segmentPlans;
    const generation = segmentsGeneration();
    if (cached && cached.generation === generation && Date.now() - cached.at < SEGMENT_PLANS_TTL_MS) {
      return cached.plans;
    }
    const plans = await this.segments.plans();
    this.segmentPlans = { at: Date.now(), generation, plans };
    return plans;
  }

  /** The events an enrollment on this version of the sequence reacts to; versions never change, so kept. */
  private async heardBy(sequenceKey: string, version: number): Promise<Heard> {
    const key = `${sequenceKey}@${version}`;
    let heard = this.heard.get(key);
    if (!heard) {
      const definition = await this.sequences.getVersion(sequenceKey, version);
      // A version that cannot be read is told everything, as before this filter.
      heard = definition ? heardEvents(definition) : { has: () => true };
      this.heard.set(key, heard);
    }
    return heard;
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
    const already = { enrolled: false, workflowId, reason: 'already in this sequence' } as const;
    const latest = await this.enrollments.latest(contact.id, sequence.key);
    if (alreadyRunning ?? latest?.status === 'active') {
      if (await this.signal(workflowId, trigger)) return already;
      // Terminated or failed from outside (an operator in the Temporal UI): the row must not block re-entry.
      if (latest?.status === 'active') {
        await this.enrollments.update(workflowId, {
          status: 'failed',
          exitReason: 'the run ended outside the sequence',
        });
      }
    }
    if (latest) {
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
      version: 2,
      enrolledAt: enrolledAt.toISOString(),
      sequenceKey: sequence.key,
      sequenceVersion: sequence.currentVersion,
      definition: sequence.definition,
      contactId: contact.id,
      trigger,
    };
    let runId: string;
    try {
      // The trigger travels in the input and the search attributes with the start: no signal and no upsert
      // beside it, which keeps an enrollment's history short. Operators search by the id the client gave the
      // contact, so that is what ContactId and the memo carry; the workflow id keeps the internal id (see ids.ts).
      const handle = await this.temporal.workflow.start<SequenceWorkflow>(SEQUENCE_WORKFLOW, {
        workflowId,
        taskQueue: this.taskQueue,
        args: [input],
        typedSearchAttributes: [
          { key: sequenceKeyKey, value: sequence.key },
          { key: contactIdKey, value: contact.externalId },
        ],
        memo: { [CONTACT_MEMO_KEY]: contact.externalId },
      });
      runId = handle.firstExecutionRunId;
    } catch (err) {
      // Started by a concurrent request for the same contact, or by an earlier try of this one that failed before
      // it wrote the enrollment row (the database went away): the event belongs to that run, and so does the row.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      await this.signal(workflowId, trigger);
      if (latest?.status !== 'active') await this.recordRunning(contact, sequence, workflowId);
      return already;
    }
    this.metrics?.workflowStarts.inc({ workflow: 'sequenceWorkflow' });
    // The enrollment row is written here, by whoever starts the run, so an event that follows at once finds it.
    await this.enrollments.start({
      sequenceKey: sequence.key,
      sequenceVersion: sequence.currentVersion,
      contactId: contact.id,
      workflowId,
      holdout: inHoldout(sequence.definition.holdout, sequence.key, contact.id),
      runId,
      enrolledAt,
      ...contentOf(sequence.definition),
    });
    return { enrolled: true, workflowId, runId };
  }

  /** Writes the enrollment row of a run that is running without one; nothing if the row is there. */
  private async recordRunning(contact: Contact, sequence: SequenceRecord, workflowId: string): Promise<void> {
    const run = await this.temporal.workflow.getHandle(workflowId).describe();
    await this.enrollments.start({
      sequenceKey: sequence.key,
      sequenceVersion: sequence.currentVersion,
      contactId: contact.id,
      workflowId,
      holdout: inHoldout(sequence.definition.holdout, sequence.key, contact.id),
      runId: run.raw.workflowExecutionInfo?.firstRunId || run.runId,
      enrolledAt: run.startTime,
      ...contentOf(sequence.definition),
    });
  }

  /** Delivers an event to a running enrollment; false when it ended meanwhile (the event is then skipped). */
  async signal(workflowId: string, event: ProductEvent): Promise<boolean> {
    try {
      await this.temporal.workflow.getHandle(workflowId).signal(eventSignal, event);
      return true;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      return false;
    }
  }
}

/**
 * The event that tells a contact's timeline and sequences they entered or left a segment, as the statement that
 * changed membership stored it: ingesting it delivers that row (its idempotency key finds it).
 */
export function segmentEvent(event: SegmentChangeEvent, contact: Contact): IncomingEvent {
  return {
    contact,
    contactId: contact.id,
    name: event.name,
    properties: { segment: event.segment },
    occurredAt: event.occurredAt,
    idempotencyKey: event.idempotencyKey,
  };
}

/** What an enrollment pins when it starts: the templates its steps send, and its topic. */
function contentOf(definition: SequenceDefinition): { templates: string[]; topic?: string } {
  const templates = definition.steps.flatMap((s) => (s.type === 'send' ? [s.template] : []));
  return { templates, ...(definition.topic ? { topic: definition.topic } : {}) };
}
