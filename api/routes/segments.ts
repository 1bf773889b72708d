import type { Request } from 'express';
import { z } from 'zod';
import { AuditLog } from '../../db/stores/audit';
import { SegmentDefinitionError, segmentDefinitionSchema } from '../../domain/segments/definition';
import { EnrollmentService } from '../../services/enrollment';
import { SegmentExistsError, SegmentInUseError, SegmentService, type SegmentWithCount } from '../../services/segments';
import { actorOf } from '../auth';
import type { RouteDeps } from '../deps';
import { badRequest, conflict, notFound } from '../errors';
import { defineRoute, ok, r400, r403, r404, r409, WRITERS, type AnyRoute } from '../registry';

const segmentKey = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lowercase letters, digits, _ and -, starting with a letter or digit');
const keyParams = z.object({ key: segmentKey });
const name = z.string().trim().min(1).max(200);

const segmentView = z.object({
  key: z.string(),
  name: z.string(),
  definition: z.unknown(),
  version: z.number().int(),
  windowed: z.boolean(),
  count: z.number().int(),
  computedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const contactView = z.object({ id: z.string(), internalId: z.string(), email: z.string() });

const view = (s: SegmentWithCount) => ({
  key: s.key,
  name: s.name,
  definition: s.definition,
  version: s.version,
  windowed: s.windowed,
  count: s.count,
  computedAt: s.computedAt?.toISOString() ?? null,
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
});

const example = {
  key: 'active-pro',
  name: 'Pro plan, logged in twice this month',
  definition: {
    all: [
      { trait: 'plan', op: 'eq', value: 'pro' },
      { event: 'login', atLeast: 2, withinDays: 30 },
    ],
  },
};

/** A definition naming what does not exist (a topic) is the client's mistake: a 400 with each problem's path. */
async function definitionOr400<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof SegmentDefinitionError) throw badRequest('invalid request body', err.problems);
    throw err;
  }
}

/** Segments: saved definitions whose membership is kept current as events and traits arrive. */
export function segmentRoutes({ db, temporal, metrics, taskQueue }: RouteDeps): AnyRoute[] {
  const service = new SegmentService(db, new EnrollmentService(db, temporal, metrics, taskQueue));
  const audit = new AuditLog(db);
  const tag = 'Segments';
  const audited = async (req: Request, action: string, key: string, details?: Record<string, unknown>) => {
    await audit.record({ ...actorOf(req), action, subjectType: 'segment', subjectId: key, details });
  };
  const getOr404 = async (key: string) => {
    const segment = await service.get(key);
    if (!segment) throw notFound(`segment ${key}`);
    return segment;
  };

  return [
    defineRoute({
      method: 'post',
      path: '/v1/segments',
      summary: 'Create a segment; its members are computed at once',
      description:
        'A definition is a tree of `all`, `any` and `not` over conditions: trait `{ trait, op, value }` (ops eq, neq, ' +
        'in, gt, gte, lt, lte, exists, contains, withinDays), event `{ event, atLeast?, atMost?, withinDays?, where? }` ' +
        'and engagement `{ email: sent|delivered|opened|clicked|bounced|complained, withinDays? }`. Creating a segment ' +
        'emits no events; later changes of membership emit `segment.entered` and `segment.left`.',
      tag,
      access: WRITERS,
      body: z.object({ key: segmentKey, name, definition: segmentDefinitionSchema }).strict(),
      response: segmentView,
      responses: { '201': 'created', ...r400, ...r403, '409': 'the key is taken' },
      example: { body: example },
      handler: async ({ body }, req, res) => {
        try {
          const created = await definitionOr400(() => service.create(body));
          await audited(req, 'segment.created', body.key);
          res.status(201).json(view(created));
        } catch (err) {
          if (err instanceof SegmentExistsError) throw conflict(err.message, 'SegmentExists');
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/segments/preview',
      summary: 'Count the contacts a definition matches now, with a sample of 10; nothing is stored',
      tag,
      access: 'any',
      body: z.object({ definition: segmentDefinitionSchema }).strict(),
      response: z.object({ count: z.number().int(), sample: z.array(contactView) }),
      responses: { ...ok('the count and a sample'), ...r400 },
      example: { body: { definition: example.definition }, response: { count: 1, sample: [] } },
      handler: async ({ body }, _req, res) => {
        const { count, sample } = await definitionOr400(() => service.preview(body.definition));
        res.json({ count, sample: sample.map((c) => ({ id: c.externalId, internalId: c.id, email: c.email })) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/segments',
      summary: 'Every segment, with its member count',
      tag,
      access: 'any',
      response: z.object({ segments: z.array(segmentView) }),
      responses: ok('the segments'),
      handler: async (_input, _req, res) => {
        res.json({ segments: (await service.list()).map(view) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/segments/:key',
      summary: 'A segment, with its member count',
      tag,
      access: 'any',
      params: keyParams,
      response: segmentView,
      responses: { ...ok('the segment'), ...r400, ...r404 },
      handler: async ({ params }, _req, res) => {
        res.json(view(await getOr404(params.key)));
      },
    }),
    defineRoute({
      method: 'put',
      path: '/v1/segments/:key',
      summary: 'Rename or redefine a segment; a new definition recomputes membership and emits the changes',
      tag,
      access: WRITERS,
      params: keyParams,
      body: z
        .object({ name: name.optional(), definition: segmentDefinitionSchema.optional() })
        .strict()
        .refine((b) => b.name !== undefined || b.definition !== undefined, 'give a name, a definition or both'),
      response: segmentView,
      responses: { ...ok('the segment'), ...r400, ...r403, ...r404 },
      example: { body: { definition: example.definition } },
      handler: async ({ params, body }, req, res) => {
        const updated = await definitionOr400(() =>
          service.update(params.key, {
            ...(body.name !== undefined ? { name: body.name } : {}),
            ...(body.definition !== undefined ? { definition: body.definition } : {}),
          }),
        );
        if (!updated) throw notFound(`segment ${params.key}`);
        await audited(req, 'segment.updated', params.key, { definitionChanged: body.definition !== undefined });
        res.json(view(updated));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/segments/:key/members',
      summary: 'The members of a segment, a page at a time (pass the answer’s nextCursor as cursor)',
      tag,
      access: 'any',
      params: keyParams,
      query: z.object({
        limit: z.coerce.number().int().min(1).max(500).default(50),
        cursor: z.uuid('must be a cursor from a previous page').optional(),
      }),
      response: z.object({
        members: z.array(contactView.extend({ enteredAt: z.string() })),
        nextCursor: z.string().nullable(),
      }),
      responses: { ...ok('a page of members'), ...r400, ...r404 },
      handler: async ({ params, query }, _req, res) => {
        await getOr404(params.key);
        const page = await service.store.members(params.key, query.limit + 1, query.cursor);
        const members = page.slice(0, query.limit);
        res.json({
          members: members.map((m) => ({
            id: m.externalId,
            internalId: m.contactId,
            email: m.email,
            enteredAt: m.enteredAt.toISOString(),
          })),
          nextCursor: page.length > query.limit ? members[members.length - 1]!.contactId : null,
        });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/segments/:key',
      summary: 'Delete a segment and its membership; refused while a sequence starts or exits on it',
      tag,
      access: WRITERS,
      params: keyParams,
      responses: { '204': 'deleted', ...r400, ...r403, ...r404, ...r409 },
      handler: async ({ params }, req, res) => {
        try {
          if (!(await service.delete(params.key))) throw notFound(`segment ${params.key}`);
        } catch (err) {
          if (err instanceof SegmentInUseError) throw conflict(err.message, 'SegmentInUse');
          throw err;
        }
        await audited(req, 'segment.deleted', params.key);
        res.status(204).end();
      },
    }),
  ];
}
