import { Router } from 'express';
import type { MailCatcher } from '../../infra/mailCatcher';

/** GET /v1/dev/mail: what the local SMTP catcher received, newest first (embedded default only). */
export function devMailRoutes(catcher: MailCatcher): Router {
  const router = Router();
  router.get('/dev/mail', (req, res) => {
    const to = typeof req.query.to === 'string' ? req.query.to : undefined;
    const list = to ? catcher.to(to).reverse() : catcher.list();
    res.json({ count: list.length, messages: list.slice(0, 200) });
  });
  return router;
}
