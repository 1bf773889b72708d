import fs from 'node:fs';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import { ContactImportStore, type ContactImport } from '../db/stores/contactImports';
import type { ContactImportResult } from '../domain/contactImportWorkflow';
import { ContactImporter, type ContactsChangedListener } from '../services/contactImport';
import { importFilePath } from '../services/contactImportUpload';
import { ImportFormatError, importSource, readCsvHeader, type ReadFrom } from '../services/contactImportSources';
import { EnrollmentService } from '../services/enrollment';
import type { AudienceSettings } from './audienceSettings';

export interface ImportActivityDeps {
  db: Db;
  temporal?: Client;
  taskQueue?: string;
  audience?: AudienceSettings;
  /** Who is told which contacts an import changed; by default the enrollment service (segments). */
  importListener?: ContactsChangedListener;
  /** Rows per batch; the product's default unless a test asks for smaller ones. */
  importBatchSize?: number;
}

const resultOf = (imp: ContactImport): ContactImportResult => ({
  importId: imp.id,
  status: imp.status === 'failed' ? 'failed' : 'completed',
  ...imp.counts,
});

/** Activities of the contact import workflow. */
export function createImportActivities(deps: ImportActivityDeps) {
  const store = new ContactImportStore(deps.db);
  const listener =
    deps.importListener ??
    (deps.temporal ? new EnrollmentService(deps.db, deps.temporal, undefined, deps.taskQueue) : undefined);
  const importer = new ContactImporter(deps.db, listener);

  async function load(importId: string): Promise<ContactImport> {
    const imp = await store.get(importId);
    if (!imp) throw ApplicationFailure.nonRetryable(`there is no contact import ${importId}`, 'ImportNotFound');
    return imp;
  }

  const removeFile = (file: string) => fs.promises.rm(file, { force: true });

  return {
    /**
     * Imports an uploaded file from the import's checkpoint to its end, then deletes the file.
     * @remarks Each batch's contacts and the checkpoint (bytes read, counts, rejections) are committed together, so
     * a retry after a worker died resumes at the first row not stored. Heartbeats after every batch, with the offset.
     */
    async runContactImport({ importId }: { importId: string }): Promise<ContactImportResult> {
      const imp = await load(importId);
      if (!deps.audience) {
        throw ApplicationFailure.nonRetryable('the worker was built without an import directory', 'ImportDirMissing');
      }
      const file = importFilePath(deps.audience.importDir, imp.id, imp.format);
      // An attempt that died between finishing and deleting the file leaves the deleting to this one.
      if (imp.status === 'completed' || imp.status === 'failed') {
        await removeFile(file);
        return resultOf(imp);
      }
      if (!fs.existsSync(file)) {
        await store.finish(imp.id, { status: 'failed', error: 'the uploaded file is no longer there' });
        return resultOf(await load(importId));
      }
      await store.markRunning(imp.id);
      const ctx = Context.current();
      try {
        let from: ReadFrom = { offset: imp.bytesRead, row: imp.counts.rows };
        if (imp.format === 'csv') {
          const { header, offset } = await readCsvHeader(file);
          from = { ...from, header, offset: Math.max(offset, imp.bytesRead) };
        }
        const input = fs.createReadStream(file, { start: from.offset, highWaterMark: 256 * 1024 });
        await importer.run(importSource(imp.format, input, from), {
          format: imp.format,
          resumeFrom: { counts: imp.counts, rejectionsReported: imp.rejectedRows.length },
          ...(deps.importBatchSize ? { batchSize: deps.importBatchSize } : {}),
          checkpoint: (trx, at) => store.checkpoint(trx, imp.id, at),
          afterBatch: (at) => {
            ctx.heartbeat({ bytesRead: at.bytesRead, rows: at.counts.rows });
            // A worker shutting down cancels the attempt: stop between batches, the next attempt resumes here.
            if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? new Error('cancelled');
          },
        });
        await store.finish(imp.id, { status: 'completed' });
      } catch (err) {
        if (!(err instanceof ImportFormatError)) throw err;
        await store.finish(imp.id, { status: 'failed', error: err.message });
      }
      await removeFile(file);
      return resultOf(await load(importId));
    },

    /** Marks an import failed after its attempts ran out; the file is deleted, the stored rows stay. */
    async failContactImport({ importId, error }: { importId: string; error: string }): Promise<ContactImportResult> {
      const imp = await load(importId);
      if (imp.status !== 'completed') await store.finish(imp.id, { status: 'failed', error });
      if (deps.audience) await removeFile(importFilePath(deps.audience.importDir, imp.id, imp.format));
      return resultOf(await load(importId));
    },
  };
}
