import type { Knex } from 'knex';
import type { Db } from '../knex';
import type { MessageStatus } from '../../domain/messages';
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
  toEmail: string;
  subject: string;
  marketing: boolean;
}

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
 * The email outbox: one row per idempotency key (a unique constraint), so a retried activity, a crashed
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
  async claim(
    claim: OutboxClaim,
    lease: Lease,
    cap?: { max: number; windowMs: number; now: Date },
  ): Promise<ClaimResult> {
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
            reason: `frequency cap: ${cap.max} marketing emails per ${Math.round(cap.windowMs / 3_600_000)} h`,
            at: cap.now,
          });
          return { kind: 'capped', retryAt };
        }
      }
      const [row] = await trx('email_outbox')
        .where({ idempotency_key: claim.idempotencyKey })
        .update({
          status: 'pending',
          attempts: trx.raw('attempts + 1'),
          lease_owner: lease.owner,
          lease_until: trx.raw(`now() + make_interval(secs => ?)`, [lease.ms / 1000]),
        })
        .returning('*');
      return { kind: 'claimed', row: toRow(row) };
    });
  }

  /** Extends the holder's lease; false when it no longer holds it (the send ended, or another attempt took it). */
  async renewLease(idempotencyKey: string, lease: Lease): Promise<boolean> {
    const n = await this.db('email_outbox')
      .where({ idempotency_key: idempotencyKey, lease_owner: lease.owner, status: 'pending' })
      .update({ lease_until: this.db.raw(`now() + make_interval(secs => ?)`, [lease.ms / 1000]) });
    return n > 0;
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
