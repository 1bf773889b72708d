import { LinkedInAdsFake } from '../../test/fakes';
import { taggedName } from './campaignNames';
import { createLinkedInAdsPlatform, restliString, type LinkedInAdsPlatform } from './linkedinAds';
import { AdPlatformError } from './types';

const creds = { token: 'AQV-secret-linkedin-token-42', adAccountId: '508000123', currency: 'USD' };
const launch = {
  idempotencyKey: 'launch-1',
  name: 'Spring launch',
  dailyBudget: 25.5,
  currency: 'USD',
  startDate: '2026-12-01',
};
const NOW = Date.parse('2026-11-28T12:00:00Z');

async function rejection(promise: Promise<unknown>): Promise<AdPlatformError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AdPlatformError);
  return err as AdPlatformError;
}

describe('LinkedIn adapter against a local Marketing API', () => {
  let fake: LinkedInAdsFake;
  let ads: LinkedInAdsPlatform;

  beforeEach(async () => {
    fake = await LinkedInAdsFake.start(creds);
    ads = createLinkedInAdsPlatform(
      {
        baseUrl: fake.baseUrl,
        token: creds.token,
        adAccountId: creds.adAccountId,
        campaignGroupId: 'urn:li:sponsoredCampaignGroup:6000001',
        currency: 'USD',
        timeoutMs: 2_000, // generous: a busy machine must not look like a hanging platform
      },
      { now: () => NOW },
    );
  });

  afterEach(async () => {
    await fake.server.stop();
  });

  it('sends the bearer token, Linkedin-Version and the Rest.li protocol header', async () => {
    await ads.createCampaign(launch);
    for (const req of fake.server.requests) {
      expect(req.headers.authorization).toBe(`Bearer ${creds.token}`);
      expect(req.headers['linkedin-version']).toBe('202607');
      expect(req.headers['x-restli-protocol-version']).toBe('2.0.0');
    }
  });

  it('creates a paused campaign, reads its id from x-restli-id, and finds it again by the same key', async () => {
    const first = await ads.createCampaign({ ...launch, endDate: '2026-12-31', objective: 'awareness' });
    expect(first.created).toBe(true);
    expect(fake.campaigns.get(Number(first.externalId))).toMatchObject({
      name: 'Spring launch [gtm:launch-1]',
      status: 'PAUSED',
      campaignGroup: 'urn:li:sponsoredCampaignGroup:6000001',
      objectiveType: 'BRAND_AWARENESS',
      dailyBudget: { amount: '25.50', currencyCode: 'USD' },
      runSchedule: { start: Date.parse('2026-12-01T00:00:00Z'), end: Date.parse('2027-01-01T00:00:00Z') },
    });
    // The name travels percent-encoded inside the raw Rest.li expression: spaces as %20, brackets escaped.
    const search = fake.server.requestsTo('GET', /adCampaigns$/)[0]!;
    expect(search.url.search).toContain('search=(name:(values:List(Spring%20launch%20%5Bgtm%3Alaunch-1%5D)))');

    const second = await ads.createCampaign(launch);
    expect(second).toEqual({ externalId: first.externalId, created: false });
    expect(fake.campaigns.size).toBe(1);
  });

  it('follows nextPageToken past deleted namesakes', async () => {
    const name = taggedName(launch.name, launch.idempotencyKey, 255);
    fake.seedCampaign(name, 'REMOVED');
    fake.seedCampaign(name, 'PENDING_DELETION');
    const mine = fake.seedCampaign(name, 'PAUSED');
    fake.pageSize = 2;

    await expect(ads.createCampaign(launch)).resolves.toEqual({ externalId: String(mine), created: false });
    const searches = fake.server.requestsTo('GET', /adCampaigns$/);
    expect(searches).toHaveLength(2);
    expect(searches[1]!.url.searchParams.get('pageToken')).toBeTruthy();
  });

  it('reads a Retry-After that is an HTTP date into the wait of a retryable error, and the retry succeeds', async () => {
    const retryAt = new Date(NOW + 4000).toUTCString();
    fake.server.rateLimitNext(1, retryAt);
    const err = await rejection(ads.createCampaign(launch));
    expect(err).toMatchObject({ retryable: true, status: 429, retryAfterMs: 4000, platform: 'linkedin' });
    expect((await ads.createCampaign(launch)).created).toBe(true);
  });

  it('reports a 500 as retryable', async () => {
    fake.server.failNext(1, 500, 'Internal Server Error');
    const err = await rejection(ads.createCampaign(launch));
    expect(err).toMatchObject({ retryable: true, status: 500, platform: 'linkedin' });
  });

  it("reports a 400 as permanent, with LinkedIn's message and without the token", async () => {
    fake.server.failNext(1, 400, `Invalid token ${creds.token} for field /name`);
    const err = await rejection(ads.createCampaign(launch));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('for field /name');
    expect(err.message).not.toContain(creds.token);
  });

  it('lists the fields LinkedIn refused', async () => {
    fake.server.replyNext(
      1,
      {
        status: 422,
        body: {
          status: 422,
          message: 'Validation failed',
          errorDetails: { inputErrors: [{ description: '/name: too long' }] },
        },
      },
      { method: 'POST', path: /adCampaigns$/ },
    );
    const err = await rejection(ads.createCampaign(launch));
    expect(err.message).toContain('Validation failed; /name: too long');
    expect(err.retryable).toBe(false);
  });

  it('gives up on a call that does not answer in time, as retryable', async () => {
    fake.server.hangNext(1);
    const err = await rejection(ads.createCampaign(launch));
    expect(err.retryable).toBe(true);
  });

  it('pauses, resumes and sets the budget with PARTIAL_UPDATE', async () => {
    const { externalId } = await ads.createCampaign(launch);
    await ads.resume(externalId);
    expect(fake.campaigns.get(Number(externalId))?.status).toBe('ACTIVE');
    await ads.pause(externalId);
    expect(fake.campaigns.get(Number(externalId))?.status).toBe('PAUSED');
    await ads.setBudget(externalId, 80);
    expect(fake.campaigns.get(Number(externalId))?.dailyBudget).toEqual({ amount: '80.00', currencyCode: 'USD' });
    const update = fake.server.requestsTo('POST', /adCampaigns\/\d+$/).at(-1)!;
    expect(update.headers['x-restli-method']).toBe('PARTIAL_UPDATE');
    expect(JSON.parse(update.body)).toEqual({
      patch: { $set: { dailyBudget: { amount: '80.00', currencyCode: 'USD' } } },
    });
  });

  it('reads daily adAnalytics: local-currency strings to numbers, zero days filled', async () => {
    const { externalId } = await ads.createCampaign(launch);
    fake.analytics.set(Number(externalId), [
      {
        date: '2026-12-01',
        impressions: 3100,
        clicks: 27,
        externalWebsiteConversions: 2,
        costInLocalCurrency: '24.987',
        conversionValueInLocalCurrency: '300',
      },
      {
        date: '2026-12-03',
        impressions: 2900,
        clicks: 25,
        externalWebsiteConversions: 0,
        costInLocalCurrency: '25.5',
        conversionValueInLocalCurrency: '0',
      },
    ]);
    const rows = await ads.fetchMetrics(externalId, { from: '2026-12-01', to: '2026-12-03' });
    expect(rows).toEqual([
      { date: '2026-12-01', impressions: 3100, clicks: 27, conversions: 2, spend: 24.99, revenue: 300 },
      { date: '2026-12-02', impressions: 0, clicks: 0, conversions: 0, spend: 0, revenue: 0 },
      { date: '2026-12-03', impressions: 2900, clicks: 25, conversions: 0, spend: 25.5, revenue: 0 },
    ]);
    const call = fake.server.requestsTo('GET', /adAnalytics$/)[0]!;
    expect(call.url.search).toContain('dateRange=(start:(year:2026,month:12,day:1),end:(year:2026,month:12,day:3))');
    expect(call.url.search).toContain(`campaigns=List(urn%3Ali%3AsponsoredCampaign%3A${externalId})`);
  });

  it('escapes the Rest.li delimiters that encodeURIComponent keeps', () => {
    expect(restliString("a (b), c's: d*!")).toBe('a%20%28b%29%2C%20c%27s%3A%20d%2A%21');
  });
});
