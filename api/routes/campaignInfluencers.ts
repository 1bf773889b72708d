import { Router } from 'express';
import { z } from 'zod';
import { AuditLog } from '../../db/stores/audit';
import { CampaignInfluencerStore } from '../../db/stores/campaignInfluencers';
import { CampaignStore } from '../../db/stores/campaigns';
import { InfluencerStore } from '../../db/stores/influencers';
import { isTerminal } from '../../domain/campaignLifecycle';
import type { AppDeps } from '../app';
import { actorOf, requireRole } from '../auth';
import { conflict, notFound, parseOr400 } from '../errors';

export const addCampaignInfluencerBody = z
  .object({
    influencerId: z.uuid('must be an influencer id'),
    note: z.string().trim().max(500).optional(),
  })
  .strict();

/** The influencers a campaign works with: listed on its page, added from influencer discovery. */
export function campaignInfluencerRoutes({ db }: Pick<AppDeps, 'db'>): Router {
  const router = Router();
  const campaigns = new CampaignStore(db);
  const influencers = new InfluencerStore(db);
  const store = new CampaignInfluencerStore(db);
  const writers = requireRole(db, 'marketer');

  const campaignOr404 = async (id: string) => {
    const campaign = await campaigns.get(id);
    if (!campaign) throw notFound(`campaign ${id}`);
    return campaign;
  };

  router.get('/campaigns/:id/influencers', async (req, res) => {
    const campaign = await campaignOr404(String(req.params.id));
    res.json({ campaignId: campaign.id, influencers: await store.list(campaign.id, campaign.ventureId) });
  });

  router.post('/campaigns/:id/influencers', writers, async (req, res) => {
    const campaign = await campaignOr404(String(req.params.id));
    const body = parseOr400(addCampaignInfluencerBody, req.body);
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
  });

  router.delete('/campaigns/:id/influencers/:influencerId', writers, async (req, res) => {
    const campaign = await campaignOr404(String(req.params.id));
    const influencerId = String(req.params.influencerId);
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
  });

  return router;
}
