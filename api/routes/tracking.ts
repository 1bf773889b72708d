import type { Request, Response } from 'express';
import { z } from 'zod';
import { MessageStore } from '../../db/stores/messages';
import { machineEngagement, readClickToken, readOpenToken } from '../../domain/tracking';
import type { EngagementService } from '../../services/engagement';
import type { RouteDeps } from '../deps';
import { defineRoute, type AnyRoute } from '../registry';

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const INVALID_LINK =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">' +
  '<title>Link not valid</title></head><body><h1>Link not valid</h1><p>This link is not valid or has expired.</p>' +
  '</body></html>';

export interface TrackingDeps extends Pick<RouteDeps, 'db' | 'signer' | 'config' | 'log'> {
  engagement: EngagementService;
}

/**
 * Our open pixel and click redirect. The click token is signed and names the message, the link and its URL, so the
 * redirect can only lead where that message's link led (no open redirect). Machine opens and clicks (Apple's proxy,
 * link scanners, HEAD requests, a click in the seconds after sending) are recorded, flagged, and left out of rates.
 * Recording never stands between a reader and their page: a failure is logged and the redirect still happens.
 */
export function trackingRoutes({ db, signer, config, log, engagement }: TrackingDeps): AnyRoute[] {
  const messages = new MessageStore(db);
  const scannerWindowMs = (config.TRACKING_SCANNER_WINDOW_SECONDS ?? 10) * 1000;
  const link = { tag: 'Tracking', access: 'public', params: z.object({ token: z.string() }) } as const;

  const recordEngagement = async (
    req: Request,
    messageId: string,
    kind: 'open' | 'click',
    url?: { link: number; url: string },
  ): Promise<void> => {
    const at = new Date();
    const message = await messages.byId(messageId);
    if (!message) return;
    const userAgent = req.get('user-agent');
    const machineReason = machineEngagement({
      kind,
      method: req.method,
      userAgent,
      ip: req.ip,
      sentAt: message.sentAt,
      at,
      scannerWindowMs,
    });
    // One open a minute, and one click per link a minute, per message and kind of reader: a reload is not news.
    const minute = Math.floor(at.getTime() / 60_000);
    const who = machineReason ? 'machine' : 'human';
    await engagement.recordTracking(message, {
      key: url ? `click:${url.link}:${who}:${minute}` : `open:${who}:${minute}`,
      status: kind === 'open' ? 'opened' : 'clicked',
      occurredAt: at,
      ...(url ? { url: url.url } : {}),
      ...(userAgent ? { userAgent } : {}),
      ...(machineReason ? { machineReason } : {}),
    });
  };
  const quietly = (work: Promise<void>, what: string) =>
    work.catch((err: unknown) => log.warn({ err: String(err), what }, 'engagement not recorded'));

  return [
    defineRoute({
      ...link,
      method: 'get',
      path: '/t/o/:token',
      summary: 'Open pixel: a 1×1 GIF that records an open of the message its signed token names',
      produces: 'image/gif',
      responses: { '200': 'the pixel, whatever the token' },
      handler: async ({ params }, req, res: Response) => {
        const messageId = readOpenToken(signer, params.token);
        if (messageId) await quietly(recordEngagement(req, messageId, 'open'), 'open');
        // Shown inside a mail client or webmail on another origin: the default same-origin policy would block it.
        res
          .status(200)
          .set('Cache-Control', 'no-store, private')
          .set('Cross-Origin-Resource-Policy', 'cross-origin')
          .type('gif')
          .send(PIXEL);
      },
    }),
    defineRoute({
      ...link,
      method: 'get',
      path: '/t/c/:token',
      summary: "Click redirect: records the click and answers 302 to the link's own URL, which the token signs",
      responses: { '302': 'to the URL that was in the message', '404': 'the link is not valid or has expired' },
      handler: async ({ params }, req, res: Response) => {
        const click = readClickToken(signer, params.token);
        if (!click) {
          res.status(404).set('Cache-Control', 'no-store').type('html').send(INVALID_LINK);
          return;
        }
        await quietly(recordEngagement(req, click.messageId, 'click', click), 'click');
        res.set('Cache-Control', 'no-store, private').set('Referrer-Policy', 'no-referrer').redirect(302, click.url);
      },
    }),
  ];
}
