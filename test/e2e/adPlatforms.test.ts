// Ad platforms as a real account meets them, through the API only: an audience synced to the sandbox and kept equal
// to its segment; Google Ads (an imitation on loopback with its OAuth token endpoint) throttling a sync, which
// Temporal retries after the delay Google asked for, and renewing an expired access token once; a revoked refresh
// token stopping a campaign's metrics sync with a message that names the setting; and the credential check telling
// the operators about a Meta token that expires in ten days.
import { adCredentialCheckScheduleId } from '../../app/adPlatformSchedules';
import { GoogleAdsFake, MetaAdsFake } from '../fakes';
import { uniqueId } from '../harness';
import { client, startTestStack, type TestStack } from '../harness/stack';

jest.setTimeout(120_000);

const OPERATOR_EMAIL = 'ops@acme.test';
const oauthClient = {
  clientId: 'gtm-client.apps.example',
  clientSecret: 'client-secret-123',
  refreshToken: '1//refresh-abc',
};
const googleCreds = { token: 'ya29.unused-fixed-token', developerToken: 'dev-token-ads', customerId: '5550002222' };
const metaCreds = { token: 'EAAB-placeholder', adAccountId: '777000222', appId: '4242', appSecret: 'app-secret-xyz' };

let t: TestStack;
let google: GoogleAdsFake;
let meta: MetaAdsFake;
let metaToken: string;

beforeAll(async () => {
  google = await GoogleAdsFake.start(googleCreds, { oauth: oauthClient });
  meta = await MetaAdsFake.start(metaCreds);
  metaToken = meta.issueUserToken(10 * 86_400 + 3_600);
  t = await startTestStack({
    OPERATOR_EMAIL,
    APPROVAL_CAMPAIGN_BUDGET_THRESHOLD: '1000000',
    METRICS_SYNC_EVERY: 'PT2S',
    AUDIENCE_SYNC_INTERVAL: 'P365D',
    GOOGLE_ADS_BASE_URL: google.baseUrl,
    GOOGLE_ADS_TOKEN_URL: google.tokenUrl,
    GOOGLE_ADS_CLIENT_ID: oauthClient.clientId,
    GOOGLE_ADS_CLIENT_SECRET: oauthClient.clientSecret,
    GOOGLE_ADS_REFRESH_TOKEN: oauthClient.refreshToken,
    GOOGLE_ADS_DEVELOPER_TOKEN: googleCreds.developerToken,
    GOOGLE_ADS_CUSTOMER_ID: googleCreds.customerId,
    GOOGLE_ADS_CURRENCY: 'USD',
    META_BASE_URL: meta.baseUrl,
    META_ACCESS_TOKEN: metaToken,
    META_APP_ID: metaCreds.appId,
    META_APP_SECRET: metaCreds.appSecret,
    META_AD_ACCOUNT_ID: metaCreds.adAccountId,
  });
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await google?.server.stop();
  await meta?.server.stop();
});

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A segment of `n` new contacts with a plan of their own, and its key. */
async function segmentOf(n: number): Promise<{ key: string; plan: string; ids: string[] }> {
  const marketer = client(t, 'marketer');
  const plan = uniqueId('plan');
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = uniqueId('p');
    expect((await marketer('POST', '/v1/contacts', { id, email: `${id}@Example.com`, traits: { plan } })).status).toBe(
      201,
    );
    ids.push(id);
  }
  const key = uniqueId('seg');
  const created = await marketer('POST', '/v1/segments', {
    key,
    name: 'Pro plan',
    definition: { trait: 'plan', op: 'eq', value: plan },
  });
  expect(created.body.count).toBe(n);
  return { key, plan, ids };
}

type Run = { status: string; eligible: number; added: number; removed: number; errors: string[] };

/** The sync once it has `n` finished runs. */
function finishedRuns(id: string, n: number) {
  const marketer = client(t, 'marketer');
  return until(
    () => marketer('GET', `/v1/audience-syncs/${id}`),
    (r) => r.body.runs?.filter((run: Run) => run.status !== 'running').length >= n,
  );
}

test('an audience sync adds the segment, then removes a member who unsubscribes from ads', async () => {
  const marketer = client(t, 'marketer');
  const { key, ids } = await segmentOf(4);

  const bad = await marketer('POST', '/v1/audience-syncs', { segment: key, platform: 'tiktok' });
  expect(bad.status).toBe(400);
  expect(bad.body.problems[0]).toMatchObject({
    path: 'platform',
    message: 'the platform must be one of: google, meta, linkedin, sandbox',
  });
  const unknown = await marketer('POST', '/v1/audience-syncs', { segment: 'no-such-segment', platform: 'sandbox' });
  expect(unknown.status).toBe(400);
  expect(unknown.body.problems[0].path).toBe('segment');
  expect(unknown.body.problems[0].message).toContain(key);
  expect(
    (await client(t, 'chairman')('POST', '/v1/audience-syncs', { segment: key, platform: 'sandbox' })).status,
  ).toBe(403);

  const created = await marketer('POST', '/v1/audience-syncs', { segment: key, platform: 'sandbox' });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ segment: key, platform: 'sandbox', sandbox: true, interval: 'P365D' });
  const first = await finishedRuns(created.body.id, 1);
  expect(first.body.lastRun).toMatchObject({ status: 'succeeded', eligible: 4, added: 4, removed: 0, errors: [] });
  expect(first.body.externalId).toMatch(/^sbx_aud_/);

  // One member leaves the advertising topic in the preference centre; the next run takes them out.
  const left = await marketer('PUT', `/v1/contacts/${ids[0]}/subscriptions`, { advertising: false });
  expect(left.status).toBe(200);
  const again = await marketer('POST', `/v1/audience-syncs/${created.body.id}/run`);
  expect(again.status).toBe(202);
  const second = await finishedRuns(created.body.id, 2);
  expect(second.body.lastRun).toMatchObject({ status: 'succeeded', eligible: 3, added: 0, removed: 1, errors: [] });

  // Nothing changed since: a third run sends nothing.
  await marketer('POST', `/v1/audience-syncs/${created.body.id}/run`);
  const third = await finishedRuns(created.body.id, 3);
  expect(third.body.lastRun).toMatchObject({ eligible: 3, added: 0, removed: 0, refreshed: 0 });

  // A member uploaded half a year ago is uploaded again (Customer Match lets memberships lapse), and says so.
  const [oldest] = await t.stack.db('audience_sync_members').where({ sync_id: created.body.id }).limit(1);
  await t.stack
    .db('audience_sync_members')
    .where({ sync_id: created.body.id, hash: oldest.hash })
    .update({ added_at: new Date(Date.now() - 200 * 86_400_000) });
  await marketer('POST', `/v1/audience-syncs/${created.body.id}/run`);
  const fourth = await finishedRuns(created.body.id, 4);
  expect(fourth.body.lastRun).toMatchObject({ eligible: 3, added: 0, removed: 0, refreshed: 1 });

  const audit = await client(t, 'chairman')('GET', `/v1/audit?subjectId=${created.body.id}`);
  expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual(
    expect.arrayContaining(['audience_sync.created', 'audience_sync.run_requested']),
  );
});

test('Google throttles a sync: Temporal retries it after the delay Google asked for, and a stale token is renewed once', async () => {
  const marketer = client(t, 'marketer');
  const { key, plan } = await segmentOf(3);
  const search = { method: 'POST', path: /googleAds:searchStream$/ };
  google.quotaExhaustedNext(1, 3, search);
  const before = google.server.requestsTo(search.method, search.path).length;

  const created = await marketer('POST', '/v1/audience-syncs', { segment: key, platform: 'google' });
  expect(created.body).toMatchObject({ platform: 'google', sandbox: false });
  const done = await until(
    () => marketer('GET', `/v1/audience-syncs/${created.body.id}`),
    (r) => r.body.lastRun?.status === 'succeeded',
  );
  expect(done.body.lastRun).toMatchObject({ eligible: 3, added: 3 });
  // The throttled attempt is on record, with Google's own delay.
  expect(done.body.runs.at(-1)).toMatchObject({
    status: 'failed',
    errors: [expect.stringContaining('retry after 3 s')],
  });
  // Two attempts at the same lookup, the second at least Google's three seconds after the first (the activity's own
  // backoff would have retried after one).
  const [throttled, retried] = google.server.requestsTo(search.method, search.path).slice(before);
  expect(retried!.at - throttled!.at).toBeGreaterThanOrEqual(3_000);
  // What reached Google was hashes of the normalised addresses, never an address.
  const uploads = google.server.requestsTo('POST', /offlineUserDataJobs\/\d+:addOperations$/);
  expect(uploads.map((r) => r.body).join('')).not.toContain('@');

  // The access token expires early; the next run renews it once and goes through.
  google.oauth!.expireAccessTokens();
  const refreshes = google.oauth!.refreshCount(google.server);
  const newcomer = uniqueId('p');
  await marketer('POST', '/v1/contacts', { id: newcomer, email: `${newcomer}@gmail.com`, traits: { plan } });
  await marketer('POST', `/v1/audience-syncs/${created.body.id}/run`);
  const renewed = await finishedRuns(created.body.id, 3);
  expect(renewed.body.lastRun).toMatchObject({ status: 'succeeded', eligible: 4, added: 1, removed: 0 });
  expect(google.oauth!.refreshCount(google.server)).toBe(refreshes + 1);
});

test('the credential check tells the operators about a Meta token that expires in ten days', async () => {
  await t.stack.temporal.schedule.getHandle(adCredentialCheckScheduleId(t.taskQueue)).trigger();
  const [mail] = await t.smtp.waitFor((m) => m.some((x) => x.envelopeTo.includes(OPERATOR_EMAIL)), 30_000);
  expect(mail!.subject).toBe('Renew META_ACCESS_TOKEN: it expires in 10 days');
  expect(mail!.text).toContain('The meta credential in META_ACCESS_TOKEN expires on');
  expect(mail!.text).not.toContain(metaToken);

  const platforms = await client(t, 'chairman')('GET', '/v1/ad-platforms');
  const byName = new Map(platforms.body.platforms.map((p: { name: string }) => [p.name, p]));
  expect(byName.get('meta')).toMatchObject({
    mode: 'live',
    credentials: expect.arrayContaining([
      expect.objectContaining({ setting: 'META_ACCESS_TOKEN', valid: true, attention: 'expiring' }),
    ]),
  });
  expect(byName.get('google')).toMatchObject({
    mode: 'live',
    credentials: expect.arrayContaining([
      expect.objectContaining({ setting: 'GOOGLE_ADS_REFRESH_TOKEN', valid: true, attention: null }),
    ]),
  });
  expect(byName.get('linkedin')).toMatchObject({ mode: 'sandbox', credentials: [] });
  expect(JSON.stringify(platforms.body)).not.toContain(oauthClient.refreshToken);
});

test('a revoked refresh token stops the campaign’s metrics sync, which names the setting to renew', async () => {
  const marketer = client(t, 'marketer');
  const venture = await marketer('POST', '/v1/ventures', {
    name: 'Acme',
    slug: uniqueId('acme'),
    productName: 'Notes',
  });
  const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
  const created = await marketer('POST', '/v1/campaigns', {
    ventureId: venture.body.id,
    name: 'Search',
    type: 'acquisition',
    channel: 'paid',
    platforms: ['google'],
    startDate: day(0),
    endDate: day(30),
    budget: 3_000,
    currency: 'USD',
  });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  await until(
    () => marketer('GET', `/v1/campaigns/${id}`),
    (r) => r.body.live?.state === 'active' && !!r.body.live?.lastSync,
  );

  google.oauth!.revoke();
  const stopped = await until(
    () => marketer('GET', `/v1/campaigns/${id}`),
    (r) => !!r.body.live?.syncError,
  );
  expect(stopped.body.live.syncError).toMatchObject({ credential: true });
  expect(stopped.body.live.syncError.message).toContain('GOOGLE_ADS_REFRESH_TOKEN');
  expect(stopped.body.live.syncError.message).not.toContain(oauthClient.refreshToken);
  const audit = await client(t, 'chairman')('GET', `/v1/audit?subjectId=${id}`);
  const failed = audit.body.entries.filter((e: { action: string }) => e.action === 'campaign.sync_failed');
  expect(failed).toHaveLength(1);
  expect(failed[0].details.message).toContain('GOOGLE_ADS_REFRESH_TOKEN');
});
