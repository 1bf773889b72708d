import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type RequestHandler, Router } from 'express';
import type { Db } from '../../../db/knex';
import type { Logger } from '../../../infra/logger';
import type { Metrics } from '../../../infra/metrics';
import { limitBodyDepth } from '../../bodyDepth';
import { HttpError } from '../../errors';
import { mountRoutes, type AnyRoute } from '../../registry';

export const SEGMENT_PREFIX = '/v1/segment';

/** Whether a route is one of the Segment-spec routes, which the app mounts outside the API key check. */
export const isSegmentSpecRoute = (route: AnyRoute) => route.path.startsWith(`${SEGMENT_PREFIX}/`);

/** The router for the Segment-spec routes: each route brings its own checks and body parser (see `specGuards`). */
export function segmentSpecRouter(routes: readonly AnyRoute[], db: Db): Router {
  const router = Router();
  mountRoutes(router, routes, db, SEGMENT_PREFIX);
  return router;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The user name of an HTTP basic `Authorization` header, or undefined when there is none to read. */
function basicUser(header: string | undefined): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? decoded : decoded.slice(0, colon);
}

export interface GuardDeps {
  writeKey: string | undefined;
  log: Logger;
  metrics: Metrics;
}

/**
 * What runs before a Segment-spec handler, cheapest first: the media type, the declared size, the write key, and
 * only then the body is read (at most `maxBytes`) and its nesting checked. Nobody without the write key makes the
 * server parse a body. The key is Segment's own scheme: HTTP basic, the write key as user name, password ignored;
 * compared as SHA-256 digests in constant time, so neither its content nor its length leaks through timing.
 */
export function specGuards({ writeKey, log, metrics }: GuardDeps, maxBytes: number): RequestHandler[] {
  const expected = writeKey ? digest(writeKey) : undefined;
  const limit = `${Math.round(maxBytes / 1024)} KB`;
  const refuse = (status: 401 | 503, reason: string, headers?: Record<string, string>) => {
    metrics.webhookEvents.inc({ provider: 'segment', outcome: 'refused' });
    log.warn({ provider: 'segment', status, reason }, 'segment call refused');
    return new HttpError(status, reason, undefined, headers);
  };
  return [
    (req, _res, next) =>
      next(
        req.is('application/json') === false ? new HttpError(415, 'Segment calls must be application/json') : undefined,
      ),
    (req, _res, next) => {
      const declared = Number(req.get('content-length'));
      next(
        declared > maxBytes
          ? new HttpError(413, `the body is ${declared} bytes; this route takes at most ${limit} (Segment's limit)`)
          : undefined,
      );
    },
    (req, _res, next) => {
      if (!expected)
        return next(
          refuse(
            503,
            'SEGMENT_WRITE_KEY is not configured: set it to the write key your source sends; nothing is stored',
          ),
        );
      const user = basicUser(req.get('authorization'));
      const ok = user !== undefined && timingSafeEqual(digest(user), expected);
      next(
        ok
          ? undefined
          : refuse(401, 'send the write key as the HTTP basic user name (empty password)', {
              'WWW-Authenticate': 'Basic realm="segment", charset="UTF-8"',
            }),
      );
    },
    express.json({ limit: maxBytes, strict: false }),
    limitBodyDepth(),
  ];
}
