import { z } from 'zod';
import { AuditLog } from '../../db/stores/audit';
import { SlugTakenError, VentureStore } from '../../db/stores/ventures';
import { actorOf } from '../auth';
import type { AppDeps } from '../deps';
import { conflict, notFound } from '../errors';
import { defineRoute, MARKETERS, ok, r400, r404, r409, type AnyRoute } from '../registry';

const text = (max: number) => z.string().trim().min(1).max(max);

const brandSchema = z
  .object({
    values: z.array(text(100)).max(50).default([]),
    tone: text(200).optional(),
  })
  .strict();

const ventureFields = {
  name: text(200),
  slug: z
    .string()
    .max(100)
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lowercase letters, digits and single dashes, e.g. acme-notes'),
  productName: text(200),
  description: z.string().trim().max(5000).nullable(),
  industry: text(100).nullable(),
  category: text(100).nullable(),
  // Rendered as a link on the public pages: a javascript: or data: URL there would run in a visitor's browser.
  website: z
    .url({ protocol: /^https?$/, error: 'must be an http or https address, e.g. https://acme.example' })
    .max(500)
    .nullable(),
  keywords: z.array(text(100)).max(100),
  brand: brandSchema,
  targetMarket: z.record(z.string().max(100), z.unknown()),
  profile: z.record(z.string().max(100), z.unknown()),
  /** Whether reallocation proposals under the chairman's percentage apply on their own; default false. */
  autoApplyReallocations: z.boolean(),
};

export const ventureBody = z
  .object({
    ...ventureFields,
    description: ventureFields.description.optional(),
    industry: ventureFields.industry.optional(),
    category: ventureFields.category.optional(),
    website: ventureFields.website.optional(),
    keywords: ventureFields.keywords.default([]),
    brand: brandSchema.default({ values: [] }),
    targetMarket: ventureFields.targetMarket.default({}),
    profile: ventureFields.profile.default({}),
    autoApplyReallocations: ventureFields.autoApplyReallocations.default(false),
  })
  .strict();

export const venturePatch = z
  .object(ventureFields)
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'give at least one field to change');

const listQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

/** A venture as every venture route answers it. */
export const ventureResponse = z.object({
  ...ventureFields,
  id: z.uuid(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

const example = {
  name: 'Acme Notes',
  slug: 'acme-notes',
  productName: 'Acme Notes',
  industry: 'Productivity software',
  website: 'https://acme.example',
  keywords: ['note taking', 'team wiki'],
};

/** Ventures: marketers write, every role reads. */
export function ventureRoutes({ db }: Pick<AppDeps, 'db'>): AnyRoute[] {
  const ventures = new VentureStore(db);
  const audit = new AuditLog(db);

  /** Runs a write, answering 409 when the slug belongs to another venture. */
  async function slugChecked<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (err instanceof SlugTakenError) throw conflict(err.message);
      throw err;
    }
  }

  return [
    defineRoute({
      method: 'post',
      path: '/v1/ventures',
      summary: 'Create a venture',
      tag: 'Ventures',
      access: MARKETERS,
      body: ventureBody,
      response: ventureResponse,
      responses: { '201': 'created', ...r400, '409': 'the slug is taken' },
      example: { body: example },
      handler: async ({ body }, req, res) => {
        const venture = await slugChecked(() => ventures.create(body));
        await audit.record({
          ...actorOf(req),
          action: 'venture.created',
          subjectType: 'venture',
          subjectId: venture.id,
          details: { slug: venture.slug },
        });
        res.status(201).location(`/v1/ventures/${venture.id}`).json(venture);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/ventures',
      summary: 'List ventures',
      tag: 'Ventures',
      access: 'any',
      query: listQuery,
      response: z.object({ ventures: z.array(ventureResponse), limit: z.number(), offset: z.number() }),
      responses: { ...ok('ventures, oldest first'), ...r400 },
      handler: async ({ query }, _req, res) => {
        res.json({ ventures: await ventures.list(query), limit: query.limit, offset: query.offset });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/ventures/:idOrSlug',
      summary: 'A venture by id or slug',
      tag: 'Ventures',
      access: 'any',
      response: ventureResponse,
      responses: { ...ok('the venture'), ...r404 },
      handler: async ({ params }, _req, res) => {
        const venture = await ventures.get(params.idOrSlug);
        if (!venture) throw notFound(`venture ${params.idOrSlug}`);
        res.json(venture);
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/ventures/:id',
      summary: 'Change a venture',
      tag: 'Ventures',
      access: MARKETERS,
      body: venturePatch,
      response: ventureResponse,
      responses: { ...ok('the venture'), ...r400, ...r404, ...r409 },
      example: { body: { website: 'https://notes.acme.example' } },
      handler: async ({ params, body }, req, res) => {
        const venture = await slugChecked(() => ventures.update(params.id, body));
        if (!venture) throw notFound(`venture ${params.id}`);
        await audit.record({
          ...actorOf(req),
          action: 'venture.updated',
          subjectType: 'venture',
          subjectId: venture.id,
          details: { fields: Object.keys(body) },
        });
        res.json(venture);
      },
    }),
  ];
}
