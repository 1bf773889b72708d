import express from 'express';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { AuditLog } from '../../db/stores/audit';
import { normalEmail, SUPPRESSION_REASONS, SuppressionStore, type Suppression } from '../../db/stores/suppressions';
import { actorOf } from '../auth';
import type { RouteDeps } from '../deps';
import { badRequest, notFound } from '../errors';
import { defineRoute, ok, r400, r403, r404, WRITERS, type AnyRoute } from '../registry';

/** A suppression list export of a few hundred thousand addresses fits. */
const IMPORT_LIMIT = '10mb';
const email = z.string().trim().toLowerCase().pipe(z.email('must be an email address')).pipe(z.string().max(320));
/** Reasons a person may give; bounces and complaints are recorded by the providers' webhooks and the send path. */
const MANUAL_REASONS = ['manual', 'import'] as const;

const entry = z
  .object({
    email,
    reason: z.enum(MANUAL_REASONS).default('manual'),
    detail: z.string().trim().max(2000).optional(),
    /** Until when; forever when absent. */
    expiresAt: z.iso
      .datetime({ offset: true })
      .refine((v) => Date.parse(v) > Date.now(), 'must be in the future')
      .optional(),
  })
  .strict();

const suppression = z.object({
  email: z.string(),
  reason: z.enum(SUPPRESSION_REASONS),
  detail: z.string().nullable(),
  messageId: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
});

/**
 * The suppression list: addresses no email is handed to, except templates an operator marked must-deliver. Bounces and
 * complaints add themselves; people add, import and remove entries here, each change audited.
 */
export function suppressionRoutes({ db }: Pick<RouteDeps, 'db'>): AnyRoute[] {
  const store = new SuppressionStore(db);
  const audit = new AuditLog(db);
  const tag = 'Suppressions';
  const audited = async (req: express.Request, action: string, address: string, details?: Record<string, unknown>) => {
    await audit.record({ ...actorOf(req), action, subjectType: 'suppression', subjectId: address, details });
  };

  return [
    defineRoute({
      method: 'get',
      path: '/v1/suppressions',
      summary: 'The suppression list, newest first; or the entry of one address with ?email=',
      tag,
      access: 'any',
      query: z.object({
        email: email.optional(),
        reason: z.enum(SUPPRESSION_REASONS).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
        offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
      }),
      response: z.object({
        total: z.number().int(),
        limit: z.number().int(),
        offset: z.number().int(),
        suppressions: z.array(suppression),
      }),
      responses: { ...ok('the entries'), ...r400 },
      handler: async ({ query }, _req, res) => {
        if (query.email) {
          const found = await store.active(query.email);
          res.json({ total: found ? 1 : 0, limit: query.limit, offset: 0, suppressions: found ? [found] : [] });
          return;
        }
        const { total, suppressions } = await store.list(query);
        res.json({ total, limit: query.limit, offset: query.offset, suppressions });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/suppressions',
      summary: 'Suppress an address by hand (forever, or until expiresAt)',
      tag,
      access: WRITERS,
      body: entry,
      response: suppression,
      responses: { '201': 'suppressed', '200': 'the address was already suppressed as asked', ...r400, ...r403 },
      example: { body: { email: 'ada@example.com', detail: 'asked by phone not to be emailed' } },
      handler: async ({ body }, req, res) => {
        const added = await store.add({
          email: body.email,
          reason: body.reason,
          ...(body.detail ? { detail: body.detail } : {}),
          ...(body.expiresAt ? { expiresAt: new Date(body.expiresAt) } : {}),
          createdBy: actorOf(req).actor,
        });
        if (added) await audited(req, 'suppression.added', body.email, { reason: body.reason });
        res.status(added ? 201 : 200).json((await store.active(body.email)) satisfies Suppression | undefined);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/suppressions/import',
      summary: 'Import a CSV of addresses to suppress (a header row with `email`, and optionally `detail`)',
      description:
        'Each valid row is suppressed for good with reason `import`; rows that are not valid are listed by line and ' +
        'skipped, and nothing already on the list is lost or shortened.',
      tag,
      access: WRITERS,
      bodyMediaTypes: ['text/csv'],
      before: [express.text({ type: 'text/csv', limit: IMPORT_LIMIT })],
      response: z.object({
        imported: z.number().int(),
        unchanged: z.number().int(),
        invalid: z.array(z.object({ line: z.number().int(), error: z.string() })),
      }),
      responses: { ...ok('the import'), ...r400, ...r403, '413': 'the CSV is larger than 10 MB' },
      example: {
        body: 'email,detail\nada@example.com,old list\n',
        response: { imported: 1, unchanged: 0, invalid: [] },
      },
      handler: async (_input, req, res) => {
        if (typeof req.body !== 'string') throw badRequest('the body must be a CSV (Content-Type: text/csv)');
        let rows: Record<string, string>[];
        try {
          rows = parse(req.body, {
            columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
            skip_empty_lines: true,
            bom: true,
            relax_column_count: true,
          });
        } catch (err) {
          throw badRequest('the CSV could not be read', [{ path: '(body)', message: (err as Error).message }]);
        }
        if (rows.length > 0 && !('email' in rows[0]!)) {
          throw badRequest('the CSV needs an `email` column', [{ path: 'email', message: 'missing column' }]);
        }
        const { actor } = actorOf(req);
        const result = { imported: 0, unchanged: 0, invalid: [] as { line: number; error: string }[] };
        for (const [i, row] of rows.entries()) {
          const parsed = email.safeParse(row.email ?? '');
          if (!parsed.success) {
            result.invalid.push({ line: i + 2, error: `email: ${parsed.error.issues[0]?.message ?? 'not valid'}` });
            continue;
          }
          const detail = row.detail?.trim().slice(0, 2000);
          const added = await store.add({
            email: parsed.data,
            reason: 'import',
            ...(detail ? { detail } : {}),
            createdBy: actor,
          });
          if (added) result.imported++;
          else result.unchanged++;
        }
        await audited(req, 'suppression.imported', 'csv', {
          imported: result.imported,
          unchanged: result.unchanged,
          invalid: result.invalid.length,
        });
        res.json(result);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/suppressions/:email',
      summary: 'Remove an address from the suppression list (mail may go to it again)',
      tag,
      access: WRITERS,
      params: z.object({ email }),
      responses: { '204': 'removed', ...r400, ...r403, ...r404 },
      handler: async ({ params }, req, res) => {
        const removed = await store.remove(params.email);
        if (!removed) throw notFound(`suppression of ${normalEmail(params.email)}`);
        await audited(req, 'suppression.removed', removed.email, { reason: removed.reason });
        res.status(204).end();
      },
    }),
  ];
}
