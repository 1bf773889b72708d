import type { Db } from '../db/knex';
import type { Contact } from '../db/stores/contacts';
import { SegmentStore, type MembershipChange, type Segment } from '../db/stores/segments';
import type { SegmentDefinition } from '../domain/segments/definition';
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

  constructor(
    db: Db,
    private readonly enrollment: EnrollmentService,
  ) {
    this.store = new SegmentStore(db);
  }

  async create(input: { key: string; name: string; definition: SegmentDefinition }): Promise<SegmentWithCount> {
    if (!(await this.store.create(input))) throw new SegmentExistsError(input.key);
    await this.store.apply(input.key, input.definition, null, new Date());
    return (await this.get(input.key))!;
  }

  /** Undefined when there is no such segment. */
  async update(
    key: string,
    patch: { name?: string; definition?: SegmentDefinition },
  ): Promise<SegmentWithCount | undefined> {
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
    return this.store.preview(definition, new Date());
  }

  /**
   * Evaluates the segment over every contact at `now` and tells whoever entered or left. One statement finds the
   * changes; the events go out in batches.
   */
  async recompute(key: string, definition: SegmentDefinition, now: Date): Promise<MembershipChange> {
    const change = await this.store.apply(key, definition, null, now);
    await this.announce(key, change, now);
    return change;
  }

  /** Ingests `segment.entered` / `segment.left` for a change, a batch of contacts at a time. */
  async announce(key: string, change: MembershipChange, at: Date, onBatch?: () => void): Promise<void> {
    for (const [name, ids] of [
      ['segment.entered', change.entered],
      ['segment.left', change.left],
    ] as const) {
      for (let i = 0; i < ids.length; i += EVENT_BATCH) {
        const contacts = await this.store.contacts(ids.slice(i, i + EVENT_BATCH));
        await this.enrollment.ingestSegmentChanges(contacts.map((c) => segmentEvent(name, key, c, at)));
        onBatch?.();
      }
    }
  }
}
