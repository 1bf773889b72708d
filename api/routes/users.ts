import type { Request } from 'express';
import { z } from 'zod';
import { ApiKeyStore, ROLES } from '../../db/stores/apiKeys';
import { AuditLog } from '../../db/stores/audit';
import { SessionStore } from '../../db/stores/sessions';
import { UserStore } from '../../db/stores/users';
import { hashPassword, passwordProblem } from '../../services/passwords';
import { actorOf } from '../auth';
import type { RouteDeps } from '../deps';
import { badRequest, conflict, HttpError, notFound } from '../errors';
import { defineRoute, ok, r400, r403, r404, type AnyRoute } from '../registry';
import { sendSetPasswordEmail, userView } from './session';

const tag = 'People who sign in';
const OPERATORS = ['operator'] as const;

const roles = z
  .array(z.enum(ROLES))
  .min(1, `give at least one role: ${ROLES.join(', ')}`)
  .max(ROLES.length)
  .transform((r) => [...new Set(r)]);
const idParams = z.object({ id: z.uuid({ error: 'must be a user id (a UUID)' }) });

const newUser = z
  .object({
    email: z.email().max(320),
    name: z.string().trim().min(1).max(200),
    roles,
    password: z.string().max(1000).optional(),
  })
  .strict();
const userPatch = z
  .object({
    email: z.email().max(320),
    name: z.string().trim().min(1).max(200),
    roles,
    active: z.boolean().describe('false deactivates: every session and key of the person stops working at once'),
  })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'give at least one field to change');

const keyView = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  prefix: z.string(),
  createdAt: z.coerce.date(),
  lastUsedAt: z.coerce.date().nullable(),
  revokedAt: z.coerce.date().nullable(),
});
const keyOf = (r: Record<string, unknown>) => ({
  id: r.id,
  name: r.name,
  role: r.role,
  prefix: r.prefix,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at ?? null,
  revokedAt: r.revoked_at ?? null,
});

/**
 * People and their API keys. Operators manage people; everyone manages their own keys. A person's key acts in one
 * of their roles and stops working when they lose that role or are deactivated.
 */
export function userRoutes(deps: RouteDeps): AnyRoute[] {
  const users = new UserStore(deps.db);
  const keys = new ApiKeyStore(deps.db);
  const audit = new AuditLog(deps.db);

  const load = async (id: string) => {
    const user = await users.get(id);
    if (!user) throw notFound(`user ${id}`);
    return user;
  };
  /** Keys are their owner's to manage, and the operators'. */
  const ownerOrOperator = (req: Request, userId: string) => {
    const identity = req.identity!;
    if (identity.userId === userId || identity.roles.includes('operator')) return;
    throw new HttpError(403, 'only the person themself, or someone with the operator role, manages their keys');
  };

  return [
    defineRoute({
      method: 'post',
      path: '/v1/users',
      summary: 'Give a person access (operators)',
      description:
        'Without a password the person is emailed a link to choose one (or signs in through single sign-on).',
      tag,
      access: OPERATORS,
      body: newUser,
      response: userView,
      responses: { '201': 'created', ...r400, ...r403, '409': 'the address has an account already' },
      example: { body: { email: 'ana@acme.example', name: 'Ana Lima', roles: ['marketer'] } },
      handler: async ({ body }, req, res) => {
        const weak = body.password !== undefined ? passwordProblem(body.password) : undefined;
        if (weak) throw badRequest('invalid request body', [{ path: 'password', message: weak }]);
        const passwordHash = body.password !== undefined ? await hashPassword(body.password) : null;
        const user = await users.create({ email: body.email, name: body.name, roles: body.roles, passwordHash });
        if (!user) throw conflict(`${body.email} has an account already`);
        await audit.record({
          ...actorOf(req),
          action: 'user.created',
          subjectType: 'user',
          subjectId: user.id,
          details: { email: user.email, roles: user.roles },
        });
        if (!passwordHash) await sendSetPasswordEmail(deps, await deps.signIn.newReset(user.id), true);
        res.status(201).location(`/v1/users/${user.id}`).json(user);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/users',
      summary: 'Everyone with access (operators)',
      tag,
      access: OPERATORS,
      response: z.object({ users: z.array(userView) }),
      responses: { ...ok('people'), ...r403 },
      handler: async (_input, _req, res) => {
        res.json({ users: await users.list() });
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/users/:id',
      summary: 'Change a person’s name, address or roles, or deactivate them (operators)',
      tag,
      access: OPERATORS,
      params: idParams,
      body: userPatch,
      response: userView,
      responses: { ...ok('changed'), ...r400, ...r403, ...r404, '409': 'the address has an account already' },
      example: { body: { roles: ['marketer', 'chairman'] } },
      handler: async ({ params, body }, req, res) => {
        const before = await load(params.id);
        if (body.active === false && req.identity!.userId === params.id) {
          throw badRequest('invalid request body', [{ path: 'active', message: 'you cannot deactivate yourself' }]);
        }
        const after = await users.update(params.id, body);
        if (after === 'taken') throw conflict(`${body.email} has an account already`);
        if (!after) throw notFound(`user ${params.id}`);
        if (body.active === false) await new SessionStore(deps.db).revokeAllFor(params.id);
        await audit.record({
          ...actorOf(req),
          action: body.active === false ? 'user.deactivated' : 'user.updated',
          subjectType: 'user',
          subjectId: params.id,
          details: { from: { email: before.email, roles: before.roles, active: before.active }, change: body },
        });
        res.json(after);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/users/:id/keys',
      summary: 'A person’s API keys (their own, or any for operators)',
      tag,
      access: 'any',
      params: idParams,
      response: z.object({ keys: z.array(keyView) }),
      responses: { ...ok('keys, never the key itself'), ...r403, ...r404 },
      handler: async ({ params }, req, res) => {
        await load(params.id);
        ownerOrOperator(req, params.id);
        res.json({ keys: (await keys.list(params.id)).map(keyOf) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/users/:id/keys',
      summary: 'Create an API key for a person; the key is shown once',
      description: 'The key acts in one of the person’s roles, and stops when they lose it or are deactivated.',
      tag,
      access: 'any',
      params: idParams,
      body: z.object({ name: z.string().trim().min(1).max(200), role: z.enum(ROLES) }).strict(),
      response: keyView.extend({ key: z.string() }),
      responses: { '201': 'created: `key` is shown this once', ...r400, ...r403, ...r404 },
      example: { body: { name: 'CRM sync', role: 'marketer' } },
      handler: async ({ params, body }, req, res) => {
        const user = await load(params.id);
        ownerOrOperator(req, params.id);
        if (!user.active) throw conflict('this person is deactivated');
        if (!user.roles.includes(body.role)) {
          throw badRequest('invalid request body', [
            { path: 'role', message: `must be one of this person's roles: ${user.roles.join(', ')}` },
          ]);
        }
        const created = await keys.create(body.name, body.role, user.id);
        await audit.record({
          ...actorOf(req),
          action: 'api_key.created',
          subjectType: 'user',
          subjectId: user.id,
          details: { keyId: created.id, name: body.name, role: body.role, prefix: created.prefix },
        });
        const { id, prefix, createdAt, key } = created;
        res
          .status(201)
          .json({ id, name: body.name, role: body.role, prefix, createdAt, lastUsedAt: null, revokedAt: null, key });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/users/:id/keys/:keyId',
      summary: 'Revoke one of a person’s API keys',
      tag,
      access: 'any',
      params: idParams.extend({ keyId: z.uuid({ error: 'must be a key id (a UUID)' }) }),
      responses: { '204': 'revoked', ...r403, ...r404 },
      handler: async ({ params }, req, res) => {
        await load(params.id);
        ownerOrOperator(req, params.id);
        if (!(await keys.revoke(params.keyId, params.id))) throw notFound(`live key ${params.keyId} of this person`);
        await audit.record({
          ...actorOf(req),
          action: 'api_key.revoked',
          subjectType: 'user',
          subjectId: params.id,
          details: { keyId: params.keyId },
        });
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/audit',
      summary: 'The audit log: who did what, newest first (chairman and operators)',
      tag,
      access: ['chairman', 'operator'],
      query: z
        .object({
          subjectType: z.string().max(100).optional(),
          subjectId: z.string().max(300).optional(),
          actorUserId: z.uuid().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        })
        .strict(),
      responses: { ...ok('entries'), ...r400, ...r403 },
      handler: async ({ query }, _req, res) => {
        res.json({ entries: await audit.list({ ...query, newestFirst: true }) });
      },
    }),
  ];
}
