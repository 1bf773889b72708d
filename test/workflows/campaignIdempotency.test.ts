import { namedActor } from '../../domain/identity';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createCampaignActivities } from '../../activities/campaignActivities';
import { AuditLog } from '../../db/stores/audit';
import { CampaignStore } from '../../db/stores/campaigns';
import { CampaignService, campaignSettings, type CreateCampaignRequest } from '../../services/campaigns';
import { addDays, startCampaignHarness, type CampaignHarness } from './campaignHarness';

let h: CampaignHarness;
beforeAll(async () => {
  h = await startCampaignHarness();
}, 60_000);
afterAll(async () => h?.teardown());

const auditActions = async (campaignId: string) =>
  (await new AuditLog(h.db).list({ subjectType: 'campaign', subjectId: campaignId })).map((e) => e.action);
const rowsNamed = (name: string) =>
  h.db('gtm_campaigns').where({ campaign_name: name }).select('campaign_id', 'status');

async function request(name: string): Promise<CreateCampaignRequest> {
  const today = await h.today();
  return {
    ventureId: h.venture.id,
    name,
    type: 'launch',
    channel: 'paid',
    platforms: ['sandbox'],
    startDate: addDays(today, 1),
    endDate: addDays(today, 4),
    budget: 1200,
    currency: 'USD',
    createdBy: 'mia (marketer)',
    who: namedActor('mia (marketer)', 'marketer'),
  };
}

/** A Temporal client as the service sees it, whose start fails after doing `before` (nothing, or the real start). */
function clientWhoseStartFails(before?: (...args: unknown[]) => Promise<unknown>): Client {
  return {
    workflow: {
      start: async (...args: unknown[]) => {
        await before?.(...args);
        throw new Error('14 UNAVAILABLE: No connection established');
      },
    },
  } as unknown as Client;
}

const service = (client: Client) => new CampaignService(h.db, client, campaignSettings({}), h.taskQueue);

test('a failed workflow start keeps the campaign and its audit entry; the retry starts it without duplicating either', async () => {
  const req = await request('Retry after outage');
  await expect(service(clientWhoseStartFails()).create(req)).rejects.toThrow('UNAVAILABLE');
  const left = await rowsNamed(req.name);
  expect(left).toEqual([{ campaign_id: expect.any(String), status: 'planned' }]);
  const id = left[0]!.campaign_id as string;
  expect(await auditActions(id)).toEqual(['campaign.created']);

  const { campaign, workflowId } = await service(h.env.client).create(req);
  expect(campaign.id).toBe(id);
  expect(workflowId).toBe(`campaign:${id}`);
  expect(await rowsNamed(req.name)).toHaveLength(1);
  await h.waitFor(
    () => h.status(id),
    (s) => s.state === 'scheduled',
  );
  const actions = await auditActions(id);
  expect(actions.filter((a) => a === 'campaign.created')).toHaveLength(1);
  expect(actions[0]).toBe('campaign.created');
  expect(actions).toContain('campaign.scheduled');
});

test('a start that reached Temporal before its answer was lost: the retry finds the run and starts no other', async () => {
  const req = await request('Lost answer');
  const lossy = clientWhoseStartFails((...args) =>
    (h.env.client.workflow.start as (...a: unknown[]) => Promise<unknown>)(...args),
  );
  await expect(service(lossy).create(req)).rejects.toThrow('UNAVAILABLE');
  const [row] = await rowsNamed(req.name);
  const id = row!.campaign_id as string;
  const handle = h.env.client.workflow.getHandle(`campaign:${id}`);
  const firstRun = (await handle.describe()).runId;

  const again = await service(h.env.client).create(req);
  expect(again.campaign.id).toBe(id);
  expect(await rowsNamed(req.name)).toHaveLength(1);
  expect((await handle.describe()).runId).toBe(firstRun);
  expect((await auditActions(id)).filter((a) => a === 'campaign.created')).toHaveLength(1);
});

test('a campaign activity retried with the same identity writes one audit entry; another activity writes its own', async () => {
  // A row without a workflow, so nothing but these calls writes to its audit trail.
  const { id: campaignId } = await new CampaignStore(h.db).create({ ...(await request('Audited once')) });
  const activities = createCampaignActivities({ db: h.db });
  const attempt = (activityId: string, attemptNo: number) =>
    new MockActivityEnvironment({
      activityId,
      attempt: attemptNo,
      workflowExecution: { workflowId: `campaign:${campaignId}`, runId: 'run-1' },
    });
  const event = { campaignId, action: 'campaign.budget_alert', actor: 'system', details: { percent: 80 } };

  // The first attempt committed, then its answer was lost: Temporal runs attempt 2 of the same activity.
  await attempt('7', 1).run(activities.recordCampaignEvent, event);
  await attempt('7', 2).run(activities.recordCampaignEvent, event);
  const status = { campaignId, status: 'cancelled' as const, actor: 'mia', reason: 'test over' };
  await attempt('8', 1).run(activities.recordCampaignStatus, status);
  await attempt('8', 2).run(activities.recordCampaignStatus, status);
  const budget = { campaignId, budget: 7000, previous: 6000, actor: 'mia' };
  await attempt('9', 1).run(activities.applyCampaignBudget, budget);
  await attempt('9', 2).run(activities.applyCampaignBudget, budget);
  // A later activity with the same content is a new event, not a retry.
  await attempt('10', 1).run(activities.recordCampaignEvent, event);

  expect(await auditActions(campaignId)).toEqual([
    'campaign.budget_alert',
    'campaign.cancelled',
    'campaign.budget_changed',
    'campaign.budget_alert',
  ]);
});
