import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Request } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Db } from '../../db/knex';
import { AuditLog } from '../../db/stores/audit';
import { ContactImportStore, type ContactImport } from '../../db/stores/contactImports';
import { MAX_REPORTED_REJECTIONS, type ImportFormat } from '../../domain/contactImport';
import { getContactImportWorkflowId } from '../../domain/contactImportWorkflow';
import { TASK_QUEUES } from '../../domain/ids';
import { ContactImporter } from '../../services/contactImport';
import { ImportFormatError, importSource } from '../../services/contactImportSources';
import { importFilePath, spoolUpload, UploadTooLargeError } from '../../services/contactImportUpload';
import { EnrollmentService } from '../../services/enrollment';
import { contactImportWorkflow } from '../../workflows/importWorkflow';
import { actorOf } from '../auth';
import type { RouteDeps } from '../deps';
import { badRequest, HttpError, notFound } from '../errors';
import { defineRoute, ok, r400, r403, r404, WRITERS, type AnyRoute } from '../registry';

const MEDIA_TYPES: Record<string, ImportFormat> = { 'text/csv': 'csv', 'application/x-ndjson': 'ndjson' };
const ACCEPTED = Object.keys(MEDIA_TYPES);

const rejection = z.object({
  row: z.number().int().describe('1-based among the data rows (a CSV header and blank lines are not counted)'),
  field: z.string(),
  message: z.string(),
});

const report = {
  rows: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  rejected: z.number().int().describe('every rejected row, also those past the report'),
  rejectedRows: z.array(rejection).describe(`the first ${MAX_REPORTED_REJECTIONS} rejections`),
  rejectedRowsTruncated: z.boolean(),
};

const importView = z.object({
  id: z.uuid(),
  status: z.enum(['queued', 'running', 'completed', 'failed']),
  format: z.enum(['csv', 'ndjson']),
  progress: z.object({ bytesRead: z.number().int(), bytesTotal: z.number().int().nullable(), rows: z.number().int() }),
  ...report,
  error: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
});

function present(imp: ContactImport) {
  return {
    id: imp.id,
    status: imp.status,
    format: imp.format,
    progress: { bytesRead: imp.bytesRead, bytesTotal: imp.bytes, rows: imp.counts.rows },
    ...imp.counts,
    rejectedRows: imp.rejectedRows,
    rejectedRowsTruncated: imp.counts.rejected > imp.rejectedRows.length,
    error: imp.error,
    createdBy: imp.createdBy,
    createdAt: imp.createdAt,
    startedAt: imp.startedAt,
    finishedAt: imp.finishedAt,
  };
}

/**
 * Contact imports: small uploads are imported while the client waits; larger ones are written to the data
 * directory and imported by a workflow, whose progress GET /v1/imports/:id shows.
 */
export function importRoutes(deps: RouteDeps): AnyRoute[] {
  const { db, temporal, config } = deps;
  const store = new ContactImportStore(db);
  const audit = new AuditLog(db);
  const importer = new ContactImporter(db, new EnrollmentService(db, temporal, deps.metrics, deps.taskQueue));
  const inlineMax = config.IMPORT_INLINE_MAX_BYTES ?? 1024 * 1024;
  const max = config.IMPORT_MAX_BYTES ?? 4 * 1024 * 1024 * 1024;
  const importDir = path.join(config.dataDir ?? path.resolve('.data'), 'imports');
  const tag = 'Contacts';

  function formatOf(req: Request): ImportFormat {
    const type = req.is(ACCEPTED);
    if (!type) throw new HttpError(415, `a contact import must be one of: ${ACCEPTED.join(', ')}`);
    return MEDIA_TYPES[type]!;
  }

  return [
    defineRoute({
      method: 'post',
      path: '/v1/contacts/import',
      summary: 'Import contacts from a CSV or NDJSON file, streamed',
      description:
        'A `text/csv` file with a header row, or `application/x-ndjson` (one JSON object per line). Columns `id`, ' +
        '`email`, `timezone`, `locale` and `ventureId` are the contact’s; every other column is a trait (numbers, ' +
        '`true`/`false` typed; an empty cell leaves the trait as it is). Rows are upserted by `id`, else by ' +
        'email. A body up to IMPORT_INLINE_MAX_BYTES with a Content-Length is answered with the report (200; ' +
        '`status: failed` with the `error` when the file breaks after rows were stored, which stay; a 400 when ' +
        'nothing could be read); a ' +
        'larger one is imported by a workflow (202, `Location: /v1/imports/:id`).',
      tag,
      access: WRITERS,
      bodyMediaTypes: ACCEPTED,
      response: z.object({ id: z.uuid(), status: z.string(), error: z.string().optional(), ...report }),
      responses: {
        ...ok('imported at once: the counts and the rejected rows'),
        '202': 'accepted: imported by a workflow; follow `location`',
        ...r400,
        ...r403,
        '413': 'larger than IMPORT_MAX_BYTES',
        '415': 'not text/csv nor application/x-ndjson',
      },
      example: {
        response: {
          id: '0b7f6a8e-3c1d-4e2f-9a5b-6c7d8e9f0a1b',
          status: 'completed',
          rows: 2,
          created: 1,
          updated: 0,
          rejected: 1,
          rejectedRows: [{ row: 2, field: 'email', message: 'is not an email address' }],
          rejectedRowsTruncated: false,
        },
      },
      handler: async (_input, req, res) => {
        const format = formatOf(req);
        const declared = req.get('content-length') === undefined ? undefined : Number(req.get('content-length'));
        if (declared !== undefined && declared > max) {
          res.set('Connection', 'close');
          throw new HttpError(413, `the import is larger than ${max} bytes (IMPORT_MAX_BYTES)`);
        }
        const who = actorOf(req);
        const { actor, actorRole } = who;
        const id = randomUUID();
        const audited = (details: Record<string, unknown>) =>
          audit.record({
            ...who,
            action: 'contacts.imported',
            subjectType: 'contact_import',
            subjectId: id,
            details,
          });

        if (declared !== undefined && declared <= inlineMax) {
          await audited({ format, bytes: declared, mode: 'inline' });
          // The import's record is written with the first batch it stores: a file refused before that leaves none.
          let recorded = false;
          const record = async (db: Knex.Transaction | Db) => {
            if (recorded) return;
            const created = { id, format, bytes: declared, createdBy: actor, createdByRole: actorRole };
            await new ContactImportStore(db).create({ ...created, status: 'running' });
            recorded = true;
          };
          try {
            const result = await importer.run(importSource(format, req), {
              format,
              checkpoint: async (trx, at) => {
                await record(trx);
                await store.checkpoint(trx, id, at);
              },
            });
            await record(deps.db);
            await store.finish(id, { status: 'completed' });
            res.status(200).json({ id, status: 'completed', ...result });
          } catch (err) {
            if (!(err instanceof ImportFormatError)) throw err;
            // Nothing stored: the client's mistake, refused as a whole.
            if (!recorded) throw badRequest(err.message, [{ path: '(body)', message: err.message }]);
            // Rows stored before the file broke stay: the answer says so, as the import's record does.
            await store.finish(id, { status: 'failed', error: err.message });
            const stored = (await store.get(id)) as ContactImport;
            res.status(200).json({
              id,
              status: 'failed',
              error: err.message,
              ...stored.counts,
              rejectedRows: stored.rejectedRows,
              rejectedRowsTruncated: stored.counts.rejected > stored.rejectedRows.length,
            });
          }
          return;
        }

        const file = importFilePath(importDir, id, format);
        let bytes: number;
        try {
          bytes = await spoolUpload(req, file, max);
        } catch (err) {
          if (!(err instanceof UploadTooLargeError)) throw err;
          res.set('Connection', 'close');
          throw new HttpError(413, `the import is larger than ${max} bytes (IMPORT_MAX_BYTES)`);
        }
        await store.create({ id, format, bytes, status: 'queued', createdBy: actor, createdByRole: actorRole });
        await audited({ format, bytes, mode: 'workflow' });
        await temporal.workflow.start(contactImportWorkflow, {
          taskQueue: deps.taskQueue ?? TASK_QUEUES.main,
          workflowId: getContactImportWorkflowId(id),
          args: [{ version: 1, importId: id }],
        });
        const location = `/v1/imports/${id}`;
        res.status(202).set('Location', location).json({ id, status: 'queued', location });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/imports',
      summary: 'Contact imports, newest first',
      tag,
      access: 'any',
      query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
      response: z.object({ imports: z.array(importView) }),
      responses: { ...ok('the imports'), ...r400 },
      handler: async ({ query }, _req, res) => {
        res.json({ imports: (await store.list(query.limit)).map(present) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/imports/:id',
      summary: 'A contact import: status, progress and the rejected rows',
      tag,
      access: 'any',
      params: z.object({ id: z.uuid() }),
      response: importView,
      responses: { ...ok('the import'), ...r400, ...r404 },
      handler: async ({ params }, _req, res) => {
        const imp = await store.get(params.id);
        if (!imp) throw notFound(`import ${params.id}`);
        res.json(present(imp));
      },
    }),
  ];
}
