import { z } from 'zod';
import { AD_PLATFORM_NAMES, adPlatformModes } from '../../config/adPlatforms';
import { AdCredentialStore } from '../../db/stores/adCredentials';
import { credentialAttention } from '../../domain/adCredentials';
import { AudienceSyncInputError, AudienceSyncService } from '../../services/audienceSyncs';
import { actorOf } from '../auth';
import type { RouteDeps } from '../deps';
import { badRequest, notFound } from '../errors';
import { defineRoute, ok, r400, r403, r404, WRITERS, type AnyRoute } from '../registry';

const idParams = z.object({ id: z.uuid({ error: 'must be an audience sync id (a UUID)' }) });

const run = z.object({
  status: z.enum(['running', 'succeeded', 'failed']),
  eligible: z.number().int(),
  added: z.number().int(),
  removed: z.number().int(),
  refreshed: z.number().int().describe('members uploaded again because their last upload was 180 days ago'),
  matched: z.number().int().nullable(),
  errors: z.array(z.string()),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});

const syncResponse = z.object({
  id: z.string(),
  segment: z.string(),
  platform: z.string(),
  name: z.string(),
  externalId: z.string().nullable(),
  sandbox: z.boolean(),
  interval: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  lastRun: run.nullable(),
  runs: z.array(run),
});

const credential = z.object({
  setting: z.string(),
  valid: z.boolean(),
  expiresAt: z.string().optional(),
  detail: z.string().optional(),
  checkedAt: z.string(),
  /** What needs doing: renew a refused credential, or one expiring within the warning window. */
  attention: z.enum(['refused', 'expiring']).nullable(),
});

/** The ad platforms and their credentials, and the audience syncs that keep platform audiences equal to segments. */
export function adPlatformRoutes(deps: RouteDeps): AnyRoute[] {
  const service = new AudienceSyncService(deps);
  const credentials = new AdCredentialStore(deps.db);
  const tag = 'Ad platforms';
  const warnDays = deps.config.AD_CREDENTIAL_WARN_DAYS ?? 14;

  return [
    defineRoute({
      method: 'get',
      path: '/v1/ad-platforms',
      summary: 'Each ad platform: live or sandbox, and what the last check found of its credentials',
      description:
        'A credential the platform refused, or one that expires within AD_CREDENTIAL_WARN_DAYS, has `attention` ' +
        'set; the operators were emailed about it. Checks run every AD_CREDENTIAL_CHECK_INTERVAL.',
      tag,
      access: 'any',
      response: z.object({
        platforms: z.array(
          z.object({
            name: z.enum(AD_PLATFORM_NAMES),
            mode: z.enum(['live', 'sandbox']),
            credentials: z.array(credential),
          }),
        ),
      }),
      responses: { ...ok('the platforms') },
      handler: async (_input, _req, res) => {
        const modes = adPlatformModes(deps.config);
        const checks = await credentials.list();
        const now = Date.now();
        res.json({
          platforms: AD_PLATFORM_NAMES.map((name) => ({
            name,
            mode: modes[name],
            credentials: checks
              .filter((c) => c.platform === name && modes[name] === 'live')
              .map(({ platform: _p, checkedAt, ...c }) => ({
                ...c,
                checkedAt: checkedAt.toISOString(),
                attention: credentialAttention(c, now, warnDays),
              })),
          })),
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/audience-syncs',
      summary: 'Keep a platform audience equal to a segment',
      description:
        'Creates the audience on the platform (Google Customer Match, Meta Custom Audiences, LinkedIn Matched ' +
        'Audiences; `sandbox` simulates one) and uploads the segment’s members who may be advertised to ' +
        '(AUDIENCE_SYNC_CONSENT: the `advertising` topic by default), as SHA-256 hashes of their normalised email ' +
        'addresses. It runs at once, then every AUDIENCE_SYNC_INTERVAL: members who left the segment, withdrew ' +
        'consent, unsubscribed or were erased are removed. A platform without credentials is simulated ' +
        '(`sandbox: true`).',
      tag,
      access: WRITERS,
      body: z
        .object({
          segment: z.string().trim().min(1).max(100).describe('the key of the segment'),
          platform: z.enum(AD_PLATFORM_NAMES, {
            error: `the platform must be one of: ${AD_PLATFORM_NAMES.join(', ')}`,
          }),
          name: z.string().trim().min(1).max(200).optional().describe('the audience’s name on the platform'),
        })
        .strict(),
      response: syncResponse,
      responses: { '201': 'created; its first run has started', ...r400, ...r403 },
      example: { body: { segment: 'pro-germany', platform: 'meta' } },
      handler: async ({ body }, req, res) => {
        try {
          res.status(201).json(await service.create(body, actorOf(req)));
        } catch (err) {
          if (err instanceof AudienceSyncInputError) {
            throw badRequest('invalid request body', [{ path: err.field, message: err.message }]);
          }
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/audience-syncs',
      summary: 'Audience syncs, newest first, each with its last run',
      tag,
      access: 'any',
      response: z.object({ audienceSyncs: z.array(syncResponse) }),
      responses: { ...ok('the syncs') },
      handler: async (_input, _req, res) => {
        res.json({ audienceSyncs: await service.list() });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/audience-syncs/:id',
      summary: 'An audience sync: its last run (added, removed, matched where the platform reports it, errors)',
      tag,
      access: 'any',
      params: idParams,
      response: syncResponse,
      responses: { ...ok('the sync'), ...r400, ...r404 },
      handler: async ({ params }, _req, res) => {
        const sync = await service.get(params.id);
        if (!sync) throw notFound(`there is no audience sync ${params.id}`);
        res.json(sync);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/audience-syncs/:id/run',
      summary: 'Run an audience sync now (after the run under way, if any)',
      tag,
      access: WRITERS,
      params: idParams,
      response: syncResponse,
      responses: { '202': 'the run has started; GET the sync for its outcome', ...r400, ...r403, ...r404 },
      handler: async ({ params }, req, res) => {
        const sync = await service.runNow(params.id, actorOf(req));
        if (!sync) throw notFound(`there is no audience sync ${params.id}`);
        res.status(202).json(sync);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/audience-syncs/:id',
      summary: 'Stop an audience sync (the platform audience itself stays, as it is)',
      tag,
      access: WRITERS,
      params: idParams,
      responses: { '204': 'stopped', ...r400, ...r403, ...r404 },
      handler: async ({ params }, req, res) => {
        if (!(await service.delete(params.id, actorOf(req)))) throw notFound(`there is no audience sync ${params.id}`);
        res.status(204).end();
      },
    }),
  ];
}
