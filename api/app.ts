import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { createMetrics } from '../infra/metrics';
import { admit, authenticate, refusal } from './auth';
import type { Role } from '../db/stores/apiKeys';
import { AuditLog } from '../db/stores/audit';
import { limitBodyDepth } from './bodyDepth';
import { signInService, type AppDeps, type RouteDeps } from './deps';
import { errorHandler, HttpError } from './errors';
import { rateLimitPerIp, rateLimitPerKey } from './rateLimit';
import { isV1, mountRoutes, routeFor, type AnyRoute } from './registry';
import { dashboardRoutes } from './routes/dashboard';
import { isSegmentSpecRoute, segmentSpecRouter } from './routes/segmentSpec/guards';
import { buildRoutes } from './routes';

export type { AppDeps } from './deps';

/** JSON bodies up to 2 MB: a batch of 1,000 events fits, and SendGrid's webhook batches (768 kB at most). */
const BODY_LIMIT = '2mb';
const isWebhook = (route: AnyRoute) => route.path.startsWith('/v1/webhooks/');

/** Builds the Express app without listening, so tests drive it as production assembles it. */
export function createApp(deps: AppDeps): Express {
  const metrics = deps.metrics ?? createMetrics();
  const routeDeps: RouteDeps = { ...deps, metrics, signIn: signInService(deps) };
  const routes = buildRoutes(routeDeps);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.locals.routes = routes;
  app.use(helmet());
  app.use((req: Request, res: Response, next: NextFunction) => {
    const end = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      end({ method: req.method, route });
      if (res.statusCode >= 500) deps.log.warn({ method: req.method, route, status: res.statusCode }, 'request failed');
    });
    next();
  });

  // Unsubscribe links need no key, so they are limited per address; a burst of 10 covers a mail client's prefetch.
  app.use('/u', rateLimitPerIp({ perMinute: deps.config.UNSUBSCRIBE_RATE_LIMIT_PER_MINUTE ?? 60, burst: 10 }, deps));
  app.use('/p', rateLimitPerIp({ perMinute: deps.config.UNSUBSCRIBE_RATE_LIMIT_PER_MINUTE ?? 60, burst: 10 }, deps));
  // Sign-in and password resets need no key: limited per address, on top of each account's own lock.
  const signIns = deps.config.SIGN_IN_RATE_LIMIT_PER_MINUTE ?? 60;
  app.use('/v1/session', rateLimitPerIp({ perMinute: signIns, burst: Math.ceil(signIns / 2) }, deps));
  // Each reset request sends an email: a tighter limit, so nobody uses the route to flood an inbox.
  const resets = rateLimitPerIp({ perMinute: Math.ceil(signIns / 6), burst: Math.ceil(signIns / 6) }, deps);
  app.use('/v1/password-resets', (req, res, next) =>
    req.method === 'POST' && req.path === '/' ? resets(req, res, next) : next(),
  );
  const site = express.Router();
  mountRoutes(
    site,
    routes.filter((r) => !isV1(r)),
    deps.db,
  );
  app.use(site);

  // Our open pixel and click redirect need no key either; a generous per-address limit keeps a flood off the database.
  app.use('/t', rateLimitPerIp({ perMinute: 1_200, burst: 200 }, deps));
  // Providers' webhooks are signed, not keyed, and the signature is over the body's bytes: they get the raw body.
  const hooks = express.Router();
  // Email providers post JSON; Twilio posts forms, signed over their fields. Each route says which it takes.
  hooks.use((req, _res, next) => {
    const types = routeFor(req, routes)?.bodyMediaTypes ?? ['application/json'];
    return req.is(types) === false ? next(new HttpError(415, `webhook bodies must be ${types.join(' or ')}`)) : next();
  });
  hooks.use(express.raw({ type: ['application/json', 'application/x-www-form-urlencoded'], limit: BODY_LIMIT }));
  mountRoutes(hooks, routes.filter(isWebhook), deps.db, '/v1/webhooks');
  app.use('/v1/webhooks', hooks);
  // Segment sources authenticate with their write key, not an API key: these routes check it and read their body.
  app.use('/v1/segment', segmentSpecRouter(routes.filter(isSegmentSpecRoute), deps.db));

  const v1 = express.Router();
  const audit = new AuditLog(deps.db);
  // Who is asking, and whether they are over their rate, is settled before a body is read: nobody without a
  // valid key, and no key over its limit, makes the server parse up to 2 MB of JSON.
  v1.use(authenticate(deps.db, routeDeps.signIn, (req) => routeFor(req, routes)?.access === 'public'));
  v1.use(
    rateLimitPerKey(
      {
        perMinute: deps.config.RATE_LIMIT_PER_MINUTE ?? 600,
        burst: deps.config.RATE_LIMIT_BURST ?? 120,
      },
      deps,
    ),
  );
  v1.use((req, _res, next) => {
    // req.is answers null when there is no body, false when the body is of another type. An empty body
    // (Content-Length: 0, as fetch sends for a POST without one) has no type to check.
    const route = routeFor(req, routes);
    // Whether the caller may call the route is settled before anything about its body: a refused caller hears 403.
    if (route && route.access !== 'public' && !admit(req.identity!, route.access)) {
      void refusal(audit, req, route.access as readonly Role[], route.path).then(next);
      return;
    }
    const types = route?.bodyMediaTypes ?? ['application/json'];
    if (req.is(types) === false && req.get('content-length') !== '0')
      return next(new HttpError(415, `request bodies must be ${types.join(' or ')}`));
    next();
  });
  v1.use(express.json({ limit: BODY_LIMIT, strict: false }));
  v1.use(limitBodyDepth());
  mountRoutes(
    v1,
    routes.filter((r) => isV1(r) && !isWebhook(r) && !isSegmentSpecRoute(r)),
    deps.db,
    '/v1',
  );
  app.use('/v1', v1);
  app.use(dashboardRoutes());

  app.use((req, _res, next) => next(new HttpError(404, `no route for ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.log));
  return app;
}

/** The routes an app serves, in the order they are declared. */
export function routesOf(app: Express): AnyRoute[] {
  return app.locals.routes as AnyRoute[];
}
