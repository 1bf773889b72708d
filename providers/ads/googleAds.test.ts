import { GoogleAdsFake, googleAdsError } from '../../test/fakes';
import { createGoogleAdsPlatform, type GoogleAdsPlatform } from './googleAds';
import { AdPlatformError } from './types';

const creds = {
  token: 'ya29.secret-access-token-123',
  developerToken: 'dev-secret-token-456',
  customerId: '1234567890',
};
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

describe('Google Ads adapter against a local Google Ads API', () => {
  let fake: GoogleAdsFake;
  let ads: GoogleAdsPlatform;

  beforeEach(async () => {
    fake = await GoogleAdsFake.start(creds);
    ads = createGoogleAdsPlatform({
      baseUrl: fake.baseUrl,
      token: creds.token,
      developerToken: creds.developerToken,
      customerId: '123-456-7890',
      loginCustomerId: '999-888-7777',
      currency: 'USD',
      timeoutMs: 2_000, // generous: a busy machine must not look like a hanging platform
    });
  });

  afterEach(async () => {
    await fake.server.stop();
  });

  it('sends the bearer token, developer token and login-customer-id on every call', async () => {
    await ads.createCampaign(launch);
    expect(fake.server.requests.length).toBeGreaterThanOrEqual(4);
    for (const req of fake.server.requests) {
      expect(req.headers.authorization).toBe(`Bearer ${creds.token}`);
      expect(req.headers['developer-token']).toBe(creds.developerToken);
      expect(req.headers['login-customer-id']).toBe('9998887777');
      expect(req.path).toMatch(/^\/v26\/customers\/1234567890\//);
    }
  });

  it('creates a budget and a paused campaign once; the same key then returns the first campaign', async () => {
    const first = await ads.createCampaign({ ...launch, endDate: '2026-12-31' });
    expect(first.created).toBe(true);
    expect(fake.campaigns.size).toBe(1);
    expect(fake.budgets.size).toBe(1);
    const campaign = fake.campaigns.get(first.externalId)!;
    expect(campaign).toMatchObject({
      name: 'Spring launch [gtm:launch-1]',
      status: 'PAUSED',
      advertisingChannelType: 'SEARCH',
      startDateTime: '2026-12-01 00:00:00',
      endDateTime: '2026-12-31 23:59:59',
    });
    expect(fake.budgets.get(campaign.campaignBudget)?.amountMicros).toBe('25500000');

    const mutatesBefore = fake.server.requestsTo('POST', /:mutate$/).length;
    const second = await ads.createCampaign(launch);
    expect(second).toEqual({ externalId: first.externalId, created: false });
    expect(fake.campaigns.size).toBe(1);
    expect(fake.server.requestsTo('POST', /:mutate$/).length).toBe(mutatesBefore);
  });

  it('reads every searchStream batch and ignores campaigns whose key only shares a prefix', async () => {
    fake.seedCampaign('Other [gtm:launch-10]');
    fake.seedCampaign('Other [gtm:launch-11]');
    fake.seedCampaign('Removed [gtm:launch-1]', 'REMOVED');
    fake.seedCampaign('Other [gtm:launch-12]');
    const mine = fake.seedCampaign('Spring launch [gtm:launch-1]');
    fake.batchSize = 2; // the four LIKE matches come back in two batches, ours in the second

    await expect(ads.createCampaign(launch)).resolves.toEqual({ externalId: mine, created: false });
    const query = JSON.parse(fake.server.requestsTo('POST', /searchStream$/)[0]!.body).query as string;
    expect(query).toContain("campaign.name LIKE '%gtm:launch-1%'");
  });

  it('reuses the budget of an attempt that failed before its campaign was created', async () => {
    fake.server.failNext(1, 503, 'The service is currently unavailable.', {
      method: 'POST',
      path: /campaigns:mutate$/,
    });
    const failed = await rejection(ads.createCampaign(launch));
    expect(failed.retryable).toBe(true);
    expect(fake.budgets.size).toBe(1);
    expect(fake.campaigns.size).toBe(0);

    const retried = await ads.createCampaign(launch);
    expect(retried.created).toBe(true);
    expect(fake.budgets.size).toBe(1);
    expect(fake.campaigns.get(retried.externalId)?.campaignBudget).toBe([...fake.budgets.keys()][0]);
  });

  it('hands a 429 up at once as a retryable error carrying the Retry-After, and the retry succeeds', async () => {
    const { externalId } = await ads.createCampaign(launch);
    const before = fake.server.requests.length;
    fake.server.rateLimitNext(1, '600');
    const err = await rejection(ads.pause(externalId));
    expect(err).toMatchObject({ retryable: true, status: 429, retryAfterMs: 600_000 });
    expect(err.message).toContain('retry after 600 s');
    // One request, no wait in the adapter: the activity's retry policy does the waiting.
    expect(fake.server.requests.length).toBe(before + 1);
    await ads.pause(externalId);
    expect(fake.campaigns.get(externalId)?.status).toBe('PAUSED');
  });

  it('reports a 500 as retryable', async () => {
    fake.server.failNext(1, 500, 'Internal error encountered.');
    const err = await rejection(ads.createCampaign(launch));
    expect(err).toMatchObject({ retryable: true, status: 500, platform: 'google' });
  });

  it("reports a 400 as permanent, with Google's message and without any credential", async () => {
    fake.server.failNext(1, 400, `Invalid value '${creds.token}' for developer token ${creds.developerToken}.`);
    const err = await rejection(ads.createCampaign(launch));
    expect(err.retryable).toBe(false);
    expect(err.status).toBe(400);
    expect(err.message).toContain('Invalid value');
    expect(err.message).not.toContain(creds.token);
    expect(err.message).not.toContain(creds.developerToken);
    expect(err.message).toContain('[redacted]');
  });

  it('reads the error array searchStream streams back', async () => {
    fake.server.replyNext(1, { status: 400, body: [googleAdsError(400, "Error in query: unexpected input 'FORM'.")] });
    const err = await rejection(ads.fetchMetrics('123', { from: '2026-12-01', to: '2026-12-03' }));
    expect(err.message).toContain("Error in query: unexpected input 'FORM'.");
    expect(err.retryable).toBe(false);
  });

  it('gives up on a call that does not answer in time, as retryable', async () => {
    fake.server.hangNext(1);
    const err = await rejection(ads.createCampaign(launch));
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/did not answer within 2000 ms/);
  });

  it('pauses, resumes and changes the budget in micros', async () => {
    const { externalId } = await ads.createCampaign(launch);
    await ads.resume(externalId);
    expect(fake.campaigns.get(externalId)?.status).toBe('ENABLED');
    await ads.pause(externalId);
    expect(fake.campaigns.get(externalId)?.status).toBe('PAUSED');
    await ads.setBudget(externalId, 40.123);
    const budget = fake.budgets.get(fake.campaigns.get(externalId)!.campaignBudget)!;
    expect(budget.amountMicros).toBe('40120000'); // rounded to the cent, the billable unit
  });

  it('turns micros into currency units, one row per day, over several batches', async () => {
    const { externalId } = await ads.createCampaign(launch);
    fake.batchSize = 1;
    fake.metrics.set(externalId, [
      { date: '2026-11-30', impressions: 9, clicks: 9, conversions: 9, costMicros: 9_000_000, conversionsValue: 9 },
      {
        date: '2026-12-01',
        impressions: 1200,
        clicks: 36,
        conversions: 2.5,
        costMicros: 18_420_000,
        conversionsValue: 210.75,
      },
      {
        date: '2026-12-03',
        impressions: 800,
        clicks: 20,
        conversions: 1,
        costMicros: 9_990_000,
        conversionsValue: 99.5,
      },
    ]);
    const rows = await ads.fetchMetrics(externalId, { from: '2026-12-01', to: '2026-12-03' });
    expect(rows).toEqual([
      { date: '2026-12-01', impressions: 1200, clicks: 36, conversions: 2.5, spend: 18.42, revenue: 210.75 },
      { date: '2026-12-02', impressions: 0, clicks: 0, conversions: 0, spend: 0, revenue: 0 },
      { date: '2026-12-03', impressions: 800, clicks: 20, conversions: 1, spend: 9.99, revenue: 99.5 },
    ]);
    const query = JSON.parse(fake.server.requestsTo('POST', /searchStream$/).at(-1)!.body).query as string;
    expect(query).toContain(
      `WHERE campaign.id = ${externalId} AND segments.date BETWEEN '2026-12-01' AND '2026-12-03'`,
    );
  });

  it('refuses a campaign in another currency than the account', async () => {
    const err = await rejection(ads.createCampaign({ ...launch, currency: 'EUR' }));
    expect(err.retryable).toBe(false);
    expect(fake.server.requests).toHaveLength(0);
  });
});
