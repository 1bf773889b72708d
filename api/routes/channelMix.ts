import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/knex';
import {
  ChannelMixInfeasibleError,
  ChannelMixInputError,
  channelMixRequestSchema,
  optimizeChannelMix,
} from '../../domain/channelMix';
import { ventureChannelMix } from '../../services/ventureChannelMix';
import { loadVenture } from '../../services/ventureContext';
import { badRequest, notFound, parseOr400 } from '../errors';

const ventureQuery = z
  .object({
    budget: z.coerce.number().finite().positive().max(1e12),
    period: z.enum(['day', 'week', 'month']).default('month'),
    maxShare: z.coerce.number().gt(0).max(1).optional(),
    minChannels: z.coerce.number().int().min(1).max(100).optional(),
  })
  .strict();

/** The optimiser's refusals are the client's to fix: 400 with the optimiser's own explanation. */
function asBadRequest(err: unknown): never {
  if (err instanceof ChannelMixInfeasibleError) {
    throw badRequest(err.message, [{ path: 'channels', message: `needs at least ${err.requiredChannels} channels` }]);
  }
  if (err instanceof ChannelMixInputError) throw badRequest(err.message);
  throw err;
}

/** Budget allocation across channels: for curves or histories given in the request, and for a venture's own history. */
export function channelMixRoutes({ db }: { db: Db }): Router {
  const router = Router();

  router.post('/channel-mix/optimize', (req, res) => {
    const body = parseOr400(channelMixRequestSchema, req.body);
    try {
      res.json(optimizeChannelMix(body));
    } catch (err) {
      asBadRequest(err);
    }
  });

  router.get('/ventures/:id/channel-mix', async (req, res) => {
    const q = parseOr400(ventureQuery, req.query, 'query');
    const ventureId = String(req.params.id);
    if (!(await loadVenture(db, ventureId))) throw notFound(`venture ${ventureId}`);
    try {
      const mix = await ventureChannelMix(db, ventureId, q.budget, {
        period: q.period,
        ...(q.maxShare !== undefined ? { maxShare: q.maxShare } : {}),
        ...(q.minChannels !== undefined ? { minChannels: q.minChannels } : {}),
      });
      const sources = new Map(mix.curves.map((c) => [c.name, c]));
      res.json({
        ventureId,
        budget: mix.budget,
        period: mix.period,
        maxShare: mix.maxShare,
        minChannels: mix.minChannels,
        totalExpectedConversions: mix.totalExpectedConversions,
        channels: mix.channels.map((c) => ({
          ...c,
          source: sources.get(c.name)?.source ?? 'prior',
          historyPoints: sources.get(c.name)?.historyPoints ?? 0,
        })),
      });
    } catch (err) {
      asBadRequest(err);
    }
  });

  return router;
}
