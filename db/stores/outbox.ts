import type { Knex } from 'knex';
import type { Db } from '../knex';
import type { Channel, MessageStatus } from '../../domain/messages';
import { MessageStore } from './messages';

export interface OutboxClaim {
  idempotencyKey: string;
  /** Null for internal notifications to the team, which go to an address rather than a contact. */
  contactId: string | null;
  workflowId?: string;
  stepId?: string;
  sequenceKey?: string;
  variant?: string;
  template: string;
  /** The contact's email address, whatever the channel (the message log and erasure find messages by it). */
  toEmail: string;
  /** Email when absent. */
  channel?: Channel;
  /** Where the message goes on its channel when that is not the email address: the phone, the webhook's URL. */
  address?: string;
  subject: string;
  marketing: boolean;
}

/**
 * The frequency cap: at most `max` marketing messages per contact in `windowMs`, counted across every channel, or per
 * channel (`perChannel`: a text message does not use up the email's allowance).
 */
export interface FrequencyCap {
  max: number;
  windowMs: number;
  perChannel?: boolean;
}

const capReason = (cap: FrequencyCap, channel: Channel) =>
  `frequency cap: ${cap.max} marketing ${cap.perChannel ? `${channel} messages` : 'messages'} per ${Math.round(
    cap.windowMs / 3_600_000,
  )} h`;

export type OutboxStatus = 'pending' | 'sent' | 'failed' | 'deferred' | 'suppressed';

export interface OutboxRow {
  id: string;
  idempotencyKey: string;
  status: OutboxStatus;
  providerMessageId: string | null;
  attempts: number;
  error: string | null;
}

export type ClaimResult =
  | { kind: 'claimed'; row: OutboxRow }
  | { kind: 'done'; row: OutboxRow }
  | { kind: 'capped'; retryAt: Date }
  /** Another attempt holds a live lease on the send: it is in flight there. */
  | { kind: 'leased'; owner: string; until: Date };

/** Who claims a send, and for how long the claim holds unless renewed. */
export interface Lease {
  owner: string;
  ms: number;
}

const toRow = (r: Record<string, unknown>): OutboxRow => ({
  id: r.id as string,
  idempotencyKey: r.idempotency_key as string,
  status: r.status as OutboxStatus,
  providerMessageId: (r.provider_message_id as string | null) ?? null,
  attempts: r.attempts as number,
  error: (r.error as string | null) ?? null,
});

/** Statuses after which a send is over: its key never sends again. */
const FINAL: readonly OutboxStatus[] = ['sent', 'failed', 'suppressed'];

/**
 * The outbox of every channel: one row per idempotency key (a unique constraint), so a retried activity, a crashed
 * worker or a replayed workflow finds the row of the first attempt instead of sending again.
 */
export class OutboxStore {
  private readonly messages: MessageStore;

  constructor(private readonly db: Db) {
    this.messages = new MessageStore(db);
  }

  /** Adds the send path's own step to the message's timeline; keyed by the message and `step`, so a retry adds none. */
  private async engineEvent(
    trx: Knex | Knex.Transaction,
    row: { id: string; to_email: string },
    status: MessageStatus,
    step: string,
    extra: { reason?: string; bounceType?: 'hard'; at?: Date } = {},
  ): Promise<void> {
    await this.messages.record(
      {
        messageId: row.id,
        status,
        source: 'engine',
        eventKey: `${row.id}:${step}`,
        occurredAt: extra.at ?? new Date(),
        email: row.to_email.toLowerCase(),
        ...(extra.reason ? { reason: extra.reason } : {}),
        ...(extra.bounceType ? { bounceType: extra.bounceType } : {}),
      },
      trx,
    );
  }

  /**
   * Claims the send for `lease.owner` until the lease runs out. A send already sent or failed is 'done'; one whose
   * live lease another attempt holds is 'leased' (it is in flight there). With a frequency cap, the contact's row is
   * locked so two sequences sending to the same contact at once cannot both slip under the cap; a capped send is
   * told when the window frees up. Lease times are the database's clock, the one clock every worker shares.
   */
  async claim(claim: OutboxClaim, lease: Lease, cap?: FrequencyCap & { now: Date }): Promise<ClaimResult> {
    return this.db.transaction(async (trx) => {
      // One statement creates the row if it is new and locks it either way (a no-op update takes the row lock).
      const [existing] = await trx('email_outbox')
        .insert({ ...this.columns(claim), status: 'pending', attempts: 0 })
        .onConflict('idempotency_key')
        .merge(['idempotency_key'])
        .returning(['*', trx.raw('lease_until > now() as lease_live'), trx.raw('(xmax = 0) as created')]);
      if (existing.created) await this.engineEvent(trx, existing, 'queued', 'queued', { at: existing.created_at });
      if (FINAL.includes(existing.status)) return { kind: 'done', row: toRow(existing) };
      if (existing.status === 'pending' && existing.lease_live && existing.lease_owner !== lease.owner) {
        return { kind: 'leased', owner: existing.lease_owner as string, until: existing.lease_until as Date };
      }
      if (cap && claim.marketing && claim.contactId) {
        await trx('contacts').where({ id: claim.contactId }).forUpdate().first();
        const since = new Date(cap.now.getTime() - cap.windowMs);
        const recent: Date[] = await trx('email_outbox')
          .where({ contact_id: claim.contactId, marketing: true })
          .modify((q) => (cap.perChannel ? q.where({ channel: claim.channel ?? 'email' }) : q))
          .whereNot({ idempotency_key: claim.idempotencyKey })
          .where((q) => q.where('status', 'sent').andWhere('sent_at', '>', since).orWhere('status', 'pending'))
          .orderBy('sent_at', 'asc')
          .pluck('sent_at');
        if (recent.length >= cap.max) {
          // The window frees a slot when its oldest send ages out (an in-flight one has no time yet).
          const oldest = recent.find((d): d is Date => d instanceof Date) ?? cap.now;
          const retryAt = new Date(Math.max(oldest.getTime() + cap.windowMs, cap.now.getTime() + 60_000));
          await trx('email_outbox')
            .where({ idempotency_key: claim.idempotencyKey })
            .update({ status: 'deferred', lease_owner: null, lease_until: null });
          await this.engineEvent(trx, existing, 'deferred', `capped:${retryAt.toISOString()}`, {
            reason: capReason(cap, claim.channel ?? 'email'),
            at: cap.now,
          });
          return { kind: 'capped', retryAt };
        }
      }
      const [row] = await trx('email_outbox')
        .where({ idempotency_key: claim.idempotencyKey })
        .update({
          ...claimedBy(trx, lease),
        })
        .returning('*');
      return { kind: 'claimed', row: toRow(row) };
    });
  }

  /** Extends the holder's lease; false when it no longer holds it (the send ended, or another attempt took it). */
  async renewLease(idempotencyKey: string, lease: Lease): Promise<boolean> {
    const n = await this.db('email_outbox')
      .where({ idempotency_key: idempotencyKey, lease_owner: lease.owner, status: 'pending' })
      .update({ lease_until: leaseEnd(this.db, lease) });
    return n > 0;
  }

  /**
   * `claim` for many sends at once, in one transaction: one statement creates or locks every row, one query counts
   * the recent marketing sends of all their contacts, one update takes the leases. Answers per idempotency key.
   * @remarks The sends must be to distinct contacts on one channel (a broadcast's are): each is capped against the
   * others' rows.
   */
  async claimMany(
    claims: readonly OutboxClaim[],
    lease: Lease,
    cap?: FrequencyCap & { now: Date },
  ): Promise<Map<string, ClaimResult>> {
    const results = new Map<string, ClaimResult>();
    if (claims.length === 0) return results;
    // Rows are locked in key order, so two claimers of overlapping sets cannot deadlock.
    const sorted = [...claims].sort((a, b) => (a.idempotencyKey < b.idempotencyKey ? -1 : 1));
    const channel = claims[0]!.channel ?? 'email';
    return this.db.transaction(async (trx) => {
      const rows: Record<string, unknown>[] = await trx('email_outbox')
        .insert(sorted.map((c) => ({ ...this.columns(c), status: 'pending', attempts: 0 })))
        .onConflict('idempotency_key')
        .merge(['idempotency_key'])
        .returning(['*', trx.raw('lease_until > now() as lease_live'), trx.raw('(xmax = 0) as created')]);
      await this.engineEvents(
        trx,
        rows
          .filter((r) => r.created)
          .map((r) => ({ row: r, status: 'queued', step: 'queued', at: r.created_at as Date })),
      );
      const marketing = new Map(claims.map((c) => [c.idempotencyKey, c.marketing]));
      let open: Record<string, unknown>[] = [];
      for (const r of rows) {
        const key = r.idempotency_key as string;
        if (FINAL.includes(r.status as OutboxStatus)) results.set(key, { kind: 'done', row: toRow(r) });
        else if (r.status === 'pending' && r.lease_live && r.lease_owner !== lease.owner) {
          results.set(key, { kind: 'leased', owner: r.lease_owner as string, until: r.lease_until as Date });
        } else open.push(r);
      }
      const cappable = cap ? open.filter((r) => marketing.get(r.idempotency_key as string) && r.contact_id) : [];
      if (cap && cappable.length > 0) {
        const contactIds = [...new Set(cappable.map((r) => r.contact_id as string))].sort();
        await trx('contacts').whereIn('id', contactIds).orderBy('id').forUpdate().select('id');
        const since = new Date(cap.now.getTime() - cap.windowMs);
        const recent: { contact_id: string; n: number; oldest: Date | null }[] = await trx('email_outbox')
          .whereIn('contact_id', contactIds)
          .where({ marketing: true })
          .modify((q) => (cap.perChannel ? q.where({ channel }) : q))
          .whereNotIn(
            'idempotency_key',
            cappable.map((r) => r.idempotency_key as string),
          )
          .where((q) => q.where('status', 'sent').andWhere('sent_at', '>', since).orWhere('status', 'pending'))
          .groupBy('contact_id')
          .select('contact_id', trx.raw('count(*)::int AS n'), trx.raw('min(sent_at) AS oldest'));
        const byContact = new Map<string, { n: number; oldest: Date | null }>(recent.map((r) => [r.contact_id, r]));
        const over = cappable.filter((r) => (byContact.get(r.contact_id as string)?.n ?? 0) >= cap.max);
        if (over.length > 0) {
          await trx('email_outbox')
            .whereIn(
              'idempotency_key',
              over.map((r) => r.idempotency_key as string),
            )
            .update({ status: 'deferred', lease_owner: null, lease_until: null });
          const reason = capReason(cap, channel);
          const events = over.map((r) => {
            // The window frees a slot when its oldest send ages out (an in-flight one has no time yet).
            const oldest = byContact.get(r.contact_id as string)?.oldest ?? cap.now;
            const retryAt = new Date(Math.max(oldest.getTime() + cap.windowMs, cap.now.getTime() + 60_000));
            results.set(r.idempotency_key as string, { kind: 'capped', retryAt });
            return {
              row: r,
              status: 'deferred' as const,
              step: `capped:${retryAt.toISOString()}`,
              reason,
              at: cap.now,
            };
          });
          await this.engineEvents(trx, events);
          open = open.filter((r) => !over.includes(r));
        }
      }
      if (open.length > 0) {
        const claimed: Record<string, unknown>[] = await trx('email_outbox')
          .whereIn(
            'idempotency_key',
            open.map((r) => r.idempotency_key as string),
          )
          .update({
            ...claimedBy(trx, lease),
          })
          .returning('*');
        for (const r of claimed) results.set(r.idempotency_key as string, { kind: 'claimed', row: toRow(r) });
      }
      return results;
    });
  }

  /** The send path's own steps of many messages, in one insert; only for steps with no first-time column to set. */
  private async engineEvents(
    trx: Knex | Knex.Transaction,
    events: { row: Record<string, unknown>; status: 'queued' | 'deferred'; step: string; reason?: string; at: Date }[],
  ): Promise<void> {
    if (events.length === 0) return;
    await trx('message_events')
      .insert(
        events.map((e) => ({
          message_id: e.row.id,
          status: e.status,
          source: 'engine',
          event_key: `${e.row.id as string}:${e.step}`,
          occurred_at: e.at,
          email: (e.row.to_email as string).toLowerCase(),
          reason: e.reason ?? null,
        })),
      )
      .onConflict(['source', 'event_key'])
      .ignore();
  }

  /** Extends the holder's leases on many sends; answers the keys it still holds. */
  async renewLeases(keys: readonly string[], lease: Lease): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const held: string[] = await this.db('email_outbox')
      .whereIn('idempotency_key', [...keys])
      .where({ lease_owner: lease.owner, status: 'pending' })
      .update({ lease_until: leaseEnd(this.db, lease) })
      .returning('idempotency_key')
      .then((rows) => rows.map((r: { idempotency_key: string }) => r.idempotency_key));
    return new Set(held);
  }

  /** Ends the holder's leases on sends it claimed and never handed to the provider, so the next attempt claims them at once. */
  async releaseLeases(keys: readonly string[], lease: Lease): Promise<void> {
    if (keys.length === 0) return;
    await this.db('email_outbox')
      .whereIn('idempotency_key', [...keys])
      .where({ lease_owner: lease.owner, status: 'pending' })
      .update({ lease_until: null });
  }

  /**
   * `markSent` for many sends in one statement (the rows and their timeline steps together, so either both are
   * written or neither).
   */
  async markSentMany(
    provider: string,
    sends: readonly { idempotencyKey: string; providerMessageId: string; subject: string; tracked: boolean }[],
    sentAt: Date,
  ): Promise<void> {
    if (sends.length === 0) return;
    await this.db.raw(
      `WITH v AS (SELECT * FROM jsonb_to_recordset(?::jsonb) AS v(key text, pmid text, subject text, tracked boolean)),
       u AS (UPDATE email_outbox o
                SET status = 'sent', provider = ?, provider_message_id = v.pmid,
                    sent_at = GREATEST(?::timestamptz, o.created_at), error = NULL, lease_until = NULL,
                    tracked = o.tracked OR v.tracked, subject = v.subject
               FROM v WHERE o.idempotency_key = v.key
             RETURNING o.id, o.to_email, o.sent_at)
       INSERT INTO message_events (message_id, status, source, event_key, occurred_at, email)
       SELECT id, 'sent', 'engine', id::text || ':sent', sent_at, lower(to_email) FROM u
       ON CONFLICT (source, event_key) DO NOTHING`,
      [
        JSON.stringify(
          sends.map((s) => ({
            key: s.idempotencyKey,
            pmid: s.providerMessageId,
            subject: s.subject,
            tracked: s.tracked,
          })),
        ),
        provider,
        sentAt,
      ],
    );
  }

  /** Ends many sends as suppressed in one statement, each with its reason. */
  async markSuppressedMany(sends: readonly { idempotencyKey: string; reason: string }[]): Promise<void> {
    if (sends.length === 0) return;
    await this.db.raw(
      `WITH v AS (SELECT * FROM jsonb_to_recordset(?::jsonb) AS v(key text, reason text)),
       u AS (UPDATE email_outbox o SET status = 'suppressed', error = left(v.reason, 2000), lease_until = NULL
               FROM v WHERE o.idempotency_key = v.key
             RETURNING o.id, o.to_email, v.reason)
       INSERT INTO message_events (message_id, status, source, event_key, occurred_at, email, reason)
       SELECT id, 'suppressed', 'engine', id::text || ':suppressed', now(), lower(to_email), left(reason, 2000) FROM u
       ON CONFLICT (source, event_key) DO NOTHING`,
      [JSON.stringify(sends.map((s) => ({ key: s.idempotencyKey, reason: s.reason })))],
    );
  }

  private columns(c: OutboxClaim) {
    return {
      idempotency_key: c.idempotencyKey,
      contact_id: c.contactId,
      workflow_id: c.workflowId ?? null,
      step_id: c.stepId ?? null,
      sequence_key: c.sequenceKey ?? null,
      variant: c.variant ?? null,
      template: c.template,
      to_email: c.toEmail,
      channel: c.channel ?? 'email',
      address: c.address ?? null,
      subject: c.subject,
      marketing: c.marketing,
    };
  }

  /**
   * `sentAt` is the server's time of the attempt where the caller has it, so it agrees with workflow timers.
   * `sent` is what went out: the subject as rendered (the row holds the step's template of it until then), and
   * whether our open pixel and click redirect are in it.
   */
  async markSent(
    idempotencyKey: string,
    provider: string,
    providerMessageId: string,
    sentAt?: Date,
    sent: { subject?: string; tracked?: boolean } = {},
  ): Promise<void> {
    await this.db.transaction(async (trx) => {
      const [row] = await trx('email_outbox')
        .where({ idempotency_key: idempotencyKey })
        .update({
          status: 'sent',
          provider,
          provider_message_id: providerMessageId,
          // Never before the row was queued: the attempt's scheduled time can be a few ms earlier than its claim.
          sent_at: sentAt ? trx.raw('GREATEST(?::timestamptz, created_at)', [sentAt]) : trx.fn.now(),
          error: null,
          lease_until: null,
          ...(sent.tracked ? { tracked: true } : {}),
          ...(sent.subject ? { subject: sent.subject } : {}),
        })
        .returning(['id', 'to_email', 'sent_at']);
      if (row) await this.engineEvent(trx, row, 'sent', 'sent', { at: row.sent_at });
    });
  }

  /** Ends the send as failed; a recipient the mail server refused for good is also a hard bounce on the timeline. */
  async markFailed(idempotencyKey: string, error: string, bounced = false): Promise<void> {
    await this.end(idempotencyKey, 'failed', error, bounced);
  }

  /** Ends the send without handing it to any provider: the address is on the suppression list. */
  async markSuppressed(idempotencyKey: string, why: string): Promise<void> {
    await this.end(idempotencyKey, 'suppressed', why, false);
  }

  private async end(idempotencyKey: string, status: 'failed' | 'suppressed', error: string, bounced: boolean) {
    await this.db.transaction(async (trx) => {
      const [row] = await trx('email_outbox')
        .where({ idempotency_key: idempotencyKey })
        .update({ status, error: error.slice(0, 2000), lease_until: null })
        .returning(['id', 'to_email']);
      if (!row) return;
      await this.engineEvent(trx, row, status, status, { reason: error });
      if (bounced) await this.engineEvent(trx, row, 'bounced', 'bounced', { reason: error, bounceType: 'hard' });
    });
  }

  /** Records a failed attempt's error and ends its lease, so the retry can claim the send at once. */
  async releaseWithError(idempotencyKey: string, lease: Lease, error: string): Promise<void> {
    await this.db('email_outbox')
      .where({ idempotency_key: idempotencyKey })
      .update({
        error: error.slice(0, 2000),
        lease_until: this.db.raw(`CASE WHEN lease_owner = ? THEN NULL ELSE lease_until END`, [lease.owner]),
      });
  }
}

/** When a lease taken or renewed now runs out, by the database's clock. */
const leaseEnd = (db: Db, lease: Lease) => db.raw(`now() + make_interval(secs => ?)`, [lease.ms / 1000]);

/** A row claimed for an attempt: pending again, one more attempt, held by the attempt's lease. */
const claimedBy = (db: Db, lease: Lease) => ({
  status: 'pending',
  attempts: db.raw('attempts + 1'),
  lease_owner: lease.owner,
  lease_until: leaseEnd(db, lease),
});
