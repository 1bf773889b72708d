import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { ContactStore, type Contact } from '../../db/stores/contacts';
import { InboxStore, type InboxChange } from '../../db/stores/inbox';
import { MessageStore } from '../../db/stores/messages';
import { inboxToken, readInboxToken } from '../../domain/inboxToken';
import type { EngagementService } from '../../services/engagement';
import type { RouteDeps } from '../deps';
import { HttpError, notFound } from '../errors';
import { rateLimitPerIp, type RateLimit } from '../rateLimit';
import { defineRoute, ok, r400, r403, r404, WRITERS, type AnyRoute } from '../registry';
import { externalId } from './contacts/shape';
import { publicDir } from './dashboard';

/**
 * Per client address, across the browser routes: as generous as our open pixel's, since a product's users behind
 * one office address share it, and enough to keep a flood of guessed tokens off the database.
 */
const SDK_RATE_LIMIT: RateLimit = { perMinute: 1_200, burst: 300 };

/** How long browsers and CDNs keep the snippet: short, so a fix reaches every product's pages within minutes. */
const SCRIPT_MAX_AGE_SECONDS = 300;
/** How long a browser may reuse a preflight answer before asking again. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** What the inbox routes are built from: the app's database, signer and log, and the funnel's recorder. */
export interface InboxRouteDeps extends Pick<RouteDeps, 'db' | 'signer' | 'log'> {
  engagement: Pick<EngagementService, 'recordTracking'>;
}

const inboxMessage = z.object({
  id: z.string(),
  title: z.string(),
  html: z.string(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
  dismissedAt: z.string().nullable(),
});
const inboxView = z.object({ unread: z.number().int(), messages: z.array(inboxMessage) });
const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  includeDismissed: z.enum(['true', 'false']).default('false'),
});
const messageId = z.string().min(1).max(100);
const httpUrl = z
  .string()
  .max(4000)
  .refine((u) => {
    try {
      return ['http:', 'https:'].includes(new URL(u).protocol);
    } catch {
      return false;
    }
  }, 'must be an http or https URL');

const SDK_ACTIONS = ['read', 'dismiss', 'click'] as const;

/** Lets any site's page call the browser routes: they are authorised by the token in a header, never a cookie. */
const cors: RequestHandler = (_req, res, next) => {
  res.set({ 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'Retry-After' });
  next();
};

const tokenRefused = (message: string, error?: string) =>
  new HttpError(401, message, undefined, {
    'WWW-Authenticate': `Bearer realm="gtm-inbox"${error ? `, error="${error}"` : ''}`,
  });

/** Where the token guard leaves the contact of a browser route's request. */
const CONTACT = 'inboxContactId';

/**
 * Settles whose inbox a browser route acts on, before its path or body is read: the contact the request's inbox token
 * is for, or 401 saying what to send when there is no token or it is not valid (never echoing the token).
 */
function tokenGuard(signer: InboxRouteDeps['signer']): RequestHandler {
  return (req, res, next) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!bearer) {
      return next(
        tokenRefused(
          'send the contact’s inbox token as Authorization: Bearer <token>; your server gets one from ' +
            'POST /v1/contacts/:id/inbox/token',
        ),
      );
    }
    const contactId = readInboxToken(signer, bearer[1]!);
    if (!contactId) {
      return next(
        tokenRefused('the inbox token is not valid or has expired: ask your server for a new one', 'invalid_token'),
      );
    }
    res.locals[CONTACT] = contactId;
    next();
  };
}

/** The contact the token guard admitted. */
const contactOf = (res: Response): string => res.locals[CONTACT] as string;

/**
 * The in-app inbox: the API for a product's server (a contact's messages, marking them read or dismissed, and a
 * signed token for its signed-in user), and the public routes the browser snippet calls with that token. A read
 * through either is an `opened` on the message's timeline and a click in the snippet a `clicked` with its URL, each
 * counted once per message (and link), so contact events and sequence goals see them as they see email opens.
 */
export function inboxRoutes({ db, signer, log, engagement }: InboxRouteDeps): AnyRoute[] {
  const inbox = new InboxStore(db);
  const contacts = new ContactStore(db);
  const messages = new MessageStore(db);
  const limit = rateLimitPerIp(SDK_RATE_LIMIT, { db, log });
  const script = fs.readFileSync(path.join(publicDir(), 'sdk', 'inbox.js'));
  const tag = 'Inbox';
  // The address's budget is taken before the token is checked, so guessing tokens costs as much as using one.
  const sdk = { tag, access: 'public' as const, before: [cors, limit, tokenGuard(signer)] };

  const find = async (id: string): Promise<Contact> => {
    const contact = await contacts.getByExternalId(id);
    if (!contact) throw notFound(`contact ${id}`);
    return contact;
  };
  const view = async (contactId: string, query: z.infer<typeof listQuery>) => {
    const [unread, list] = await Promise.all([
      inbox.unreadCount(contactId),
      inbox.list(contactId, { limit: query.limit, includeDismissed: query.includeDismissed === 'true' }),
    ]);
    return { unread, messages: list };
  };
  /** An open or click of ours on the message's timeline; `key` makes a repeat count once. */
  const track = async (req: Request, id: string, key: string, status: 'opened' | 'clicked', url?: string) => {
    const message = await messages.byId(id);
    if (!message) return;
    const userAgent = req.get('user-agent');
    await engagement.recordTracking(message, {
      key,
      status,
      occurredAt: new Date(),
      ...(url ? { url } : {}),
      ...(userAgent ? { userAgent } : {}),
    });
  };
  /**
   * Reads the contact's message: the open is recorded before the message is marked read, so a failure in between
   * leaves it unread and the next read records it (the open's key keeps it to one).
   */
  const read = async (req: Request, contactId: string, id: string): Promise<boolean> => {
    if (!(await inbox.has(contactId, id))) return false;
    await track(req, id, 'inbox:opened', 'opened');
    return (await inbox.markRead(contactId, id)) !== 'not_found';
  };
  const done = (res: Response, change: InboxChange | boolean, missing: string) => {
    if (change === 'not_found' || change === false) throw notFound(missing);
    res.status(204).end();
  };

  const contactParams = z.object({ id: externalId });
  const messageParams = z.object({ id: externalId, messageId });
  const sdkMessageParams = z.object({ messageId });

  return [
    defineRoute({
      method: 'get',
      path: '/v1/contacts/:id/inbox',
      summary: 'A contact’s in-app inbox: unread messages first, then the read ones, newest first within each',
      description: 'Dismissed messages are left out unless `includeDismissed=true`; `unread` counts the others unread.',
      tag,
      access: 'any',
      params: contactParams,
      query: listQuery,
      response: inboxView,
      responses: { ...ok('the inbox'), ...r400, ...r404 },
      handler: async ({ params, query }, _req, res) => {
        const contact = await find(params.id);
        res.json(await view(contact.id, query));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/contacts/:id/inbox/:messageId/read',
      summary: 'Mark a message of the contact’s inbox read (the first read time stays); counts as an open',
      tag,
      access: WRITERS,
      params: messageParams,
      responses: { '204': 'read', ...r403, '404': 'no such contact, or no such message in their inbox' },
      handler: async ({ params }, req, res) => {
        const contact = await find(params.id);
        const found = await read(req, contact.id, params.messageId);
        done(res, found, `inbox message ${params.messageId} of contact ${params.id}`);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/contacts/:id/inbox/:messageId/dismiss',
      summary: 'Dismiss a message of the contact’s inbox: it is no longer listed or counted unread',
      tag,
      access: WRITERS,
      params: messageParams,
      responses: { '204': 'dismissed', ...r403, '404': 'no such contact, or no such message in their inbox' },
      handler: async ({ params }, _req, res) => {
        const contact = await find(params.id);
        const change = await inbox.dismiss(contact.id, params.messageId);
        done(res, change, `inbox message ${params.messageId} of contact ${params.id}`);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/contacts/:id/inbox/token',
      summary: 'A signed token for the browser snippet, for your signed-in user: their inbox only, for 24 hours',
      description:
        'Ask for it from your server when your user signs in, and hand it to `GTMInbox.mount` in their page. It ' +
        'reads and acts on this contact’s inbox and nothing else; never put an API key in a browser.',
      tag,
      access: WRITERS,
      params: contactParams,
      response: z.object({ token: z.string(), expiresAt: z.string() }),
      responses: { ...ok('the token and when it expires'), ...r403, ...r404 },
      handler: async ({ params }, _req, res) => {
        const contact = await find(params.id);
        const { token, expiresAt } = inboxToken(signer, contact.id);
        res.set('Cache-Control', 'no-store').json({ token, expiresAt: expiresAt.toISOString() });
      },
    }),
    defineRoute({
      method: 'options',
      path: '/sdk/v1/inbox',
      summary: 'Preflight for the browser snippet: any origin may call with the Authorization header',
      tag,
      access: 'public',
      responses: { '204': 'the methods and headers allowed' },
      handler: (_input, _req, res) => preflight(res),
    }),
    defineRoute({
      method: 'options',
      path: '/sdk/v1/inbox/:messageId/:action',
      summary: 'Preflight for the browser snippet’s read, dismiss and click calls',
      tag,
      access: 'public',
      params: z.object({ messageId, action: z.enum(SDK_ACTIONS) }),
      responses: { '204': 'the methods and headers allowed', ...r400 },
      handler: (_input, _req, res) => preflight(res),
    }),
    defineRoute({
      ...sdk,
      method: 'get',
      path: '/sdk/v1/inbox',
      summary: 'The browser snippet’s inbox: the token’s contact’s messages, unread first',
      description: 'Authorization: Bearer <inbox token>, from POST /v1/contacts/:id/inbox/token. No API key.',
      query: listQuery,
      response: inboxView,
      responses: { ...ok('the inbox'), ...r400, '401': 'no inbox token, or it is not valid or has expired' },
      handler: async ({ query }, _req, res) => {
        const contactId = contactOf(res);
        res.set('Cache-Control', 'no-store').json(await view(contactId, query));
      },
    }),
    defineRoute({
      ...sdk,
      method: 'post',
      path: '/sdk/v1/inbox/:messageId/read',
      summary: 'The browser snippet marks a message read: an open on its timeline, once',
      params: sdkMessageParams,
      responses: { '204': 'read', '401': 'no valid inbox token', '404': 'no such message in this inbox' },
      handler: async ({ params }, req, res) => {
        const contactId = contactOf(res);
        done(res, await read(req, contactId, params.messageId), `inbox message ${params.messageId}`);
      },
    }),
    defineRoute({
      ...sdk,
      method: 'post',
      path: '/sdk/v1/inbox/:messageId/dismiss',
      summary: 'The browser snippet dismisses a message',
      params: sdkMessageParams,
      responses: { '204': 'dismissed', '401': 'no valid inbox token', '404': 'no such message in this inbox' },
      handler: async ({ params }, _req, res) => {
        const contactId = contactOf(res);
        done(res, await inbox.dismiss(contactId, params.messageId), `inbox message ${params.messageId}`);
      },
    }),
    defineRoute({
      ...sdk,
      before: [...sdk.before, express.json({ limit: '8kb' })],
      method: 'post',
      path: '/sdk/v1/inbox/:messageId/click',
      summary: 'The browser snippet reports a click on a link in a message: a click on its timeline, once per link',
      description: 'A click also reads the message, if it was not read yet.',
      params: sdkMessageParams,
      body: z.object({ url: httpUrl }),
      responses: {
        '204': 'recorded',
        ...r400,
        '401': 'no valid inbox token',
        '404': 'no such message in this inbox',
      },
      example: { body: { url: 'https://example.com/pricing' } },
      handler: async ({ params, body }, req, res) => {
        const contactId = contactOf(res);
        const found = await read(req, contactId, params.messageId);
        if (found) {
          const link = createHash('sha256').update(body.url).digest('hex').slice(0, 32);
          await track(req, params.messageId, `inbox:clicked:${link}`, 'clicked', body.url);
        }
        done(res, found, `inbox message ${params.messageId}`);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/sdk/inbox.js',
      summary: 'The browser snippet: GTMInbox.mount(element, { token, baseUrl })',
      tag,
      access: 'public',
      produces: 'application/javascript',
      responses: ok('the script'),
      handler: (_input, _req, res) => {
        // Loaded by a script tag on the product's own site, so the default same-origin resource policy would block it.
        res
          .set({
            'Content-Type': 'application/javascript; charset=utf-8',
            'Cache-Control': `public, max-age=${SCRIPT_MAX_AGE_SECONDS}`,
            'Cross-Origin-Resource-Policy': 'cross-origin',
            'Access-Control-Allow-Origin': '*',
          })
          .send(script);
      },
    }),
  ];
}

/** The answer to a browser's preflight: any origin, the snippet's methods and headers, remembered a while. */
function preflight(res: Response): void {
  res
    .status(204)
    .set({
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'GET, POST',
      'Access-Control-Allow-Headers': 'Authorization, Content-Type',
      'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_SECONDS),
    })
    .end();
}
