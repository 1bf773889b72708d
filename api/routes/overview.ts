import { z } from 'zod';
import { PerformanceReportStore } from '../../db/stores/performanceReports';
import { VentureStore } from '../../db/stores/ventures';
import { ventureOverview } from '../../services/ventureOverview';
import type { RouteDeps } from '../deps';
import { notFound } from '../errors';
import { defineRoute, ok, r400, r404, type AnyRoute } from '../registry';

export const channelReportQuery = z
  .object({
    ventureId: z.uuid().optional(),
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

/** The dashboard's GTM overview of a venture, and campaign results per channel. */
export function overviewRoutes({ db }: Pick<RouteDeps, 'db'>): AnyRoute[] {
  const ventures = new VentureStore(db);
  return [
    defineRoute({
      method: 'get',
      path: '/v1/ventures/:id/overview',
      summary: 'GTM overview: strategies, reach, ROI, conversion rate, reallocation advice',
      tag: 'Ventures',
      access: 'any',
      responses: { ...ok('the overview'), ...r404 },
      handler: async ({ params }, _req, res) => {
        const venture = await ventures.get(params.id);
        if (!venture) throw notFound(`venture ${params.id}`);
        res.json(await ventureOverview(db, venture));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/reports/channels',
      summary: 'Campaign results per channel over a date range',
      tag: 'Campaigns',
      access: 'any',
      query: channelReportQuery,
      responses: { ...ok('totals and rates per channel'), ...r400, ...r404 },
      handler: async ({ query }, _req, res) => {
        if (query.ventureId && !(await ventures.getById(query.ventureId))) throw notFound(`venture ${query.ventureId}`);
        const channels = await new PerformanceReportStore(db).byChannel(query);
        res.json({ ventureId: query.ventureId ?? null, from: query.from ?? null, to: query.to ?? null, channels });
      },
    }),
  ];
}
