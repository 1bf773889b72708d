import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import type { Contact } from '../db/stores/contacts';
import { ContactImportStore, type ImportCheckpoint } from '../db/stores/contactImports';
import {
  emptyCounts,
  foldBatch,
  IMPORT_BATCH_SIZE,
  idForEmail,
  MAX_REPORTED_REJECTIONS,
  validateRow,
  type ImportCounts,
  type ImportFormat,
  type ImportRow,
  type RowRejection,
} from '../domain/contactImport';
import { isValidTimeZone } from '../domain/sequences/time';
import type { SourceRecord } from './contactImportSources';

/** Told after each stored batch which contacts changed, so segments are evaluated again for them. */
export interface ContactsChangedListener {
  contactsChanged(contacts: Contact[]): Promise<void>;
}

/** An import's outcome: the counts and the first rejections (the count covers them all). */
export interface ImportReport extends ImportCounts {
  rejectedRows: RowRejection[];
  rejectedRowsTruncated: boolean;
}

export interface ImportRunOptions {
  format: ImportFormat;
  /** Counts and rejections already stored by an earlier attempt of this import (a resumed run). */
  resumeFrom?: { counts: ImportCounts; rejectionsReported: number };
  /** Called in the transaction that stores each batch: a resumable import records its checkpoint there. */
  checkpoint?: (trx: Knex.Transaction, at: ImportCheckpoint) => Promise<void>;
  /** Called once a batch is committed (a heartbeat, a progress figure). */
  afterBatch?: (at: ImportCheckpoint) => void | Promise<void>;
  batchSize?: number;
}

/** Validating a time zone builds a formatter: done once per distinct zone, with a bound on how many are kept. */
function timeZoneCheck(): (tz: string) => boolean {
  const known = new Map<string, boolean>();
  return (tz) => {
    let ok = known.get(tz);
    if (ok === undefined) {
      ok = isValidTimeZone(tz);
      if (known.size < 1_000) known.set(tz, ok);
    }
    return ok;
  };
}

/**
 * Imports contacts from a stream of rows, in batches: every row is validated, the batch's email-only rows are
 * matched to contacts by email, rows naming the same contact are folded, and the batch is upserted in one
 * statement, then listeners are told which contacts changed. Inline and workflow imports both run this; only
 * where the rows come from and whether a checkpoint is kept differ.
 */
export class ContactImporter {
  private readonly store: ContactImportStore;

  constructor(
    private readonly db: Db,
    private readonly listener?: ContactsChangedListener,
  ) {
    this.store = new ContactImportStore(db);
  }

  async run(source: AsyncIterable<SourceRecord>, options: ImportRunOptions): Promise<ImportReport> {
    const counts = options.resumeFrom ? { ...options.resumeFrom.counts } : emptyCounts();
    let reported = options.resumeFrom?.rejectionsReported ?? 0;
    const rejectedRows: RowRejection[] = [];
    const batchSize = options.batchSize ?? IMPORT_BATCH_SIZE;
    const checks = { isValidTimeZone: timeZoneCheck() };
    const ventures = new Map<string, boolean>();
    const newBatch = (): Batch => ({ rows: [], rejections: [], read: 0, end: 0 });
    let batch = newBatch();
    // One batch is written while the next is read: at most two batches are held.
    let writing: Promise<void> = Promise.resolve();
    const write = (b: Batch) => {
      writing = writing.then(async () => {
        for (const r of await this.storeBatch(b, counts, ventures, options)) {
          if (reported < MAX_REPORTED_REJECTIONS) rejectedRows.push(r);
          reported++;
        }
      });
      // Awaited before the next batch and at the end; this only keeps a failure from counting as unhandled meanwhile.
      writing.catch(() => undefined);
    };

    try {
      for await (const rec of source) {
        batch.read++;
        batch.end = rec.end;
        if (rec.rejection) batch.rejections.push(rec.rejection);
        else if (rec.record) {
          const result = validateRow(rec.row, rec.record, options.format, checks);
          if (result.ok) batch.rows.push(result.value);
          else batch.rejections.push(result.rejection);
        }
        if (batch.read >= batchSize) {
          await writing;
          write(batch);
          batch = newBatch();
        }
      }
    } catch (err) {
      // A file that cannot be read further: the batch being written is stored (or not) before the caller hears of
      // it, so what the import's record says it stored is final.
      await writing.catch(() => undefined);
      throw err;
    }
    if (batch.read) write(batch);
    await writing;
    return {
      ...counts,
      rejectedRows,
      rejectedRowsTruncated: counts.rejected > rejectedRows.length + (options.resumeFrom?.rejectionsReported ?? 0),
    };
  }

  /** Stores one batch; answers its rejections (those found while reading and those found here), by row. */
  private async storeBatch(
    batch: Batch,
    counts: ImportCounts,
    ventures: Map<string, boolean>,
    options: ImportRunOptions,
  ): Promise<RowRejection[]> {
    const { rows } = batch;
    const rejections = [...batch.rejections];
    const reject = (r: RowRejection) => rejections.push(r);
    const unknownVentures = [...new Set(rows.flatMap((r) => (r.ventureId ? [r.ventureId] : [])))].filter(
      (v) => !ventures.has(v),
    );
    if (unknownVentures.length) {
      const found = await this.store.existingVentures(unknownVentures);
      for (const v of unknownVentures) ventures.set(v, found.has(v));
    }
    const byEmail = await this.store.externalIdsByEmail([
      ...new Set(rows.flatMap((r) => (r.externalId === undefined && r.email ? [r.email] : []))),
    ]);
    const keyed: (ImportRow & { externalId: string })[] = [];
    for (const r of rows) {
      if (r.ventureId && !ventures.get(r.ventureId)) {
        reject({
          row: r.row,
          field: 'ventureId',
          message: 'there is no venture with this id (GET /v1/ventures lists them)',
        });
        continue;
      }
      const externalId = r.externalId ?? byEmail.get(r.email!.toLowerCase()) ?? idForEmail(r.email!);
      keyed.push({ ...r, externalId });
    }
    const folded = foldBatch(keyed);

    const changed: Contact[] = [];
    await this.db.transaction(async (trx) => {
      const saved = await this.store.upsertBatch(trx, folded);
      const byId = new Map(saved.map((s) => [s.contact.externalId, s]));
      for (const f of folded) {
        const s = byId.get(f.externalId);
        if (!s) {
          // Only a row without an email can be left out: it names no contact there is, and cannot create one.
          for (const row of f.rows)
            reject({ row, field: 'email', message: 'no contact has this id, and a new contact needs an email' });
          continue;
        }
        changed.push(s.contact);
        // Later rows for the same contact in the batch update what the first one stored.
        if (s.created) counts.created++;
        else counts.updated++;
        counts.updated += f.rows.length - 1;
      }
      counts.rows += batch.read;
      counts.rejected += rejections.length;
      if (options.checkpoint) await options.checkpoint(trx, checkpointOf(batch, counts, rejections));
    });
    const at = checkpointOf(batch, counts, rejections);
    if (changed.length && this.listener) await this.listener.contactsChanged(changed);
    if (options.afterBatch) await options.afterBatch(at);
    return at.rejections;
  }
}

/** Rows read since the last batch was written: the valid ones, the rejected ones, and where the last one ends. */
interface Batch {
  rows: ImportRow[];
  rejections: RowRejection[];
  read: number;
  end: number;
}

const checkpointOf = (batch: Batch, counts: ImportCounts, rejections: RowRejection[]): ImportCheckpoint => ({
  bytesRead: batch.end,
  counts: { ...counts },
  rejections: [...rejections].sort((a, b) => a.row - b.row),
});
