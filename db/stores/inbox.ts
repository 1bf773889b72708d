import type { Knex } from 'knex';
import type { Db } from '../knex';

/** One message of a contact's in-app inbox, as the API and the browser snippet show it. */
export interface InboxMessage {
  /** The message log's id (`email_outbox.id`): the same id names the message's timeline. */
  id: string;
  title: string;
  /** The body as the send path rendered it; the browser snippet shows it in a sandboxed frame. */
  html: string;
  createdAt: string;
  readAt: string | null;
  dismissedAt: string | null;
}

/** A message for the inbox, from the send path. */
export interface InboxDelivery {
  /** The message's row in `email_outbox`, which must exist. */
  id: string;
  contactId: string;
  title: string;
  html: string;
}

/** What marking a message did: changed it, found it already so, or found no such message of the contact. */
export type InboxChange = 'changed' | 'unchanged' | 'not_found';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (d: unknown): string | null => (d instanceof Date ? d.toISOString() : null);

const toMessage = (r: Record<string, unknown>): InboxMessage => ({
  id: r.id as string,
  title: r.title as string,
  html: r.html as string,
  createdAt: iso(r.created_at)!,
  readAt: iso(r.read_at),
  dismissedAt: iso(r.dismissed_at),
});

/**
 * The in-app inbox: one row per message sent on the `in_app` channel, keyed by its message log id, so a retried send
 * delivers it once. Reads and dismissals are the contact's own: every change names the contact, and another
 * contact's message is as good as missing.
 */
export class InboxStore {
  constructor(private readonly db: Db) {}

  /**
   * Puts the message in the contact's inbox, in the caller's transaction when it gives one. A second delivery of the
   * same id (a retried send) changes nothing: the first one's title and body stay.
   */
  async deliver(trx: Knex | Knex.Transaction, message: InboxDelivery): Promise<void> {
    await trx('inbox_messages')
      .insert({ id: message.id, contact_id: message.contactId, title: message.title, html: message.html })
      .onConflict('id')
      .ignore();
  }

  /** The contact's messages, unread first and newest first within each; dismissed ones only when asked for. */
  async list(contactId: string, options: { limit: number; includeDismissed?: boolean }): Promise<InboxMessage[]> {
    const rows = await this.db('inbox_messages')
      .where({ contact_id: contactId })
      .modify((q) => {
        if (!options.includeDismissed) q.whereNull('dismissed_at');
      })
      .orderByRaw('(read_at IS NULL) DESC, created_at DESC, id DESC')
      .limit(options.limit)
      .select('id', 'title', 'html', 'created_at', 'read_at', 'dismissed_at');
    return rows.map(toMessage);
  }

  /** How many of the contact's messages are neither read nor dismissed. */
  async unreadCount(contactId: string): Promise<number> {
    const row = await this.db('inbox_messages')
      .where({ contact_id: contactId })
      .whereNull('read_at')
      .whereNull('dismissed_at')
      .count({ n: '*' })
      .first();
    return Number(row?.n ?? 0);
  }

  /** Marks the contact's message read; a message read before keeps its first read time. */
  async markRead(contactId: string, id: string): Promise<InboxChange> {
    return this.stamp(contactId, id, 'read_at');
  }

  /** Dismisses the contact's message: it leaves the inbox (and its unread count) but stays on record. */
  async dismiss(contactId: string, id: string): Promise<InboxChange> {
    return this.stamp(contactId, id, 'dismissed_at');
  }

  /** Whether the contact has this message in their inbox, dismissed or not. */
  async has(contactId: string, id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    return (await this.db('inbox_messages').where({ id, contact_id: contactId }).first('id')) !== undefined;
  }

  /** Sets the column to now if it is empty; the first time wins. */
  private async stamp(contactId: string, id: string, column: 'read_at' | 'dismissed_at'): Promise<InboxChange> {
    if (!UUID.test(id)) return 'not_found';
    const changed = await this.db('inbox_messages')
      .where({ id, contact_id: contactId })
      .whereNull(column)
      .update({ [column]: this.db.fn.now() });
    if (changed > 0) return 'changed';
    return (await this.has(contactId, id)) ? 'unchanged' : 'not_found';
  }
}
