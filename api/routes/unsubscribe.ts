import { urlencoded, type Request, type Response } from 'express';
import { z } from 'zod';
import { ContactStore } from '../../db/stores/contacts';
import { unsubscriber } from '../../services/unsubscribe';
import type { AppDeps } from '../deps';
import { badRequest } from '../errors';
import { defineRoute, type AnyRoute } from '../registry';

/** The RFC 8058 one-click body: the field a mail client POSTs, and the page's form too. */
const ONE_CLICK_FIELD = 'List-Unsubscribe';
const ONE_CLICK_VALUE = 'One-Click';

/**
 * A small page of constant text: nothing from the request is echoed, nothing is loaded from elsewhere, and the
 * only action is a form posting back to the URL it was served from.
 */
function page(title: string, body: string): string {
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">',
    `<title>${title}</title>`,
    '<style>body{font:17px/1.6 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1d2433}',
    'button{font:inherit;padding:.5rem 1.25rem;border-radius:.4rem;border:1px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer}</style>',
    `</head><body><h1>${title}</h1>${body}</body></html>`,
  ].join('');
}

const CONFIRM = page(
  'Unsubscribe',
  '<p>Unsubscribe this address from our marketing email?</p>' +
    `<form method="post"><input type="hidden" name="${ONE_CLICK_FIELD}" value="${ONE_CLICK_VALUE}">` +
    '<button type="submit">Unsubscribe</button></form>',
);
const DONE = page('Unsubscribed', '<p>You are unsubscribed and will get no more marketing email from us.</p>');
const ALREADY = page('Unsubscribed', '<p>This address is already unsubscribed from our marketing email.</p>');
const INVALID = page('Link not valid', '<p>This unsubscribe link is not valid or has expired.</p>');

/** Personal pages: never kept by a shared cache, and answered fresh each time. */
function sendPage(res: Response, status: number, html: string): void {
  res.status(status).set('Cache-Control', 'no-store').type('html').send(html);
}

/** A browser submitting the page's form asks for HTML; a mail client's one-click POST gets JSON. */
const wantsHtml = (req: Request) => req.accepts(['json', 'html']) === 'html';

/**
 * The link in every marketing email. Only a POST unsubscribes: the RFC 8058 one-click request a mail client sends,
 * or the form on the page a GET shows. Mail scanners fetch links (GET, HEAD) to inspect them; that must not
 * unsubscribe anyone. The token is signed, so nobody can unsubscribe someone else.
 */
export function unsubscribeRoutes({ db, temporal, signer }: Pick<AppDeps, 'db' | 'temporal' | 'signer'>): AnyRoute[] {
  const contacts = new ContactStore(db);
  const unsubscribe = unsubscriber(db, temporal);

  // The token is checked by its signature, not by a schema: a bad one gets the page that says the link is not valid.
  const link = { tag: 'Contacts', access: 'public', params: z.object({ token: z.string() }) } as const;
  return [
    defineRoute({
      ...link,
      method: 'get',
      path: '/u/:token',
      summary: 'Unsubscribe link: a confirmation page whose button POSTs (a GET or HEAD never unsubscribes)',
      produces: 'text/html',
      responses: { '200': 'the confirmation page', '400': 'the link is not valid' },
      // Express answers HEAD with this handler too, without the body: it reads, it never writes.
      handler: async ({ params }, _req, res) => {
        const contactId = signer.verify('unsubscribe', params.token);
        const contact = contactId ? await contacts.getById(contactId) : undefined;
        if (!contact) return sendPage(res, 400, INVALID);
        sendPage(res, 200, contact.unsubscribedAt ? ALREADY : CONFIRM);
      },
    }),
    defineRoute({
      ...link,
      method: 'post',
      path: '/u/:token',
      summary: 'Unsubscribe: the RFC 8058 one-click body List-Unsubscribe=One-Click, from a mail client or the page',
      // The form is read here, not by a schema: an invalid link is answered (as a page or JSON) before the body.
      bodyMediaTypes: ['application/x-www-form-urlencoded'],
      before: [urlencoded({ extended: false, limit: '1kb' })],
      responses: {
        '200': 'unsubscribed',
        '400': 'the link is not valid, or the body is not List-Unsubscribe=One-Click',
      },
      example: { body: `${ONE_CLICK_FIELD}=${ONE_CLICK_VALUE}`, response: { unsubscribed: true } },
      handler: async ({ params }, req, res) => {
        const contactId = signer.verify('unsubscribe', params.token);
        if (!contactId) {
          if (wantsHtml(req)) return sendPage(res, 400, INVALID);
          res.status(400).json({ error: 'invalid or expired unsubscribe link' });
          return;
        }
        const body = (req.body ?? {}) as Record<string, unknown>;
        if (body[ONE_CLICK_FIELD] !== ONE_CLICK_VALUE) {
          throw badRequest('invalid request body', [
            { path: ONE_CLICK_FIELD, message: `must be ${ONE_CLICK_VALUE} (RFC 8058)` },
          ]);
        }
        await unsubscribe(contactId, `contact:${contactId}`);
        if (wantsHtml(req)) return sendPage(res, 200, DONE);
        res.status(200).json({ unsubscribed: true });
      },
    }),
  ];
}
