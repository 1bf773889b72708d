import type { Knex } from 'knex';
import type { Db } from '../knex';
import { eligibleSql, mayReceiveSql } from './topics';
import { toContact, type Contact, type ContactRow } from './contacts';
import {
  type BroadcastChannel,
  type BroadcastCounts,
  type BroadcastStatus,
  type RecipientStatus,
  type SkipReason,
} from '../../domain/broadcast';

export interface Broadcast {
  id: string;
  name: string;
  segmentKey: string;
  template: string;
  /** What it is sent as: an email, a text, an in-app message or a push. */
  channel: BroadcastChannel;
  /** The broadcast's own subject; the template's when null. */
  subject: string | null;
  from: string | null;
  topic: string | null;
  sendAt: Date;
  localTime: string | null;
  rateLimitPerSecond: number;
  status: BroadcastStatus;
  workflowId: string;
  createdBy: string;
  approvalWorkflowId: string | null;
  decidedBy: string | null;
  decisionComment: string | null;
  error: string | null;
  recipients: number | null;
  snapshotAt: Date | null;
  startedAt: Date | null;
  completedAt: Date | null;
  createdAt: Date;
}

export type NewBroadcast = Pick<
  Broadcast,
  | 'id'
  | 'name'
  | 'segmentKey'
  | 'template'
  | 'channel'
  | 'subject'
  | 'from'
  | 'topic'
  | 'sendAt'
  | 'localTime'
  | 'rateLimitPerSecond'
  | 'status'
  | 'workflowId'
  | 'createdBy'
>;

/** What became of one claimed recipient: done, or back in the queue until a later time. */
export type RecipientOutcome = { contactId: string; skipReason?: SkipReason; error?: string } & (
  | { status: Extract<RecipientStatus, 'sent' | 'skipped' | 'failed'>; until?: undefined }
  | { status: 'pending'; until: Date }
);

/** A claimed recipient with what sending to them needs. */
export interface ClaimedRecipient {
  contactId: string;
  idempotencyKey: string;
  email: string;
  timezone: string;
  traits: Record<string, unknown>;
  unsubscribed: boolean;
  /** The contact left the broadcast's topic (or never confirmed an opt-in one). */
  leftTopic: boolean;
  /** The whole contact as it is now (its phone and SMS consent, for a send beyond email). */
  contact: Contact;
}

const toBroadcast = (r: Record<string, unknown>): Broadcast => ({
  id: r.id as string,
  name: r.name as string,
  segmentKey: r.segment_key as string,
  template: r.template as string,
  channel: ((r.channel as string | null) ?? 'email') as BroadcastChannel,
  subject: (r.subject as string | null) ?? null,
  from: (r.from as string | null) ?? null,
  topic: (r.topic as string | null) ?? null,
  sendAt: r.send_at as Date,
  localTime: (r.local_time as string | null) ?? null,
  rateLimitPerSecond: r.rate_limit_per_second as number,
  status: r.status as BroadcastStatus,
  workflowId: r.workflow_id as string,
  createdBy: r.created_by as string,
  approvalWorkflowId: (r.approval_workflow_id as string | null) ?? null,
  decidedBy: (r.decided_by as string | null) ?? null,
  decisionComment: (r.decision_comment as string | null) ?? null,
  error: (r.error as string | null) ?? null,
  recipients: (r.recipients as number | null) ?? null,
  snapshotAt: (r.snapshot_at as Date | null) ?? null,
  startedAt: (r.started_at as Date | null) ?? null,
  completedAt: (r.completed_at as Date | null) ?? null,
  createdAt: r.created_at as Date,
});

/** Broadcasts and their frozen audiences. */
export class BroadcastStore {
  constructor(private readonly db: Db | Knex.Transaction) {}

  async create(b: NewBroadcast): Promise<Broadcast> {
    const [row] = await this.db('broadcasts')
      .insert({
        id: b.id,
        name: b.name,
        segment_key: b.segmentKey,
        template: b.template,
        channel: b.channel,
        subject: b.subject,
        from: b.from,
        topic: b.topic,
        send_at: b.sendAt,
        local_time: b.localTime,
        rate_limit_per_second: b.rateLimitPerSecond,
        status: b.status,
        workflow_id: b.workflowId,
        created_by: b.createdBy,
      })
      .returning('*');
    return toBroadcast(row);
  }

  async get(id: string): Promise<Broadcast | undefined> {
    const row = await this.db('broadcasts').where({ id }).first();
    return row ? toBroadcast(row) : undefined;
  }

  async list(limit: number, status?: BroadcastStatus): Promise<Broadcast[]> {
    const q = this.db('broadcasts').orderBy('created_at', 'desc').orderBy('id').limit(limit);
    if (status) q.where({ status });
    return (await q).map(toBroadcast);
  }

  /**
   * Moves the broadcast to `status` when it is in one of `from` (any non-final status if omitted); false when it
   * was not, so two writers (the run finishing, an operator cancelling) never overwrite each other.
   */
  async setStatus(
    id: string,
    status: BroadcastStatus,
    from: readonly BroadcastStatus[] = ['draft', 'scheduled', 'awaiting_approval', 'sending', 'paused'],
    extra: Partial<Pick<Broadcast, 'approvalWorkflowId' | 'decidedBy' | 'decisionComment' | 'error'>> = {},
  ): Promise<boolean> {
    const n = await this.db('broadcasts')
      .where({ id })
      .whereIn('status', from as BroadcastStatus[])
      .update({
        status,
        updated_at: this.db.fn.now(),
        ...(status === 'sending' ? { started_at: this.db.raw('coalesce(started_at, now())') } : {}),
        ...(['completed', 'cancelled', 'rejected', 'failed'].includes(status)
          ? { completed_at: this.db.fn.now() }
          : {}),
        ...(extra.approvalWorkflowId !== undefined ? { approval_workflow_id: extra.approvalWorkflowId } : {}),
        ...(extra.decidedBy !== undefined ? { decided_by: extra.decidedBy } : {}),
        ...(extra.decisionComment !== undefined ? { decision_comment: extra.decisionComment } : {}),
        ...(extra.error !== undefined ? { error: extra.error } : {}),
      });
    return n > 0;
  }

  /**
   * Freezes the audience: the segment's members now, in one INSERT ... SELECT, each with their own send time: the
   * broadcast's, or with a local time the next time their clock shows it on or after the broadcast's (an unknown
   * time zone counts as UTC). Idempotent: a retry after the first commit finds the snapshot and counts it.
   */
  async snapshot(id: string): Promise<number> {
    return this.db.transaction(async (trx) => {
      const b = await trx('broadcasts').where({ id }).forUpdate().first();
      if (!b) throw new Error(`broadcast ${id} does not exist`);
      if (b.snapshot_at) return b.recipients as number;
      const tz = `coalesce(z.name, 'UTC')`;
      const local = (days: number) =>
        `((((?::timestamptz) AT TIME ZONE ${tz})::date + ${days}) + ?::time) AT TIME ZONE ${tz}`;
      const sendAt = b.local_time
        ? `CASE WHEN ${local(0)} >= ?::timestamptz THEN ${local(0)} ELSE ${local(1)} END`
        : '?::timestamptz';
      const bindings = b.local_time
        ? [b.send_at, b.local_time, b.send_at, b.send_at, b.local_time, b.send_at, b.local_time]
        : [b.send_at];
      const inserted = await trx.raw(
        `INSERT INTO broadcast_recipients (broadcast_id, contact_id, send_at, status, idempotency_key)
         SELECT ?, m.contact_id, ${sendAt}, 'pending', 'broadcast:' || ?::text || ':' || m.contact_id::text
           FROM segment_members m
           JOIN contacts c ON c.id = m.contact_id
           LEFT JOIN pg_timezone_names z ON z.name = c.timezone
          WHERE m.segment_key = ?
         ON CONFLICT DO NOTHING`,
        [id, ...bindings, id, b.segment_key],
      );
      const recipients = inserted.rowCount as number;
      await trx('broadcasts').where({ id }).update({ recipients, snapshot_at: trx.fn.now(), updated_at: trx.fn.now() });
      return recipients;
    });
  }

  /** Puts recipients claimed by a batch that did not finish back in the queue; their outbox rows keep them once. */
  async releaseClaimed(id: string, contactIds?: string[]): Promise<number> {
    const q = this.db('broadcast_recipients').where({ broadcast_id: id, status: 'sending' });
    if (contactIds) q.whereIn('contact_id', contactIds);
    return q.update({ status: 'pending' });
  }

  /**
   * Claims up to `limit` recipients due by `now`, oldest send time first; rows another claimer holds are skipped,
   * not waited for. Returns them with the contact as it is now (address, phone, consent, traits).
   */
  async claim(id: string, now: Date, limit: number): Promise<ClaimedRecipient[]> {
    const { rows } = await this.db.raw(
      `WITH claimed AS (
         UPDATE broadcast_recipients r SET status = 'sending'
          WHERE (r.broadcast_id, r.contact_id) IN (
                SELECT broadcast_id, contact_id FROM broadcast_recipients
                 WHERE broadcast_id = ? AND status = 'pending' AND send_at <= ?
                 ORDER BY send_at
                 LIMIT ?
                 FOR UPDATE SKIP LOCKED)
          RETURNING r.contact_id, r.idempotency_key)
       SELECT claimed.contact_id, claimed.idempotency_key, c.id, c.external_id, c.venture_id, c.email, c.phone,
              c.sms_consent_at, c.sms_consent_source, c.timezone, c.traits, c.unsubscribed_at, c.created_at,
              NOT ${mayReceiveSql('c.id', '(SELECT topic FROM broadcasts WHERE id = ?)')} AS left_topic
         FROM claimed JOIN contacts c ON c.id = claimed.contact_id`,
      [id, now, limit, id],
    );
    return (rows as Record<string, unknown>[]).map((r) => ({
      contactId: r.contact_id as string,
      idempotencyKey: r.idempotency_key as string,
      email: r.email as string,
      timezone: r.timezone as string,
      traits: (r.traits as Record<string, unknown>) ?? {},
      unsubscribed: r.unsubscribed_at !== null,
      leftTopic: r.left_topic === true,
      contact: toContact(r as unknown as ContactRow),
    }));
  }

  /**
   * Records many recipients' outcomes in one statement: sent, skipped or failed; or back to pending until `until`
   * (a frequency cap that frees up then). Only claimed rows are written: a recipient recorded already stays as is.
   */
  async record(id: string, outcomes: readonly RecipientOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    await this.db.raw(
      `UPDATE broadcast_recipients r
          SET status = v.status::broadcast_recipient_status, skip_reason = v.skip_reason, error = v.error,
              send_at = coalesce(v.until, r.send_at),
              done_at = CASE WHEN v.status = 'pending' THEN NULL ELSE now() END
         FROM jsonb_to_recordset(?::jsonb)
              AS v(contact_id uuid, status text, skip_reason text, error text, until timestamptz)
        WHERE r.broadcast_id = ? AND r.contact_id = v.contact_id AND r.status = 'sending'`,
      [
        JSON.stringify(
          outcomes.map((o) => ({
            contact_id: o.contactId,
            status: o.status,
            skip_reason: o.skipReason ?? null,
            error: o.error?.slice(0, 2000) ?? null,
            until: o.until?.toISOString() ?? null,
          })),
        ),
        id,
      ],
    );
  }

  /** How many recipients are not done yet, and when the earliest pending one is due. */
  async progress(id: string): Promise<{ remaining: number; nextDueAt: Date | null }> {
    const row = await this.db('broadcast_recipients')
      .where({ broadcast_id: id })
      .whereIn('status', ['pending', 'sending'])
      .select(
        this.db.raw('count(*)::int as remaining'),
        this.db.raw(`min(send_at) filter (where status = 'pending') as next_due_at`),
      )
      .first();
    return { remaining: (row?.remaining as number) ?? 0, nextDueAt: (row?.next_due_at as Date | null) ?? null };
  }

  /** Per-status counts, from the recipients table (the run's state is not needed to read progress). */
  async counts(id: string): Promise<BroadcastCounts> {
    return (await this.countsOf([id])).get(id)!;
  }

  /** The counts of several broadcasts (a list page), in one query. */
  async countsOf(ids: readonly string[]): Promise<Map<string, BroadcastCounts>> {
    const rows: { broadcast_id: string; status: RecipientStatus; skip_reason: SkipReason | null; n: number }[] =
      ids.length === 0
        ? []
        : await this.db('broadcast_recipients')
            .whereIn('broadcast_id', ids)
            .groupBy('broadcast_id', 'status', 'skip_reason')
            .select('broadcast_id', 'status', 'skip_reason', this.db.raw('count(*)::int as n'));
    const all = new Map<string, BroadcastCounts>(
      ids.map((id) => [id, { recipients: 0, sent: 0, skipped: 0, skippedByReason: {}, failed: 0, remaining: 0 }]),
    );
    for (const r of rows) {
      const counts = all.get(r.broadcast_id)!;
      counts.recipients += r.n;
      if (r.status === 'sent') counts.sent += r.n;
      else if (r.status === 'failed') counts.failed += r.n;
      else if (r.status === 'skipped') {
        counts.skipped += r.n;
        const reason = r.skip_reason ?? 'suppressed';
        counts.skippedByReason[reason] = (counts.skippedByReason[reason] ?? 0) + r.n;
      } else counts.remaining += r.n;
    }
    return all;
  }
}

/** Who can receive a message on the channel at all: a text needs a number and consent, a push a device. */
const REACHABLE_SQL: Record<BroadcastChannel, string | undefined> = {
  email: undefined,
  in_app: undefined,
  sms: 'c.phone is not null and c.sms_consent_at is not null',
  push: 'exists (select 1 from contact_devices d where d.contact_id = c.id)',
};

/**
 * The segments a broadcast can name (the segments table), and how many members each has now: all of them, and
 * those who may receive it on the channel (email when not given).
 */
export async function segmentAudience(
  db: Db,
  key: string,
  topic?: string,
  channel: BroadcastChannel = 'email',
): Promise<{ members: number; eligible: number } | undefined> {
  const segment = await db('segments').where({ key }).first('key');
  if (!segment) return undefined;
  // Eligible: not unsubscribed from everything, with a topic not out of it either, and reachable on the channel.
  const byTopic = topic ? eligibleSql(topic) : undefined;
  const reachable = REACHABLE_SQL[channel];
  const row = await db('segment_members as m')
    .join('contacts as c', 'c.id', 'm.contact_id')
    .where('m.segment_key', key)
    .select(
      db.raw('count(*)::int as members'),
      db.raw(
        `count(*) filter (where c.unsubscribed_at is null${byTopic ? ` and ${byTopic.sql}` : ''}` +
          `${reachable ? ` and ${reachable}` : ''})::int as eligible`,
        byTopic?.bindings ?? [],
      ),
    )
    .first();
  return { members: (row?.members as number) ?? 0, eligible: (row?.eligible as number) ?? 0 };
}
