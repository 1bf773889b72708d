import { z } from 'zod';
import { loadDemoData } from '../../services/demoData';
import type { RouteDeps } from '../deps';
import { actorOf } from '../auth';
import { AuditLog } from '../../db/stores/audit';
import { defineRoute, ok, r403, type AnyRoute } from '../registry';

const created = z.object({ created: z.number().int(), existing: z.number().int() });

const demoReport = z.object({
  venture: z.object({ id: z.uuid(), slug: z.string(), created: z.boolean() }),
  contacts: created,
  events: z.object({ accepted: z.number().int(), duplicates: z.number().int() }),
  influencers: z.object({ imported: z.number().int(), existing: z.number().int(), scored: z.number().int() }),
  campaigns: z.array(
    z.object({ id: z.uuid(), name: z.string(), created: z.boolean(), status: z.string(), budget: z.number() }),
  ),
  performanceRows: z.number().int(),
  campaignInfluencers: z.number().int(),
  /** What to expect in the chairman's inbox a moment after the campaign starts. */
  pendingApproval: z.string(),
});

/** POST /v1/demo: loads the demo venture, contacts, influencers and campaigns; a second call changes nothing. */
export function demoRoutes(
  deps: Pick<RouteDeps, 'db' | 'temporal' | 'config' | 'taskQueue' | 'metrics' | 'influencerCache'>,
): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/demo',
      summary: 'Load the demo data (idempotent)',
      tag: 'Dashboard',
      access: ['operator'],
      response: demoReport,
      responses: { ...ok('what was loaded and what already existed'), ...r403 },
      handler: async (_input, req, res) => {
        const report = await loadDemoData({
          db: deps.db,
          temporal: deps.temporal,
          config: deps.config,
          ...(deps.taskQueue ? { taskQueue: deps.taskQueue } : {}),
          metrics: deps.metrics,
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
      },
    }),
  ];
}
