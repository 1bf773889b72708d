// Reallocation under the chairman, through the API only: the weekly round (its Temporal Schedule, triggered) fits
// the curves of a campaign's platforms and proposes a split; one that moves more than REALLOCATION_APPROVAL_PCT waits
// for the chairman, and on his approval the ad platforms (Google Ads and Meta imitations on loopback) hold the new
// daily budgets. A marketer's own split that moves as much goes the same way.
import { reallocationScheduleId } from '../../app/reallocationSchedule';
import { GoogleAdsFake, MetaAdsFake } from '../fakes';
import { client, startTestStack, type TestStack } from '../harness/stack';
import { storeHistory } from '../workflows/curvePlatform';

jest.setTimeout(180_000);

const googleCreds = { token: 'ya29.realloc-token', developerToken: 'dev-token-realloc', customerId: '5550001111' };
const metaCreds = { token: 'EAAB-realloc-token', adAccountId: '777000111' };

let t: TestStack;
let google: GoogleAdsFake;
let meta: MetaAdsFake;

beforeAll(async () => {
  google = await GoogleAdsFake.start(googleCreds);
  meta = await MetaAdsFake.start(metaCreds);
  t = await startTestStack({
    CHAIRMAN_EMAIL: 'chair@acme.test',
    APPROVAL_CAMPAIGN_BUDGET_THRESHOLD: '1000000',
    METRICS_SYNC_EVERY: 'PT2S',
    REALLOCATION_PROPOSALS_ENABLED: 'true',
    GOOGLE_ADS_BASE_URL: google.baseUrl,
    GOOGLE_ADS_ACCESS_TOKEN: googleCreds.token,
    GOOGLE_ADS_DEVELOPER_TOKEN: googleCreds.developerToken,
    GOOGLE_ADS_CUSTOMER_ID: googleCreds.customerId,
    GOOGLE_ADS_CURRENCY: 'USD',
    META_BASE_URL: meta.baseUrl,
    META_ACCESS_TOKEN: metaCreds.token,
    META_AD_ACCOUNT_ID: metaCreds.adAccountId,
  });
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await google?.server.stop();
  await meta?.server.stop();
});

const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The daily budget each platform holds for the campaign, in currency units, as the imitations store it. */
function platformBudgets(externalIds: Record<string, string>): { google: number; meta: number } {
  const gCampaign = google.campaigns.get(externalIds['google']!)!;
  const gBudget = google.budgets.get(gCampaign.campaignBudget)!;
  const mCampaign = [...meta.campaigns.values()].find((c) => c.id === externalIds['meta'])!;
  return { google: Number(gBudget.amountMicros) / 1e6, meta: Number(mCampaign.daily_budget) / 100 };
}

test('the weekly round proposes a split, the chairman approves it, and the ad platforms hold the new budgets', async () => {
  const marketer = client(t, 'marketer');
  const chairman = client(t, 'chairman');
  const venture = await marketer('POST', '/v1/ventures', { name: 'Acme', slug: 'acme-realloc', productName: 'Notes' });
  const created = await marketer('POST', '/v1/campaigns', {
    ventureId: venture.body.id,
    name: 'Search and social',
    type: 'acquisition',
    channel: 'paid',
    platforms: ['google', 'meta'],
    startDate: day(0),
    endDate: day(30),
    budget: 40_000,
    currency: 'USD',
  });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  const running = await until(
    () => marketer('GET', `/v1/campaigns/${id}`),
    (r) => r.body.live?.state === 'active' && r.body.platforms.every((p: { externalId: string }) => p.externalId),
  );
  const externalIds = Object.fromEntries(
    running.body.platforms.map((p: { name: string; externalId: string }) => [p.name, p.externalId]),
  );
  expect(running.body.live.platforms.map((p: { share: number }) => p.share)).toEqual([0.5, 0.5]);

  // 120 days the campaign's platforms ran before, as a sync would have stored them.
  await storeHistory(t.stack.db, { campaignId: id, ventureId: venture.body.id, channel: 'paid' }, 120);

  // The weekly round, triggered now rather than on Monday: it makes the campaign's first proposal.
  await t.stack.temporal.schedule.getHandle(reallocationScheduleId(t.taskQueue)).trigger();
  const proposals = await until(
    () => marketer('GET', `/v1/campaigns/${id}/proposals`),
    (r) => r.body.proposals?.[0]?.status === 'awaiting_approval',
  );
  const proposal = proposals.body.proposals[0];
  expect(proposal).toMatchObject({ n: 1, source: 'fitted', requestedBy: 'system', approvalPct: 10 });
  expect(proposal.movedPct).toBeGreaterThan(10);
  expect(proposal.proposedShares.google).toBeGreaterThan(0.5);
  expect(proposal.expectedGain.value).toBeGreaterThan(0);
  expect(proposal.evidence.fitted).toBe(true);
  expect(proposal.evidence.days).toBeGreaterThanOrEqual(120);

  // The chairman's inbox has it, with the evidence; the platforms keep the even split until he decides.
  const inbox = await until(
    () => chairman('GET', '/v1/approvals?status=pending&subjectType=reallocation'),
    (r) => r.body.approvals?.length === 1,
  );
  const request = inbox.body.approvals[0];
  expect(request.title).toMatch(/^Reallocation of Search and social: move [\d.]+% of /);
  expect(request.summary).toMatch(/google 50% → [\d.]+%, meta 50% → [\d.]+%/);
  const before = platformBudgets(externalIds);
  expect(before.google).toBeCloseTo(before.meta, 2);

  const decided = await chairman('POST', `/v1/approvals/${request.id}/decision`, { decision: 'approve' });
  expect(decided.status).toBe(200);
  const applied = await until(
    () => marketer('GET', `/v1/campaigns/${id}/proposals`),
    (r) => r.body.proposals[0].status === 'applied',
  );
  expect(applied.body.proposals[0]).toMatchObject({ decidedBy: 'test chairman', appliedAt: expect.any(String) });
  const live = (await marketer('GET', `/v1/campaigns/${id}`)).body.live;
  expect(live.platforms.map((p: { share: number }) => p.share)).toEqual([
    proposal.proposedShares.google,
    proposal.proposedShares.meta,
  ]);
  // Google Ads and Meta hold the new daily budgets: the proposed shares of the day's budget.
  const after = platformBudgets(externalIds);
  expect(after.google / (after.google + after.meta)).toBeCloseTo(proposal.proposedShares.google, 2);
  expect(after.google).toBeCloseTo(live.platforms[0].dailyBudget, 2);
  expect(after.meta).toBeCloseTo(live.platforms[1].dailyBudget, 2);
  const audit = await chairman('GET', `/v1/audit?subjectId=${id}`);
  expect(audit.body.entries).toEqual(
    expect.arrayContaining([expect.objectContaining({ action: 'campaign.reallocated', actor: 'test chairman' })]),
  );

  // A marketer's own split that moves 30% goes to the chairman too; rejected, nothing moves.
  const shares = {
    google: Math.round((proposal.proposedShares.google - 0.3) * 1000) / 1000,
    meta: Math.round((proposal.proposedShares.meta + 0.3) * 1000) / 1000,
  };
  const asked = await marketer('POST', `/v1/campaigns/${id}/reallocate`, { shares });
  expect(asked.status).toBe(202);
  expect(asked.body).toMatchObject({ status: 'pending_approval', applied: false });
  // 30% of the shares, each rounded to a tenth of a percent.
  expect(Math.abs(asked.body.movedPct - 30)).toBeLessThanOrEqual(0.1);
  const second = await until(
    () => chairman('GET', '/v1/approvals?status=pending&subjectType=reallocation'),
    (r) => r.body.approvals?.length === 1,
  );
  expect(second.body.approvals[0].requestedBy).toBe('test marketer');
  await chairman('POST', `/v1/approvals/${second.body.approvals[0].id}/decision`, {
    decision: 'reject',
    comment: 'keep the fitted split',
  });
  const rejected = await until(
    () => marketer('GET', `/v1/campaigns/${id}/proposals`),
    (r) => r.body.proposals[0].status === 'rejected',
  );
  expect(rejected.body.proposals[0]).toMatchObject({
    n: 2,
    source: 'chosen',
    decisionComment: 'keep the fitted split',
  });
  expect(platformBudgets(externalIds)).toEqual(after);
});

test('a proposal for an unknown campaign is a 404, and a split that does not add up a 400 naming shares', async () => {
  const marketer = client(t, 'marketer');
  const missing = '00000000-0000-4000-8000-000000000000';
  expect((await marketer('GET', `/v1/campaigns/${missing}/proposals`)).status).toBe(404);
  expect((await marketer('POST', `/v1/campaigns/${missing}/proposals`, {})).status).toBe(404);
  const list = await marketer('GET', '/v1/campaigns');
  const id = list.body.campaigns[0].id;
  const bad = await marketer('POST', `/v1/campaigns/${id}/proposals`, { shares: { google: 0.5, meta: 0.6 } });
  expect(bad.status).toBe(400);
  expect(bad.body.problems).toEqual([{ path: 'shares', message: expect.stringContaining('add up to 1') }]);
  expect((await client(t, 'chairman')('POST', `/v1/campaigns/${id}/proposals`, {})).status).toBe(403);
  // One platform has nothing to reallocate: refused at once, nothing started.
  const single = await marketer('POST', '/v1/campaigns', {
    ventureId: list.body.campaigns[0].ventureId,
    name: 'Search only',
    type: 'acquisition',
    channel: 'paid',
    platforms: ['google'],
    startDate: day(0),
    endDate: day(10),
    budget: 1000,
    currency: 'USD',
  });
  const one = await marketer('POST', `/v1/campaigns/${single.body.id}/proposals`, {});
  expect(one.status).toBe(409);
  expect(one.body.error).toBe('the campaign runs on one platform only');
  expect((await marketer('GET', `/v1/campaigns/${single.body.id}/proposals`)).body.proposals).toEqual([]);
});
