import request from 'supertest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { ApprovalStore } from '../../db/stores/approvals';
import { CampaignStore } from '../../db/stores/campaigns';
import { signDecision } from '../../services/approvalDecisions';
import { approvalStatusQuery, decideUpdate } from '../../workflows/approvalWorkflow';
import { adjustBudgetUpdate } from '../../workflows/campaignWorkflow';
import type { AdjustBudgetInput, CampaignStatusView } from '../../workflows/types';
import { signer, startCampaignHarness, testPolicy, type CampaignHarness } from './campaignHarness';
import { createTestApp } from '../harness';

let h: CampaignHarness;
beforeAll(async () => {
  h = await startCampaignHarness();
}, 60_000);
afterAll(async () => h?.teardown());

const ask = (newBudget: number, requestedBy = 'mia'): { args: [AdjustBudgetInput] } => ({
  args: [{ newBudget, requestedBy, role: 'marketer' }],
});

/** The failure type a refused update carries, or the error itself when it is something else. */
function refusalType(reason: unknown): unknown {
  if (reason instanceof WorkflowUpdateFailedError && reason.cause instanceof ApplicationFailure)
    return reason.cause.type;
  return reason;
}

/** Approves a request as the chairman, the way the API sends a decision. */
async function approve(workflowId: string): Promise<void> {
  const handle = h.env.client.workflow.getHandle(workflowId);
  await h.waitFor(
    () => handle.query(approvalStatusQuery),
    (s) => s.approvalId !== null,
  );
  const decided = await handle.executeUpdate(decideUpdate, {
    args: [signDecision(signer, workflowId, { decision: 'approve', by: 'Charles', role: 'chairman' })],
  });
  expect(decided.outcome).toBe('approved');
}

/** A campaign under the threshold, so the policy schedules it at once. */
async function scheduledCampaign(budget = 4000): Promise<Awaited<ReturnType<CampaignHarness['startCampaign']>>> {
  const started = await h.startCampaign({ budget });
  await h.waitFor(
    () => h.status(started.campaignId),
    (s) => s.state === 'scheduled',
  );
  return started;
}

const pendingOf = (s: CampaignStatusView) => s.budgetChanges.filter((c) => c.status === 'pending_approval');

test('two budget changes sent at the same moment: one awaits the chairman, the other is refused as BudgetChangePending', async () => {
  const { campaignId, handle } = await scheduledCampaign();

  // Both are over the 20% that needs no approval, and both leave at once.
  const answers = await Promise.allSettled([
    handle.executeUpdate(adjustBudgetUpdate, ask(6000, 'mia')),
    handle.executeUpdate(adjustBudgetUpdate, ask(6500, 'noah')),
  ]);

  const accepted = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
  const refused = answers.flatMap((a) => (a.status === 'rejected' ? [refusalType(a.reason)] : []));
  expect(accepted).toEqual([expect.objectContaining({ status: 'pending_approval', budget: 4000 })]);
  expect(refused).toEqual(['BudgetChangePending']);

  // The run tracks that one request, and it is the only one in the chairman's inbox.
  const status = await h.status(campaignId);
  expect(pendingOf(status).map((c) => c.to)).toEqual([accepted[0]!.requested]);
  expect(status.pendingApproval).toMatchObject({ kind: 'budget_change', workflowId: accepted[0]!.approvalWorkflowId });
  const ofThisCampaign = async () =>
    (await new ApprovalStore(h.db).list({ subjectType: 'budget_change' })).filter((a) =>
      a.subjectId.startsWith(`${campaignId}:`),
    );
  await h.waitFor(ofThisCampaign, (list) => list.length > 0);
  await new Promise((r) => setTimeout(r, 1000)); // a second request, had one been made, is stored by now
  expect((await ofThisCampaign()).map((a) => [a.workflowId, a.status])).toEqual([
    [accepted[0]!.approvalWorkflowId, 'pending'],
  ]);

  // Once the chairman decides, the next change may be asked for.
  await approve(accepted[0]!.approvalWorkflowId!);
  await h.waitFor(
    () => h.status(campaignId),
    (s) => s.budget === accepted[0]!.requested,
  );
  const next = await handle.executeUpdate(adjustBudgetUpdate, ask(accepted[0]!.requested + 100));
  expect(next.status).toBe('applied');
});

test('two budget changes at the same moment through the API: one 200 pending_approval, the other 409 BudgetChangePending', async () => {
  const app = createTestApp(h.db, h.env.client, { signer, taskQueue: h.taskQueue });
  const { key } = await new ApiKeyStore(h.db).create('mia', 'marketer');
  const { campaignId } = await scheduledCampaign();
  const post = (budget: number) =>
    request(app)
      .post(`/v1/campaigns/${campaignId}/budget`)
      .set('authorization', `Bearer ${key}`)
      .send({ budget, reason: 'ROAS is 3x' });

  const [a, b] = await Promise.all([post(6000), post(6500)]);

  expect([a.status, b.status].sort()).toEqual([200, 409]);
  const ok = a.status === 200 ? a : b;
  const conflict = a.status === 200 ? b : a;
  expect(ok.body).toMatchObject({ campaignId, status: 'pending_approval', budget: 4000 });
  expect(conflict.body).toEqual({
    code: 'BudgetChangePending',
    error: `a change of the budget to ${ok.body.requested} is already awaiting approval`,
  });
  expect(pendingOf(await h.status(campaignId))).toHaveLength(1);
});

test('an approved budget cannot grow in 20% steps: increases are measured against the last approved amount', async () => {
  // 12,000 is over the threshold: the chairman approves it.
  const { campaignId, handle } = await h.startCampaign({ budget: 12_000 });
  const waiting = await h.waitFor(
    () => h.status(campaignId),
    (s) => s.pendingApproval?.kind === 'campaign',
  );
  await approve(waiting.pendingApproval!.workflowId);
  await h.waitFor(
    () => h.status(campaignId),
    (s) => s.state === 'scheduled',
  );

  // +20% of what he approved needs nobody.
  expect(await handle.executeUpdate(adjustBudgetUpdate, ask(14_400))).toMatchObject({
    status: 'applied',
    budget: 14_400,
  });
  // Another 20% on top is 44% over what he approved: his again.
  const second = await handle.executeUpdate(adjustBudgetUpdate, ask(17_280));
  expect(second).toEqual({
    status: 'pending_approval',
    budget: 14_400,
    requested: 17_280,
    reason: `an increase of 44% over 12000, the last approved budget, is over the ${testPolicy.budgetIncreasePct}% that needs no approval`,
    approvalWorkflowId: expect.any(String),
  });
  expect((await h.status(campaignId)).budget).toBe(14_400);
  expect((await new CampaignStore(h.db).get(campaignId))!.budget).toBe(14_400);

  // A decrease and a way back up stay within what he approved.
  await approve(second.approvalWorkflowId!);
  await h.waitFor(
    () => h.status(campaignId),
    (s) => s.budget === 17_280,
  );
  expect(await handle.executeUpdate(adjustBudgetUpdate, ask(15_000))).toMatchObject({ status: 'applied' });
  // His approval of 17,280 is the new measure: 20,736 is 20% over it, 20,737 is not.
  expect(await handle.executeUpdate(adjustBudgetUpdate, ask(20_736))).toMatchObject({
    status: 'applied',
    budget: 20_736,
  });
  expect(await handle.executeUpdate(adjustBudgetUpdate, ask(20_737))).toMatchObject({
    status: 'pending_approval',
    budget: 20_736,
  });
});
