import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ApiKeyStore, type ApiKeyIdentity, type Role } from '../db/stores/apiKeys';
import type { Db } from '../db/knex';
import { AuditLog } from '../db/stores/audit';
import { SessionStore } from '../db/stores/sessions';
import { actorFrom, type Actor, type Identity } from '../domain/identity';
import type { SignInService } from '../services/signIn';
import { HttpError } from './errors';

declare module 'express-serve-static-core' {
  interface Request {
    identity?: Identity;
  }
}

/** The dashboard's session cookie. */
export const SESSION_COOKIE = 'gtm_session';
export const CSRF_HEADER = 'x-csrf-token';

const unauthorized = () =>
  new HttpError(401, 'sign in, or send an API key (Authorization: Bearer <key>)', undefined, {
    'WWW-Authenticate': 'Bearer realm="gtm"',
  });

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session cookie, as every sign-in sets it: httpOnly, SameSite=Lax, Secure under https, for the session's life. */
export function setSessionCookie(
  res: Response,
  token: string,
  config: { publicUrl: string; SESSION_TTL_HOURS?: number },
): void {
  res.cookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: config.publicUrl.startsWith('https:'),
    path: '/',
    maxAge: (config.SESSION_TTL_HOURS ?? 12) * 3_600_000,
  });
}

/** One cookie's value from the Cookie header, or undefined. */
export function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

function identityOfKey(key: ApiKeyIdentity): Identity {
  return {
    userId: key.user?.id ?? null,
    name: key.user?.name ?? key.name,
    email: key.user?.email ?? null,
    roles: [key.role],
    role: key.role,
    via: 'api_key',
    keyId: key.id,
  };
}

/**
 * Settles who is asking before anything else: a bearer API key, or the dashboard's session cookie. A request made
 * with the cookie that changes anything must carry the session's CSRF token in `x-csrf-token` (403 otherwise), so
 * another site cannot act through a signed-in browser. Public routes need neither; every other /v1 route needs one.
 */
export function authenticate(db: Db, signIn: SignInService, isPublic: (req: Request) => boolean): RequestHandler {
  const keys = new ApiKeyStore(db);
  const sessions = new SessionStore(db);
  return async (req: Request, _res: Response, next: NextFunction) => {
    const open = isPublic(req);
    try {
      const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
      if (bearer) {
        const key = await keys.verify(bearer[1]!);
        if (!key) return next(open ? undefined : unauthorized());
        req.identity = identityOfKey(key);
        return next();
      }
      const token = cookie(req, SESSION_COOKIE);
      const found = token ? await sessions.resolve(token) : undefined;
      if (!found) return next(open ? undefined : unauthorized());
      const { session, person: user } = found;
      if (!SAFE_METHODS.has(req.method) && !signIn.csrfMatches(session.id, req.get(CSRF_HEADER))) {
        return next(
          open ? undefined : new HttpError(403, `a request made with the sign-in cookie needs its ${CSRF_HEADER}`),
        );
      }
      req.identity = {
        userId: user.id,
        name: user.name,
        email: user.email,
        roles: user.roles,
        role: user.roles[0]!,
        via: 'dashboard',
        sessionId: session.id,
      };
      next();
    } catch (err) {
      next(err);
    }
  };
}

/**
 * Whether the identity may call a route with this access; when it may, the request acts in the first of the
 * person's roles the route takes (a chairman who is also a marketer decides as the chairman).
 */
export function admit(identity: Identity, access: 'public' | 'any' | readonly Role[]): boolean {
  if (access === 'public' || access === 'any') return true;
  const role = identity.roles.find((r) => access.includes(r));
  if (role) identity.role = role;
  return role !== undefined;
}

/** Lets only these roles through; a refusal is audited, since it may be someone trying what they should not. */
export function requireRole(db: Db, ...roles: Role[]): RequestHandler {
  const audit = new AuditLog(db);
  return async (req, _res, next) => {
    const identity = req.identity;
    if (!identity) return next(unauthorized());
    if (admit(identity, roles)) return next();
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
      ...actorFrom(identity),
      action: 'access.denied',
      subjectType: 'route',
      subjectId: `${req.method} ${routePath}`,
      details: { needs: roles },
    });
  } catch {
    // An audit failure must not turn a 403 into a 500.
  }
  const has = identity.via === 'api_key' ? 'your key has' : 'you have';
  return new HttpError(403, `this needs the ${roles.join(' or ')} role; ${has} ${identity.roles.join(', ')}`);
}

/** Who made this request, for audit rows, decisions and budget changes. */
export function actorOf(req: Request): Actor {
  return actorFrom(req.identity);
}
