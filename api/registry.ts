import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import type { Role } from '../db/stores/apiKeys';
import type { Db } from '../db/knex';
import { requireRole } from './auth';
import { parseOr400 } from './errors';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'options';

/** Who may call a route: 'public' needs no key, 'any' any valid key, otherwise the roles listed. */
export type Access = 'public' | 'any' | readonly Role[];

/** What a handler receives: the request's params, query and body, each already parsed by the route's schema. */
export interface Input<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

/**
 * One route, declared once: the Express wiring, request validation, role check, the OpenAPI document and the
 * route-coverage tests all read this.
 */
export interface RouteSpec<P = Record<string, string>, Q = unknown, B = unknown> {
  method: HttpMethod;
  /** The full Express path, e.g. `/v1/approvals/:id/decision`. */
  path: string;
  summary: string;
  /** A longer explanation for the reference, when the summary is not enough. */
  description?: string;
  tag: string;
  access: Access;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  /** The JSON body's schema; a 400 names each bad field before the handler runs. */
  body?: z.ZodType<B>;
  /** Media types of a body the route reads itself (a CSV upload, a form post): not parsed as JSON here. */
  bodyMediaTypes?: string[];
  /** The success answer's schema, when the route documents it. */
  response?: z.ZodType;
  /** Status to description; the first 2xx is the success answer. */
  responses: Record<string, string>;
  /** Media type of the success answer when it is not JSON. */
  produces?: string;
  /** A worked example for the reference: a request body and the answer it gets. */
  example?: { body?: unknown; response?: unknown };
  /** Handlers that run after the role check and before validation (a form parser, a per-address limit). */
  before?: RequestHandler[];
  handler: (input: Input<P, Q, B>, req: Request, res: Response) => unknown;
}

/** A route with its types erased, as the registry keeps it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any>;

/** Declares a route; the identity function that lets TypeScript infer the handler's input from the schemas. */
export function defineRoute<P = Record<string, string>, Q = unknown, B = unknown>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec<P, Q, B> {
  return spec;
}

/** Whether a route lives under /v1, behind the API key, the rate limit and the JSON body parser. */
export const isV1 = (route: AnyRoute) => route.path === '/v1' || route.path.startsWith('/v1/');

/**
 * Mounts routes on a router: each one checks its roles, validates params, query and body (400 naming every bad
 * field) and then calls its handler; an error thrown or rejected goes to the error handler. `prefix` is stripped
 * from the paths (the /v1 router is itself mounted at /v1).
 */
export function mountRoutes(router: Router, routes: readonly AnyRoute[], db: Db, prefix = ''): void {
  for (const route of routes) {
    if (!route.path.startsWith(prefix)) throw new Error(`${route.path} is not under ${prefix}`);
    const path = route.path.slice(prefix.length) || '/';
    const guards = typeof route.access === 'string' ? [] : [requireRole(db, ...route.access)];
    router[route.method](path, ...guards, ...(route.before ?? []), handle(route));
  }
}

function handle(route: AnyRoute): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const input: Input<unknown, unknown, unknown> = {
        params: route.params ? parseOr400(route.params, req.params, 'path') : req.params,
        query: route.query ? parseOr400(route.query, req.query, 'query') : req.query,
        body: route.body && !readsOwnType(route, req) ? parseOr400(route.body, req.body ?? {}, 'body') : req.body,
      };
      await route.handler(input, req, res);
    } catch (err) {
      next(err);
    }
  };
}

/** Whether the request's body is one of the non-JSON types the route reads itself (a CSV upload). */
function readsOwnType(route: AnyRoute, req: Request): boolean {
  const own = route.bodyMediaTypes?.filter((t) => t !== 'application/json') ?? [];
  return own.length > 0 && Boolean(req.is(own));
}

/** `METHOD /path`, the key of a route in tables and tests. */
export const routeKey = (r: { method: string; path: string }) => `${r.method.toUpperCase()} ${r.path}`;

/** The roles that feed and repair the product's data (contacts, events, sequences, imports). */
export const WRITERS: readonly Role[] = ['marketer', 'operator'];
/** What spends money or speaks for the business: ventures, strategies, campaigns and their budgets. */
export const MARKETERS: readonly Role[] = ['marketer'];

/** Answers most routes share, for their `responses`. */
export const ok = (what: string) => ({ '200': what });
export const r400 = { '400': 'invalid request: every bad field listed in `problems`' };
export const r403 = { '403': 'the key’s role may not do this' };
export const r404 = { '404': 'not found' };
export const r409 = { '409': 'not allowed in the current state' };

/** A route's path as a regular expression over request paths (`:name` matches one segment). */
function pathPattern(path: string): RegExp {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+');
  return new RegExp(`^${escaped}$`);
}

/** The route a request goes to, if any. */
export function routeFor(req: Request, routes: readonly AnyRoute[]): AnyRoute | undefined {
  const path = `${req.baseUrl}${req.path}`;
  return routes.find((r) => r.method === req.method.toLowerCase() && pathPattern(r.path).test(path));
}
