import type { Db } from '../knex';

export interface NewEvent {
  contactId: string;
  name: string;
  properties: Record<string, unknown>;
  occurredAt: Date;
  idempotencyKey?: string;
}

export interface StoredEvent extends NewEvent {
  id: number;
  receivedAt: Date;
  deliveredAt: Date | null;
}

export type InsertOutcome = { id: number; duplicate: false } | { id: number; duplicate: true; delivered: boolean };

/** Product events, append-only; an idempotency key makes a retried POST a no-op. */
export class EventStore {
  constructor(private readonly db: Db) {}

  /**
   * Inserts the events in one statement and says, by input position, which were new and which repeat an
   * idempotency key already stored (with whether that one was delivered to the workflows).
   */
  async insertMany(events: NewEvent[]): Promise<InsertOutcome[]> {
    if (events.length === 0) return [];
    const rows = events.map((e) => ({
      contact_id: e.contactId,
      name: e.name,
      properties: JSON.stringify(e.properties),
      occurred_at: e.occurredAt,
      idempotency_key: e.idempotencyKey ?? null,
    }));
    const inserted: { id: number; idempotency_key: string | null }[] = await this.db('events')
      .insert(rows)
      .onConflict('idempotency_key')
      .ignore()
      .returning(['id', 'idempotency_key']);
    const byKey = new Map<string, number>();
    const keyless: number[] = [];
    for (const r of inserted) {
      if (r.idempotency_key === null) keyless.push(r.id);
      else byKey.set(r.idempotency_key, r.id);
    }
    keyless.sort((a, b) => a - b); // bigserial ids follow the order of the VALUES list
    const missingKeys = events
      .map((e) => e.idempotencyKey)
      .filter((k): k is string => k !== undefined && !byKey.has(k));
    const existing = new Map<string, { id: number; delivered: boolean }>();
    if (missingKeys.length > 0) {
      const rows2 = await this.db('events')
        .whereIn('idempotency_key', missingKeys)
        .select('id', 'idempotency_key', 'delivered_at');
      for (const r of rows2) existing.set(r.idempotency_key, { id: r.id, delivered: r.delivered_at !== null });
    }
    let k = 0;
    const claimed = new Set<string>();
    return events.map((e): InsertOutcome => {
      if (!e.idempotencyKey) return { id: keyless[k++]!, duplicate: false };
      const fresh = byKey.get(e.idempotencyKey);
      if (fresh !== undefined && !claimed.has(e.idempotencyKey)) {
        claimed.add(e.idempotencyKey);
        return { id: fresh, duplicate: false };
      }
      // Repeated within this batch (delivered with the first) or stored by an earlier request.
      const prior = existing.get(e.idempotencyKey);
      return prior
        ? { id: prior.id, duplicate: true, delivered: prior.delivered }
        : { id: fresh!, duplicate: true, delivered: true };
    });
  }

  async markDelivered(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db('events').whereIn('id', ids).whereNull('delivered_at').update({ delivered_at: this.db.fn.now() });
  }

  async listForContact(contactId: string, limit = 100): Promise<StoredEvent[]> {
    const rows = await this.db('events').where({ contact_id: contactId }).orderBy('occurred_at', 'desc').limit(limit);
    return rows.map((r) => ({
      id: r.id,
      contactId: r.contact_id,
      name: r.name,
      properties: r.properties,
      occurredAt: r.occurred_at,
      receivedAt: r.received_at,
      deliveredAt: r.delivered_at,
      ...(r.idempotency_key ? { idempotencyKey: r.idempotency_key } : {}),
    }));
  }
}
