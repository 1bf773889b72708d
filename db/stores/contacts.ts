import type { Db } from '../knex';

export interface Contact {
  id: string;
  externalId: string;
  ventureId: string | null;
  email: string;
  /** E.164, or null when the contact gave none. */
  phone: string | null;
  /** When the contact opted in to text messages, and where; null when they have not (or sent STOP since). */
  smsConsent: { at: Date; source: string } | null;
  timezone: string;
  traits: Record<string, unknown>;
  unsubscribedAt: Date | null;
  createdAt: Date;
}

/** A `contacts` row as PostgreSQL answers it. */
export interface ContactRow {
  id: string;
  external_id: string;
  venture_id: string | null;
  email: string;
  phone: string | null;
  sms_consent_at: Date | null;
  sms_consent_source: string | null;
  timezone: string;
  traits: Record<string, unknown>;
  unsubscribed_at: Date | null;
  created_at: Date;
}

export const toContact = (r: ContactRow): Contact => ({
  id: r.id,
  externalId: r.external_id,
  ventureId: r.venture_id,
  email: r.email,
  phone: r.phone ?? null,
  smsConsent: r.sms_consent_at ? { at: r.sms_consent_at, source: r.sms_consent_source ?? '' } : null,
  timezone: r.timezone,
  traits: r.traits,
  unsubscribedAt: r.unsubscribed_at,
  createdAt: r.created_at,
});

export interface ContactUpsert {
  externalId: string;
  email: string;
  /** E.164 (normalised by the caller); null removes the number, and with it the SMS consent it was given for. */
  phone?: string | null;
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
      ...(input.phone ? { phone: input.phone } : {}),
    };
    const [saved] = await this.db('contacts')
      .insert(row)
      .onConflict('external_id')
      .merge({
        email: input.email,
        ...(input.timezone ? { timezone: input.timezone } : {}),
        ...(input.ventureId ? { venture_id: input.ventureId } : {}),
        // Consent was given for a number: a new number (or none) needs it given again.
        ...(input.phone !== undefined
          ? {
              phone: input.phone,
              sms_consent_at: this.db.raw(
                'CASE WHEN contacts.phone IS NOT DISTINCT FROM ? THEN contacts.sms_consent_at END',
                [input.phone],
              ),
              sms_consent_source: this.db.raw(
                'CASE WHEN contacts.phone IS NOT DISTINCT FROM ? THEN contacts.sms_consent_source END',
                [input.phone],
              ),
            }
          : {}),
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

  /** Creates the contact unless one has the external id already; answers the stored one either way. */
  async createIfAbsent(input: { externalId: string; email: string }): Promise<{ contact: Contact; created: boolean }> {
    const [inserted] = await this.db('contacts')
      .insert({ external_id: input.externalId, email: input.email })
      .onConflict('external_id')
      .ignore()
      .returning('*');
    if (inserted) return { contact: toContact(inserted as ContactRow), created: true };
    return { contact: (await this.getByExternalId(input.externalId))!, created: false };
  }

  /**
   * Marks the contact unsubscribed; the first time wins, so the date is when they first asked. True when this call
   * changed it.
   */
  async unsubscribe(id: string): Promise<boolean> {
    const n = await this.db('contacts')
      .where({ id })
      .whereNull('unsubscribed_at')
      .update({ unsubscribed_at: this.db.fn.now(), updated_at: this.db.fn.now() });
    return n > 0;
  }

  /** Clears the unsubscribe; true when the contact was unsubscribed. */
  async resubscribe(id: string): Promise<boolean> {
    const n = await this.db('contacts')
      .where({ id })
      .whereNotNull('unsubscribed_at')
      .update({ unsubscribed_at: null, updated_at: this.db.fn.now() });
    return n > 0;
  }

  /**
   * A page of contacts, newest first by (created_at, id), after the key of the previous page's last row. `q` is a
   * case-insensitive prefix of the email or the external id (the indexes of migration 20261202070000 answer it), or
   * the internal id; `segment` keeps the segment's members.
   */
  async page(filter: { q?: string; segment?: string; limit: number; after?: ContactKey }): Promise<ContactPage> {
    const rows = await this.db('contacts')
      .select('*', this.db.raw(`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS key_at`))
      .modify((q) => {
        if (filter.q) {
          const prefix = `${escapeLike(filter.q.toLowerCase())}%`;
          q.where((w) => {
            w.whereRaw(`lower(email) LIKE ?`, [prefix]).orWhereRaw(`lower(external_id) LIKE ?`, [prefix]);
            if (UUID.test(filter.q!)) w.orWhere('id', filter.q!.toLowerCase());
          });
        }
        if (filter.segment)
          q.whereExists((m) =>
            m
              .select(this.db.raw('1'))
              .from('segment_members')
              .where('segment_members.segment_key', filter.segment!)
              .whereRaw('segment_members.contact_id = contacts.id'),
          );
        if (filter.after)
          q.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', [filter.after.createdAt, filter.after.id]);
      })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(filter.limit + 1);
    const more = rows.length > filter.limit;
    const shown = rows.slice(0, filter.limit) as (ContactRow & { key_at: string })[];
    const last = shown[shown.length - 1];
    return {
      contacts: shown.map(toContact),
      next: more && last ? { createdAt: last.key_at, id: last.id } : null,
    };
  }

  /** Deletes the contact row; the tables that reference it cascade. */
  async delete(id: string): Promise<boolean> {
    return (await this.db('contacts').where({ id }).delete()) > 0;
  }
}

/** Where a page of the contact list ends: the last row's creation time (to the microsecond) and id. */
export interface ContactKey {
  createdAt: string;
  id: string;
}

export interface ContactPage {
  contacts: Contact[];
  next: ContactKey | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
