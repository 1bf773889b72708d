import { randomUUID } from 'node:crypto';
import type { Db } from '../knex';
import { mayReceiveSql } from './topics';

/** A platform audience kept equal to a segment. */
export interface AudienceSync {
  id: string;
  segmentKey: string;
  platform: string;
  name: string;
  /** The audience's id on the platform, once the first run made it. */
  externalId: string | null;
  /** True when the sandbox stands in for the platform (no credentials configured): nothing reaches a real one. */
  sandbox: boolean;
  scheduleId: string;
  createdBy: string;
  createdAt: Date;
}

/** One run of a sync: what it sent and what went wrong. */
export interface AudienceSyncRun {
  id: number;
  status: 'running' | 'succeeded' | 'failed';
  /** Members of the segment who may be advertised to and have an email address. */
  eligible: number;
  added: number;
  removed: number;
  /** Members uploaded again because their last upload was long ago. */
  refreshed: number;
  /** How many of the added the platform recognised, where it reports it. */
  matched: number | null;
  errors: string[];
  startedAt: Date;
  finishedAt: Date | null;
}

/** Who may be advertised to: members of a topic (its opt-in or opt-out rule), or contacts with a trait set true. */
export type AdConsent = { topic: string } | { trait: string };

/** An eligible member of a segment: a contact with an email who may be advertised to. */
export interface EligibleContact {
  contactId: string;
  email: string;
}

const toSync = (r: Record<string, unknown>): AudienceSync => ({
  id: r.id as string,
  segmentKey: r.segment_key as string,
  platform: r.platform as string,
  name: r.name as string,
  externalId: (r.external_id as string | null) ?? null,
  sandbox: r.sandbox as boolean,
  scheduleId: r.schedule_id as string,
  createdBy: r.created_by as string,
  createdAt: r.created_at as Date,
});

const toRun = (r: Record<string, unknown>): AudienceSyncRun => ({
  id: Number(r.id),
  status: r.status as AudienceSyncRun['status'],
  eligible: r.eligible as number,
  added: r.added as number,
  removed: r.removed as number,
  refreshed: r.refreshed as number,
  matched: (r.matched as number | null) ?? null,
  errors: r.errors as string[],
  startedAt: r.started_at as Date,
  finishedAt: (r.finished_at as Date | null) ?? null,
});

/** Audience syncs, the hashes each has uploaded, and their runs. */
export class AudienceSyncStore {
  constructor(private readonly db: Db) {}

  async create(input: {
    segmentKey: string;
    platform: string;
    name: string;
    sandbox: boolean;
    createdBy: string;
    scheduleIdFor: (id: string) => string;
  }): Promise<AudienceSync> {
    const id = randomUUID();
    const [row] = await this.db('audience_syncs')
      .insert({
        id,
        segment_key: input.segmentKey,
        platform: input.platform,
        name: input.name,
        sandbox: input.sandbox,
        schedule_id: input.scheduleIdFor(id),
        created_by: input.createdBy,
      })
      .returning('*');
    return toSync(row);
  }

  /** A sync that was not deleted. */
  async get(id: string): Promise<AudienceSync | undefined> {
    const row = await this.db('audience_syncs').where({ id }).whereNull('deleted_at').first();
    return row ? toSync(row) : undefined;
  }

  async list(): Promise<AudienceSync[]> {
    const rows = await this.db('audience_syncs').whereNull('deleted_at').orderBy('created_at', 'desc');
    return rows.map(toSync);
  }

  /** Marks a sync deleted; its members and runs stay for the record. True when it existed. */
  async delete(id: string): Promise<boolean> {
    const n = await this.db('audience_syncs')
      .where({ id })
      .whereNull('deleted_at')
      .update({ deleted_at: this.db.fn.now(), updated_at: this.db.fn.now() });
    return n > 0;
  }

  async setExternalId(id: string, externalId: string): Promise<void> {
    await this.db('audience_syncs').where({ id }).update({ external_id: externalId, updated_at: this.db.fn.now() });
  }

  /**
   * The segment's members who may be advertised to, in contact id order after the cursor: an email, no
   * contact-wide unsubscribe, and the consent rule met.
   */
  async eligible(segmentKey: string, consent: AdConsent, limit: number, after?: string): Promise<EligibleContact[]> {
    const q = this.db('segment_members as m')
      .join('contacts as c', 'c.id', 'm.contact_id')
      .where('m.segment_key', segmentKey)
      .whereNotNull('c.email')
      .whereNull('c.unsubscribed_at')
      .orderBy('m.contact_id')
      .limit(limit)
      .select('m.contact_id', 'c.email');
    if ('topic' in consent) q.whereRaw(mayReceiveSql('c.id', '?'), [consent.topic]);
    else q.whereRaw(`(c.traits ->> ?) = 'true'`, [consent.trait]);
    if (after) q.where('m.contact_id', '>', after);
    const rows: Array<{ contact_id: string; email: string }> = await q;
    return rows.map((r) => ({ contactId: r.contact_id, email: r.email }));
  }

  /** The hashes uploaded to the sync's audience and not removed, with when each was last uploaded. */
  async members(syncId: string): Promise<Map<string, Date>> {
    const rows: Array<{ hash: string; added_at: Date }> = await this.db('audience_sync_members')
      .where({ sync_id: syncId })
      .select('hash', 'added_at');
    return new Map(rows.map((r) => [r.hash, r.added_at]));
  }

  /** Records hashes the platform accepted (again, for a refreshed one). */
  async addMembers(syncId: string, members: Array<{ hash: string; contactId: string }>): Promise<void> {
    if (members.length === 0) return;
    await this.db('audience_sync_members')
      .insert(members.map((m) => ({ sync_id: syncId, hash: m.hash, contact_id: m.contactId })))
      .onConflict(['sync_id', 'hash'])
      .merge({ contact_id: this.db.raw('excluded.contact_id'), added_at: this.db.fn.now() });
  }

  /** Forgets hashes the platform removed. */
  async removeMembers(syncId: string, hashes: string[]): Promise<void> {
    if (hashes.length === 0) return;
    await this.db('audience_sync_members').where({ sync_id: syncId }).whereIn('hash', hashes).delete();
  }

  async startRun(syncId: string): Promise<number> {
    const [row] = await this.db('audience_sync_runs')
      .insert({ sync_id: syncId, status: 'running', started_at: this.db.fn.now() })
      .returning('id');
    return Number(row.id);
  }

  async finishRun(
    runId: number,
    result: Pick<AudienceSyncRun, 'eligible' | 'added' | 'removed' | 'refreshed' | 'matched' | 'errors'>,
  ): Promise<void> {
    await this.db('audience_sync_runs')
      .where({ id: runId })
      .update({
        status: result.errors.length ? 'failed' : 'succeeded',
        eligible: result.eligible,
        added: result.added,
        removed: result.removed,
        refreshed: result.refreshed,
        matched: result.matched,
        errors: JSON.stringify(result.errors),
        finished_at: this.db.fn.now(),
      });
  }

  /** The newest runs first. */
  async runs(syncId: string, limit: number): Promise<AudienceSyncRun[]> {
    const rows = await this.db('audience_sync_runs').where({ sync_id: syncId }).orderBy('id', 'desc').limit(limit);
    return rows.map(toRun);
  }
}
