import type { Db } from '../knex';
import type { SubscriptionSource } from './subscriptionChanges';

/** A contact's state in one topic; 'pending' waits for the confirmation of an opt-in topic. */
export const TOPIC_STATES = ['subscribed', 'unsubscribed', 'pending'] as const;
export type TopicState = (typeof TOPIC_STATES)[number];

/** What marketing email is about; a contact may leave or join each one. */
export interface Topic {
  key: string;
  name: string;
  description: string | null;
  /** Opt-in topics send only to contacts who confirmed them; opt-out topics to everyone who has not left. */
  optIn: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** A topic with one contact's state in it, explicit or the topic's default. */
export interface TopicSubscription extends Topic {
  state: TopicState;
  /** Whether mail on this topic goes to the contact, as far as the topic decides (not the contact-wide switch). */
  subscribed: boolean;
}

/** A contact's explicit choice in one topic, as `contact_topics` holds it. */
export interface ContactTopic {
  topic: string;
  state: TopicState;
  source: SubscriptionSource;
  updatedAt: Date;
}

const unknownTopicMessage = (keys: readonly string[]) =>
  keys.length === 1 ? `there is no topic '${keys[0]}'` : `there are no topics ${keys.map((k) => `'${k}'`).join(', ')}`;

/** A topic key that names no topic; the message lists the topics there are, so the caller can correct it. */
export class UnknownTopicError extends Error {
  constructor(
    readonly unknown: readonly string[],
    readonly known: readonly string[],
  ) {
    super(`${unknownTopicMessage(unknown)} (topics: ${known.join(', ') || 'none yet'})`);
  }
}

/** The state a contact is in when they never chose: opt-out topics send until left, opt-in ones until confirmed. */
export const defaultState = (optIn: boolean): TopicState => (optIn ? 'unsubscribed' : 'subscribed');

/** Whether a state lets a topic's mail through: the rule `mayReceiveSql` applies in the database. */
export const receives = (optIn: boolean, state: TopicState): boolean =>
  optIn ? state === 'subscribed' : state !== 'unsubscribed';

const toTopic = (r: Record<string, unknown>): Topic => ({
  key: r.key as string,
  name: r.name as string,
  description: (r.description as string | null) ?? null,
  optIn: r.opt_in as boolean,
  createdAt: r.created_at as Date,
  updatedAt: r.updated_at as Date,
});

const SQL_ALIAS = /^[a-z_][a-z0-9_]*$/i;

/**
 * A boolean SQL expression: true when the topic lets its mail go to the contact, by the contact's state in
 * `contact_topics` or the topic's default; true when the topic expression is NULL (a message under no topic);
 * false for an unknown or archived topic. Both arguments are SQL written by our code, never values from a request:
 * `contactIdSql` a column such as `c.id`, `topicSql` a column, a subquery or `?` (each appears once, so a `?` takes
 * one binding). Only the topic decides here: the contact-wide unsubscribe is checked on its own, so a skipped send
 * can say which stopped it.
 */
export function mayReceiveSql(contactIdSql: string, topicSql: string): string {
  return `(SELECT CASE WHEN q.topic IS NULL THEN true
                       WHEN t.key IS NULL THEN false
                       WHEN t.opt_in THEN ct.state IS NOT DISTINCT FROM 'subscribed'
                       ELSE ct.state IS DISTINCT FROM 'unsubscribed' END
             FROM (SELECT (${topicSql})::text AS topic) q
             LEFT JOIN topics t ON t.key = q.topic AND t.archived_at IS NULL
             LEFT JOIN contact_topics ct ON ct.topic_key = t.key AND ct.contact_id = ${contactIdSql})`;
}

/**
 * `mayReceiveSql` for a topic given as a value, over a query's contacts (`contacts as c`, or the alias given): use
 * as `query.whereRaw(sql, bindings)` or inside raw SQL with its bindings, e.g. for a broadcast's audience.
 */
export function eligibleSql(topic: string, contactAlias = 'c'): { sql: string; bindings: string[] } {
  if (!SQL_ALIAS.test(contactAlias)) throw new Error(`'${contactAlias}' is not a table alias`);
  return { sql: mayReceiveSql(`${contactAlias}.id`, '?'), bindings: [topic] };
}

/** Topics and each contact's choices in them. */
export class TopicStore {
  constructor(private readonly db: Db) {}

  /** The topics in use (not archived), oldest first, then by key. */
  async list(): Promise<Topic[]> {
    const rows = await this.db('topics').whereNull('archived_at').orderBy(['created_at', 'key']);
    return rows.map(toTopic);
  }

  /** A topic in use; undefined for an unknown or archived key. */
  async get(key: string): Promise<Topic | undefined> {
    const row = await this.db('topics').where({ key }).whereNull('archived_at').first();
    return row ? toTopic(row) : undefined;
  }

  /** Creates a topic; undefined when the key is taken (by an archived topic too: a key never changes meaning). */
  async create(t: { key: string; name: string; description?: string; optIn: boolean }): Promise<Topic | undefined> {
    const [row] = await this.db('topics')
      .insert({ key: t.key, name: t.name, description: t.description ?? null, opt_in: t.optIn })
      .onConflict('key')
      .ignore()
      .returning('*');
    return row ? toTopic(row) : undefined;
  }

  /** The topics among `keys`, in use; throws UnknownTopicError naming the others and listing the topics. */
  async require(keys: readonly string[]): Promise<Map<string, Topic>> {
    const topics = new Map((await this.list()).map((t) => [t.key, t]));
    const unknown = keys.filter((k) => !topics.has(k));
    if (unknown.length > 0) throw new UnknownTopicError(unknown, [...topics.keys()]);
    return new Map(keys.map((k) => [k, topics.get(k)!]));
  }

  /** The contact's explicit choices, by topic key. */
  async choices(contactId: string): Promise<Map<string, ContactTopic>> {
    const rows = await this.db('contact_topics').where({ contact_id: contactId });
    return new Map(
      rows.map((r) => [
        r.topic_key as string,
        {
          topic: r.topic_key as string,
          state: r.state as TopicState,
          source: r.source as SubscriptionSource,
          updatedAt: r.updated_at as Date,
        },
      ]),
    );
  }

  /** Every topic in use with the contact's state in it. */
  async subscriptions(contactId: string): Promise<TopicSubscription[]> {
    const [topics, choices] = await Promise.all([this.list(), this.choices(contactId)]);
    return topics.map((t) => {
      const state = choices.get(t.key)?.state ?? defaultState(t.optIn);
      return { ...t, state, subscribed: receives(t.optIn, state) };
    });
  }

  /** Writes the contact's choice in a topic, replacing any earlier one. */
  async setState(contactId: string, topic: string, state: TopicState, source: SubscriptionSource): Promise<void> {
    await this.db('contact_topics')
      .insert({ contact_id: contactId, topic_key: topic, state, source, updated_at: this.db.fn.now() })
      .onConflict(['contact_id', 'topic_key'])
      .merge(['state', 'source', 'updated_at']);
  }

  /** The workflow ids of the contact's running enrollments whose sequence sends under one of these topics. */
  async activeEnrollmentsUnder(contactId: string, topics: readonly string[]): Promise<string[]> {
    if (topics.length === 0) return [];
    return this.db('enrollments')
      .where({ contact_id: contactId, status: 'active' })
      .whereIn('topic', topics as string[])
      .pluck('workflow_id');
  }

  /**
   * Whether one marketing email on this topic may go to the contact now: not unsubscribed from all, and the topic
   * lets it through (see `mayReceiveSql`). False for a contact that does not exist; UnknownTopicError for a topic
   * that does not, since a send naming one is a mistake to report, not a quiet skip.
   */
  async mayReceive(contactId: string, topic: string): Promise<boolean> {
    // One statement on the send path: whether the topic exists, and whether it lets this email through.
    const { sql, bindings } = eligibleSql(topic);
    const { rows } = await this.db.raw(
      `SELECT EXISTS (SELECT 1 FROM topics WHERE key = ? AND archived_at IS NULL) AS known,
              (SELECT c.unsubscribed_at IS NULL AND ${sql} FROM contacts c WHERE c.id = ?) AS ok`,
      [topic, ...bindings, contactId],
    );
    const row = rows[0] as { known: boolean; ok: boolean | null };
    if (!row.known) await this.require([topic]);
    return row.ok === true;
  }
}
