import type { Request, Response } from 'express';
import { z } from 'zod';
import { FLOW_TTL_MS, SSO_CALLBACK_PATH, SsoRefusal, SsoService, ssoSettings } from '../../services/sso';
import { cookie, setSessionCookie } from '../auth';
import type { RouteDeps } from '../deps';
import { defineRoute, type AnyRoute } from '../registry';

const tag = 'Sign-in';

/** The cookie that carries one sign-in's state, nonce and PKCE verifier to the callback, and nowhere else. */
const FLOW_COOKIE = 'gtm_sso';
const FLOW_COOKIE_PATH = '/v1/session/sso';

const NOT_CONFIGURED =
  'single sign-on is not configured: set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET to turn it on';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * A refusal as the caller reads it: a browser, which arrives here by a redirect, gets a page it can leave by a link
 * back to the sign-in page; anything else gets the API's JSON error.
 */
function refuse(req: Request, res: Response, status: number, message: string): void {
  res.status(status).set('Cache-Control', 'no-store');
  if (req.accepts(['json', 'html']) !== 'html') {
    res.json({ error: message });
    return;
  }
  res
    .type('html')
    .send(
      [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<title>Single sign-on</title><link rel="stylesheet" href="/app.css"></head>',
        `<body><main><h1>Single sign-on</h1><p role="alert">${escapeHtml(message)}</p>`,
        '<p><a href="/">Back to the sign-in page</a></p></main></body></html>',
      ].join(''),
    );
}

/**
 * Single sign-on through the organisation's OpenID provider: GET /v1/session/sso leaves for the provider and
 * GET /v1/session/sso/callback comes back with a session, set in the same cookie a password sign-in sets.
 */
export function ssoRoutes(deps: RouteDeps): AnyRoute[] {
  const { config } = deps;
  const settings = ssoSettings(config);
  const sso = settings && new SsoService(deps.db, settings, deps.signer, deps.signIn, deps.log);
  const secure = config.publicUrl.startsWith('https:');
  const flowCookie = { httpOnly: true, sameSite: 'lax' as const, secure, path: FLOW_COOKIE_PATH };

  return [
    defineRoute({
      method: 'get',
      path: '/v1/session/sso',
      summary: 'Sign in with the organisation’s identity provider (OpenID Connect)',
      description:
        'Redirects to the provider (authorization code flow with PKCE); its state, nonce and verifier travel in a ' +
        'short-lived signed cookie. `next` is a path on this site to return to after signing in (e.g. ' +
        '`/approvals/<id>`); anything else is ignored for `/`.',
      tag,
      access: 'public',
      query: z.object({ next: z.string().max(1000).optional().catch(undefined) }),
      responses: {
        '302': 'to the identity provider',
        '404': 'single sign-on is not configured',
        '502': 'the identity provider cannot be reached',
      },
      handler: async ({ query }, req, res) => {
        if (!sso) return refuse(req, res, 404, NOT_CONFIGURED);
        try {
          const { url, flow } = await sso.start(query.next);
          res.cookie(FLOW_COOKIE, flow, { ...flowCookie, maxAge: FLOW_TTL_MS });
          res.set('Cache-Control', 'no-store').redirect(302, url.href);
        } catch (err) {
          if (err instanceof SsoRefusal) return refuse(req, res, err.status, err.message);
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: SSO_CALLBACK_PATH,
      summary: 'Where the identity provider sends the browser back: opens a session',
      description:
        'Checks the provider’s answer (state, PKCE, the ID token’s signature and nonce), finds the person by their ' +
        'identity at the provider, else by a verified email address (linking it), else creates them with the roles ' +
        'claim’s roles; the claim, when present, sets their roles at each sign-in. Sets the `gtm_session` cookie ' +
        'and redirects to `next` or `/`.',
      tag,
      access: 'public',
      responses: {
        '302': 'signed in: to the page asked for, or the dashboard',
        '400':
          'the sign-in did not complete (the provider refused, or its answer or the flow’s cookie did not check out)',
        '403': 'no valid role in the roles claim, an unconfirmed email address, or a deactivated account',
        '404': 'single sign-on is not configured',
      },
      handler: async (_input, req, res) => {
        if (!sso) return refuse(req, res, 404, NOT_CONFIGURED);
        // The flow's cookie is spent whatever happens: a second visit to this address starts nothing.
        res.clearCookie(FLOW_COOKIE, flowCookie);
        const at = req.originalUrl.indexOf('?');
        const query = at < 0 ? '' : req.originalUrl.slice(at);
        try {
          const { session, next } = await sso.finish(query, cookie(req, FLOW_COOKIE), req.get('user-agent'));
          setSessionCookie(res, session.token, config);
          res.set('Cache-Control', 'no-store').redirect(302, next);
        } catch (err) {
          if (err instanceof SsoRefusal) return refuse(req, res, err.status, err.message);
          throw err;
        }
      },
    }),
  ];
}
