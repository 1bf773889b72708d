import type { Via } from '../../domain/identity';
import type { Db } from '../knex';

export interface AuditEntry {
  actor: string;
  actorRole?: string;
  /** The person behind `actor`, when it is one (not the system, not a role key of a local run). */
  actorUserId?: string | null;
  actorEmail?: string | null;
  /** How they acted: dashboard, api_key or command. */
  via?: Via | null;
  action: string;
  subjectType?: string;
  subjectId?: string;
  details?: Record<string, unknown>;
  /**
   * The identity of the write that makes this entry (e.g. a workflow activity's run and id): a second write with
   * the same key adds nothing, so a retried activity is audited once.
   */
  idempotencyKey?: string;
}

/** Append-only record of who did what to which subject. */
export class AuditLog {
  constructor(private readonly db: Db) {}

  /** Appends an entry; false when an entry with the same idempotency key is already there. */
  async record(entry: AuditEntry): Promise<boolean> {
    const insert = this.db('audit_log').insert({
      actor: entry.actor,
      actor_role: entry.actorRole ?? null,
      actor_user_id: entry.actorUserId ?? null,
      actor_email: entry.actorEmail ?? null,
      actor_via: entry.via ?? null,
      action: entry.action,
      subject_type: entry.subjectType ?? null,
      subject_id: entry.subjectId ?? null,
      details: JSON.stringify(entry.details ?? {}),
      ...(entry.idempotencyKey ? { idempotency_key: entry.idempotencyKey } : {}),
    });
    if (!entry.idempotencyKey) {
      await insert;
      return true;
    }
    const rows = await insert.onConflict('idempotency_key').ignore().returning('id');
    return rows.length > 0;
  }

  async list(
    filter: {
      subjectType?: string;
      subjectId?: string;
      actorUserId?: string;
      limit?: number;
      newestFirst?: boolean;
    } = {},
  ) {
    const q = this.db('audit_log')
      .orderBy('id', filter.newestFirst ? 'desc' : 'asc')
      .limit(filter.limit ?? 200);
    if (filter.subjectType) q.where('subject_type', filter.subjectType);
    if (filter.subjectId) q.where('subject_id', filter.subjectId);
    if (filter.actorUserId) q.where('actor_user_id', filter.actorUserId);
    return (await q).map((r) => ({
      id: r.id as number,
      at: r.at as Date,
      actor: r.actor as string,
      actorRole: r.actor_role as string | null,
      actorUserId: r.actor_user_id as string | null,
      actorEmail: r.actor_email as string | null,
      via: r.actor_via as Via | null,
      action: r.action as string,
      subjectType: r.subject_type as string | null,
      subjectId: r.subject_id as string | null,
      details: r.details as Record<string, unknown>,
    }));
  }
}
