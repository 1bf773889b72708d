import type { Db } from '../knex';

export interface Contact {
  id: string;
  externalId: string;
  ventureId: string | null;
  email: string;
  timezone: string;
  traits: Record<string, unknown>;
  unsubscribedAt: Date | null;
  createdAt: Date;
}

interface ContactRow {
  id: string;
  external_id: string;
  venture_id: string | null;
  email: string;
  timezone: string;
  traits: Record<string, unknown>;
  unsubscribed_at: Date | null;
  created_at: Date;
}

const toContact = (r: ContactRow): Contact => ({
  id: r.id,
  externalId: r.external_id,
  ventureId: r.venture_id,
  email: r.email,
  timezone: r.timezone,
  traits: r.traits,
  unsubscribedAt: r.unsubscribed_at,
  createdAt: r.created_at,
});

export interface ContactUpsert {
  externalId: string;
  email: string;
  timezone?: string;
  traits?: Record<string, unknown>;
  ventureId?: string;
}

/** Contacts are keyed by the id the client's product knows them by (external id). */
export class ContactStore {
  constructor(private readonly db: Db) {}

  /** Creates or updates; traits are merged into the ones already stored, not replaced. */
  async upsert(input: ContactUpsert): Promise<{ contact: Contact; created: boolean }> {
    const row = {
      external_id: input.externalId,
      email: input.email,
      timezone: input.timezone ?? 'UTC',
      traits: JSON.stringify(input.traits ?? {}),
      venture_id: input.ventureId ?? null,
    };
    const [saved] = await this.db('contacts')
      .insert(row)
      .onConflict('external_id')
      .merge({
        email: input.email,
        ...(input.timezone ? { timezone: input.timezone } : {}),
        ...(input.ventureId ? { venture_id: input.ventureId } : {}),
        traits: this.db.raw('contacts.traits || excluded.traits'),
        updated_at: this.db.fn.now(),
      })
      .returning(['*', this.db.raw('(xmax = 0) AS created')]);
    return { contact: toContact(saved as ContactRow), created: Boolean((saved as { created: boolean }).created) };
  }

  async getByExternalId(externalId: string): Promise<Contact | undefined> {
    const row = await this.db<ContactRow>('contacts').where({ external_id: externalId }).first();
    return row && toContact(row);
  }

  async getById(id: string): Promise<Contact | undefined> {
    const row = await this.db<ContactRow>('contacts').where({ id }).first();
    return row && toContact(row);
  }

  async getManyByExternalId(externalIds: string[]): Promise<Map<string, Contact>> {
    const rows = await this.db<ContactRow>('contacts').whereIn('external_id', externalIds);
    return new Map(rows.map((r) => [r.external_id, toContact(r)]));
  }

  /** Marks the contact unsubscribed; the first time wins, so the date is when they first asked. */
  async unsubscribe(id: string): Promise<void> {
    await this.db('contacts').where({ id }).whereNull('unsubscribed_at').update({ unsubscribed_at: this.db.fn.now() });
  }
}
