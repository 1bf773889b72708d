import { Router } from 'express';
import type { Db } from '../../db/knex';
import type { MailCatcher } from '../../infra/mailCatcher';
import { requireRole } from '../auth';

/**
 * GET /v1/dev/mail: what the local SMTP catcher received, newest first (embedded default only). Operators only:
 * the mail holds other people's approval requests and their personal unsubscribe links.
 */
export function devMailRoutes(catcher: MailCatcher, db: Db): Router {
  const router = Router();
  router.get('/dev/mail', requireRole(db, 'operator'), (req, res) => {
    const to = typeof req.query.to === 'string' ? req.query.to : undefined;
    const list = to ? catcher.to(to).reverse() : catcher.list();
    res.json({ count: list.length, messages: list.slice(0, 200) });
  });
  return router;
}
