import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/knex';
import {
  attribute,
  AttributionInputError,
  attributionModels,
  attributionRequestSchema,
  DEFAULT_HALF_LIFE_DAYS,
} from '../../domain/attribution';
import { ventureAttribution } from '../../services/ventureAttribution';
import { loadVenture } from '../../services/ventureContext';
import { badRequest, notFound, parseOr400 } from '../errors';

const ventureQuery = z
  .object({
    model: z.enum(attributionModels).default('position-based'),
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
    halfLifeDays: z.coerce.number().positive().max(3650).optional(),
    /** Comma-separated event names that count as conversions, replacing the defaults and sequence goals. */
    conversionEvents: z
      .string()
      .trim()
      .min(1)
      .transform((s) =>
        s
          .split(',')
          .map((e) => e.trim())
          .filter((e) => e !== ''),
      )
      .pipe(z.array(z.string().min(1).max(200)).min(1).max(50))
      .optional(),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

/** Multi-touch attribution: of journeys given in the request, and of a venture's stored events. */
export function attributionRoutes({ db }: { db: Db }): Router {
  const router = Router();

  router.post('/attribution', (req, res) => {
    const body = parseOr400(attributionRequestSchema, req.body);
    try {
      res.json(attribute(body.journeys, body.model, body.options ?? {}, body.spend));
    } catch (err) {
      if (err instanceof AttributionInputError) throw badRequest(err.message);
      throw err;
    }
  });

  router.get('/ventures/:id/attribution', async (req, res) => {
    const q = parseOr400(ventureQuery, req.query, 'query');
    const ventureId = String(req.params.id);
    if (!(await loadVenture(db, ventureId))) throw notFound(`venture ${ventureId}`);
    try {
      res.json(
        await ventureAttribution(db, ventureId, {
          model: q.model,
          ...(q.from ? { from: q.from } : {}),
          ...(q.to ? { to: q.to } : {}),
          ...(q.conversionEvents ? { conversionEvents: q.conversionEvents } : {}),
          modelOptions: { halfLifeDays: q.halfLifeDays ?? DEFAULT_HALF_LIFE_DAYS },
        }),
      );
    } catch (err) {
      if (err instanceof AttributionInputError) throw badRequest(err.message);
      throw err;
    }
  });

  return router;
}
