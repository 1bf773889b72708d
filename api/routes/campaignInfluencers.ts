import { z } from 'zod';
import { AuditLog } from '../../db/stores/audit';
import { CampaignInfluencerStore } from '../../db/stores/campaignInfluencers';
import { CampaignStore } from '../../db/stores/campaigns';
import { InfluencerStore } from '../../db/stores/influencers';
import { isTerminal } from '../../domain/campaignLifecycle';
import { actorOf } from '../auth';
import type { RouteDeps } from '../deps';
import { conflict, notFound } from '../errors';
import { defineRoute, MARKETERS, ok, r400, r404, r409, type AnyRoute } from '../registry';

const campaignParams = z.object({ id: z.string() });
const campaignInfluencerParams = z.object({ id: z.string(), influencerId: z.string() });

export const addCampaignInfluencerBody = z
  .object({
    influencerId: z.uuid('must be an influencer id'),
    note: z.string().trim().max(500).optional(),
  })
  .strict();

/** The influencers a campaign works with: listed on its page, added from influencer discovery. */
export function campaignInfluencerRoutes({ db }: Pick<RouteDeps, 'db'>): AnyRoute[] {
  const campaigns = new CampaignStore(db);
  const influencers = new InfluencerStore(db);
  const store = new CampaignInfluencerStore(db);
  const tag = 'Campaigns';

  const campaignOr404 = async (id: string) => {
    const campaign = await campaigns.get(id);
    if (!campaign) throw notFound(`campaign ${id}`);
    return campaign;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/v1/campaigns/:id/influencers',
      params: campaignParams,
      summary: 'The influencers a campaign works with',
      tag,
      access: 'any',
      responses: { ...ok('influencers'), ...r404 },
      handler: async ({ params }, _req, res) => {
        const campaign = await campaignOr404(params.id);
        res.json({ campaignId: campaign.id, influencers: await store.list(campaign.id, campaign.ventureId) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/campaigns/:id/influencers',
      params: campaignParams,
      summary: 'Add an influencer to a campaign',
      tag,
      access: MARKETERS,
      body: addCampaignInfluencerBody,
      responses: { '201': 'added', '200': 'already on the campaign', ...r400, ...r404, ...r409 },
      example: {
        body: { influencerId: '2b7e151c-8a3f-4d2e-9c41-5f6a7b8c9d0e', note: 'unboxing video in the launch week' },
      },
      handler: async ({ params, body }, req, res) => {
        const campaign = await campaignOr404(params.id);
        if (!(await influencers.getById(body.influencerId))) throw notFound(`influencer ${body.influencerId}`);
        if (isTerminal(campaign.status))
          throw conflict(`campaign ${campaign.name} is ${campaign.status}: it takes no more influencers`);
        const { actor } = actorOf(req);
        const added = await db.transaction(async (trx) => {
          const created = await new CampaignInfluencerStore(trx).add(campaign.id, body.influencerId, actor, body.note);
          if (created)
            await new AuditLog(trx).record({
              ...actorOf(req),
              action: 'campaign.influencer_added',
              subjectType: 'campaign',
              subjectId: campaign.id,
              details: { influencerId: body.influencerId },
            });
          return created;
        });
        const list = await store.list(campaign.id, campaign.ventureId);
        res.status(added ? 201 : 200).json({
          campaignId: campaign.id,
          added,
          influencer: list.find((i) => i.influencerId === body.influencerId),
        });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/campaigns/:id/influencers/:influencerId',
      params: campaignInfluencerParams,
      summary: 'Remove an influencer from a campaign',
      tag,
      access: MARKETERS,
      responses: { '204': 'removed', ...r404 },
      handler: async ({ params }, req, res) => {
        const campaign = await campaignOr404(params.id);
        const { influencerId } = params;
        // Not a uuid: no such influencer on the campaign, rather than a database error.
        if (!/^[0-9a-f-]{36}$/i.test(influencerId) || !(await store.remove(campaign.id, influencerId)))
          throw notFound(`influencer ${influencerId} on campaign ${campaign.id}`);
        await new AuditLog(db).record({
          ...actorOf(req),
          action: 'campaign.influencer_removed',
          subjectType: 'campaign',
          subjectId: campaign.id,
          details: { influencerId },
        });
        res.status(204).end();
      },
    }),
  ];
}
