import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ApiKeyStore, type ApiKeyIdentity, type Role } from '../db/stores/apiKeys';
import type { Db } from '../db/knex';
import { AuditLog } from '../db/stores/audit';
import { HttpError } from './errors';

declare module 'express-serve-static-core' {
  interface Request {
    identity?: ApiKeyIdentity;
  }
}

const unauthorized = () =>
  new HttpError(401, 'a valid API key is required (Authorization: Bearer <key>)', undefined, {
    'WWW-Authenticate': 'Bearer realm="gtm"',
  });

/** Resolves the bearer API key to an identity; every /v1 route needs one. */
export function authenticate(db: Db): RequestHandler {
  const keys = new ApiKeyStore(db);
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return next(unauthorized());
    try {
      const identity = await keys.verify(match[1]!);
      if (!identity) return next(unauthorized());
      req.identity = identity;
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** Lets only these roles through; a refusal is audited, since it may be someone trying what they should not. */
export function requireRole(db: Db, ...roles: Role[]): RequestHandler {
  const audit = new AuditLog(db);
  return async (req, _res, next) => {
    const identity = req.identity;
    if (!identity) return next(unauthorized());
    if (roles.includes(identity.role)) return next();
    next(await refusal(audit, req, roles, `${req.baseUrl}${req.route?.path ?? req.path}`));
  };
}

/**
 * The 403 for a caller whose role the route does not take, audited under the route's declared path (never the
 * request's, which may name a person). Used before a body is read, and again by the route's own guard.
 */
export async function refusal(audit: AuditLog, req: Request, roles: readonly Role[], routePath: string) {
  const identity = req.identity!;
  try {
    await audit.record({
      actor: identity.name,
      actorRole: identity.role,
      action: 'access.denied',
      subjectType: 'route',
      subjectId: `${req.method} ${routePath}`,
      details: { needs: roles },
    });
  } catch {
    // An audit failure must not turn a 403 into a 500.
  }
  return new HttpError(403, `this needs the ${roles.join(' or ')} role; your key has ${identity.role}`);
}

export function actorOf(req: Request): { actor: string; actorRole: string } {
  return { actor: req.identity?.name ?? 'anonymous', actorRole: req.identity?.role ?? 'none' };
}
