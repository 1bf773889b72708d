import { Router } from 'express';
import type { AppDeps } from '../app';
import type { Metrics } from '../../infra/metrics';

/** Liveness, readiness (each dependency reported) and Prometheus metrics. No key needed. */
export function healthRoutes({
  db,
  temporal,
  metrics,
}: Pick<AppDeps, 'db' | 'temporal'> & { metrics: Metrics }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
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
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref()),
  ]);
}
