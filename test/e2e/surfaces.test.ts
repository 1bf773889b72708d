import { client, startTestStack, type TestStack } from '../harness/stack';

let t: TestStack;
let ventureId: string;
beforeAll(async () => {
  t = await startTestStack({ DEMO_DATA: 'true' });
  const v = await client(t)('GET', '/v1/ventures/acme-notes');
  ventureId = v.body.id;
}, 90_000);
afterAll(async () => t?.stop());

const TABLES = [
  'ventures',
  'contacts',
  'events',
  'influencers',
  'influencer_venture_matches',
  'gtm_campaigns',
  'campaign_performance',
  'campaign_influencers',
];
// The audit log is left out: the campaigns' own workflows write to it while the test runs.
const demoLoads = async () =>
  Number((await t.stack.db('audit_log').where({ action: 'demo.loaded' }).count({ n: '*' }).first())!.n);
async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) out[table] = Number((await t.stack.db(table).count({ n: '*' }).first())!.n);
  return out;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The venture's daily campaign results as stored, one row per campaign, channel and day. */
interface PerfRow {
  campaign_id: string;
  channel: string;
  day: string;
  impressions: number;
  clicks: number;
  conversions: number;
  spend: string;
  revenue: string;
}

/**
 * The overview's figures worked out here from the stored daily rows: reach is every impression, ROI the mean over
 * campaigns of revenue per unit spent, the conversion rate conversions per click; the advice's budget is the spend
 * of the last 30 days (today included), each channel's current amount its share of it.
 */
async function expectedOverview() {
  const db = t.stack.db;
  const rows: PerfRow[] = await db('campaign_performance as p')
    .join('gtm_campaigns as c', 'c.campaign_id', 'p.campaign_id')
    .where('c.venture_id', ventureId)
    .where('p.is_final_report', false)
    .select('p.campaign_id', 'p.impressions', 'p.clicks', 'p.conversions', 'p.spend', 'p.revenue')
    .select(db.raw('coalesce(p.channel, c.channel) AS channel'), db.raw(`to_char(p.metric_date, 'YYYY-MM-DD') AS day`));
  const sum = (list: PerfRow[], f: (r: PerfRow) => number) => list.reduce((a, r) => a + f(r), 0);
  const byCampaign = new Map<string, PerfRow[]>();
  for (const r of rows) byCampaign.set(r.campaign_id, [...(byCampaign.get(r.campaign_id) ?? []), r]);
  const rois = [...byCampaign.values()]
    .filter((list) => sum(list, (r) => Number(r.spend)) > 0)
    .map((list) => sum(list, (r) => Number(r.revenue)) / sum(list, (r) => Number(r.spend)));
  const today = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
  const recent = rows.filter((r) => r.day >= from && r.day <= today);
  const recentSpend: Record<string, number> = {};
  for (const r of recent) recentSpend[r.channel] = (recentSpend[r.channel] ?? 0) + Number(r.spend);
  return {
    totalReach: sum(rows, (r) => r.impressions),
    averageRoi: rois.reduce((a, b) => a + b, 0) / rois.length,
    conversionRate: sum(rows, (r) => r.conversions) / sum(rows, (r) => r.clicks),
    budget: sum(recent, (r) => Number(r.spend)),
    recentSpend,
  };
}

/** A response with the figures expected of it, read when no metrics sync changed the rows around the request. */
async function withExpected<T>(request: () => Promise<T>) {
  return waitFor(async () => {
    const before = await expectedOverview();
    const res = await request();
    const after = await expectedOverview();
    return JSON.stringify(before) === JSON.stringify(after) ? { res, expected: before } : undefined;
  });
}

const pendingSpringLaunch = () =>
  waitFor(async () => {
    const res = await client(t)('GET', '/v1/approvals?status=pending');
    return res.body.approvals.find((a: { title: string }) => a.title.includes('Spring Launch'));
  });

test('GET /v1/meta tells the dashboard the role, the Temporal UI and sandbox mode', async () => {
  const res = await client(t, 'chairman')('GET', '/v1/meta');
  expect(res.status).toBe(200);
  expect(res.body).toEqual(
    expect.objectContaining({
      role: 'chairman',
      namespace: 'default',
      temporalUiUrl: expect.stringMatching(/^http/),
      mailCatcher: false,
      sandbox: true,
    }),
  );
  expect((await fetch(`${t.api}/v1/meta`)).status).toBe(401);
});

test('the demo loaded at start-up; loading it again changes nothing, and only an operator may', async () => {
  expect(ventureId).toEqual(expect.any(String));
  await pendingSpringLaunch();
  const before = await counts();
  const loadsBefore = await demoLoads();
  expect(before.influencers).toBe(12);
  expect(before.gtm_campaigns).toBe(3);
  expect(before.campaign_influencers).toBe(3);
  const again = await client(t, 'operator')('POST', '/v1/demo');
  expect(again.status).toBe(200);
  expect(again.body.venture.created).toBe(false);
  expect(again.body.campaigns.every((c: { created: boolean }) => !c.created)).toBe(true);
  expect(again.body.events.accepted).toBe(0);
  const after = await counts();
  expect(after).toEqual(before);
  expect(await demoLoads()).toBe(loadsBefore);
  expect((await client(t, 'marketer')('POST', '/v1/demo')).status).toBe(403);
});

test('the overview has the seed’s numbers and reallocation advice from the channel-mix optimiser', async () => {
  const { res, expected } = await withExpected(() => client(t)('GET', `/v1/ventures/${ventureId}/overview`));
  expect(res.status).toBe(200);
  expect(res.body.totalReach).toBe(expected.totalReach);
  expect(res.body.averageRoi).toBeCloseTo(expected.averageRoi, 2);
  expect(res.body.conversionRate).toBeCloseTo(expected.conversionRate, 5);
  expect(res.body.channels.map((c: { channel: string }) => c.channel).sort()).toEqual(['influencer', 'paid_search']);
  // The advice reshuffles the last 30 days' spend: each move starts from what the channel got, and is not noise.
  const { advice } = res.body;
  expect(advice.budget).toBeCloseTo(expected.budget, 2);
  expect(advice.reallocation).not.toEqual([]);
  for (const move of advice.reallocation as {
    channel: string;
    currentAmount: number;
    suggestedAmount: number;
    change: number;
  }[]) {
    expect(move.currentAmount).toBeCloseTo(expected.recentSpend[move.channel] ?? 0, 2);
    expect(move.change).toBeCloseTo(move.suggestedAmount - move.currentAmount, 2);
    expect(Math.abs(move.change)).toBeGreaterThanOrEqual(0.05 * expected.budget);
  }
  expect(res.body.advice.opportunities).toEqual(
    expect.arrayContaining([expect.objectContaining({ kind: 'new_channel' })]),
  );
  expect((await client(t)('GET', '/v1/ventures/nope/overview')).status).toBe(404);
  const channels = await client(t)('GET', `/v1/reports/channels?ventureId=${ventureId}&from=2020-01-01`);
  expect(channels.body.channels).toHaveLength(2);
  expect((await client(t)('GET', '/v1/reports/channels?from=2020-02-01&to=2020-01-01')).status).toBe(400);
});

describe('commands', () => {
  const say = (role: 'marketer' | 'chairman' | 'operator', text: string, extra: Record<string, unknown> = {}) =>
    client(t, role)('POST', '/v1/commands', { text, ...extra });

  test('what is waiting for my approval, then approving is the chairman’s alone', async () => {
    const approval = await pendingSpringLaunch();
    const waiting = await say('marketer', 'What is waiting for my approval?');
    expect(waiting.status).toBe(200);
    expect(waiting.body.intent).toBe('pending_approvals');
    expect(waiting.body.speech).toContain('Spring Launch');
    expect(waiting.body.speech).toContain("the chairman's approval");

    const refused = await say('marketer', 'approve the spring launch campaign');
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual(
      expect.objectContaining({ intent: 'approve', speech: expect.stringContaining('Only the chairman') }),
    );

    const approved = await say(
      'chairman',
      'Hey, can you please approve the sprng lanch campaign because it looks right',
    );
    expect(approved.status).toBe(200);
    expect(approved.body.speech).toMatch(/^Approved: Campaign Spring Launch/);
    const after = await client(t)('GET', `/v1/approvals/${approval.id}`);
    expect(after.body.status).toBe('approved');
    expect(after.body.decidedBy).toBe('test chairman');
    expect(after.body.decisionComment).toBe('it looks right');

    const twice = await say('chairman', 'approve spring launch');
    expect(twice.status).toBe(200);
    expect(twice.body.result.match).toBe('none');
  });

  test('show gtm performance, find influencers, top channels, optimize budget, sequence counts', async () => {
    const { res: perf, expected } = await withExpected(() => say('chairman', 'show gtm performance for acme notes'));
    expect(perf.status).toBe(200);
    expect(perf.body.intent).toBe('gtm_performance');
    expect(perf.body.speech).toMatch(/^Acme Notes: \d+ active strateg/);
    expect(perf.body.result.overview.totalReach).toBe(expected.totalReach);

    // Worked out from the catalogue: the venture's matched influencers in the category, with 10k followers or more.
    const catalogue: { category: string; followers_count: number; blacklisted: boolean | null }[] = await t.stack
      .db('influencers as i')
      .join('influencer_venture_matches as m', 'm.influencer_id', 'i.influencer_id')
      .where('m.venture_id', ventureId)
      .select('i.category', 'i.followers_count', 'i.blacklisted');
    const productive = catalogue.filter(
      (i) => i.category?.toLowerCase() === 'productivity' && i.followers_count >= 10_000 && !i.blacklisted,
    );
    const found = await say('marketer', 'find influencers for productivity with 10k followers', { ventureId });
    expect(found.body.parameters).toEqual({ category: 'productivity', minFollowers: 10_000 });
    expect(productive).not.toEqual([]);
    expect(found.body.result.total).toBe(productive.length);
    expect(found.body.result.results.every((r: { followersCount: number }) => r.followersCount >= 10_000)).toBe(true);
    expect(found.body.speech).toMatch(/The best match is/);

    const top = await say('marketer', 'what are the top performing channels this month');
    expect(top.body.intent).toBe('top_channels');
    expect(top.body.speech).toMatch(/this month/);

    const mix = await say('marketer', 'optimize budget allocation for always on search');
    expect(mix.body.intent).toBe('optimize_budget');
    expect(mix.body.result.campaign.name).toBe('Always-on Search');
    expect(mix.body.result.channels.reduce((a: number, c: { amount: number }) => a + c.amount, 0)).toBeCloseTo(4000, 0);

    const onboarding = await say('operator', 'how many users are in onboarding');
    expect(onboarding.body.result.sequence.key).toBe('onboarding');
    expect(onboarding.body.result.active).toBe(4);
    expect(onboarding.body.speech).toBe('4 contacts are in Onboarding right now.');
  });

  test('pause and resume a campaign by name; the chairman may pause but not resume', async () => {
    const campaigns = await client(t)('GET', `/v1/campaigns?ventureId=${ventureId}`);
    const search = campaigns.body.campaigns.find((c: { name: string }) => c.name === 'Always-on Search');
    await waitFor(async () => {
      const c = await client(t)('GET', `/v1/campaigns/${search.id}`);
      return c.body.live?.state === 'active' ? true : undefined;
    });
    const stateIs = (state: string) =>
      waitFor(async () => {
        const c = await client(t)('GET', `/v1/campaigns/${search.id}`);
        return c.body.live?.state === state ? true : undefined;
      });
    const paused = await say('chairman', 'pause campaign always-on search');
    expect(paused.status).toBe(200);
    // The run tells the platforms first; on a busy machine that can outlast the command's own short wait.
    expect(paused.body.result).toEqual(expect.objectContaining({ action: 'pause', name: 'Always-on Search' }));
    await stateIs('paused');
    expect((await say('chairman', 'resume campaign always-on search')).status).toBe(403);
    const again = await say('marketer', 'pause always on search');
    expect(again.status).toBe(409);
    expect(again.body.speech).toMatch(/^I cannot pause Always-on Search/);
    const resumed = await say('marketer', 'resume campaign always on search please');
    expect(resumed.status).toBe(200);
    expect(resumed.body.result).toEqual(expect.objectContaining({ action: 'resume' }));
    await stateIs('active');
  });

  test('unknown text is a 200 that lists what is understood; a missing text is a 400', async () => {
    const res = await say('marketer', 'sing me a song');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      expect.objectContaining({ intent: 'unknown', result: expect.objectContaining({ examples: expect.any(Array) }) }),
    );
    expect(res.body.speech).toContain('show gtm performance for');
    const bad = await client(t)('POST', '/v1/commands', { words: 'x' });
    expect(bad.status).toBe(400);
    const unknownName = await say('marketer', 'pause campaign black friday blowout');
    expect(unknownName.status).toBe(200);
    expect(unknownName.body.speech).toMatch(/I found no campaign called "black friday blowout"/);
  });
});

describe('programmatic SEO pages', () => {
  test('the hub links every published page; thin pages are held back with the reason', async () => {
    const hub = await fetch(`${t.api}/pages/acme-notes/`);
    expect(hub.status).toBe(200);
    expect(hub.headers.get('content-type')).toMatch(/text\/html/);
    const html = await hub.text();
    for (const path of [
      'integrations/slack',
      'integrations/google-calendar',
      'integrations/zoom',
      'vs/notion',
      'vs/evernote',
    ])
      expect(html).toContain(`href="/pages/acme-notes/${path}"`);
    expect(html).not.toContain('zapier');

    const page = await (await fetch(`${t.api}/pages/acme-notes/vs/notion`)).text();
    expect(page).toContain('<h1>Acme Notes vs Notion</h1>');
    expect(page).toContain('href="/pages/acme-notes/"');
    expect(page).toContain(`<link rel="canonical" href="${t.api}/pages/acme-notes/vs/notion">`);
    expect((await fetch(`${t.api}/pages/acme-notes/integrations/zapier`)).status).toBe(404);
    expect((await fetch(`${t.api}/pages/nobody/`)).status).toBe(404);

    const sitemap = await fetch(`${t.api}/pages/acme-notes/sitemap.xml`);
    expect(sitemap.headers.get('content-type')).toMatch(/xml/);
    const xml = await sitemap.text();
    expect(xml.match(/<loc>/g)).toHaveLength(6);

    const report = await client(t)('GET', `/v1/ventures/${ventureId}/seo-pages`);
    expect(report.body.published).toHaveLength(5);
    expect(report.body.rejected.map((r: { slug: string }) => r.slug).sort()).toEqual(['otter', 'zapier']);
    expect(report.body.rejected[0].reasons[0]).toMatch(/^thin content/);
  });

  test('whatever a venture’s profile holds is escaped', async () => {
    const evil = '<script>alert(1)</script>';
    const created = await client(t)('POST', '/v1/ventures', {
      name: 'Evil & Co',
      slug: 'evil-co',
      productName: `Evil ${evil}`,
      description: `Long text ${'word '.repeat(200)}`,
      profile: { integrations: [{ name: `Tool ${evil}`, description: evil, useCases: ['a', 'b'] }] },
    });
    expect(created.status).toBe(201);
    const html = await (await fetch(`${t.api}/pages/evil-co/integrations/tool-script-alert-1-script`)).text();
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain(evil);
  });
});

test('campaign influencers: listed with their match scores; adding twice keeps one', async () => {
  const campaigns = await client(t)('GET', `/v1/campaigns?ventureId=${ventureId}`);
  const collab = campaigns.body.campaigns.find((c: { name: string }) => c.name === 'Creator Collab');
  const list = await client(t)('GET', `/v1/campaigns/${collab.id}/influencers`);
  expect(list.body.influencers).toHaveLength(3);
  expect(list.body.influencers[0]).toEqual(
    expect.objectContaining({ compositeScore: expect.any(Number), estimatedRoi: expect.any(Number) }),
  );
  const id = list.body.influencers[0].influencerId;
  const again = await client(t)('POST', `/v1/campaigns/${collab.id}/influencers`, { influencerId: id });
  expect(again.status).toBe(200);
  expect(again.body.added).toBe(false);
  expect(
    (await client(t, 'chairman')('POST', `/v1/campaigns/${collab.id}/influencers`, { influencerId: id })).status,
  ).toBe(403);
  expect(
    (
      await client(t)('POST', `/v1/campaigns/${collab.id}/influencers`, {
        influencerId: '00000000-0000-4000-8000-000000000000',
      })
    ).status,
  ).toBe(404);
});
