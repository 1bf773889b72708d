import type { Db } from '../knex';

/**
 * Contact-wide changes (`unsubscribed`, `resubscribed`: all marketing email), and per-topic ones: left a topic,
 * joined it, or asked to join an opt-in topic and awaits the emailed confirmation (`topic_pending`).
 */
export const SUBSCRIPTION_CHANGES = [
  'unsubscribed',
  'resubscribed',
  'topic_unsubscribed',
  'topic_subscribed',
  'topic_pending',
] as const;
export type SubscriptionChangeKind = (typeof SUBSCRIPTION_CHANGES)[number];

/** Through what the change came: the email's link, a person in the product, a complaint, a provider's report. */
export const SUBSCRIPTION_SOURCES = ['link', 'marketer', 'complaint', 'provider', 'import', 'api'] as const;
export type SubscriptionSource = (typeof SUBSCRIPTION_SOURCES)[number];

export interface SubscriptionChange {
  id: number;
  contactId: string;
  change: SubscriptionChangeKind;
  source: SubscriptionSource;
  actor: string;
  actorRole: string | null;
  /** The topic of a per-topic change; null for a contact-wide one. */
  topic: string | null;
  at: Date;
}

const toChange = (r: Record<string, unknown>): SubscriptionChange => ({
  id: Number(r.id),
  contactId: r.contact_id as string,
  change: r.change as SubscriptionChangeKind,
  source: r.source as SubscriptionSource,
  actor: r.actor as string,
  actorRole: (r.actor_role as string | null) ?? null,
  topic: (r.topic as string | null) ?? null,
  at: r.at as Date,
});

/**
 * Every unsubscribe and resubscribe of a contact, contact-wide or by topic, with who did it: the history behind
 * `contacts.unsubscribed_at` and `contact_topics`.
 */
export class SubscriptionChangeStore {
  constructor(private readonly db: Db) {}

  async record(
    c: Omit<SubscriptionChange, 'id' | 'at' | 'actorRole' | 'topic'> & { actorRole?: string; topic?: string },
  ): Promise<void> {
    await this.db('contact_subscription_changes').insert({
      contact_id: c.contactId,
      change: c.change,
      source: c.source,
      actor: c.actor.slice(0, 200),
      actor_role: c.actorRole ?? null,
      ...(c.topic ? { topic: c.topic } : {}),
    });
  }

  /** How many times the contact was set to await confirmation of the topic: numbers each confirmation email. */
  async countPending(contactId: string, topic: string): Promise<number> {
    const row = await this.db('contact_subscription_changes')
      .where({ contact_id: contactId, topic, change: 'topic_pending' })
      .count<{ n: number }>({ n: '*' })
      .first();
    return Number(row?.n ?? 0);
  }

  async listForContact(contactId: string): Promise<SubscriptionChange[]> {
    const rows = await this.db('contact_subscription_changes')
      .where({ contact_id: contactId })
      .orderBy([
        { column: 'at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ]);
    return rows.map(toChange);
  }

  async deleteForContact(contactId: string): Promise<number> {
    return this.db('contact_subscription_changes').where({ contact_id: contactId }).delete();
  }
}
