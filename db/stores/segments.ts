import { compileSegment } from '../../domain/segments/compile';
import { mayReceiveSql } from './topics';
import { readsOf, type SegmentDefinition, type SegmentReads } from '../../domain/segments/definition';
import type { Db } from '../knex';
import { toContact, type Contact, type ContactRow } from './contacts';

export interface Segment {
  key: string;
  name: string;
  definition: SegmentDefinition;
  version: number;
  windowed: boolean;
  computedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A segment as membership evaluation needs it: the definition and what it reads. */
export interface SegmentPlan {
  key: string;
  definition: SegmentDefinition;
  reads: SegmentReads;
}

/** A `segment.entered` or `segment.left` event stored by the statement that changed membership, not yet delivered. */
export interface SegmentChangeEvent {
  contactId: string;
  name: 'segment.entered' | 'segment.left';
  segment: string;
  occurredAt: Date;
  idempotencyKey: string;
}

export interface MembershipChange {
  entered: string[];
  left: string[];
  /** One per entry and exit, already in `events`; the caller delivers them under the same keys. */
  events: SegmentChangeEvent[];
}

/** A stored segment event that was never delivered, with its contact. */
export interface UndeliveredSegmentEvent extends SegmentChangeEvent {
  id: number;
  contact: Contact;
}

export interface Member {
  contactId: string;
  externalId: string;
  email: string;
  enteredAt: Date;
}

interface SegmentRow {
  key: string;
  name: string;
  definition: SegmentDefinition;
  version: number;
  windowed: boolean;
  computed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const toSegment = (r: SegmentRow): Segment => ({
  key: r.key,
  name: r.name,
  definition: r.definition,
  version: r.version,
  windowed: r.windowed,
  computedAt: r.computed_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * Bumped by every write to `segments` in this process, so the cached lists of definitions (services/enrollment.ts)
 * are read again at once here; other processes see a change within the cache's short lifetime.
 */
let generation = 0;
export const segmentsGeneration = () => generation;

/** Segments, and the materialised membership of each. */
export class SegmentStore {
  constructor(private readonly db: Db) {}

  /** Creates the segment; false when the key is taken. */
  async create(input: { key: string; name: string; definition: SegmentDefinition }): Promise<boolean> {
    const rows = await this.db('segments')
      .insert({
        key: input.key,
        name: input.name,
        definition: JSON.stringify(input.definition),
        windowed: readsOf(input.definition).windowed,
      })
      .onConflict('key')
      .ignore()
      .returning('key');
    generation++;
    return rows.length > 0;
  }

  /** Renames and/or redefines; a new definition gets the next version. False when there is no such segment. */
  async update(key: string, patch: { name?: string; definition?: SegmentDefinition }): Promise<boolean> {
    const changes: Record<string, unknown> = { updated_at: this.db.fn.now() };
    if (patch.name !== undefined) changes['name'] = patch.name;
    if (patch.definition !== undefined) {
      changes['definition'] = JSON.stringify(patch.definition);
      changes['windowed'] = readsOf(patch.definition).windowed;
      changes['version'] = this.db.raw('version + 1');
    }
    const n = await this.db('segments').where({ key }).update(changes);
    generation++;
    return n > 0;
  }

  async get(key: string): Promise<Segment | undefined> {
    const row = await this.db<SegmentRow>('segments').where({ key }).first();
    return row && toSegment(row);
  }

  async list(): Promise<Segment[]> {
    const rows: SegmentRow[] = await this.db('segments').orderBy('key');
    return rows.map(toSegment);
  }

  /** The keys of every segment, in order. */
  async keys(): Promise<string[]> {
    const rows = await this.db('segments').select('key').orderBy('key');
    return rows.map((r) => r.key as string);
  }

  async delete(key: string): Promise<boolean> {
    const n = await this.db('segments').where({ key }).delete();
    generation++;
    return n > 0;
  }

  /** Members per segment key; segments without members are absent. */
  async counts(keys?: string[]): Promise<Map<string, number>> {
    const q = this.db('segment_members').select('segment_key').count({ n: '*' }).groupBy('segment_key');
    if (keys) q.whereIn('segment_key', keys);
    const rows = (await q) as { segment_key: string; n: number }[];
    return new Map(rows.map((r) => [r.segment_key, Number(r.n)]));
  }

  async plans(): Promise<SegmentPlan[]> {
    const rows: Pick<SegmentRow, 'key' | 'definition'>[] = await this.db('segments').select('key', 'definition');
    return rows.map((r) => ({ key: r.key, definition: r.definition, reads: readsOf(r.definition) }));
  }

  /** The sequences whose current version starts on entering or exits on leaving this segment. */
  async sequencesNaming(key: string): Promise<string[]> {
    const rows: { key: string }[] = await this.db('sequences as s')
      .join('sequence_versions as v', function () {
        this.on('v.sequence_key', 's.key').andOn('v.version', 's.current_version');
      })
      .whereNull('s.archived_at')
      .where((q) =>
        q
          .whereRaw(`v.definition -> 'triggers' @> ?::jsonb`, [JSON.stringify([{ segmentEntered: key }])])
          .orWhereRaw(`v.definition -> 'exits' @> ?::jsonb`, [JSON.stringify([{ segmentLeft: key }])]),
      )
      .select('s.key')
      .orderBy('s.key');
    return rows.map((r) => r.key);
  }

  /** Members in contact id order, after the cursor (a contact id). */
  async members(key: string, limit: number, after?: string): Promise<Member[]> {
    const q = this.db('segment_members as m')
      .join('contacts as c', 'c.id', 'm.contact_id')
      .where('m.segment_key', key)
      .orderBy('m.contact_id')
      .limit(limit)
      .select('m.contact_id', 'c.external_id', 'c.email', 'm.entered_at');
    if (after) q.where('m.contact_id', '>', after);
    const rows: { contact_id: string; external_id: string; email: string; entered_at: Date }[] = await q;
    return rows.map((r) => ({
      contactId: r.contact_id,
      externalId: r.external_id,
      email: r.email,
      enteredAt: r.entered_at,
    }));
  }

  /** How many contacts match a definition now, and a few of them (never stored). */
  async preview(definition: SegmentDefinition, now: Date, sample = 10): Promise<{ count: number; sample: Contact[] }> {
    const p = compileSegment(definition, { contact: 'c', now, mayReceive: mayReceiveSql });
    const [counted] = (
      await this.db.raw(`SELECT count(*)::int AS n FROM contacts c WHERE ${p.sql}`, p.bindings as never[])
    ).rows as { n: number }[];
    const rows = await this.db.raw(`SELECT c.* FROM contacts c WHERE ${p.sql} ORDER BY c.id LIMIT ?`, [
      ...p.bindings,
      sample,
    ] as never[]);
    return { count: counted?.n ?? 0, sample: (rows.rows as ContactRow[]).map(toContact) };
  }

  /**
   * Makes membership match the definition, in one statement: for the listed contacts, or for every contact when
   * `contactIds` is null. Answers who entered and who left; a contact is reported once even when two evaluations
   * race (the insert and the delete each report only the rows they changed).
   *
   * Unless `emit` is false (a new segment's baseline), the same statement stores a `segment.entered` or
   * `segment.left` event per change, undelivered: a change of membership and its event commit together, so a
   * process that dies before delivering leaves the event for the refresh's sweep instead of losing it.
   */
  async apply(
    key: string,
    definition: SegmentDefinition,
    contactIds: readonly string[] | null,
    now: Date,
    { emit = true }: { emit?: boolean } = {},
  ): Promise<MembershipChange> {
    if (contactIds && contactIds.length === 0) return { entered: [], left: [], events: [] };
    const p = compileSegment(definition, { contact: 'c', now, mayReceive: mayReceiveSql });
    // A uuid[] literal as one binding: knex would spread a JavaScript array into a list of placeholders.
    const ids = contactIds ? `{${contactIds.join(',')}}` : null;
    const scope = ids ? 'c.id = ANY(?::uuid[]) AND ' : '';
    const memberScope = ids ? 'AND m.contact_id = ANY(?::uuid[])' : '';
    // The idempotency key: `segment:<key>:<entered|left>:<contact id>:<epoch ms>`.
    const keyPrefix = `segment:${key}:`;
    const keySuffix = `:${now.getTime()}`;
    const bindings = [
      ...(ids ? [ids] : []),
      ...p.bindings,
      key,
      now,
      key,
      ...(ids ? [ids] : []),
      keyPrefix,
      keySuffix,
      key,
      now,
      emit,
    ];
    const result = await this.db.raw(
      `WITH matched AS MATERIALIZED (SELECT c.id FROM contacts c WHERE ${scope}${p.sql}),
       ins AS (
         INSERT INTO segment_members (segment_key, contact_id, entered_at)
         SELECT ?, id, ?::timestamptz FROM matched
         ON CONFLICT (segment_key, contact_id) DO NOTHING
         RETURNING contact_id),
       del AS (
         DELETE FROM segment_members m
         WHERE m.segment_key = ? ${memberScope} AND NOT EXISTS (SELECT 1 FROM matched WHERE matched.id = m.contact_id)
         RETURNING contact_id),
       changed AS (
         SELECT change, contact_id, ?::text || change || ':' || contact_id || ?::text AS idempotency_key
         FROM (SELECT 'entered' AS change, contact_id FROM ins UNION ALL SELECT 'left', contact_id FROM del) u),
       stored AS (
         INSERT INTO events (contact_id, name, properties, occurred_at, idempotency_key)
         SELECT contact_id, 'segment.' || change, jsonb_build_object('segment', ?::text), ?::timestamptz,
                idempotency_key
         FROM changed WHERE ?::boolean
         ON CONFLICT (idempotency_key) DO NOTHING)
       SELECT change, contact_id, idempotency_key FROM changed`,
      bindings as never[],
    );
    const change: MembershipChange = { entered: [], left: [], events: [] };
    for (const r of result.rows as { change: 'entered' | 'left'; contact_id: string; idempotency_key: string }[]) {
      change[r.change].push(r.contact_id);
      if (emit) {
        change.events.push({
          contactId: r.contact_id,
          name: `segment.${r.change}`,
          segment: key,
          occurredAt: now,
          idempotencyKey: r.idempotency_key,
        });
      }
    }
    if (!contactIds) await this.db('segments').where({ key }).update({ computed_at: now });
    return change;
  }

  /**
   * Segment events stored before `storedBefore` and never delivered (the process died between the statement that
   * stored them and their delivery), oldest first, after the id `afterId`. Only events with an idempotency key:
   * delivering one again finds the stored row instead of adding another.
   */
  async undeliveredEvents(storedBefore: Date, limit: number, afterId = 0): Promise<UndeliveredSegmentEvent[]> {
    const rows: (ContactRow & {
      event_id: string;
      event_name: 'segment.entered' | 'segment.left';
      event_properties: { segment?: unknown };
      event_occurred_at: Date;
      event_key: string;
    })[] = await this.db('events as e')
      .join('contacts as c', 'c.id', 'e.contact_id')
      .whereIn('e.name', ['segment.entered', 'segment.left'])
      .whereNull('e.delivered_at')
      .whereNotNull('e.idempotency_key')
      .where('e.received_at', '<', storedBefore)
      .where('e.id', '>', afterId)
      .orderBy('e.id')
      .limit(limit)
      .select(
        'c.*',
        'e.id as event_id',
        'e.name as event_name',
        'e.properties as event_properties',
        'e.occurred_at as event_occurred_at',
        'e.idempotency_key as event_key',
      );
    return rows.map((r) => ({
      id: Number(r.event_id),
      contact: toContact(r),
      contactId: r.id,
      name: r.event_name,
      segment: String(r.event_properties.segment ?? ''),
      occurredAt: r.event_occurred_at,
      idempotencyKey: r.event_key,
    }));
  }

  /** The contacts with these ids, for the events that tell them they entered or left. */
  async contacts(ids: readonly string[]): Promise<Contact[]> {
    if (ids.length === 0) return [];
    const rows: ContactRow[] = await this.db('contacts').whereIn('id', ids);
    return rows.map(toContact);
  }
}
