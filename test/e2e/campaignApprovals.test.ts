import { AuditLog } from '../../db/stores/audit';
import { client, startTestStack, type TestStack } from '../harness/stack';

let t: TestStack;
beforeAll(async () => {
  // The shared dev server runs in real time: sync every two seconds so metrics show up while the test looks.
  // Splits apply at once here; those that move enough to need the chairman are reallocation.test.ts's subject.
  t = await startTestStack({
    METRICS_SYNC_EVERY: 'PT2S',
    CHAIRMAN_EMAIL: 'chair@acme.test',
    REALLOCATION_APPROVAL_PCT: '100',
  });
}, 60_000);
afterAll(async () => t?.stop());

const today = () => new Date().toISOString().slice(0, 10);
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

/** Polls the API until the predicate holds over the answer's body. */
async function until(
  call: () => Promise<{ status: number; body: any }>,
  predicate: (body: any) => boolean,
  timeoutMs = 20_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call();
    if (res.status === 200 && predicate(res.body)) return res.body;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let ventureId: string;

test('ventures: created by a marketer, read by id or slug, patched, and refused when malformed', async () => {
  const marketer = client(t, 'marketer');
  const created = await marketer('POST', '/v1/ventures', {
    name: 'Acme',
    slug: 'acme-notes',
    productName: 'Acme Notes',
    industry: 'software',
    keywords: ['notes', 'productivity'],
    brand: { values: ['clarity'], tone: 'friendly' },
    targetMarket: { segment: 'smb' },
    profile: { problemAwareness: 0.7 },
  });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ slug: 'acme-notes', brand: { values: ['clarity'], tone: 'friendly' } });
  ventureId = created.body.id;

  const chairman = client(t, 'chairman');
  expect((await chairman('GET', '/v1/ventures/acme-notes')).body.id).toBe(ventureId);
  expect((await chairman('GET', `/v1/ventures/${ventureId}`)).status).toBe(200);
  expect((await chairman('GET', '/v1/ventures')).body.ventures.map((v: { id: string }) => v.id)).toContain(ventureId);
  expect((await chairman('POST', '/v1/ventures', { name: 'X', slug: 'x', productName: 'X' })).status).toBe(403);

  const patched = await marketer('PATCH', `/v1/ventures/${ventureId}`, { website: 'https://acme.test' });
  expect(patched.status).toBe(200);
  expect(patched.body).toMatchObject({ website: 'https://acme.test', name: 'Acme' });

  expect((await marketer('POST', '/v1/ventures', { name: 'Other', slug: 'acme-notes', productName: 'O' })).status).toBe(
    409,
  );
  const bad = await marketer('POST', '/v1/ventures', { name: '', slug: 'Not A Slug', brand: { values: 'x' } });
  expect(bad.status).toBe(400);
  expect(bad.body.problems.map((p: { path: string }) => p.path).sort()).toEqual(
    expect.arrayContaining(['brand.values', 'name', 'productName', 'slug']),
  );
  expect((await marketer('GET', '/v1/ventures/no-such-venture')).status).toBe(404);
  expect((await marketer('PATCH', '/v1/ventures/00000000-0000-4000-8000-000000000000', { name: 'Y' })).status).toBe(
    404,
  );
});

test('a campaign over the threshold waits for the chairman, who approves it from the inbox, and it runs', async () => {
  const marketer = client(t, 'marketer');
  const chairman = client(t, 'chairman');
  const created = await marketer('POST', '/v1/campaigns', {
    ventureId,
    name: 'Spring launch',
    type: 'launch',
    channel: 'paid',
    platforms: ['google', 'meta'],
    startDate: today(),
    endDate: inDays(2),
    budget: 7500,
    currency: 'USD',
    targetAudience: { country: 'US' },
  });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({
    status: 'planned',
    sandbox: true,
    platforms: [
      { name: 'google', sandbox: true },
      { name: 'meta', sandbox: true },
    ],
    approval: { required: true },
  });
  const id: string = created.body.id;

  const waiting = await until(
    () => marketer('GET', `/v1/campaigns/${id}`),
    (b) => b.live?.state === 'awaiting_approval' && b.live.pendingApproval,
  );
  expect(waiting.status).toBe('awaiting_approval');

  // The chairman's inbox: what, by whom, how much, since when, and the run in the Temporal UI.
  const inbox = await until(
    () => chairman('GET', '/v1/approvals?status=pending'),
    (b) => b.approvals.some((a: { subjectId: string }) => a.subjectId === id),
  );
  const item = inbox.approvals.find((a: { subjectId: string }) => a.subjectId === id);
  expect(item).toMatchObject({
    subjectType: 'campaign',
    status: 'pending',
    amount: 7500,
    currency: 'USD',
    requestedBy: 'test marketer',
    title: 'Campaign Spring launch: 7500.00 USD',
    waitingSeconds: expect.any(Number),
    temporalUrl: `${t.stack.urls.temporalUi ?? 'http://localhost:8233'}/namespaces/default/workflows/${encodeURIComponent(
      `approval:campaign:${id}`,
    )}`,
  });
  expect(new Date(item.requestedAt).getTime()).toBeLessThanOrEqual(Date.now());
  const [asked] = await t.smtp.waitFor((m) => m.some((x) => x.envelopeTo.includes('chair@acme.test')));
  expect(asked!.subject).toBe('Approval needed: Campaign Spring launch: 7500.00 USD');

  // A marketer cannot decide: 403, and the attempt is in the audit log.
  const denied = await marketer('POST', `/v1/approvals/${item.id}/decision`, { decision: 'approve' });
  expect(denied.status).toBe(403);
  const refusals = await new AuditLog(t.stack.db).list({ subjectType: 'route' });
  expect(refusals).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        action: 'access.denied',
        actor: 'test marketer',
        actorRole: 'marketer',
        subjectId: 'POST /v1/approvals/:id/decision',
      }),
    ]),
  );
  expect((await chairman('POST', `/v1/approvals/${item.id}/decision`, { decision: 'maybe' })).status).toBe(400);

  const decided = await chairman('POST', `/v1/approvals/${item.id}/decision`, {
    decision: 'approve',
    comment: 'Go ahead',
  });
  expect(decided.status).toBe(200);
  expect(decided.body).toMatchObject({ outcome: 'approved', by: 'test chairman', comment: 'Go ahead' });
  const again = await chairman('POST', `/v1/approvals/${item.id}/decision`, { decision: 'reject' });
  expect(again.status).toBe(409);

  // Approved with a start date of today: scheduled, launched on both (simulated) platforms, then active and syncing.
  const running = await until(
    () => marketer('GET', `/v1/campaigns/${id}`),
    (b) => b.status === 'active' && b.live?.lastSync !== undefined,
  );
  expect(running.platforms.every((p: { externalId: string | null }) => p.externalId)).toBe(true);
  expect(running.live).toMatchObject({ state: 'active', sandbox: true, budget: 7500 });
  const performance = await until(
    () => marketer('GET', `/v1/campaigns/${id}/performance`),
    (b) => b.series.length === 2,
  );
  expect(performance.series.map((s: { platform: string }) => s.platform).sort()).toEqual(['google', 'meta']);
  expect(performance.series[0].days[0]).toMatchObject({ date: today(), ctr: expect.any(Number) });
  expect(performance.totals.total.spend).toBeGreaterThan(0);

  // The daily budget split between the two platforms by their results so far (limits relaxed for two).
  const reallocated = await marketer('POST', `/v1/campaigns/${id}/reallocate`);
  expect(reallocated.status).toBe(200);
  const shares = Object.values(reallocated.body.shares as Record<string, number>);
  expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  for (const share of shares) expect(share).toBeLessThanOrEqual(0.7 + 1e-9);

  // The suggestion can be read before it is applied, and a marketer may apply a split of their own instead.
  const preview = await marketer('GET', `/v1/campaigns/${id}/reallocation`);
  expect(preview.status).toBe(200);
  expect(preview.body).toMatchObject({ currency: 'USD', current: reallocated.body.shares });
  expect(Object.keys(preview.body.suggested).sort()).toEqual(['google', 'meta']);
  expect(preview.body.dailyBudget).toBeGreaterThan(0);
  const partial = await marketer('POST', `/v1/campaigns/${id}/reallocate`, { shares: { google: 0.5 } });
  expect(partial.status).toBe(400);
  expect(partial.body.problems[0]).toEqual({ path: 'shares', message: expect.stringContaining('google, meta') });
  const overOne = await marketer('POST', `/v1/campaigns/${id}/reallocate`, { shares: { google: 0.5, meta: 0.6 } });
  expect(overOne.status).toBe(400);
  const chosen = await marketer('POST', `/v1/campaigns/${id}/reallocate`, { shares: { google: 0.25, meta: 0.75 } });
  expect(chosen.status).toBe(200);
  expect(chosen.body).toMatchObject({ applied: true, shares: { google: 0.25, meta: 0.75 } });
  expect(
    (await marketer('GET', `/v1/campaigns/${id}`)).body.live.platforms.map((p: { share: number }) => p.share),
  ).toEqual([0.25, 0.75]);

  // Pause, a second pause (409), resume, a small budget change (no approval), cancel, a second cancel (409).
  const paused = await marketer('POST', `/v1/campaigns/${id}/pause`, { reason: 'creative review' });
  expect(paused.status).toBe(200);
  expect(paused.body.state).toBe('paused');
  expect((await marketer('POST', `/v1/campaigns/${id}/pause`)).status).toBe(409);
  expect((await marketer('POST', `/v1/campaigns/${id}/resume`)).body.state).toBe('active');
  const below = await marketer('POST', `/v1/campaigns/${id}/budget`, { budget: 0.01 });
  expect(below.status).toBe(409);
  const raised = await marketer('POST', `/v1/campaigns/${id}/budget`, { budget: 8000, reason: 'good start' });
  expect(raised.status).toBe(200);
  expect(raised.body).toMatchObject({ status: 'applied', budget: 8000 });
  const cancelled = await chairman('POST', `/v1/campaigns/${id}/cancel`, { reason: 'strategy changed' });
  expect(cancelled.status).toBe(200);
  expect((await marketer('POST', `/v1/campaigns/${id}/cancel`)).status).toBe(409);
  const final = await marketer('GET', `/v1/campaigns/${id}`);
  expect(final.body).toMatchObject({ status: 'cancelled', statusReason: 'strategy changed', budget: 8000 });

  const listed = await marketer('GET', `/v1/campaigns?ventureId=${ventureId}&status=cancelled`);
  expect(listed.body.campaigns.map((c: { id: string }) => c.id)).toEqual([id]);

  const trail = (await new AuditLog(t.stack.db).list({ subjectType: 'campaign', subjectId: id })).map(
    (e) => `${e.action} by ${e.actor}`,
  );
  expect(trail).toEqual(
    expect.arrayContaining([
      'campaign.created by test marketer',
      'campaign.awaiting_approval by test marketer',
      'approval.approved by test chairman',
      'campaign.scheduled by test chairman',
      'campaign.active by system',
      'campaign.paused by test marketer',
      'campaign.active by test marketer',
      'campaign.budget_changed by test marketer',
      'campaign.cancelled by test chairman',
    ]),
  );
  expect(trail[0]).toBe('campaign.created by test marketer');

  // Each row a person made names them: user id, address, and how they acted (these keys are theirs).
  const people = (await new AuditLog(t.stack.db).list({ subjectType: 'campaign', subjectId: id }))
    .filter((e) => e.actor !== 'system')
    .map((e) => `${e.action} by ${e.actorUserId} ${e.actorEmail} via ${e.via}`);
  const [m, c] = [t.users.marketer, t.users.chairman];
  expect(people).toEqual(
    expect.arrayContaining([
      `campaign.created by ${m.id} marketer@gtm.test via api_key`,
      `campaign.awaiting_approval by ${m.id} marketer@gtm.test via api_key`,
      `approval.requested by ${m.id} marketer@gtm.test via api_key`,
      `approval.approved by ${c.id} chairman@gtm.test via api_key`,
      `campaign.scheduled by ${c.id} chairman@gtm.test via api_key`,
      `campaign.paused by ${m.id} marketer@gtm.test via api_key`,
      `campaign.budget_changed by ${m.id} marketer@gtm.test via api_key`,
      `campaign.cancelled by ${c.id} chairman@gtm.test via api_key`,
    ]),
  );
  const decision = await chairman('GET', `/v1/approvals/${item.id}`);
  expect(decision.body).toMatchObject({
    decidedBy: 'test chairman',
    decider: { userId: c.id, email: 'chairman@gtm.test', via: 'api_key' },
  });
});

test('campaign requests: 400 listing every bad field, 404 for unknown ids, roles enforced', async () => {
  const marketer = client(t, 'marketer');
  const bad = await marketer('POST', '/v1/campaigns', {
    ventureId: 'nope',
    name: '',
    type: 'launch',
    platforms: ['myspace', 'google'],
    startDate: '2026-02-30',
    endDate: '2020-01-01',
    budget: -5,
  });
  expect(bad.status).toBe(400);
  expect(bad.body.problems.map((p: { path: string }) => p.path)).toEqual(
    expect.arrayContaining(['ventureId', 'name', 'platforms.0', 'startDate', 'budget']),
  );
  const unknownVenture = await marketer('POST', '/v1/campaigns', {
    ventureId: '00000000-0000-4000-8000-000000000000',
    name: 'X',
    type: 'launch',
    platforms: ['sandbox'],
    startDate: today(),
    endDate: today(),
    budget: 10,
  });
  expect(unknownVenture.status).toBe(404);
  expect(await t.stack.db('gtm_campaigns').where({ campaign_name: 'X' })).toHaveLength(0);
  expect((await marketer('GET', '/v1/campaigns/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  expect((await marketer('POST', '/v1/campaigns/not-a-uuid/pause')).status).toBe(404);
  expect((await marketer('GET', '/v1/approvals/not-a-uuid')).status).toBe(404);
  expect((await client(t, 'chairman')('POST', '/v1/campaigns', {})).status).toBe(403);
});
