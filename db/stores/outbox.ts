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
  { kind: 'claimed'; row: OutboxRow } | { kind: 'done'; row: OutboxRow } | { kind: 'capped'; retryAt: Date };

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
   * Claims the send. With a frequency cap, the contact's row is locked so two sequences sending to the
   * same contact at once cannot both slip under the cap; a capped send is told when the window frees up.
   */
  async claim(claim: OutboxClaim, cap?: { max: number; windowMs: number; now: Date }): Promise<ClaimResult> {
    return this.db.transaction(async (trx) => {
      const existing = await trx('email_outbox').where({ idempotency_key: claim.idempotencyKey }).first();
      if (existing && existing.status !== 'pending' && existing.status !== 'deferred')
        return { kind: 'done', row: toRow(existing) };
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
            .insert({ ...this.columns(claim), status: 'deferred' })
            .onConflict('idempotency_key')
            .merge({ status: 'deferred' });
          return { kind: 'capped', retryAt };
        }
      }
      const [row] = await trx('email_outbox')
        .insert({ ...this.columns(claim), status: 'pending', attempts: 1 })
        .onConflict('idempotency_key')
        .merge({ status: 'pending', attempts: trx.raw('email_outbox.attempts + 1') })
        .returning('*');
      return { kind: 'claimed', row: toRow(row) };
    });
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
      });
  }

  async markFailed(idempotencyKey: string, error: string): Promise<void> {
    await this.db('email_outbox')
      .where({ idempotency_key: idempotencyKey })
      .update({ status: 'failed', error: error.slice(0, 2000) });
  }

  async recordError(idempotencyKey: string, error: string): Promise<void> {
    await this.db('email_outbox')
      .where({ idempotency_key: idempotencyKey })
      .update({ error: error.slice(0, 2000) });
  }
}
