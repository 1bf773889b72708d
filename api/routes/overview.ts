import { Router } from 'express';
import { z } from 'zod';
import { PerformanceReportStore } from '../../db/stores/performanceReports';
import { VentureStore } from '../../db/stores/ventures';
import { ventureOverview } from '../../services/ventureOverview';
import type { AppDeps } from '../app';
import { notFound, parseOr400 } from '../errors';

export const channelReportQuery = z
  .object({
    ventureId: z.uuid().optional(),
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

/** The dashboard's GTM overview of a venture, and campaign results per channel. */
export function overviewRoutes({ db }: Pick<AppDeps, 'db'>): Router {
  const router = Router();
  const ventures = new VentureStore(db);

  router.get('/ventures/:id/overview', async (req, res) => {
    const venture = await ventures.get(String(req.params.id));
    if (!venture) throw notFound(`venture ${req.params.id}`);
    res.json(await ventureOverview(db, venture));
  });

  router.get('/reports/channels', async (req, res) => {
    const q = parseOr400(channelReportQuery, req.query, 'query');
    if (q.ventureId && !(await ventures.getById(q.ventureId))) throw notFound(`venture ${q.ventureId}`);
    const channels = await new PerformanceReportStore(db).byChannel(q);
    res.json({ ventureId: q.ventureId ?? null, from: q.from ?? null, to: q.to ?? null, channels });
  });

  return router;
}
