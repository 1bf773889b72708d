import type { JourneyEvent } from '../../domain/journeys';
import type { Db } from '../knex';

/** Event properties that make an event a marketing touchpoint. */
export const TOUCHPOINT_PROPERTIES = ['channel', 'utm_source', 'utm_medium'] as const;

/** The events attribution reads: a venture's contacts' touchpoints and conversions, contact by contact, in time order. */
export class JourneyEventStore {
  constructor(private readonly db: Db) {}

  /**
   * Yields each contact's touchpoint and conversion events in time order. Contacts are read in pages of
   * `contactsPerPage` by keyset on their id, and each page's events in one query, so a venture with millions of
   * events never sits in memory at once.
   */
  async *byContact(
    ventureId: string,
    conversionEvents: readonly string[],
    range: { from?: Date; to?: Date } = {},
    contactsPerPage = 500,
  ): AsyncGenerator<{ contactId: string; events: JourneyEvent[] }> {
    let after: string | undefined;
    for (;;) {
      const cq = this.db('contacts').where({ venture_id: ventureId }).orderBy('id').limit(contactsPerPage).pluck('id');
      if (after) cq.where('id', '>', after);
      const ids: string[] = await cq;
      if (ids.length === 0) return;
      const q = this.db('events')
        .whereIn('contact_id', ids)
        .where((w) =>
          w
            .whereIn('name', [...conversionEvents])
            .orWhereRaw('jsonb_exists_any(properties, ?::text[])', [[...TOUCHPOINT_PROPERTIES]]),
        )
        .select('contact_id', 'name', 'properties', 'occurred_at')
        .orderBy([
          { column: 'contact_id', order: 'asc' },
          { column: 'occurred_at', order: 'asc' },
          { column: 'id', order: 'asc' },
        ]);
      if (range.from) q.where('occurred_at', '>=', range.from);
      if (range.to) q.where('occurred_at', '<=', range.to);
      const rows: { contact_id: string; name: string; properties: Record<string, unknown>; occurred_at: Date }[] =
        await q;
      let current: { contactId: string; events: JourneyEvent[] } | undefined;
      for (const r of rows) {
        if (current && current.contactId !== r.contact_id) {
          yield current;
          current = undefined;
        }
        current ??= { contactId: r.contact_id, events: [] };
        current.events.push({ name: r.name, occurredAt: r.occurred_at, properties: r.properties });
      }
      if (current) yield current;
      if (ids.length < contactsPerPage) return;
      after = ids[ids.length - 1];
    }
  }

  /** Keys of the sequences the venture's contacts have been enrolled in. */
  async enrolledSequenceKeys(ventureId: string): Promise<string[]> {
    return this.db('enrollments as n')
      .join('contacts as c', 'c.id', 'n.contact_id')
      .where('c.venture_id', ventureId)
      .distinct('n.sequence_key')
      .pluck('n.sequence_key');
  }
}
