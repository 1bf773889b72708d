import { AuditLog } from '../../db/stores/audit';
import { ApprovalStore } from '../../db/stores/approvals';
import { CampaignPerformanceStore } from '../../db/stores/campaignPerformance';
import { CampaignStore } from '../../db/stores/campaigns';
import { getApprovalWorkflowId } from '../../domain/ids';
import { createGoogleAdsPlatform, idempotencyTag, simulateDay } from '../../providers/ads';
import { signDecision } from '../../services/approvalDecisions';
import { CampaignActionRefusedError, CampaignNotRunningError, controlCampaign } from '../../services/campaignControl';
import { approvalStatusQuery, decideUpdate } from '../../workflows/approvalWorkflow';
import {
  adjustBudgetUpdate,
  cancelCampaignSignal,
  pauseCampaignSignal,
  reallocateUpdate,
  resumeCampaignSignal,
} from '../../workflows/campaignWorkflow';
import { GoogleAdsFake } from '../fakes';
import {
  CHAIRMAN,
  ESCALATION,
  FixedSpendPlatform,
  addDays,
  signer,
  startCampaignHarness,
  testPolicy,
  type CampaignHarness,
} from './campaignHarness';

const googleCreds = { token: 'ya29.test-token', developerToken: 'dev-token-123', customerId: '1234567890' };
const meta = new FixedSpendPlatform('meta', 600);
const linkedin = new FixedSpendPlatform('linkedin', 600);
// Same spend, ten times the conversions: the optimiser should fund `strong` up to its cap.
const strong = new FixedSpendPlatform('meta', 600, 30);
const weak = new FixedSpendPlatform('linkedin', 600, 3);
const steady = new FixedSpendPlatform('meta', 100);
let google: GoogleAdsFake;
let h: CampaignHarness;

// The harness waits up to a minute for a state on a busy machine; the test itself must outlast that wait, so a slow
// run ends with the harness's own message (the state it last saw) rather than jest's bare timeout.
jest.setTimeout(120_000);

beforeAll(async () => {
  google = await GoogleAdsFake.start(googleCreds);
  h = await startCampaignHarness({
    meta,
    linkedin,
    strong,
    weak,
    steady,
    // The real Google Ads adapter against a local imitation of the API; throttling goes up to the activity retry.
    google: createGoogleAdsPlatform({
      baseUrl: google.baseUrl,
      token: googleCreds.token,
      developerToken: googleCreds.developerToken,
      customerId: googleCreds.customerId,
      currency: 'USD',
      timeoutMs: 2000,
    }),
  });
}, 60_000);
afterAll(async () => {
  await h?.teardown();
  await google?.server.stop();
});

const campaigns = () => new CampaignStore(h.db);
const auditOf = async (campaignId: string) =>
  (await new AuditLog(h.db).list({ subjectType: 'campaign', subjectId: campaignId })).map((e) => ({
    action: e.action,
    actor: e.actor,
    details: e.details,
  }));

/** The pending approval of a campaign, once its row exists. */
async function approvalOf(workflowId: string) {
  const handle = h.env.client.workflow.getHandle(workflowId);
  const state = await h.waitFor(
    () => handle.query(approvalStatusQuery),
    (s) => s.approvalId !== null,
  );
  return { handle, state };
}

test('over the threshold: approval, start date, syncs, 80% alert, pause at 100%, approved increase, resume, completion', async () => {
  const today = await h.today();
  const startDate = addDays(today, 2);
  const endDate = addDays(startDate, 6);
  const { campaignId, handle } = await h.startCampaign({
    platforms: ['meta', 'linkedin'],
    budget: 6000,
    startDate,
    endDate,
  });

  // Over 5,000: the chairman is asked first.
  const waiting = await h.waitFor(
    () => h.status(campaignId),
    (s) => s.state === 'awaiting_approval' && s.pendingApproval !== undefined,
  );
  expect(waiting.pendingApproval).toMatchObject({
    kind: 'campaign',
    workflowId: getApprovalWorkflowId('campaign', campaignId),
    amount: 6000,
  });
  const ask = await approvalOf(waiting.pendingApproval!.workflowId);
  expect(ask.state).toMatchObject({ subjectType: 'campaign', subjectId: campaignId, amount: 6000 });
  await h.sink.waitFor((m) => m.some((x) => x.subject === 'Approval needed: Campaign Spring launch: 6000.00 USD'));
  expect(meta.count('createCampaign')).toBe(0);

  const decided = await ask.handle.executeUpdate(decideUpdate, {
    args: [
      signDecision(signer, ask.handle.workflowId, {
        decision: 'approve',
        by: 'Charles',
        role: 'chairman',
        comment: 'Good plan',
      }),
    ],
  });
  expect(decided.outcome).toBe('approved');

  // Approved: launched (paused) on both platforms, waiting for the start date.
  const scheduled = await h.waitFor(
    () => h.status(campaignId),
    (s) => s.state === 'scheduled' && s.platforms.every((p) => p.externalId),
  );
  expect(scheduled.platforms.map((p) => [p.name, p.externalId, p.dailyBudget])).toEqual([
    ['meta', expect.stringMatching(/^meta-/), 428.57],
    ['linkedin', expect.stringMatching(/^linkedin-/), 428.57],
  ]);
  const row = await campaigns().get(campaignId);
  expect(row).toMatchObject({ status: 'scheduled', statusReason: 'approved by Charles', sandbox: false });
  expect(Object.keys(row!.platformCampaignIds).sort()).toEqual(['linkedin', 'meta']);
  expect([...meta.campaigns.keys()]).toContain(`${campaignId}:meta`);

  // The durable timer until the start date, then daily syncs: 1,200 a day across the two platforms.
  const active = await h.skipUntil(campaignId, (s) => s.state === 'active');
  expect(active.stateReason).toBe('start date reached');
  expect(meta.calls.filter((c) => c.method === 'resume')).toHaveLength(1);

  const paused = await h.skipUntil(campaignId, (s) => s.state === 'paused', '12h');
  expect(paused).toMatchObject({ pauseReason: 'budget_exhausted', spent: 6000, percentSpent: 100 });
  expect(meta.count('pause')).toBe(1);
  expect(linkedin.count('pause')).toBe(1);
  expect(await campaigns().get(campaignId)).toMatchObject({
    status: 'paused',
    statusReason: 'budget exhausted',
    spent: 6000,
  });
  const alerts = await h.sink.waitFor((m) => m.some((x) => x.subject === 'Paused: Spring launch has used its budget'));
  const toChairman = alerts.filter((m) => m.envelopeTo.includes(CHAIRMAN)).map((m) => m.subject);
  // Spending 1,200 a day against 6,000 over seven days, the first sync's pace already runs out before the end.
  expect(toChairman).toEqual([
    'Approval needed: Campaign Spring launch: 6000.00 USD',
    expect.stringMatching(/^At this pace Spring launch runs out of budget on \d{4}-\d{2}-\d{2}$/),
    'Spring launch has spent 80% of its budget',
    'Paused: Spring launch has used its budget',
  ]);
  const pace = alerts.find((m) => m.subject.startsWith('At this pace'))!;
  expect(pace.text).toMatch(
    /At this pace the budget runs out on \d{4}-\d{2}-\d{2}, \d+ days before the campaign ends\./,
  );

  // A budget below what is spent is refused by the update's validator.
  await expect(
    handle.executeUpdate(adjustBudgetUpdate, { args: [{ newBudget: 5000, requestedBy: 'mia' }] }),
  ).rejects.toThrow();
  // +50% needs the chairman: the answer comes at once, the change waits for the decision.
  const change = await handle.executeUpdate(adjustBudgetUpdate, {
    args: [{ newBudget: 9000, requestedBy: 'mia', role: 'marketer', reason: 'ROAS is 3x' }],
  });
  expect(change).toEqual({
    status: 'pending_approval',
    budget: 6000,
    requested: 9000,
    reason: 'an increase of 50% is over the 20% that needs no approval',
    approvalWorkflowId: getApprovalWorkflowId('budget_change', `${campaignId}:1`),
  });
  expect((await h.status(campaignId)).pendingApproval).toMatchObject({ kind: 'budget_change', amount: 9000 });
  const raise = await approvalOf(change.approvalWorkflowId!);
  expect(raise.state).toMatchObject({ subjectType: 'budget_change', subjectId: `${campaignId}:1`, amount: 9000 });
  await raise.handle.executeUpdate(decideUpdate, {
    args: [signDecision(signer, raise.handle.workflowId, { decision: 'approve', by: 'Charles', role: 'chairman' })],
  });

  // Approved: the budget-paused campaign delivers again.
  const resumed = await h.waitFor(
    () => h.status(campaignId),
    (s) => s.state === 'active' && s.budget === 9000,
  );
  expect(resumed.budgetChanges).toEqual([
    expect.objectContaining({ n: 1, from: 6000, to: 9000, status: 'applied', decidedBy: 'Charles' }),
  ]);
  expect(meta.count('resume')).toBe(2);
  expect(meta.calls.filter((c) => c.method === 'setBudget').length).toBeGreaterThanOrEqual(1);

  // To the end date: 7 days at 1,200 = 8,400 of 9,000.
  const result = await handle.result();
  expect(result).toEqual({ outcome: 'completed', budget: 9000, spent: 8400 });
  await h.recordHistory(handle.workflowId, 'campaign-approved-paused-raised-completed');
  await h.recordHistory(change.approvalWorkflowId!, 'approval-budget-change-approved');
  expect(await campaigns().get(campaignId)).toMatchObject({
    status: 'completed',
    statusReason: 'end date reached',
    budget: 9000,
    spent: 8400,
  });
  const perf = new CampaignPerformanceStore(h.db);
  const daily = await perf.daily(campaignId);
  expect(daily).toHaveLength(14); // 7 days x 2 platforms, each written once however often it was synced
  expect(daily[0]).toMatchObject({ date: startDate, spend: 600, ctr: 0.02, cvr: 0.05, roas: 3, cac: 60 });
  expect(await perf.finalReport(campaignId)).toMatchObject({
    date: endDate,
    spend: 8400,
    revenue: 25_200,
    conversions: 140,
    roas: 3,
    cac: 60,
  });

  const trail = await auditOf(campaignId);
  const actions = trail.map((e) => `${e.action} by ${e.actor}`);
  expect(actions).toEqual([
    'campaign.awaiting_approval by mia (marketer)',
    'approval.requested by mia (marketer)',
    'approval.approved by Charles',
    'campaign.scheduled by Charles',
    'campaign.launched_on_platform by system',
    'campaign.launched_on_platform by system',
    'campaign.active by system',
    'campaign.budget_pace_alert by system',
    'campaign.budget_alert by system',
    'campaign.paused by system',
    'campaign.budget_exhausted by system',
    'campaign.budget_change_requested by mia',
    'campaign.budget_changed by Charles',
    'campaign.active by Charles',
    'campaign.budget_alert by system',
    'campaign.completed by system',
  ]);
  expect(trail.find((e) => e.action === 'campaign.budget_changed')!.details).toMatchObject({ from: 6000, to: 9000 });
  const approvals = new AuditLog(h.db);
  expect(
    (await approvals.list({ subjectType: 'budget_change', subjectId: `${campaignId}:1` })).map((e) => e.action),
  ).toEqual(['approval.requested', 'approval.approved']);
});

test('a rejected campaign ends as rejected and never reaches a platform', async () => {
  const { campaignId, handle } = await h.startCampaign({ platforms: ['meta'], budget: 8000 });
  const waiting = await h.waitFor(
    () => h.status(campaignId),
    (s) => s.pendingApproval !== undefined,
  );
  const ask = await approvalOf(waiting.pendingApproval!.workflowId);
  await ask.handle.executeUpdate(decideUpdate, {
    args: [
      signDecision(signer, ask.handle.workflowId, {
        decision: 'reject',
        by: 'Charles',
        role: 'chairman',
        comment: 'Not this quarter',
      }),
    ],
  });
  expect(await handle.result()).toEqual({
    outcome: 'rejected',
    reason: 'rejected by Charles: Not this quarter',
    budget: 8000,
    spent: 0,
  });
  expect(await campaigns().get(campaignId)).toMatchObject({
    status: 'rejected',
    statusReason: 'rejected by Charles: Not this quarter',
  });
  expect(meta.campaigns.has(`${campaignId}:meta`)).toBe(false);
  expect((await auditOf(campaignId)).map((e) => `${e.action} by ${e.actor}`)).toEqual([
    'campaign.awaiting_approval by mia (marketer)',
    'approval.requested by mia (marketer)',
    'approval.rejected by Charles',
    'campaign.rejected by Charles',
  ]);
});

test('an approval nobody decides expires after seven days and the campaign ends rejected, "expired"', async () => {
  const { campaignId, handle } = await h.startCampaign({ platforms: ['meta'], budget: 8000 });
  expect(await handle.result()).toMatchObject({ outcome: 'rejected', reason: 'expired' });
  await h.recordHistory(getApprovalWorkflowId('campaign', campaignId), 'approval-campaign-expired');
  expect(await campaigns().get(campaignId)).toMatchObject({ status: 'rejected', statusReason: 'expired' });
  const [approval] = await new ApprovalStore(h.db).list({ subjectType: 'campaign', subjectId: campaignId });
  expect(approval).toMatchObject({ status: 'expired', remindersSent: 6, decidedBy: null });
  const escalated = h.sink.to(ESCALATION).filter((m) => m.text.includes(approval!.id));
  expect(escalated.map((m) => m.subject)).toEqual(['Escalated: Campaign Spring launch: 8000.00 USD']);
  expect(meta.campaigns.has(`${campaignId}:meta`)).toBe(false);
});

test('Google Ads answering 429, then 500, then success creates exactly one campaign', async () => {
  const mutate = { method: 'POST', path: /campaigns:mutate$/ };
  google.server.rateLimitNext(1, '0', mutate).failNext(1, 500, 'Internal error encountered.', mutate);
  const today = await h.today();
  const { campaignId, handle } = await h.startCampaign({
    platforms: ['google'],
    budget: 3000,
    startDate: today,
    endDate: addDays(today, 1),
  });
  const active = await h.waitFor(
    () => h.status(campaignId),
    (s) => s.state === 'active',
    30_000,
  );
  expect(google.server.requestsTo('POST', /campaigns:mutate$/).length).toBeGreaterThanOrEqual(3);
  const mine = [...google.campaigns.values()].filter((c) => c.name.includes(idempotencyTag(`${campaignId}:google`)));
  expect(mine).toHaveLength(1);
  expect(active.platforms[0]).toMatchObject({ name: 'google', externalId: mine[0]!.id, sandbox: false });
  expect(mine[0]!.status).toBe('ENABLED');

  // Pause and resume by signal reach the platform.
  await handle.signal(pauseCampaignSignal, { by: 'mia', role: 'marketer', reason: 'creative review' });
  await h.waitFor(
    () => h.status(campaignId),
    (s) => s.state === 'paused' && s.pauseReason === 'manual',
  );
  expect(google.campaigns.get(mine[0]!.id)!.status).toBe('PAUSED');
  await handle.signal(resumeCampaignSignal, { by: 'mia', role: 'marketer' });
  await h.waitFor(
    () => h.status(campaignId),
    (s) => s.state === 'active',
  );
  expect(google.campaigns.get(mine[0]!.id)!.status).toBe('ENABLED');
  expect(await handle.result()).toMatchObject({ outcome: 'completed' });
  await h.recordHistory(handle.workflowId, 'campaign-platform-retries-pause-resume');
  expect(
    [...google.campaigns.values()].filter((c) => c.name.includes(idempotencyTag(`${campaignId}:google`))),
  ).toHaveLength(1);
  const trail = await auditOf(campaignId);
  expect(trail.find((e) => e.action === 'campaign.paused')).toMatchObject({
    actor: 'mia',
    details: expect.objectContaining({ reason: 'creative review' }),
  });
});

test('a worker restart in the middle of a campaign: the new worker carries on, across continue-as-new', async () => {
  const today = await h.today();
  const { campaignId, handle } = await h.startCampaign({
    platforms: ['sandbox'],
    budget: 3000,
    startDate: today,
    endDate: addDays(today, 3),
    policy: { ...testPolicy, historyLimit: 40 },
  });
  const firstRun = (await handle.describe()).runId;
  await h.skipUntil(campaignId, (s) => s.lastSync !== undefined, '6h');
  const before = await h.status(campaignId);
  expect(before.sandbox).toBe(true);

  await h.restartWorker();

  expect(await handle.result()).toMatchObject({ outcome: 'completed', budget: 3000 });
  expect((await handle.describe()).runId).not.toBe(firstRun);
  await h.recordHistory(handle.workflowId, 'campaign-continued-as-new-completed');
  const externalId = before.platforms[0]!.externalId!;
  const days = [0, 1, 2, 3].map((n) => addDays(today, n));
  // The sandbox is a pure function of the campaign, the day and its budget: the restarted worker's numbers agree.
  const expected = days.reduce((a, d) => a + simulateDay(externalId, d, 750).spend, 0);
  const row = await campaigns().get(campaignId);
  expect(row).toMatchObject({ status: 'completed', sandbox: true });
  expect(row!.spent).toBeCloseTo(expected, 2);
  const daily = await new CampaignPerformanceStore(h.db).daily(campaignId);
  expect(daily.map((d) => d.date)).toEqual(days);
});

test('reallocation moves the daily budget to the platform that converts better, within the limits for two', async () => {
  const today = await h.today();
  const { campaignId, handle } = await h.startCampaign({
    platforms: ['strong', 'weak'],
    budget: 40_000,
    startDate: today,
    endDate: addDays(today, 9),
    policy: { ...testPolicy, campaignBudgetThreshold: 100_000 },
  });
  await h.skipUntil(campaignId, (s) => (s.lastSync?.spent ?? 0) > 0, '6h');
  const before = await h.status(campaignId);
  expect(before.platforms.map((p) => p.share)).toEqual([0.5, 0.5]);

  const result = await handle.executeUpdate(reallocateUpdate, { args: [{ by: 'mia', role: 'marketer' }] });
  expect(result.applied).toBe(true);
  // Two platforms: at most 70% each, so neither is starved below 30%.
  expect(result.shares.strong).toBeCloseTo(0.7, 3);
  expect(result.shares.weak).toBeCloseTo(0.3, 3);
  expect(result.dailyBudgets.strong! / result.dailyBudgets.weak!).toBeCloseTo(7 / 3, 1);
  expect(strong.calls.filter((c) => c.method === 'setBudget').at(-1)?.value).toBe(result.dailyBudgets.strong);
  const row = await campaigns().get(campaignId);
  expect(await h.db('gtm_campaigns').where({ campaign_id: campaignId }).first('optimization_log')).toMatchObject({
    optimization_log: [expect.objectContaining({ kind: 'reallocation', limits: { maxShare: 0.7, minChannels: 2 } })],
  });
  expect(row!.status).toBe('active');
  expect((await auditOf(campaignId)).map((e) => `${e.action} by ${e.actor}`)).toContain('campaign.reallocated by mia');

  // A split of the marketer's own replaces the optimiser's, and the audit row names the person behind it.
  const mia = { userId: '00000000-0000-4000-8000-00000000000a', email: 'mia@acme.test', via: 'dashboard' as const };
  const chosen = await handle.executeUpdate(reallocateUpdate, {
    args: [{ by: 'mia', role: 'marketer', person: mia, shares: { strong: 0.4, weak: 0.6 } }],
  });
  expect(chosen).toMatchObject({ applied: true, shares: { strong: 0.4, weak: 0.6 }, reason: 'split chosen by mia' });
  expect(strong.calls.filter((c) => c.method === 'setBudget').at(-1)?.value).toBe(chosen.dailyBudgets.strong);
  expect((await new AuditLog(h.db).list({ subjectType: 'campaign', subjectId: campaignId })).at(-1)).toMatchObject({
    action: 'campaign.reallocated',
    actorUserId: mia.userId,
    actorEmail: 'mia@acme.test',
    via: 'dashboard',
  });
  const refused = handle.executeUpdate(reallocateUpdate, { args: [{ by: 'mia', shares: { strong: 1.2 } }] });
  await expect(refused).rejects.toThrow();

  await handle.signal(cancelCampaignSignal, { by: 'mia', role: 'marketer', reason: 'test over' });
  expect(await handle.result()).toMatchObject({ outcome: 'cancelled', reason: 'test over' });
  expect(strong.count('pause')).toBe(1);
  await h.recordHistory(handle.workflowId, 'campaign-reallocated-optimiser-then-chosen');
});

test('cancelling while the chairman has not decided withdraws the request from the inbox', async () => {
  const { campaignId, handle } = await h.startCampaign({ platforms: ['meta'], budget: 8000 });
  const waiting = await h.waitFor(
    () => h.status(campaignId),
    (s) => s.pendingApproval !== undefined,
  );
  await approvalOf(waiting.pendingApproval!.workflowId);
  await handle.signal(cancelCampaignSignal, { by: 'mia', role: 'marketer', reason: 'merged into another campaign' });
  // Awaiting the result skips time; the worker must take the signal first, or the approval would expire.
  await h.waitFor(
    () => campaigns().get(campaignId),
    (c) => c?.status === 'cancelled',
  );
  expect(await handle.result()).toMatchObject({ outcome: 'cancelled', reason: 'merged into another campaign' });
  const [approval] = await new ApprovalStore(h.db).list({ subjectType: 'campaign', subjectId: campaignId });
  expect(approval).toMatchObject({ status: 'rejected', decidedBy: 'system', decisionComment: 'withdrawn' });
  expect(await campaigns().get(campaignId)).toMatchObject({
    status: 'cancelled',
    statusReason: 'merged into another campaign',
  });
  expect(meta.campaigns.has(`${campaignId}:meta`)).toBe(false);
});

test('a run cancelled in Temporal (not through the API) still stops delivery and records the cancellation', async () => {
  const today = await h.today();
  const { campaignId, handle } = await h.startCampaign({
    platforms: ['meta'],
    budget: 2000,
    startDate: today,
    endDate: addDays(today, 5),
  });
  await h.waitFor(
    () => h.status(campaignId),
    (s) => s.state === 'active',
  );
  const pausesBefore = meta.count('pause');
  await handle.cancel();
  // Let the worker act on the cancellation before awaiting the result, which skips time: on a busy machine
  // the skip could otherwise run the campaign's hourly syncs to its end date first.
  await h.waitFor(
    () => campaigns().get(campaignId),
    (c) => c?.status === 'cancelled',
  );
  await expect(handle.result()).rejects.toThrow();
  expect(await campaigns().get(campaignId)).toMatchObject({
    status: 'cancelled',
    statusReason: 'cancelled in Temporal',
  });
  expect(meta.count('pause')).toBe(pausesBefore + 1);
  expect((await new AuditLog(h.db).list({ subjectType: 'campaign', subjectId: campaignId })).at(-1)).toMatchObject({
    action: 'campaign.cancelled',
    actor: 'temporal',
  });
});

test('pause, resume and cancel by update answer with the state reached, without polling', async () => {
  const today = await h.today();
  const { campaignId, handle } = await h.startCampaign({
    platforms: ['steady'],
    budget: 2000,
    startDate: today,
    endDate: addDays(today, 5),
  });
  await h.waitFor(
    () => h.status(campaignId),
    (s) => s.state === 'active',
  );
  const mia = { by: 'mia', role: 'marketer', reason: 'creative review' };
  const pauses = steady.count('pause');
  const resumes = steady.count('resume');

  expect(await controlCampaign(h.env.client, campaignId, 'pause', mia)).toEqual({ state: 'paused', done: true });
  // Done means the platform was told and the row written before the answer came back.
  expect(steady.count('pause')).toBe(pauses + 1);
  expect(await campaigns().get(campaignId)).toMatchObject({ status: 'paused', statusReason: 'creative review' });

  // A second pause is refused by the validator with the lifecycle's reason, and reaches no platform.
  const again = await controlCampaign(h.env.client, campaignId, 'pause', mia).catch((e: unknown) => e);
  expect(again).toBeInstanceOf(CampaignActionRefusedError);
  expect(again).toMatchObject({
    type: 'IllegalCampaignState',
    message: 'cannot pause a campaign that is paused (only when active)',
  });
  expect(steady.count('pause')).toBe(pauses + 1);

  expect(await controlCampaign(h.env.client, campaignId, 'resume', { by: 'mia', role: 'marketer' })).toEqual({
    state: 'active',
    done: true,
  });
  expect(steady.count('resume')).toBe(resumes + 1);

  // A platform that fails once is retried after a second: the caller is answered "under way" within its bound,
  // and the run finishes the pause by itself.
  steady.failures.push({ method: 'pause', error: new Error('503 Service Unavailable') });
  const slow = await controlCampaign(h.env.client, campaignId, 'pause', mia, {
    acceptWithinMs: 5_000,
    answerWithinMs: 200,
  });
  expect(slow).toEqual({ state: 'active', done: false });
  await h.waitFor(
    () => h.status(campaignId),
    (s) => s.state === 'paused',
  );
  expect(steady.count('pause')).toBe(pauses + 3);

  const cancel = { by: 'mia', role: 'marketer', reason: 'test over' };
  expect(await controlCampaign(h.env.client, campaignId, 'cancel', cancel)).toEqual({
    state: 'cancelled',
    done: true,
  });
  expect(await handle.result()).toMatchObject({ outcome: 'cancelled', reason: 'test over' });
  await expect(controlCampaign(h.env.client, campaignId, 'resume', mia)).rejects.toBeInstanceOf(
    CampaignNotRunningError,
  );
  const byMia = (await auditOf(campaignId)).filter((e) => e.actor === 'mia').map((e) => e.action);
  expect(byMia).toEqual(['campaign.paused', 'campaign.active', 'campaign.paused', 'campaign.cancelled']);
});
