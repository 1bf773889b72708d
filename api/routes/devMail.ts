import { z } from 'zod';
import type { MailCatcher } from '../../infra/mailCatcher';
import { defineRoute, ok, r400, r403, type AnyRoute } from '../registry';

/** How many messages one answer lists, newest first. */
const MAX_MESSAGES = 200;

const mailQuery = z.object({
  to: z.string().max(320).optional().describe('only the mail to this address'),
});

/**
 * GET /v1/dev/mail: what the local SMTP catcher received, newest first (embedded default only). Operators only:
 * the mail holds other people's approval requests and their personal unsubscribe links.
 */
export function devMailRoutes(catcher: MailCatcher): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/dev/mail',
      summary: 'What the local mail catcher received (embedded default only)',
      tag: 'Dashboard',
      access: ['operator'],
      query: mailQuery,
      responses: { ...ok('messages, newest first'), ...r400, ...r403 },
      handler: ({ query }, _req, res) => {
        const list = query.to ? catcher.to(query.to).reverse() : catcher.list();
        res.json({ count: list.length, messages: list.slice(0, MAX_MESSAGES) });
      },
    }),
  ];
}
