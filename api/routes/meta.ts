import { Router } from 'express';
import { campaignSettings } from '../../services/campaigns';
import type { AppDeps } from '../app';

/**
 * GET /v1/meta: what the dashboard needs to know about this installation and the caller: the key's role, where the
 * Temporal UI is (to link each run), whether the local mail catcher runs, and which ad platforms are simulated.
 */
export function metaRoutes({ config, mailCatcher }: Pick<AppDeps, 'config' | 'mailCatcher'>): Router {
  const router = Router();
  const modes = campaignSettings(config).modes;
  router.get('/meta', (req, res) => {
    res.json({
      identity: req.identity ? { name: req.identity.name, role: req.identity.role } : null,
      role: req.identity?.role ?? null,
      temporalUiUrl: config.temporalUiUrl,
      namespace: config.TEMPORAL_NAMESPACE,
      mailCatcher: Boolean(mailCatcher),
      sandbox: Object.values(modes).some((m) => m !== 'live'),
      adPlatforms: modes,
      publicUrl: config.publicUrl,
    });
  });
  return router;
}
