import type { Knex } from 'knex';
import type { FoldedRow, ImportCounts, ImportFormat, RowRejection } from '../../domain/contactImport';
import { MAX_REPORTED_REJECTIONS } from '../../domain/contactImport';
import type { Db } from '../knex';
import { toContact, type Contact, type ContactRow } from './contacts';

export type ImportStatus = 'queued' | 'running' | 'completed' | 'failed';

export interface ContactImport {
  id: string;
  status: ImportStatus;
  format: ImportFormat;
  bytes: number | null;
  bytesRead: number;
  counts: ImportCounts;
  rejectedRows: RowRejection[];
  error: string | null;
  createdBy: string;
  createdByRole: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

interface ImportRowDb {
  id: string;
  status: ImportStatus;
  format: ImportFormat;
  bytes: string | null;
  bytes_read: string;
  rows_read: number;
  created: number;
  updated: number;
  rejected: number;
  rejected_rows: RowRejection[];
  error: string | null;
  created_by: string;
  created_by_role: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const toImport = (r: ImportRowDb): ContactImport => ({
  id: r.id,
  status: r.status,
  format: r.format,
  bytes: r.bytes === null ? null : Number(r.bytes),
  bytesRead: Number(r.bytes_read),
  counts: { rows: r.rows_read, created: r.created, updated: r.updated, rejected: r.rejected },
  rejectedRows: r.rejected_rows,
  error: r.error,
  createdBy: r.created_by,
  createdByRole: r.created_by_role,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

/** What a batch adds to an import's record: where the file has been read to, the counts, new rejections. */
export interface ImportCheckpoint {
  bytesRead: number;
  counts: ImportCounts;
  /** Rejections of this batch only; appended up to the report's cap. */
  rejections: RowRejection[];
}

/** Contact imports (their progress and report) and the bulk writes an import makes to contacts. */
export class ContactImportStore {
  constructor(private readonly db: Db) {}

  async create(input: {
    id?: string;
    format: ImportFormat;
    bytes: number | null;
    status: ImportStatus;
    createdBy: string;
    createdByRole?: string;
  }): Promise<ContactImport> {
    const [row] = await this.db('contact_imports')
      .insert({
        ...(input.id ? { id: input.id } : {}),
        format: input.format,
        bytes: input.bytes,
        status: input.status,
        created_by: input.createdBy,
        created_by_role: input.createdByRole ?? null,
        ...(input.status === 'running' ? { started_at: this.db.fn.now() } : {}),
      })
      .returning('*');
    return toImport(row as ImportRowDb);
  }

  async get(id: string): Promise<ContactImport | undefined> {
    const row = await this.db<ImportRowDb>('contact_imports').where({ id }).first();
    return row && toImport(row);
  }

  /** Newest first. */
  async list(limit: number): Promise<ContactImport[]> {
    const rows = await this.db<ImportRowDb>('contact_imports')
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit);
    return rows.map(toImport);
  }

  async setBytes(id: string, bytes: number): Promise<void> {
    await this.db('contact_imports').where({ id }).update({ bytes, updated_at: this.db.fn.now() });
  }

  async markRunning(id: string): Promise<void> {
    await this.db('contact_imports')
      .where({ id })
      .whereIn('status', ['queued', 'running'])
      .update({
        status: 'running',
        started_at: this.db.raw('coalesce(started_at, now())'),
        updated_at: this.db.fn.now(),
      });
  }

  async finish(id: string, outcome: { status: 'completed' } | { status: 'failed'; error: string }): Promise<void> {
    await this.db('contact_imports')
      .where({ id })
      .update({
        status: outcome.status,
        error: outcome.status === 'failed' ? outcome.error : null,
        finished_at: this.db.fn.now(),
        updated_at: this.db.fn.now(),
      });
  }

  /** Records a batch's progress, in the caller's transaction (the one that stored the batch's contacts). */
  async checkpoint(trx: Knex.Transaction | Db, id: string, at: ImportCheckpoint): Promise<void> {
    await trx('contact_imports')
      .where({ id })
      .update({
        bytes_read: at.bytesRead,
        rows_read: at.counts.rows,
        created: at.counts.created,
        updated: at.counts.updated,
        rejected: at.counts.rejected,
        // Appends this batch's rejections while the report is under its cap; the count keeps going past it.
        rejected_rows: trx.raw(
          `CASE WHEN jsonb_array_length(rejected_rows) >= ? THEN rejected_rows
                ELSE (SELECT coalesce(jsonb_agg(e), '[]'::jsonb) FROM (
                        SELECT e FROM jsonb_array_elements(rejected_rows || ?::jsonb) e LIMIT ?) x) END`,
          [MAX_REPORTED_REJECTIONS, JSON.stringify(at.rejections), MAX_REPORTED_REJECTIONS],
        ),
        updated_at: trx.fn.now(),
      });
  }

  /** For rows known by email only: the external id of the oldest contact with each email, keyed lower-cased (addresses match whatever their case). */
  async externalIdsByEmail(emails: string[]): Promise<Map<string, string>> {
    if (emails.length === 0) return new Map();
    const rows = await this.db.raw<{ rows: { email: string; external_id: string }[] }>(
      `SELECT DISTINCT ON (lower(email)) lower(email) AS email, external_id FROM contacts
        WHERE lower(email) = ANY(?::text[]) ORDER BY lower(email), created_at, id`,
      [emails.map((e) => e.toLowerCase())],
    );
    return new Map(rows.rows.map((r) => [r.email, r.external_id]));
  }

  /** Which of these venture ids exist. */
  async existingVentures(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db('ventures').whereIn('id', ids).select('id');
    return new Set(rows.map((r: { id: string }) => r.id));
  }

  /**
   * Upserts a batch of contacts in one statement: contacts that exist are updated (fields given replace, traits
   * merge), the others inserted; a row without an email names no contact that exists cannot be inserted and is
   * left out of the answer. Each contact is answered once, with whether it was created.
   */
  async upsertBatch(trx: Knex.Transaction | Db, rows: FoldedRow[]): Promise<{ contact: Contact; created: boolean }[]> {
    if (rows.length === 0) return [];
    const src = rows.map((r) => ({
      external_id: r.externalId,
      email: r.email ?? null,
      timezone: r.timezone ?? null,
      venture_id: r.ventureId ?? null,
      traits: r.traits,
    }));
    const result = await trx.raw<{ rows: (ContactRow & { created: boolean })[] }>(
      `WITH src AS (
         SELECT * FROM jsonb_to_recordset(?::jsonb)
           AS s(external_id text, email text, timezone text, venture_id uuid, traits jsonb)
       ), upd AS (
         UPDATE contacts c SET email = coalesce(s.email, c.email), timezone = coalesce(s.timezone, c.timezone),
                venture_id = coalesce(s.venture_id, c.venture_id), traits = c.traits || s.traits, updated_at = now()
           FROM src s WHERE c.external_id = s.external_id
         RETURNING c.id, c.external_id, c.venture_id, c.email, c.timezone, c.traits, c.unsubscribed_at, c.created_at,
                   false AS created
       ), ins AS (
         INSERT INTO contacts (external_id, email, timezone, venture_id, traits)
         SELECT s.external_id, s.email, coalesce(s.timezone, 'UTC'), s.venture_id, s.traits FROM src s
          WHERE s.email IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.external_id = s.external_id)
         ON CONFLICT (external_id) DO UPDATE SET email = excluded.email, traits = contacts.traits || excluded.traits,
                updated_at = now()
         RETURNING id, external_id, venture_id, email, timezone, traits, unsubscribed_at, created_at, (xmax = 0) AS created
       )
       SELECT * FROM upd UNION ALL SELECT * FROM ins`,
      [JSON.stringify(src)],
    );
    return result.rows.map((r) => ({ contact: toContact(r), created: r.created }));
  }
}
