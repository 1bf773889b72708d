import { z } from 'zod';
import { ROLES } from '../../db/stores/apiKeys';
import { campaignSettings } from '../../services/campaigns';
import type { AppDeps } from '../deps';
import { defineRoute, ok, type AnyRoute } from '../registry';

const metaResponse = z.object({
  identity: z.object({ name: z.string(), role: z.enum(ROLES) }).nullable(),
  role: z.enum(ROLES).nullable(),
  temporalUiUrl: z.string(),
  namespace: z.string(),
  mailCatcher: z.boolean(),
  /** True when any ad platform is simulated rather than live. */
  sandbox: z.boolean(),
  adPlatforms: z.record(z.string(), z.enum(['live', 'sandbox'])),
  publicUrl: z.string(),
  /** What needs the chairman: a campaign budget over the threshold, a budget increase over the percentage. */
  approvalPolicy: z.object({ campaignBudgetThreshold: z.number(), budgetIncreasePct: z.number() }),
});

/**
 * GET /v1/meta: what the dashboard needs to know about this installation and the caller: the key's role, where the
 * Temporal UI is (to link each run), whether the local mail catcher runs, and which ad platforms are simulated.
 */
export function metaRoutes({ config, mailCatcher }: Pick<AppDeps, 'config' | 'mailCatcher'>): AnyRoute[] {
  const { modes, policy } = campaignSettings(config);
  return [
    defineRoute({
      method: 'get',
      path: '/v1/meta',
      summary: 'The caller’s role, the Temporal UI, the mail catcher and sandbox mode',
      tag: 'Dashboard',
      access: 'any',
      response: metaResponse,
      responses: ok('installation facts'),
      handler: (_input, req, res) => {
        res.json({
          identity: req.identity ? { name: req.identity.name, role: req.identity.role } : null,
          role: req.identity?.role ?? null,
          temporalUiUrl: config.temporalUiUrl,
          namespace: config.TEMPORAL_NAMESPACE,
          mailCatcher: Boolean(mailCatcher),
          sandbox: Object.values(modes).some((m) => m !== 'live'),
          adPlatforms: modes,
          publicUrl: config.publicUrl,
          approvalPolicy: {
            campaignBudgetThreshold: policy.campaignBudgetThreshold,
            budgetIncreasePct: policy.budgetIncreasePct,
          },
        });
      },
    }),
  ];
}
