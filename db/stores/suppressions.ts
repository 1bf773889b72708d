import { createHash } from 'node:crypto';
import type { Db } from '../knex';
import type { BounceType, MessageStatus } from '../../domain/messages';
import { softBounceWindowStart, suppressionFor, type SoftBouncePolicy } from '../../domain/suppressionPolicy';

export const SUPPRESSION_REASONS = ['hard_bounce', 'soft_bounce', 'complaint', 'manual', 'import', 'erasure'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface Suppression {
  /** The address, or `sha256:<hex>` for the entry of an erased person, of whom only the hash is kept. */
  email: string;
  reason: SuppressionReason;
  detail: string | null;
  messageId: string | null;
  createdBy: string;
  createdAt: string;
  /** Null for an entry that holds until someone removes it. */
  expiresAt: string | null;
}

export interface NewSuppression {
  email: string;
  reason: SuppressionReason;
  detail?: string;
  messageId?: string;
  createdBy: string;
  expiresAt?: Date;
}

const toSuppression = (r: Record<string, unknown>): Suppression => ({
  email: (r.email as string | null) ?? `sha256:${r.email_hash as string}`,
  reason: r.reason as SuppressionReason,
  detail: (r.detail as string | null) ?? null,
  messageId: (r.message_id as string | null) ?? null,
  createdBy: r.created_by as string,
  createdAt: (r.created_at as Date).toISOString(),
  expiresAt: r.expires_at instanceof Date ? r.expires_at.toISOString() : null,
});

/** Addresses are kept lower-cased and trimmed: `Ada@Example.com` and `ada@example.com` are one mailbox here. */
export const normalEmail = (email: string): string => email.trim().toLowerCase();

/** The key of an address's entry, kept when the address itself is erased (the table's trigger computes the same). */
export const emailHash = (email: string): string => createHash('sha256').update(normalEmail(email)).digest('hex');

/**
 * The suppression list: addresses no email is handed to (must-deliver templates aside). One entry per address; an
 * entry that never expires is never shortened by a temporary one, and an expired entry counts as absent.
 */
export class SuppressionStore {
  constructor(private readonly db: Db) {}

  /** The entry that holds for the address at `now`, if any. */
  async active(email: string, now: Date = new Date()): Promise<Suppression | undefined> {
    const row = await this.db('suppressions')
      .where({ email_hash: emailHash(email) })
      .where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', now))
      .first();
    return row ? toSuppression(row) : undefined;
  }

  /** The entries that hold at `now` for any of `emails`, by lower-cased address: `active` for a batch of sends. */
  async activeMany(
    emails: readonly string[],
    now: Date,
  ): Promise<Map<string, { reason: string; detail: string | null }>> {
    const found = new Map<string, { reason: string; detail: string | null }>();
    if (emails.length === 0) return found;
    const byHash = new Map(emails.map((e) => [emailHash(e), normalEmail(e)]));
    const rows: { email_hash: string; reason: string; detail: string | null }[] = await this.db('suppressions')
      .whereIn('email_hash', [...byHash.keys()])
      .where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', now))
      .select('email_hash', 'reason', 'detail');
    for (const r of rows) found.set(byHash.get(r.email_hash)!, { reason: r.reason, detail: r.detail });
    return found;
  }

  /**
   * Adds or strengthens the address's entry; true when the list changed. A permanent entry replaces anything; a
   * temporary one replaces only an expired or shorter temporary entry.
   */
  async add(entry: NewSuppression): Promise<boolean> {
    const row = {
      email: normalEmail(entry.email),
      reason: entry.reason,
      detail: entry.detail?.slice(0, 2000) ?? null,
      message_id: entry.messageId ?? null,
      created_by: entry.createdBy.slice(0, 200),
      created_at: this.db.fn.now(),
      expires_at: entry.expiresAt ?? null,
    };
    const changed = await this.db('suppressions')
      .insert(row)
      .onConflict('email_hash')
      .merge()
      .where((q) =>
        entry.expiresAt
          ? q.whereNotNull('suppressions.expires_at').andWhere('suppressions.expires_at', '<', entry.expiresAt)
          : q.whereNotNull('suppressions.expires_at').orWhere('suppressions.reason', '<>', entry.reason),
      )
      .returning('email');
    return changed.length > 0;
  }

  /** Removes the address's entry (expired or not) and answers it; undefined when there was none. */
  async remove(email: string): Promise<Suppression | undefined> {
    const [row] = await this.db('suppressions')
      .where({ email_hash: emailHash(email) })
      .delete()
      .returning('*');
    return row ? toSuppression(row) : undefined;
  }

  /**
   * For an erased person: the address's entry keeps only its hash and holds for good (its reason kept when it already
   * did), so the address is never mailed again and is not stored. Answers whether an entry existed before.
   */
  async keepAsHash(email: string, createdBy: string): Promise<{ existed: boolean }> {
    const hash = emailHash(email);
    const existing = await this.db('suppressions').where({ email_hash: hash }).first();
    if (existing) {
      const permanent = existing.expires_at === null;
      await this.db('suppressions')
        .where({ email_hash: hash })
        .update({
          email: null,
          detail: null,
          message_id: null,
          expires_at: null,
          ...(permanent ? {} : { reason: 'erasure', created_by: createdBy.slice(0, 200) }),
        });
      return { existed: true };
    }
    await this.db('suppressions').insert({
      email: null,
      email_hash: hash,
      reason: 'erasure',
      created_by: createdBy.slice(0, 200),
    });
    return { existed: false };
  }

  async list(page: { limit: number; offset: number; reason?: SuppressionReason }) {
    const base = this.db('suppressions').modify((q) => {
      if (page.reason) q.where({ reason: page.reason });
    });
    const counted = await base.clone().count({ n: '*' }).first();
    const n = counted?.n ?? 0;
    const rows = await base
      .clone()
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'email', order: 'asc' },
      ])
      .limit(page.limit)
      .offset(page.offset);
    return { total: Number(n), suppressions: rows.map(toSuppression) };
  }

  /** Soft bounces the address had since `since`, from the message log. */
  async softBouncesSince(email: string, since: Date): Promise<number> {
    const counted = await this.db('message_events')
      .where({ email: normalEmail(email), status: 'bounced', bounce_type: 'soft' })
      .where('occurred_at', '>=', since)
      .count({ n: '*' })
      .first();
    return Number(counted?.n ?? 0);
  }
}

/**
 * Applies the suppression rules to one bounce or complaint already on the message log; true when the address was
 * added to (or strengthened on) the list. The one place both the send path and the providers' webhooks go through.
 */
export async function suppressAfter(
  store: SuppressionStore,
  outcome: {
    email: string;
    status: MessageStatus;
    bounceType?: BounceType;
    reason?: string;
    messageId?: string;
    at: Date;
    source: string;
  },
  policy: SoftBouncePolicy,
): Promise<boolean> {
  const soft =
    outcome.status === 'bounced' && outcome.bounceType === 'soft'
      ? await store.softBouncesSince(outcome.email, softBounceWindowStart(outcome.at, policy))
      : 0;
  const decision = suppressionFor(outcome, soft, policy);
  if (!decision.suppress) return false;
  return store.add({
    email: outcome.email,
    reason: decision.reason,
    ...(outcome.reason ? { detail: outcome.reason } : {}),
    ...(outcome.messageId ? { messageId: outcome.messageId } : {}),
    createdBy: outcome.source,
    ...(decision.expiresAt ? { expiresAt: decision.expiresAt } : {}),
  });
}
