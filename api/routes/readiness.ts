import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/knex';
import { calculateMarketReadiness, suggestLaunchWindow, type MarketReadinessInput } from '../../domain/marketReadiness';
import {
  FLAT_SEASONALITY,
  marketReadinessInputSchema,
  readinessInputFromProfile,
  seasonalityFromProfile,
  seasonalitySchema,
} from '../../domain/readinessInput';
import { loadVenture } from '../../services/ventureContext';
import { badRequest, notFound, parseOr400 } from '../errors';

const launchOptions = {
  /** First day a launch may be planned from, YYYY-MM-DD; default today (UTC). */
  from: z.iso.date().optional(),
  leadTimeWeeks: z.number().finite().min(0).max(104).optional(),
  horizonMonths: z.number().int().min(1).max(36).optional(),
  windowMonths: z.number().int().min(1).max(12).optional(),
};

const readinessBody = z
  .object({
    inputs: marketReadinessInputSchema,
    seasonality: seasonalitySchema.optional(),
    ...launchOptions,
  })
  .strict();

const ventureQuery = z
  .object({
    from: launchOptions.from,
    leadTimeWeeks: z.coerce.number().finite().min(0).max(104).optional(),
    horizonMonths: z.coerce.number().int().min(1).max(36).optional(),
    windowMonths: z.coerce.number().int().min(1).max(12).optional(),
  })
  .strict();

function assess(
  inputs: MarketReadinessInput,
  seasonality: readonly number[] | undefined,
  options: { from?: string; leadTimeWeeks?: number; horizonMonths?: number; windowMonths?: number },
  source: 'request' | 'profile',
) {
  const readiness = calculateMarketReadiness(inputs);
  const launchWindow = suggestLaunchWindow({
    readiness: readiness.overall,
    seasonality: seasonality ?? FLAT_SEASONALITY,
    from: options.from ?? new Date().toISOString().slice(0, 10),
    ...(options.leadTimeWeeks !== undefined ? { leadTimeWeeks: options.leadTimeWeeks } : {}),
    ...(options.horizonMonths !== undefined ? { horizonMonths: options.horizonMonths } : {}),
    ...(options.windowMonths !== undefined ? { windowMonths: options.windowMonths } : {}),
  });
  return { ...readiness, launchWindow, seasonality: seasonality ? source : 'flat' };
}

/** Market readiness and the launch window: from inputs in the request, or from a venture's profile. */
export function readinessRoutes({ db }: { db: Db }): Router {
  const router = Router();

  router.post('/readiness', (req, res) => {
    const body = parseOr400(readinessBody, req.body);
    res.json({ inputs: body.inputs, ...assess(body.inputs, body.seasonality, body, 'request') });
  });

  router.get('/ventures/:id/readiness', async (req, res) => {
    const q = parseOr400(ventureQuery, req.query, 'query');
    const ventureId = String(req.params.id);
    const venture = await loadVenture(db, ventureId);
    if (!venture) throw notFound(`venture ${ventureId}`);
    const read = readinessInputFromProfile(venture.profile);
    if (!read.ok) {
      const missing = read.missing.map((m) => ({ path: `profile.readiness.${m}`, message: 'is required' }));
      const invalid = read.problems.map((p) => ({ path: `profile.readiness.${p.path}`, message: p.message }));
      throw badRequest(
        read.missing.length > 0
          ? `the venture's profile lacks readiness inputs: ${read.missing.join(', ')}`
          : "the venture's profile has invalid readiness inputs",
        [...missing, ...invalid],
      );
    }
    const seasonality = seasonalityFromProfile(venture.profile);
    res.json({ ventureId, inputs: read.input, ...assess(read.input, seasonality, q, 'profile') });
  });

  return router;
}
