import { Router } from 'express';
import { z } from 'zod';
import { AuditLog } from '../../db/stores/audit';
import { SlugTakenError, VentureStore, type Venture } from '../../db/stores/ventures';
import type { AppDeps } from '../app';
import { actorOf, requireRole } from '../auth';
import { conflict, notFound, parseOr400 } from '../errors';

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
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

/** Ventures: marketers write, every role reads. */
export function ventureRoutes({ db }: Pick<AppDeps, 'db'>): Router {
  const router = Router();
  const ventures = new VentureStore(db);
  const audit = new AuditLog(db);

  router.post('/ventures', requireRole(db, 'marketer'), async (req, res) => {
    const body = parseOr400(ventureBody, req.body);
    let venture: Venture;
    try {
      venture = await ventures.create(body);
    } catch (err) {
      if (err instanceof SlugTakenError) throw conflict(err.message);
      throw err;
    }
    await audit.record({
      ...actorOf(req),
      action: 'venture.created',
      subjectType: 'venture',
      subjectId: venture.id,
      details: { slug: venture.slug },
    });
    res.status(201).location(`/v1/ventures/${venture.id}`).json(venture);
  });

  router.get('/ventures', async (req, res) => {
    const q = parseOr400(listQuery, req.query, 'query');
    res.json({ ventures: await ventures.list(q), limit: q.limit, offset: q.offset });
  });

  router.get('/ventures/:idOrSlug', async (req, res) => {
    const venture = await ventures.get(String(req.params.idOrSlug));
    if (!venture) throw notFound(`venture ${req.params.idOrSlug}`);
    res.json(venture);
  });

  router.patch('/ventures/:id', requireRole(db, 'marketer'), async (req, res) => {
    const id = String(req.params.id);
    if (!(await ventures.getById(id))) throw notFound(`venture ${id}`);
    const patch = parseOr400(venturePatch, req.body);
    let venture: Venture | undefined;
    try {
      venture = await ventures.update(id, patch);
    } catch (err) {
      if (err instanceof SlugTakenError) throw conflict(err.message);
      throw err;
    }
    if (!venture) throw notFound(`venture ${id}`);
    await audit.record({
      ...actorOf(req),
      action: 'venture.updated',
      subjectType: 'venture',
      subjectId: venture.id,
      details: { fields: Object.keys(patch) },
    });
    res.json(venture);
  });

  return router;
}
