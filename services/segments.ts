import type { Db } from '../db/knex';
import type { Contact } from '../db/stores/contacts';
import { SegmentStore, type MembershipChange, type Segment } from '../db/stores/segments';
import { TopicStore } from '../db/stores/topics';
import { readsOf, requireDefinition, type SegmentDefinition } from '../domain/segments/definition';
import { segmentEvent, type EnrollmentService } from './enrollment';

/** The segment's key is taken. */
export class SegmentExistsError extends Error {
  constructor(readonly key: string) {
    super(`a segment with the key '${key}' already exists`);
  }
}

/** The segment is named by sequences that start on entering it or exit on leaving it. */
export class SegmentInUseError extends Error {
  constructor(
    readonly key: string,
    readonly sequences: string[],
  ) {
    super(`the segment '${key}' is used by the sequences ${sequences.join(', ')}; change them first`);
  }
}

export type SegmentWithCount = Segment & { count: number };

/** Contacts whose change events are ingested at once. */
const EVENT_BATCH = 500;

/**
 * Segments: definitions and their membership. Creating a segment computes its members as a baseline, without
 * events (a new segment is not news to anyone in it); changing a definition recomputes them and tells each contact
 * who entered or left, as every other change does.
 */
export class SegmentService {
  readonly store: SegmentStore;
  private readonly topics: TopicStore;

  constructor(
    db: Db,
    private readonly enrollment: EnrollmentService,
  ) {
    this.store = new SegmentStore(db);
    this.topics = new TopicStore(db);
  }

  /**
   * Refuses a definition whose `subscribed` conditions name a topic not in use (SegmentDefinitionError, listing the
   * topics); the topics are read only for a definition that names one.
   */
  private async checkTopics(definition: SegmentDefinition): Promise<void> {
    if (readsOf(definition).topics.length === 0) return;
    requireDefinition(definition, { topics: (await this.topics.list()).map((t) => t.key) });
  }

  async create(input: { key: string; name: string; definition: SegmentDefinition }): Promise<SegmentWithCount> {
    await this.checkTopics(input.definition);
    if (!(await this.store.create(input))) throw new SegmentExistsError(input.key);
    await this.store.apply(input.key, input.definition, null, new Date(), { emit: false });
    return (await this.get(input.key))!;
  }

  /** Undefined when there is no such segment. */
  async update(
    key: string,
    patch: { name?: string; definition?: SegmentDefinition },
  ): Promise<SegmentWithCount | undefined> {
    if (patch.definition) await this.checkTopics(patch.definition);
    if (!(await this.store.update(key, patch))) return undefined;
    if (patch.definition) await this.recompute(key, patch.definition, new Date());
    return this.get(key);
  }

  async get(key: string): Promise<SegmentWithCount | undefined> {
    const segment = await this.store.get(key);
    if (!segment) return undefined;
    const counts = await this.store.counts([key]);
    return { ...segment, count: counts.get(key) ?? 0 };
  }

  async list(): Promise<SegmentWithCount[]> {
    const [segments, counts] = await Promise.all([this.store.list(), this.store.counts()]);
    return segments.map((s) => ({ ...s, count: counts.get(s.key) ?? 0 }));
  }

  /** Refused while a sequence's current version starts on entering or exits on leaving it. */
  async delete(key: string): Promise<boolean> {
    const users = await this.store.sequencesNaming(key);
    if (users.length > 0) throw new SegmentInUseError(key, users);
    return this.store.delete(key);
  }

  async preview(definition: SegmentDefinition): Promise<{ count: number; sample: Contact[] }> {
    await this.checkTopics(definition);
    return this.store.preview(definition, new Date());
  }

  /**
   * Evaluates the segment over every contact at `now` and tells whoever entered or left. One statement makes the
   * changes and stores their events; the events are delivered in batches.
   */
  async recompute(key: string, definition: SegmentDefinition, now: Date): Promise<MembershipChange> {
    const change = await this.store.apply(key, definition, null, now);
    await this.announce(change);
    return change;
  }

  /**
   * Delivers the `segment.entered` / `segment.left` events the change stored, a batch of contacts at a time. A
   * failure here loses nothing: the events stay stored and undelivered until `redeliver` finds them.
   */
  async announce(change: MembershipChange, onBatch?: () => void): Promise<void> {
    for (let i = 0; i < change.events.length; i += EVENT_BATCH) {
      const batch = change.events.slice(i, i + EVENT_BATCH);
      const contacts = new Map((await this.store.contacts(batch.map((e) => e.contactId))).map((c) => [c.id, c]));
      // A contact erased since the change has no event left to deliver (its events went with it).
      const events = batch.filter((e) => contacts.has(e.contactId));
      await this.enrollment.ingestSegmentChanges(events.map((e) => segmentEvent(e, contacts.get(e.contactId)!)));
      onBatch?.();
    }
  }

  /**
   * Delivers the segment events stored before `storedBefore` and never delivered, oldest first, in batches: what a
   * process that died between changing membership and delivering left behind. Answers how many were delivered.
   */
  async redeliver(storedBefore: Date, onBatch?: () => void): Promise<number> {
    let delivered = 0;
    let after = 0;
    for (;;) {
      const batch = await this.store.undeliveredEvents(storedBefore, EVENT_BATCH, after);
      if (batch.length === 0) return delivered;
      await this.enrollment.ingestSegmentChanges(batch.map((e) => segmentEvent(e, e.contact)));
      delivered += batch.length;
      after = batch[batch.length - 1]!.id;
      onBatch?.();
    }
  }
}
