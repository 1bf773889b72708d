import { z } from 'zod';
import type { AppDeps } from '../deps';
import type { Metrics } from '../../infra/metrics';
import { defineRoute, ok, type AnyRoute } from '../registry';
import { withTimeout } from '../../services/withTimeout';

const readiness = z.object({
  status: z.enum(['ready', 'not ready']),
  /** `ok`, or `unavailable: ` and the first line of the error. */
  checks: z.object({ database: z.string(), temporal: z.string() }),
});

/** Liveness, readiness (each dependency reported) and Prometheus metrics. No key needed. */
export function healthRoutes({
  db,
  temporal,
  metrics,
}: Pick<AppDeps, 'db' | 'temporal'> & { metrics: Metrics }): AnyRoute[] {
  const ops = { tag: 'Operations', access: 'public' } as const;
  return [
    defineRoute({
      ...ops,
      method: 'get',
      path: '/healthz',
      summary: 'Liveness',
      response: z.object({ status: z.literal('ok') }),
      responses: ok('alive'),
      handler: (_input, _req, res) => {
        res.json({ status: 'ok' });
      },
    }),
    defineRoute({
      ...ops,
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: database and Temporal reachable',
      response: readiness,
      responses: { '200': 'ready', '503': 'a dependency is unreachable' },
      handler: async (_input, _req, res) => {
        const check = async (probe: () => Promise<unknown>) => {
          try {
            await withTimeout(probe(), 2_000);
            return 'ok';
          } catch (err) {
            return `unavailable: ${(err as Error).message.split('\n')[0]}`;
          }
        };
        const [database, temporalStatus] = await Promise.all([
          check(() => db.raw('select 1')),
          check(() => temporal.workflowService.getSystemInfo({})),
        ]);
        const ready = database === 'ok' && temporalStatus === 'ok';
        res
          .status(ready ? 200 : 503)
          .json({ status: ready ? 'ready' : 'not ready', checks: { database, temporal: temporalStatus } });
      },
    }),
    defineRoute({
      ...ops,
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics',
      produces: 'text/plain',
      responses: ok('metrics in the Prometheus text format'),
      handler: async (_input, _req, res) => {
        res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
      },
    }),
  ];
}
