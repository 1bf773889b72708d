import type { Request, Response } from 'express';
import { z } from 'zod';
import { TASK_QUEUES } from '../../domain/ids';
import { passwordProblem } from '../../services/passwords';
import type { SignInResult } from '../../services/signIn';
import { accountEmailWorkflow } from '../../workflows/templateWorkflows';
import { CSRF_HEADER, SESSION_COOKIE, setSessionCookie } from '../auth';
import type { RouteDeps } from '../deps';
import { badRequest, HttpError } from '../errors';
import { defineRoute, ok, r400, type AnyRoute } from '../registry';

const tag = 'Sign-in';

export const userView = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  roles: z.array(z.string()),
  active: z.boolean(),
  hasPassword: z.boolean(),
  sso: z.boolean(),
  createdAt: z.coerce.date(),
  lastSignInAt: z.coerce.date().nullable(),
});

const email = z.email().max(320);
const signInBody = z.object({ email, password: z.string().min(1).max(1000) }).strict();
const sessionAnswer = z.object({ user: userView, csrfToken: z.string(), expiresAt: z.coerce.date() });

/** Starts the email that carries a set-password link; one workflow per reset. */
export async function sendSetPasswordEmail(
  deps: Pick<RouteDeps, 'temporal' | 'taskQueue'>,
  reset: { resetId: string; userId: string },
  invited: boolean,
): Promise<void> {
  await deps.temporal.workflow.start(accountEmailWorkflow, {
    workflowId: `account-email:${reset.resetId}`,
    taskQueue: deps.taskQueue ?? TASK_QUEUES.main,
    args: [{ ...reset, invited }],
  });
}

/**
 * Signing in and out of the dashboard: a password (Argon2id, with a slowdown and then a lock after repeated
 * failures) opens a session kept in PostgreSQL; the cookie is httpOnly and SameSite=Lax, and every state-changing
 * request made with it must carry the session's CSRF token. Password resets go by a signed, single-use email link.
 */
export function sessionRoutes(deps: RouteDeps): AnyRoute[] {
  const { signIn, config } = deps;

  /** Sets the cookie of a new session and answers with the person and the session's CSRF token. */
  const opened = (res: Response, result: Extract<SignInResult, { ok: true }>) => {
    setSessionCookie(res, result.token, config);
    res.json({ user: result.user, csrfToken: signIn.csrfToken(result.sessionId), expiresAt: result.expiresAt });
  };

  const signOut = async (req: Request, res: Response) => {
    if (req.identity?.sessionId) await signIn.endSession(req.identity.sessionId);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  };

  return [
    defineRoute({
      method: 'post',
      path: '/v1/session',
      summary: 'Sign in with an email address and a password',
      description:
        'Sets the `gtm_session` cookie (httpOnly, SameSite=Lax) and answers with the person and a CSRF token, which ' +
        `every state-changing request made with the cookie must send in \`${CSRF_HEADER}\`. Wrong passwords slow ` +
        'the answers down; after SIGN_IN_LOCK_AFTER in a row the account is locked for SIGN_IN_LOCK_MINUTES (429).',
      tag,
      access: 'public',
      body: signInBody,
      response: sessionAnswer,
      responses: {
        ...ok('signed in'),
        ...r400,
        '401': 'the email address or the password is wrong',
        '429': 'locked after repeated failures; Retry-After says for how long',
      },
      example: { body: { email: 'ana@acme.example', password: 'correct horse battery staple' } },
      handler: async ({ body }, req, res) => {
        const result = await signIn.withPassword(body.email, body.password, req.get('user-agent'));
        if (result.ok) return opened(res, result);
        if (result.reason === 'locked') {
          throw new HttpError(
            429,
            `too many wrong passwords: this account is locked for ${result.retryAfterSeconds} s`,
            undefined,
            { 'Retry-After': String(result.retryAfterSeconds) },
          );
        }
        throw new HttpError(401, 'the email address or the password is wrong');
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/session',
      summary: 'Sign out: ends this session',
      tag,
      access: 'any',
      responses: { '204': 'signed out' },
      handler: (_input, req, res) => signOut(req, res),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me',
      summary: 'Who is signed in, and the session’s CSRF token',
      tag,
      access: 'any',
      response: z.object({
        user: userView.nullable(),
        name: z.string(),
        roles: z.array(z.string()),
        via: z.string(),
        csrfToken: z.string().nullable(),
      }),
      responses: ok('the caller'),
      handler: async (_input, req, res) => {
        const identity = req.identity!;
        const user = identity.userId ? await signIn.user(identity.userId) : undefined;
        res.json({
          user: user ?? null,
          name: identity.name,
          roles: identity.roles,
          via: identity.via,
          csrfToken: identity.sessionId ? signIn.csrfToken(identity.sessionId) : null,
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/password-resets',
      summary: 'Email a link that sets a new password',
      description: 'Answers 202 whether or not the address belongs to someone, so it tells nobody who has an account.',
      tag,
      access: 'public',
      body: z.object({ email }).strict(),
      responses: { '202': 'if the address has an account, the email is on its way', ...r400 },
      handler: async ({ body }, _req, res) => {
        const reset = await signIn.requestReset(body.email);
        if (reset) await sendSetPasswordEmail(deps, reset, false);
        res.status(202).json({ accepted: true });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/password-resets/complete',
      summary: 'Set a new password with the emailed link’s token',
      description: 'The link works once and expires; every session of the person ends and any lock is lifted.',
      tag,
      access: 'public',
      body: z.object({ token: z.string().min(1).max(400), password: z.string().max(1000) }).strict(),
      response: z.object({ user: userView }),
      responses: { ...ok('the password is set; sign in with it'), ...r400 },
      handler: async ({ body }, _req, res) => {
        const weak = passwordProblem(body.password);
        if (weak) throw badRequest('invalid request body', [{ path: 'password', message: weak }]);
        const user = await signIn.completeReset(body.token, body.password);
        if (!user) {
          throw badRequest('this link is not valid: it has expired or was used already; ask for a new one', [
            { path: 'token', message: 'expired, used or not issued by this server' },
          ]);
        }
        res.json({ user });
      },
    }),
  ];
}
