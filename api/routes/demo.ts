import { Router } from 'express';
import { loadDemoData } from '../../services/demoData';
import type { AppDeps } from '../app';
import { actorOf, requireRole } from '../auth';
import { AuditLog } from '../../db/stores/audit';

/** POST /v1/demo: loads the demo venture, contacts, influencers and campaigns; a second call changes nothing. */
export function demoRoutes(
  deps: Pick<AppDeps, 'db' | 'temporal' | 'config' | 'taskQueue' | 'metrics' | 'influencerCache'>,
): Router {
  const router = Router();
  router.post('/demo', requireRole(deps.db, 'operator'), async (req, res) => {
    const report = await loadDemoData({
      db: deps.db,
      temporal: deps.temporal,
      config: deps.config,
      ...(deps.taskQueue ? { taskQueue: deps.taskQueue } : {}),
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      ...(deps.influencerCache ? { influencerCache: deps.influencerCache } : {}),
    });
    // Only a load that added something is recorded: a repeated load leaves every table as it was.
    const added = report.venture.created || report.campaigns.some((c) => c.created) || report.contacts.created > 0;
    if (added)
      await new AuditLog(deps.db).record({
        ...actorOf(req),
        action: 'demo.loaded',
        subjectType: 'venture',
        subjectId: report.venture.id,
        details: { created: report.venture.created, campaigns: report.campaigns.filter((c) => c.created).length },
      });
    res.json(report);
  });
  return router;
}
