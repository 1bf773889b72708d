import type { Db } from '../knex';

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

export type OutboxStatus = 'pending' | 'sent' | 'failed' | 'deferred';

export interface OutboxRow {
  id: string;
  idempotencyKey: string;
  status: OutboxStatus;
  providerMessageId: string | null;
  attempts: number;
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
});

/**
 * The email outbox: one row per idempotency key (a unique constraint), so a retried activity, a crashed
 * worker or a replayed workflow finds the row of the first attempt instead of sending again.
 */
export class OutboxStore {
  constructor(private readonly db: Db) {}

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
        .returning(['*', trx.raw('lease_until > now() as lease_live')]);
      if (existing.status === 'sent' || existing.status === 'failed') return { kind: 'done', row: toRow(existing) };
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

  /** `sentAt` is the server's time of the attempt where the caller has it, so it agrees with workflow timers. */
  async markSent(idempotencyKey: string, provider: string, providerMessageId: string, sentAt?: Date): Promise<void> {
    await this.db('email_outbox')
      .where({ idempotency_key: idempotencyKey })
      .update({
        status: 'sent',
        provider,
        provider_message_id: providerMessageId,
        sent_at: sentAt ?? this.db.fn.now(),
        error: null,
        lease_until: null,
      });
  }

  async markFailed(idempotencyKey: string, error: string): Promise<void> {
    await this.db('email_outbox')
      .where({ idempotency_key: idempotencyKey })
      .update({ status: 'failed', error: error.slice(0, 2000), lease_until: null });
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
