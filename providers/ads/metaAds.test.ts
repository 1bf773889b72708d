import { MetaAdsFake, rejection } from '../../test/fakes';
import { sha256Hex } from './audienceHash';
import { createMetaAdsPlatform, type MetaAdsPlatform } from './metaAds';
import { AdCredentialError } from './types';

const creds = {
  token: 'EAAB-secret-meta-token-987',
  adAccountId: '555000111',
  appId: '1234567890',
  appSecret: 'app-secret-abcdef-456',
};
const launch = {
  idempotencyKey: 'launch-1',
  name: 'Spring launch',
  dailyBudget: 25.5,
  currency: 'USD',
  startDate: '2026-12-01',
};

describe('Meta adapter against a local Graph API', () => {
  let fake: MetaAdsFake;
  let ads: MetaAdsPlatform;
  let clock: number;
  const now = (): number => clock;
  const make = (overrides: Partial<Parameters<typeof createMetaAdsPlatform>[0]> = {}): MetaAdsPlatform =>
    createMetaAdsPlatform(
      {
        baseUrl: fake.baseUrl,
        token: creds.token,
        adAccountId: `act_${creds.adAccountId}`,
        currency: 'USD',
        timeoutMs: 2_000, // generous: a busy machine must not look like a hanging platform
        ...overrides,
      },
      { now },
    );

  beforeEach(async () => {
    clock = Date.parse('2026-11-02T09:00:00Z');
    fake = await MetaAdsFake.start(creds, { now });
    ads = make();
  });

  afterEach(async () => {
    await fake.server.stop();
  });

  it('sends the token as a bearer header, never in the URL', async () => {
    await ads.createCampaign(launch);
    expect(fake.server.requests.length).toBe(2);
    for (const req of fake.server.requests) {
      expect(req.headers.authorization).toBe(`Bearer ${creds.token}`);
      expect(req.url.toString()).not.toContain(creds.token);
      expect(req.path).toMatch(/^\/v27\.0\//);
    }
  });

  it('creates a paused campaign with the budget in minor units once; the same key then returns it', async () => {
    const first = await ads.createCampaign({ ...launch, objective: 'leads' });
    expect(first.created).toBe(true);
    expect(fake.campaigns.get(first.externalId)).toMatchObject({
      name: 'Spring launch [gtm:launch-1]',
      objective: 'OUTCOME_LEADS',
      status: 'PAUSED',
      daily_budget: '2550',
      special_ad_categories: [],
    });
    const lookup = fake.server.requestsTo('GET', /campaigns$/)[0]!;
    expect(JSON.parse(lookup.url.searchParams.get('filtering')!)).toEqual([
      { field: 'name', operator: 'CONTAIN', value: 'gtm:launch-1' },
    ]);

    const second = await ads.createCampaign(launch);
    expect(second).toEqual({ externalId: first.externalId, created: false });
    expect(fake.campaigns.size).toBe(1);
    expect(fake.server.requestsTo('POST', /campaigns$/)).toHaveLength(1);
  });

  it('writes zero-decimal currencies as whole units', async () => {
    const yen = make({ currency: 'JPY' });
    const { externalId } = await yen.createCampaign({ ...launch, currency: 'JPY', dailyBudget: 3000 });
    expect(fake.campaigns.get(externalId)?.daily_budget).toBe('3000');
  });

  it('follows paging.next through look-alike names to find its campaign', async () => {
    fake.seedCampaign('Other [gtm:launch-10]');
    fake.seedCampaign('Other [gtm:launch-11]');
    fake.seedCampaign('Other [gtm:launch-12]');
    const mine = fake.seedCampaign('Spring launch [gtm:launch-1]', 'PAUSED');
    fake.pageSize = 2;

    await expect(ads.createCampaign(launch)).resolves.toEqual({ externalId: mine, created: false });
    const lists = fake.server.requestsTo('GET', /campaigns$/);
    expect(lists).toHaveLength(2);
    expect(lists[1]!.url.searchParams.get('after')).toBeTruthy();
    expect(lists[1]!.url.searchParams.get('filtering')).toBe(lists[0]!.url.searchParams.get('filtering'));
  });

  it('hands a 429 up as a retryable error carrying the Retry-After, and the retry creates the campaign', async () => {
    fake.server.rateLimitNext(1, '3');
    const err = await rejection(ads.createCampaign(launch));
    expect(err).toMatchObject({ retryable: true, status: 429, retryAfterMs: 3000, platform: 'meta' });
    const { created } = await ads.createCampaign(launch);
    expect(created).toBe(true);
  });

  it("treats Meta's throttling codes (400 + 80004) as rate limits, with the wait it names", async () => {
    fake.throttleNext(1, 5);
    const err = await rejection(ads.createCampaign({ ...launch, idempotencyKey: 'launch-2' }));
    expect(err).toMatchObject({ retryable: true, retryAfterMs: 300_000, status: 400 });
    expect(err.message).toContain('too many calls');
  });

  it('reports a 500 as retryable', async () => {
    fake.server.failNext(1, 500, 'An unknown error occurred');
    const err = await rejection(ads.createCampaign(launch));
    expect(err).toMatchObject({ retryable: true, status: 500, platform: 'meta' });
  });

  it("reports a 400 as permanent, with Meta's message and without the token", async () => {
    fake.server.failNext(1, 400, `Invalid parameter: access token ${creds.token} cannot create campaigns`);
    const err = await rejection(ads.createCampaign(launch));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('Invalid parameter');
    expect(err.message).not.toContain(creds.token);
  });

  it('gives up on a call that does not answer in time, as retryable', async () => {
    fake.server.hangNext(1);
    const err = await rejection(ads.createCampaign(launch));
    expect(err.retryable).toBe(true);
  });

  it('pauses, resumes and sets the budget', async () => {
    const { externalId } = await ads.createCampaign(launch);
    await ads.resume(externalId);
    expect(fake.campaigns.get(externalId)?.status).toBe('ACTIVE');
    await ads.pause(externalId);
    expect(fake.campaigns.get(externalId)?.status).toBe('PAUSED');
    await ads.setBudget(externalId, 99.99);
    expect(fake.campaigns.get(externalId)?.daily_budget).toBe('9999');
  });

  it('reads paged daily insights: spend in units, purchases from one action type, zero days filled', async () => {
    const { externalId } = await ads.createCampaign(launch);
    fake.pageSize = 2;
    fake.insights.set(externalId, [
      {
        date: '2026-12-01',
        impressions: 5400,
        clicks: 81,
        spend: '40.17',
        actions: [
          { action_type: 'link_click', value: '81' },
          { action_type: 'omni_purchase', value: '3' },
          { action_type: 'purchase', value: '3' },
          { action_type: 'offsite_conversion.fb_pixel_purchase', value: '3' },
        ],
        action_values: [
          { action_type: 'omni_purchase', value: '180.5' },
          { action_type: 'purchase', value: '180.5' },
        ],
      },
      { date: '2026-12-02', impressions: 4100, clicks: 50, spend: '22.00' },
      {
        date: '2026-12-03',
        impressions: 3900,
        clicks: 44,
        spend: '19.8',
        actions: [{ action_type: 'offsite_conversion.fb_pixel_purchase', value: '1' }],
        action_values: [{ action_type: 'offsite_conversion.fb_pixel_purchase', value: '42' }],
      },
      { date: '2026-12-04', impressions: 1, clicks: 1, spend: '1.00' },
    ]);
    const rows = await ads.fetchMetrics(externalId, { from: '2026-12-01', to: '2026-12-03' });
    expect(rows).toEqual([
      { date: '2026-12-01', impressions: 5400, clicks: 81, conversions: 3, spend: 40.17, revenue: 180.5 },
      { date: '2026-12-02', impressions: 4100, clicks: 50, conversions: 0, spend: 22, revenue: 0 },
      { date: '2026-12-03', impressions: 3900, clicks: 44, conversions: 1, spend: 19.8, revenue: 42 },
    ]);
    const calls = fake.server.requestsTo('GET', /insights$/);
    expect(calls).toHaveLength(2);
    expect(JSON.parse(calls[0]!.url.searchParams.get('time_range')!)).toEqual({
      since: '2026-12-01',
      until: '2026-12-03',
    });
    expect(calls[0]!.url.searchParams.get('time_increment')).toBe('1');
  });

  it('answers an expired token as a credential error naming META_ACCESS_TOKEN, never retried', async () => {
    fake.expireToken();
    const err = await rejection(ads.createCampaign(launch));
    expect(err).toBeInstanceOf(AdCredentialError);
    expect(err).toMatchObject({ setting: 'META_ACCESS_TOKEN', retryable: false, status: 400 });
    expect(err.message).toContain('META_ACCESS_TOKEN');
    expect(err.message).toContain('Session has expired');
    expect(err.message).not.toContain(creds.token);
  });

  it('fails on an unknown or retired API version with the error Meta gives', async () => {
    const future = await rejection(make({ apiVersion: 'v99.0' }).createCampaign(launch));
    expect(future).toMatchObject({ retryable: false, status: 400 });
    expect(future.message).toContain('Unknown path components');

    const retired = await rejection(make({ apiVersion: 'v19.0' }).createCampaign(launch));
    expect(retired).toMatchObject({ retryable: false, status: 400 });
    expect(retired.message).toContain('deprecated version of the Ads API');
    expect(fake.campaigns.size).toBe(0);
  });

  describe('usage headers', () => {
    it('stops calling at 95% usage until the regain-access estimate has passed, then calls again', async () => {
      const externalId = fake.seedCampaign('Spring launch [gtm:launch-1]');
      fake.reportUsage({
        business: { call_count: 95, total_cputime: 12, total_time: 30, estimated_time_to_regain_access: 7 },
      });
      await ads.resume(externalId);
      const sent = fake.server.requests.length;

      const err = await rejection(ads.pause(externalId));
      expect(err).toMatchObject({ retryable: true, retryAfterMs: 7 * 60_000, platform: 'meta' });
      expect(err.message).toContain('ads_management call_count 95%');
      expect(err.message).not.toContain('total_time');
      expect(fake.server.requests.length).toBe(sent); // Meta was not asked

      clock += 7 * 60_000 - 1;
      await expect(ads.pause(externalId)).rejects.toMatchObject({ retryAfterMs: 1 });
      expect(fake.server.requests.length).toBe(sent);

      fake.reportUsage({ business: { call_count: 40, total_cputime: 12, total_time: 30 } });
      clock += 1;
      await ads.pause(externalId);
      expect(fake.campaigns.get(externalId)?.status).toBe('PAUSED');
      await ads.resume(externalId);
      expect(fake.campaigns.get(externalId)?.status).toBe('ACTIVE');
    });

    it('reads the success responses too: app usage without an estimate pauses five minutes', async () => {
      const externalId = fake.seedCampaign('Spring launch [gtm:launch-1]');
      fake.reportUsage({ app: { call_count: 20, total_cputime: 91, total_time: 50 } });
      await ads.pause(externalId);
      const err = await rejection(ads.resume(externalId));
      expect(err).toMatchObject({ retryable: true, retryAfterMs: 5 * 60_000 });
      expect(err.message).toContain('app total_cputime 91%');
    });

    it('keeps calling below the threshold, which is configurable', async () => {
      fake.reportUsage({ app: { call_count: 80, total_cputime: 10, total_time: 10 } });
      const { externalId } = await ads.createCampaign(launch);
      await ads.resume(externalId);

      const careful = make({ usageThresholdPct: 75 });
      await careful.pause(externalId);
      await expect(careful.resume(externalId)).rejects.toMatchObject({ retryable: true, retryAfterMs: 300_000 });
      expect(fake.campaigns.get(externalId)?.status).toBe('PAUSED');
    });

    it('after a throttling error, the next call waits out the regain-access estimate without calling', async () => {
      fake.throttleNext(1, 4);
      await rejection(ads.createCampaign(launch));
      const sent = fake.server.requests.length;
      await expect(ads.createCampaign(launch)).rejects.toMatchObject({ retryable: true, retryAfterMs: 240_000 });
      expect(fake.server.requests.length).toBe(sent);
      clock += 240_000;
      await expect(ads.createCampaign(launch)).resolves.toMatchObject({ created: true });
    });
  });

  describe('Custom Audiences', () => {
    const emails = ['ana@acme.example', 'Bo@Acme.example ', 'cy@acme.example'];

    it('hashes emails the way Meta matches them: trimmed, lowercased, SHA-256 hex', () => {
      expect(ads.audiences.hashEmail('  Bo@Acme.EXAMPLE ')).toBe(sha256Hex('bo@acme.example'));
      expect(ads.audiences.batchSize).toBe(10_000);
    });

    it('creates a customer-list audience once; the same key then finds it behind other audiences', async () => {
      fake.seedAudience('Other [gtm:seg-10]');
      fake.seedAudience('Other [gtm:seg-11]');
      fake.seedAudience('Website visitors');
      const first = await ads.audiences.ensureAudience({ key: 'seg-1', name: 'Trial users' });
      expect(fake.audiences.get(first.externalId)).toMatchObject({
        name: 'Trial users [gtm:seg-1]',
        subtype: 'CUSTOM',
        customer_file_source: 'USER_PROVIDED_ONLY',
      });
      const second = await ads.audiences.ensureAudience({ key: 'seg-1', name: 'Trial users (renamed)' });
      expect(second).toEqual(first);
      expect(fake.audiences.size).toBe(4);
      expect(fake.server.requestsTo('POST', /customaudiences$/)).toHaveLength(1);
      // Four audiences at two a page: the second lookup read both pages.
      const lists = fake.server.requestsTo('GET', /customaudiences$/);
      expect(lists.at(-1)!.url.searchParams.get('after')).toBeTruthy();
      expect(lists[0]!.url.searchParams.get('fields')).toBe('id,name');
    });

    it('adds hashed members with POST and removes them with DELETE, payload schema EMAIL_SHA256', async () => {
      const { externalId } = await ads.audiences.ensureAudience({ key: 'seg-1', name: 'Trial users' });
      const hashes = emails.map((e) => ads.audiences.hashEmail(e));
      await expect(ads.audiences.addMembers(externalId, hashes)).resolves.toEqual({});
      expect([...fake.audiences.get(externalId)!.members].sort()).toEqual([...hashes].sort());

      await ads.audiences.removeMembers(externalId, [hashes[1]!]);
      expect(fake.audiences.get(externalId)!.members.has(hashes[1]!)).toBe(false);
      expect(fake.audiences.get(externalId)!.members.size).toBe(2);

      const [removal] = fake.server.requestsTo('DELETE', /\/users$/);
      expect(JSON.parse(new URLSearchParams(removal!.body).get('payload')!)).toEqual({
        schema: 'EMAIL_SHA256',
        data: [hashes[1]],
      });
    });

    it('sends a full batch of 10,000 in one call and refuses a larger one without calling Meta', async () => {
      const { externalId } = await ads.audiences.ensureAudience({ key: 'seg-1', name: 'Trial users' });
      const hashes = Array.from({ length: 10_001 }, (_, i) => sha256Hex(`person${i}@acme.example`));
      await ads.audiences.addMembers(externalId, hashes.slice(0, 10_000));
      expect(fake.audiences.get(externalId)!.members.size).toBe(10_000);

      const sent = fake.server.requests.length;
      const err = await rejection(ads.audiences.addMembers(externalId, hashes));
      expect(err.retryable).toBe(false);
      expect(err.message).toContain('at most 10000');
      expect(fake.server.requests.length).toBe(sent);
    });

    it('never sends an unhashed email; the fake, like Meta, would count it invalid and not apply it', async () => {
      const { externalId } = await ads.audiences.ensureAudience({ key: 'seg-1', name: 'Trial users' });
      const sent = fake.server.requests.length;
      const err = await rejection(ads.audiences.addMembers(externalId, ['ana@acme.example']));
      expect(err.retryable).toBe(false);
      expect(err.message).not.toContain('ana@acme.example');
      expect(fake.server.requests.length).toBe(sent);

      const res = await fetch(`${fake.baseUrl}/v27.0/${externalId}/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${creds.token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          payload: JSON.stringify({ schema: 'EMAIL_SHA256', data: ['ana@acme.example', sha256Hex('bo@acme.example')] }),
        }),
      });
      expect(await res.json()).toMatchObject({ num_received: 2, num_invalid_entries: 1 });
      expect([...fake.audiences.get(externalId)!.members]).toEqual([sha256Hex('bo@acme.example')]);
    });

    it('fails a batch Meta reports invalid entries in, without naming the entries', async () => {
      const { externalId } = await ads.audiences.ensureAudience({ key: 'seg-1', name: 'Trial users' });
      const hash = sha256Hex('ana@acme.example');
      fake.server.replyNext(1, {
        status: 200,
        body: {
          audience_id: externalId,
          session_id: '42',
          num_received: 1,
          num_invalid_entries: 1,
          invalid_entry_samples: { [hash]: 'Invalid SHA-256 hash' },
        },
      });
      const err = await rejection(ads.audiences.addMembers(externalId, [hash]));
      expect(err.retryable).toBe(false);
      expect(err.message).toContain('1 of 1');
      expect(err.message).toContain('none was applied');
      expect(err.message).not.toContain(hash);
    });

    it('refuses an audience id that is not a Graph node id', async () => {
      const err = await rejection(ads.audiences.addMembers('../act_1', [sha256Hex('a@b.example')]));
      expect(err.retryable).toBe(false);
      expect(fake.server.requests).toHaveLength(0);
    });
  });

  describe('checkCredentials', () => {
    it('without the app: one GET /me says the token is accepted, with no expiry', async () => {
      await expect(ads.checkCredentials()).resolves.toEqual([
        { platform: 'meta', setting: 'META_ACCESS_TOKEN', valid: true },
      ]);
      expect(fake.server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v27.0/me']);

      fake.expireToken();
      const [status] = await ads.checkCredentials();
      expect(status).toMatchObject({ setting: 'META_ACCESS_TOKEN', valid: false });
      expect(status!.detail).toContain('Session has expired');
      expect(status!.detail).not.toContain(creds.token);
    });

    it('with the app: debug_token gives the earlier of the token and data-access expiries', async () => {
      const user = fake.issueUserToken(60 * 24 * 3600);
      const withApp = make({ token: user, appId: creds.appId, appSecret: creds.appSecret });
      await expect(withApp.checkCredentials()).resolves.toEqual([
        {
          platform: 'meta',
          setting: 'META_ACCESS_TOKEN',
          valid: true,
          expiresAt: new Date(clock + 60 * 24 * 3600 * 1000).toISOString(),
        },
        { platform: 'meta', setting: 'META_APP_ID / META_APP_SECRET', valid: true },
      ]);
      fake.tokens.get(user)!.dataAccessExpiresAt = Math.floor(clock / 1000) + 3600;
      const [status] = await withApp.checkCredentials();
      expect(status!.expiresAt).toBe(new Date(clock + 3600 * 1000).toISOString());

      // A system-user token never expires.
      const system = make({ appId: creds.appId, appSecret: creds.appSecret });
      const [never] = await system.checkCredentials();
      expect(never).toEqual({ platform: 'meta', setting: 'META_ACCESS_TOKEN', valid: true });
    });

    it('with the app: an expired token is reported invalid with Meta’s reason', async () => {
      fake.expireToken();
      const [status] = await make({ appId: creds.appId, appSecret: creds.appSecret }).checkCredentials();
      expect(status).toMatchObject({ setting: 'META_ACCESS_TOKEN', valid: false });
      expect(status!.detail).toContain('Session has expired');
    });

    it('a wrong app secret is reported on the app settings, and the token is still checked', async () => {
      const statuses = await make({ appId: creds.appId, appSecret: 'wrong-secret-789' }).checkCredentials();
      expect(statuses).toEqual([
        { platform: 'meta', setting: 'META_ACCESS_TOKEN', valid: true },
        expect.objectContaining({ setting: 'META_APP_ID / META_APP_SECRET', valid: false }),
      ]);
      expect(JSON.stringify(statuses)).not.toContain('wrong-secret-789');
    });

    it('an outage is thrown, not reported as an invalid credential', async () => {
      fake.server.failNext(1, 500, 'An unknown error occurred');
      await expect(ads.checkCredentials()).rejects.toMatchObject({ retryable: true, status: 500 });
    });
  });

  it('shows no credential when serialised', () => {
    const withApp = make({ appId: creds.appId, appSecret: creds.appSecret });
    const text = JSON.stringify(withApp);
    expect(text).not.toContain(creds.token);
    expect(text).not.toContain(creds.appSecret);
    expect(text).toContain('act_555000111');
  });
});
