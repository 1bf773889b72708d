import { MetaAdsFake } from '../../test/fakes';
import { createMetaAdsPlatform, type MetaAdsPlatform } from './metaAds';
import { AdPlatformError } from './types';

const creds = { token: 'EAAB-secret-meta-token-987', adAccountId: '555000111' };
const launch = {
  idempotencyKey: 'launch-1',
  name: 'Spring launch',
  dailyBudget: 25.5,
  currency: 'USD',
  startDate: '2026-12-01',
};

async function rejection(promise: Promise<unknown>): Promise<AdPlatformError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AdPlatformError);
  return err as AdPlatformError;
}

describe('Meta adapter against a local Graph API', () => {
  let fake: MetaAdsFake;
  let ads: MetaAdsPlatform;
  const make = (overrides: Partial<Parameters<typeof createMetaAdsPlatform>[0]> = {}): MetaAdsPlatform =>
    createMetaAdsPlatform({
      baseUrl: fake.baseUrl,
      token: creds.token,
      adAccountId: `act_${creds.adAccountId}`,
      currency: 'USD',
      timeoutMs: 2_000, // generous: a busy machine must not look like a hanging platform
      ...overrides,
    });

  beforeEach(async () => {
    fake = await MetaAdsFake.start(creds);
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
});
