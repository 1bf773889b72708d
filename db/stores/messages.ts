import type { Knex } from 'knex';
import type { Db } from '../knex';
import {
  STATUS_RANK,
  type BounceType,
  type Channel,
  type EventSource,
  type MessageStatus,
  type ProviderEvent,
} from '../../domain/messages';

/** One event to add to a message's timeline (or, with no message, to the log of events that matched none). */
export interface NewMessageEvent {
  messageId: string | null;
  status: MessageStatus;
  source: EventSource;
  /** Unique per source: a provider's event id, or the engine's own name for the step. The same key is stored once. */
  eventKey: string;
  occurredAt: Date;
  email?: string;
  bounceType?: BounceType;
  reason?: string;
  url?: string;
  userAgent?: string;
  /** Why a machine did it (an open by Apple's proxy, a link scanner); such events are left out of every rate. */
  machineReason?: string;
}

export interface TimelineEvent {
  status: MessageStatus;
  source: EventSource;
  occurredAt: string;
  bounceType?: BounceType;
  reason?: string;
  url?: string;
  machine?: { reason: string };
}

export interface MessageView {
  id: string;
  channel: string;
  contactId: string | null;
  to: string;
  subject: string;
  template: string;
  sequenceKey: string | null;
  stepId: string | null;
  variant: string | null;
  marketing: boolean;
  provider: string | null;
  providerMessageId: string | null;
  /** How far the message got: the furthest status of its timeline, machine engagement aside. */
  status: MessageStatus;
  /** Why it failed, was suppressed or bounced, in the provider's words where it gave any. */
  error: string | null;
  /** Whether our open pixel and click redirect were in it. */
  tracked: boolean;
  createdAt: string;
  sentAt: string | null;
}

export interface MessageWithTimeline extends MessageView {
  timeline: TimelineEvent[];
}

/** The message a provider event is about, as far as matching needs it. */
export interface MatchedMessage {
  id: string;
  contactId: string | null;
  channel: Channel;
  /** The contact's email address, whatever the channel (the address of a team notification). */
  email: string;
  sentAt: Date | null;
  sequenceKey: string | null;
  stepId: string | null;
  variant: string | null;
}

/** The first time of each outcome, kept on the message so the funnel counts messages, not events. */
const FIRST_TIME_COLUMN: Partial<Record<MessageStatus, string>> = {
  delivered: 'delivered_at',
  bounced: 'bounced_at',
  complained: 'complained_at',
  unsubscribed: 'unsubscribed_at',
  opened: 'opened_at',
  clicked: 'clicked_at',
};

const iso = (d: unknown): string | null => (d instanceof Date ? d.toISOString() : null);

const MATCHED_COLUMNS = ['id', 'contact_id', 'channel', 'to_email', 'sent_at', 'sequence_key', 'step_id', 'variant'];
const toMatched = (r: Record<string, unknown>): MatchedMessage => ({
  id: r.id as string,
  contactId: (r.contact_id as string | null) ?? null,
  channel: r.channel as Channel,
  email: r.to_email as string,
  sentAt: (r.sent_at as Date | null) ?? null,
  sequenceKey: (r.sequence_key as string | null) ?? null,
  stepId: (r.step_id as string | null) ?? null,
  variant: (r.variant as string | null) ?? null,
});

/**
 * The message log: each message's timeline of events from the send path, the providers' webhooks and our own
 * tracking. Events are stored once per source and key, in any order; the message keeps the first time of each
 * outcome, which a later-arriving earlier event moves back.
 */
export class MessageStore {
  constructor(private readonly db: Db) {}

  /** Stores the event unless its key was stored before; true when it is new. */
  async record(event: NewMessageEvent, trx: Knex | Knex.Transaction = this.db): Promise<boolean> {
    const inserted = await trx('message_events')
      .insert({
        message_id: event.messageId,
        status: event.status,
        source: event.source,
        event_key: event.eventKey.slice(0, 400),
        occurred_at: event.occurredAt,
        email: event.email?.slice(0, 320) ?? null,
        bounce_type: event.bounceType ?? null,
        reason: event.reason?.slice(0, 2000) ?? null,
        url: event.url?.slice(0, 4000) ?? null,
        user_agent: event.userAgent?.slice(0, 1000) ?? null,
        machine: event.machineReason !== undefined,
        machine_reason: event.machineReason?.slice(0, 100) ?? null,
      })
      .onConflict(['source', 'event_key'])
      .ignore()
      .returning('id');
    if (inserted.length === 0) return false;
    const column = FIRST_TIME_COLUMN[event.status];
    if (event.messageId && column && event.machineReason === undefined) {
      await trx('email_outbox')
        .where({ id: event.messageId })
        .update({
          [column]: trx.raw(`LEAST(??, ?)`, [column, event.occurredAt]),
          ...(event.status === 'bounced' ? { bounce_type: event.bounceType ?? 'hard' } : {}),
          ...(event.reason && (event.status === 'bounced' || event.status === 'complained')
            ? { error: event.reason.slice(0, 2000) }
            : {}),
        });
    }
    return true;
  }

  /**
   * The message a provider event is about: by our idempotency key, else the provider's message id, else (for a
   * bounce, drop or complaint, which must reach the address whatever they name) the latest message to the address.
   */
  async match(event: ProviderEvent): Promise<MatchedMessage | undefined> {
    const columns = MATCHED_COLUMNS;
    if (event.idempotencyKey) {
      const row = await this.db('email_outbox').where({ idempotency_key: event.idempotencyKey }).first(columns);
      if (row) return toMatched(row);
    }
    if (event.providerMessageId) {
      const row = await this.db('email_outbox')
        .where({ provider: event.provider, provider_message_id: event.providerMessageId })
        .first(columns);
      if (row) return toMatched(row);
    }
    if (event.email && ['bounced', 'dropped', 'complained'].includes(event.status)) {
      const row = await this.db('email_outbox')
        .whereRaw('lower(to_email) = ?', [event.email.toLowerCase()])
        .whereNotNull('sent_at')
        .orderBy('created_at', 'desc')
        .first(columns);
      if (row) return toMatched(row);
    }
    return undefined;
  }

  async byId(id: string): Promise<MatchedMessage | undefined> {
    const row = await this.db('email_outbox').where({ id }).first(MATCHED_COLUMNS);
    return row ? toMatched(row) : undefined;
  }

  /** The message with its whole timeline, oldest event first; undefined if there is no such message. */
  async get(id: string): Promise<MessageWithTimeline | undefined> {
    const [view] = await this.views(this.db('email_outbox').where('email_outbox.id', id));
    if (!view) return undefined;
    const rows = await this.db('message_events')
      .where({ message_id: id })
      .orderBy([
        { column: 'occurred_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
    return { ...view, timeline: rows.map(toTimelineEvent) };
  }

  /** A contact's messages, newest first. */
  async listForContact(contactId: string, page: { limit: number; offset: number }) {
    return this.list(this.db('email_outbox').where({ contact_id: contactId }), page);
  }

  /** The messages one step of a sequence sent, newest first. */
  async listForStep(sequenceKey: string, stepId: string, page: { limit: number; offset: number }) {
    return this.list(this.db('email_outbox').where({ sequence_key: sequenceKey, step_id: stepId }), page);
  }

  private async list(
    base: Knex.QueryBuilder,
    page: { limit: number; offset: number },
  ): Promise<{ total: number; messages: MessageView[] }> {
    const counted = await base.clone().count({ n: '*' }).first();
    const n = counted?.n ?? 0;
    const messages = await this.views(
      base
        .clone()
        .orderBy([
          { column: 'email_outbox.created_at', order: 'desc' },
          { column: 'email_outbox.id', order: 'desc' },
        ])
        .limit(page.limit)
        .offset(page.offset),
    );
    return { total: Number(n), messages };
  }

  /** Rows with their status: the highest-ranked status among the message's human events. */
  private async views(query: Knex.QueryBuilder): Promise<MessageView[]> {
    const rows = await query.select('email_outbox.*');
    if (rows.length === 0) return [];
    const statuses = await this.db('message_events')
      .whereIn(
        'message_id',
        rows.map((r: { id: string }) => r.id),
      )
      .where({ machine: false })
      .distinct('message_id', 'status');
    const best = new Map<string, MessageStatus>();
    for (const s of statuses as { message_id: string; status: MessageStatus }[]) {
      const current = best.get(s.message_id);
      if (!current || STATUS_RANK[s.status] > STATUS_RANK[current]) best.set(s.message_id, s.status);
    }
    return rows.map((r: OutboxRecord) => ({
      id: r.id,
      channel: r.channel,
      contactId: r.contact_id,
      to: r.to_email,
      subject: r.subject,
      template: r.template,
      sequenceKey: r.sequence_key,
      stepId: r.step_id,
      variant: r.variant,
      marketing: r.marketing,
      provider: r.provider,
      providerMessageId: r.provider_message_id,
      status: best.get(r.id) ?? 'queued',
      error: r.error,
      tracked: r.tracked,
      createdAt: r.created_at.toISOString(),
      sentAt: iso(r.sent_at),
    }));
  }
}

/** The columns of an `email_outbox` row a view reads. */
interface OutboxRecord {
  id: string;
  channel: string;
  contact_id: string | null;
  to_email: string;
  subject: string;
  template: string;
  sequence_key: string | null;
  step_id: string | null;
  variant: string | null;
  marketing: boolean;
  provider: string | null;
  provider_message_id: string | null;
  error: string | null;
  tracked: boolean;
  created_at: Date;
  sent_at: Date | null;
}

function toTimelineEvent(r: Record<string, unknown>): TimelineEvent {
  return {
    status: r.status as MessageStatus,
    source: r.source as EventSource,
    occurredAt: iso(r.occurred_at)!,
    ...(r.bounce_type ? { bounceType: r.bounce_type as BounceType } : {}),
    ...(r.reason ? { reason: r.reason as string } : {}),
    ...(r.url ? { url: r.url as string } : {}),
    ...(r.machine ? { machine: { reason: (r.machine_reason as string | null) ?? 'machine' } } : {}),
  };
}
