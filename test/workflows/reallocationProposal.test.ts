import { ReallocationProposalStore } from '../../db/stores/reallocationProposals';
import { VentureStore } from '../../db/stores/ventures';
import { getApprovalWorkflowId, getProposalWorkflowId } from '../../domain/ids';
import { steadyStateCurve } from '../../domain/responseCurves';
import { hillConversions } from '../../domain/hillCurve';
import { signDecision } from '../../services/approvalDecisions';
import { decideUpdate } from '../../workflows/approvalWorkflow';
import {
  proposalStatusQuery,
  proposalWorkflow,
  reallocationScanWorkflow,
  type ProposalStatusView,
  type ReallocationPolicy,
} from '../../workflows/proposalWorkflow';
import {
  addDays,
  CHAIRMAN,
  ESCALATION,
  signer,
  startCampaignHarness,
  testPolicy,
  type CampaignHarness,
} from './campaignHarness';
import { CurvePlatform, TRUTHS } from './curvePlatform';

jest.setTimeout(240_000);

const { google: GOOGLE, meta: META } = TRUTHS;

const policy: ReallocationPolicy = {
  approvalPct: 10,
  windowDays: 14,
  gate: { policy: testPolicy.approvalTiming, approvers: [CHAIRMAN], escalateTo: [ESCALATION] },
};

let h: CampaignHarness;
/** The first test's campaign: its proposal applied, it can have another. */
let searchAndSocial: string;
let google: CurvePlatform;
let meta: CurvePlatform;

beforeAll(async () => {
  const today = async () => h.today();
  google = new CurvePlatform('google', GOOGLE, today, 150);
  meta = new CurvePlatform('meta', META, today, 150);
  h = await startCampaignHarness({ google, meta });
});
afterAll(async () => h?.teardown());

/** A campaign that has run for 100 days on both platforms at an even split (about 200 a day), its days synced. */
async function campaignWithHistory(name: string): Promise<string> {
  const today = await h.today();
  const { campaignId } = await h.startCampaign({
    name,
    platforms: ['google', 'meta'],
    startDate: addDays(today, -100),
    endDate: addDays(today, 40),
    budget: 32_000,
    // Already approved when it was planned: this test is about its reallocations.
    policy: { ...testPolicy, campaignBudgetThreshold: 1_000_000 },
  });
  await h.skipUntil(campaignId, (s) => s.state === 'active' && s.lastSync !== undefined, '12h');
  return campaignId;
}

const proposalView = (workflowId: string) =>
  h.env.client.workflow.getHandle(workflowId).query(proposalStatusQuery) as Promise<ProposalStatusView>;

test('a proposal that moves more than the percentage waits for the chairman, is applied on his approval and measured after the window', async () => {
  const campaignId = await campaignWithHistory('Search and social');
  searchAndSocial = campaignId;
  const before = await h.status(campaignId);
  expect(before.platforms.map((p) => p.share)).toEqual([0.5, 0.5]);

  const workflowId = getProposalWorkflowId(campaignId, 1);
  const handle = await h.env.client.workflow.start(proposalWorkflow, {
    workflowId,
    taskQueue: h.taskQueue,
    args: [{ version: 1, campaignId, n: 1, source: 'fitted', requestedBy: 'system', policy }],
  });
  const waiting = await h.waitFor(
    () => proposalView(workflowId),
    (v) => v.stage !== 'drafting',
  );
  expect(waiting.stage).toBe('awaiting_approval');
  expect(waiting.movedPct).toBeGreaterThan(policy.approvalPct);
  expect(waiting.shares!['google']).toBeGreaterThan(0.5);

  // The proposal is stored with its evidence: curves fitted on the campaign's days, the gain with its interval.
  const stored = (await new ReallocationProposalStore(h.db).forCampaign(campaignId))[0]!;
  expect(stored).toMatchObject({ status: 'awaiting_approval', source: 'fitted', n: 1 });
  expect(stored.expectedGain!.value).toBeGreaterThan(0);
  expect(stored.expectedGain!.low).toBeLessThanOrEqual(stored.expectedGain!.value);
  expect(stored.evidence).toMatchObject({ fitted: true });
  // The true curves agree that the proposed split brings more conversions than the even one.
  const truth = (shares: Record<string, number>) =>
    hillConversions(steadyStateCurve(GOOGLE), shares['google']! * stored.dailyBudget!) +
    hillConversions(steadyStateCurve(META), shares['meta']! * stored.dailyBudget!);
  expect(truth(stored.proposedShares!)).toBeGreaterThan(truth(stored.currentShares!));

  // The chairman's email carries the evidence: the split now and proposed, and the expected gain.
  const [email] = (
    await h.sink.waitFor((mails) => mails.some((m) => /Reallocation of Search and social/.test(m.subject)))
  ).filter((m) => /Reallocation of Search and social/.test(m.subject));
  expect(email!.to).toContain(CHAIRMAN);
  expect(email!.text).toMatch(/google 50% → \d+(\.\d)?%/);
  expect(email!.text).toMatch(/conversions a day \(90% interval/);
  // Until he decides, the platforms keep the even split.
  expect((await h.status(campaignId)).platforms.map((p) => p.share)).toEqual([0.5, 0.5]);

  const approval = h.env.client.workflow.getHandle(getApprovalWorkflowId('reallocation', stored.id));
  await approval.executeUpdate(decideUpdate, {
    args: [signDecision(signer, approval.workflowId, { decision: 'approve', by: 'Charles', role: 'chairman' })],
  });
  const applied = await h.waitFor(
    () => proposalView(workflowId),
    (v) => v.stage === 'applied',
  );
  // The campaign applied the split on both platforms: their daily budgets are the proposed shares of the day's budget.
  const live = await h.status(campaignId);
  expect(live.platforms.map((p) => p.share)).toEqual([applied.shares!['google'], applied.shares!['meta']]);
  const [g, m] = [google.dailyBudget(live.platforms[0]!.externalId!), meta.dailyBudget(live.platforms[1]!.externalId!)];
  expect(g / (g + m)).toBeCloseTo(applied.shares!['google']!, 2);
  expect(m / (g + m)).toBeCloseTo(applied.shares!['meta']!, 2);
  const audit = await h.db('audit_log').where({ action: 'campaign.reallocated', subject_id: campaignId });
  expect(audit.map((a) => a.actor)).toEqual(['Charles']);

  // After the window the proposal records the conversions that came in beside those predicted.
  await h.env.sleep('17d');
  const result = await handle.result();
  expect(result.measured).toMatchObject({ days: 14 });
  expect(result.measured!.actual).toBeGreaterThan(0);
  const measured = (await new ReallocationProposalStore(h.db).forCampaign(campaignId))[0]!;
  expect(measured.status).toBe('applied');
  expect(measured.actualConversions).toBe(result.measured!.actual);
  expect(measured.predictedConversions!.value).toBeCloseTo(stored.expectedProposed!.value * 14, 6);
  await h.recordHistory(workflowId, 'proposal-approved-applied-measured');
});

test('a campaign with too few days to fit gets no proposal, and says why', async () => {
  const today = await h.today();
  const { campaignId } = await h.startCampaign({
    name: 'Young campaign',
    platforms: ['google', 'meta'],
    startDate: addDays(today, -5),
    endDate: addDays(today, 30),
    budget: 20_000,
    policy: { ...testPolicy, campaignBudgetThreshold: 1_000_000 },
  });
  await h.skipUntil(campaignId, (s) => s.state === 'active' && s.lastSync !== undefined, '12h');
  const result = await h.env.client.workflow.execute(proposalWorkflow, {
    workflowId: getProposalWorkflowId(campaignId, 1),
    taskQueue: h.taskQueue,
    args: [{ version: 1, campaignId, n: 1, source: 'fitted', requestedBy: 'system', policy }],
  });
  expect(result.stage).toBe('no_proposal');
  expect(result.reason).toMatch(/could not be fitted: .*days/);
  expect((await h.status(campaignId)).platforms.map((p) => p.share)).toEqual([0.5, 0.5]);
});

test('a small proposal applies on its own where the venture allows it, and the weekly round skips campaigns with one open', async () => {
  await new VentureStore(h.db).update(h.venture.id, { autoApplyReallocations: true });
  const campaignId = await campaignWithHistory('Small moves');
  // A marketer's split that moves 40% waits for the chairman: its campaign stays out of the round meanwhile.
  const open = getProposalWorkflowId(searchAndSocial, 2);
  await h.env.client.workflow.start(proposalWorkflow, {
    workflowId: open,
    taskQueue: h.taskQueue,
    args: [
      {
        version: 1,
        campaignId: searchAndSocial,
        n: 2,
        source: 'chosen',
        shares: { google: 0.1, meta: 0.9 },
        requestedBy: 'mia',
        role: 'marketer',
        policy,
      },
    ],
  });
  await h.waitFor(
    () => proposalView(open),
    (v) => v.stage === 'awaiting_approval',
  );
  const result = await h.env.client.workflow.execute(reallocationScanWorkflow, {
    workflowId: `reallocation-round-${campaignId}`,
    taskQueue: h.taskQueue,
    args: [{ version: 1, policy: { ...policy, approvalPct: 100 } }],
  });
  await h.recordHistory(`reallocation-round-${campaignId}`, 'reallocation-round');
  const mine = getProposalWorkflowId(campaignId, 1);
  expect(result.started).toContain(mine);
  expect(result.skipped).toContainEqual({ campaignId: searchAndSocial, reason: 'a proposal is still open' });
  expect(result.started.some((id) => id.startsWith(`proposal:${searchAndSocial}:`))).toBe(false);
  const view = await h.waitFor(
    () => proposalView(mine),
    (v) => v.stage === 'applied' || v.stage === 'no_proposal',
  );
  expect(view.stage).toBe('applied');
  expect((await h.status(campaignId)).platforms.map((p) => p.share)).toEqual([
    view.shares!['google'],
    view.shares!['meta'],
  ]);
  await new VentureStore(h.db).update(h.venture.id, { autoApplyReallocations: false });
});
