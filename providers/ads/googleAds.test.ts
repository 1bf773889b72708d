import { GoogleAdsFake, googleAdsError, rejection } from '../../test/fakes';
import { sha256Hex } from './audienceHash';
import {
  createGoogleAdsPlatform,
  createGoogleAdsTokenProvider,
  type GoogleAdsConfig,
  type GoogleAdsPlatform,
} from './googleAds';
import { AdCredentialError } from './types';

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

describe('Google Ads credentials', () => {
  const oauthClient = {
    clientId: '1234-fake.apps.googleusercontent.com',
    clientSecret: 'GOCSPX-client-secret-789',
    refreshToken: '1//refresh-token-secret-012',
  };
  let fake: GoogleAdsFake;
  let clock: number;
  const now = (): number => clock;

  function adapter(overrides: Partial<GoogleAdsConfig> = {}): GoogleAdsPlatform {
    return createGoogleAdsPlatform({
      baseUrl: fake.baseUrl,
      token: createGoogleAdsTokenProvider({ ...oauthClient, tokenUrl: fake.tokenUrl }, { now }),
      developerToken: creds.developerToken,
      customerId: creds.customerId,
      timeoutMs: 2_000,
      ...overrides,
    });
  }
  const refreshes = (): number => fake.oauth!.refreshCount(fake.server);
  const apiCalls = (): number => fake.server.requests.filter((r) => r.path !== '/token').length;

  beforeEach(async () => {
    clock = Date.parse('2026-12-03T09:00:00Z');
    fake = await GoogleAdsFake.start(creds, { oauth: oauthClient, now });
  });

  afterEach(async () => {
    await fake.server.stop();
  });

  it('refreshes an access token Google stopped accepting exactly once, and the call succeeds', async () => {
    const ads = adapter();
    await ads.createCampaign(launch);
    expect(refreshes()).toBe(1);
    fake.oauth!.expireAccessTokens();
    const before = fake.server.requests.length;
    const { externalId } = await ads.createCampaign(launch);
    await ads.pause(externalId);
    expect(refreshes()).toBe(2);
    // The refused lookup, the token endpoint, the lookup repeated with the fresh token, then the pause.
    const after = fake.server.requests.slice(before).map((r) => ({ path: r.path, bearer: r.headers.authorization }));
    expect(after.map((r) => r.path)).toEqual([
      '/v26/customers/1234567890/googleAds:searchStream',
      '/token',
      '/v26/customers/1234567890/googleAds:searchStream',
      '/v26/customers/1234567890/campaigns:mutate',
    ]);
    expect(after[0]!.bearer).toBe(`Bearer ${fake.oauth!.issued[0]}`);
    expect(after[2]!.bearer).toBe(`Bearer ${fake.oauth!.issued[1]}`);
  });

  it('makes concurrent calls refused after expiry share one refresh', async () => {
    const ads = adapter();
    await ads.audiences.ensureAudience({ key: 'seg-0', name: 'Warm leads' });
    fake.oauth!.expireAccessTokens();
    const ids = await Promise.all(
      Array.from({ length: 5 }, (_, i) => ads.audiences.ensureAudience({ key: `seg-${i + 1}`, name: 'Segment' })),
    );
    expect(new Set(ids.map((r) => r.externalId)).size).toBe(5);
    expect(refreshes()).toBe(2);
  });

  it('fails for good, naming GOOGLE_ADS_REFRESH_TOKEN, once the user revoked the grant', async () => {
    const ads = adapter();
    await ads.createCampaign(launch);
    fake.oauth!.revoke();
    const err = await rejection(ads.createCampaign({ ...launch, idempotencyKey: 'launch-2' }));
    expect(err).toBeInstanceOf(AdCredentialError);
    expect(err).toMatchObject({ setting: 'GOOGLE_ADS_REFRESH_TOKEN', retryable: false });
    expect(err.message).toContain('GOOGLE_ADS_REFRESH_TOKEN');
    for (const secret of Object.values(oauthClient)) expect(err.message).not.toContain(secret);
  });

  it('reports each credential: refresh token with its expiry, developer token, account', async () => {
    await fake.server.stop();
    fake = await GoogleAdsFake.start(creds, { oauth: oauthClient, now, refreshTokenExpiresIn: 7 * 86_400 });
    await expect(adapter().checkCredentials()).resolves.toEqual([
      { platform: 'google', setting: 'GOOGLE_ADS_REFRESH_TOKEN', valid: true, expiresAt: '2026-12-10T09:00:00.000Z' },
      { platform: 'google', setting: 'GOOGLE_ADS_DEVELOPER_TOKEN', valid: true },
      { platform: 'google', setting: 'GOOGLE_ADS_CUSTOMER_ID', valid: true },
    ]);
    const query = JSON.parse(fake.server.requestsTo('POST', /searchStream$/)[0]!.body).query as string;
    expect(query).toBe('SELECT customer.id FROM customer');
  });

  it('reports a revoked refresh token, and asks the API nothing it could not answer', async () => {
    fake.oauth!.revoke();
    const [status, ...rest] = await adapter().checkCredentials();
    expect(status).toMatchObject({ setting: 'GOOGLE_ADS_REFRESH_TOKEN', valid: false });
    expect(status!.detail).toContain('Token has been expired or revoked.');
    expect(rest).toEqual([]);
    expect(apiCalls()).toBe(0);
  });

  it("names the OAuth client's project when Google grants it only Test access", async () => {
    fake.cloudProjectApproved = false;
    const ads = adapter();
    const err = await rejection(ads.createCampaign(launch));
    expect(err).toMatchObject({ setting: 'GOOGLE_ADS_CLIENT_ID', retryable: false, status: 403 });
    expect(err.message).toContain('apply for Explorer, Basic or Standard access');
    const statuses = await ads.checkCredentials();
    expect(statuses).toEqual([
      { platform: 'google', setting: 'GOOGLE_ADS_REFRESH_TOKEN', valid: true },
      expect.objectContaining({ setting: 'GOOGLE_ADS_CLIENT_ID', valid: false }),
    ]);
  });

  it('keeps every secret out of JSON.stringify of the adapter', async () => {
    const ads = adapter();
    await ads.createCampaign(launch);
    const json = JSON.stringify(ads);
    for (const secret of [...Object.values(oauthClient), creds.developerToken, ...fake.oauth!.issued]) {
      expect(json).not.toContain(secret);
    }
  });
});

describe('Google Ads errors and credential reports with a fixed access token', () => {
  let fake: GoogleAdsFake;

  function adapter(overrides: Partial<GoogleAdsConfig> = {}): GoogleAdsPlatform {
    return createGoogleAdsPlatform({
      baseUrl: fake.baseUrl,
      token: creds.token,
      developerToken: creds.developerToken,
      customerId: creds.customerId,
      timeoutMs: 2_000,
      ...overrides,
    });
  }

  beforeEach(async () => {
    fake = await GoogleAdsFake.start(creds);
  });

  afterEach(async () => {
    await fake.server.stop();
  });

  it('names GOOGLE_ADS_DEVELOPER_TOKEN when Google refuses the developer token', async () => {
    fake.server.replyNext(1, {
      status: 403,
      body: googleAdsError(
        403,
        'The developer token is only approved for use with test accounts. To access non-test accounts, apply for ' +
          'Basic or Standard access.',
        { authorizationError: 'DEVELOPER_TOKEN_NOT_APPROVED' },
      ),
    });
    const err = await rejection(adapter().createCampaign(launch));
    expect(err).toBeInstanceOf(AdCredentialError);
    expect(err).toMatchObject({ setting: 'GOOGLE_ADS_DEVELOPER_TOKEN', retryable: false, status: 403 });
    expect(err.message).toContain('GOOGLE_ADS_DEVELOPER_TOKEN');
    expect(err.message).not.toContain(creds.developerToken);
  });

  it('does without a developer token, which Google no longer requires', async () => {
    const ads = adapter({ developerToken: undefined });
    await ads.createCampaign(launch);
    for (const req of fake.server.requests) expect(req.headers['developer-token']).toBeUndefined();
    await expect(ads.checkCredentials()).resolves.toEqual([
      { platform: 'google', setting: 'GOOGLE_ADS_ACCESS_TOKEN', valid: true },
      { platform: 'google', setting: 'GOOGLE_ADS_CUSTOMER_ID', valid: true },
    ]);
  });

  it("hands Google's quota retry delay up as the retryable error's wait", async () => {
    fake.quotaExhaustedNext(1, 30);
    const err = await rejection(adapter().createCampaign(launch));
    expect(err).toMatchObject({ retryable: true, status: 429, retryAfterMs: 30_000 });
    expect(err.message).toContain('Too many requests. Retry in 30 seconds.');
    expect(err).not.toBeInstanceOf(AdCredentialError);
  });

  it('fails for good on an API version Google no longer serves', async () => {
    const err = await rejection(adapter({ apiVersion: 'v22' }).createCampaign(launch));
    expect(err).toMatchObject({ retryable: false, status: 404 });
    expect(err.message).toContain('/v22/customers/1234567890/googleAds:searchStream was not found');
    expect(fake.server.requests[0]!.path).toMatch(/^\/v22\//);
  });

  it('reports a refused access token, and an account the user cannot reach', async () => {
    const refused = await adapter({ token: 'ya29.revoked' }).checkCredentials();
    expect(refused).toEqual([expect.objectContaining({ setting: 'GOOGLE_ADS_ACCESS_TOKEN', valid: false })]);
    expect(refused[0]!.detail).toContain('invalid authentication credentials');

    const elsewhere = await adapter({ customerId: '555-000-1111' }).checkCredentials();
    expect(elsewhere).toEqual([
      { platform: 'google', setting: 'GOOGLE_ADS_ACCESS_TOKEN', valid: true },
      { platform: 'google', setting: 'GOOGLE_ADS_DEVELOPER_TOKEN', valid: true },
      expect.objectContaining({ setting: 'GOOGLE_ADS_CUSTOMER_ID', valid: false }),
    ]);
    expect(elsewhere[2]!.detail).toContain("User doesn't have permission to access customer");
  });

  it('throws, rather than reports, an outage', async () => {
    fake.server.failNext(1, 503, 'The service is currently unavailable.');
    const err = await rejection(adapter().checkCredentials());
    expect(err.retryable).toBe(true);
  });
});

describe('Google Customer Match audiences', () => {
  let fake: GoogleAdsFake;
  let ads: GoogleAdsPlatform;
  const emails = ['ana@example.com', 'bo@example.com', 'cy@example.com'];

  beforeEach(async () => {
    fake = await GoogleAdsFake.start(creds);
    ads = createGoogleAdsPlatform({
      baseUrl: fake.baseUrl,
      token: creds.token,
      customerId: creds.customerId,
      audienceConsent: { adUserData: 'GRANTED', adPersonalization: 'GRANTED' },
      timeoutMs: 2_000,
    });
  });

  afterEach(async () => {
    await fake.server.stop();
  });

  const list = (id: string) => fake.userLists.get(`customers/${creds.customerId}/userLists/${id}`)!;

  it('creates one CRM list per key, and finds it again rather than creating another', async () => {
    fake.seedUserList('Other [gtm:seg-10]');
    const first = await ads.audiences.ensureAudience({ key: 'seg-1', name: 'Warm leads' });
    expect(list(first.externalId)).toMatchObject({
      name: 'Warm leads [gtm:seg-1]',
      uploadKeyType: 'CONTACT_INFO',
      membershipStatus: 'OPEN',
      membershipLifeSpan: 540,
    });
    const mutates = fake.server.requestsTo('POST', /userLists:mutate$/).length;
    await expect(ads.audiences.ensureAudience({ key: 'seg-1', name: 'Renamed' })).resolves.toEqual(first);
    expect(fake.userLists.size).toBe(2);
    expect(fake.server.requestsTo('POST', /userLists:mutate$/)).toHaveLength(mutates);
  });

  it('adds and removes hashed emails through jobs run once each, with consent on additions', async () => {
    const { externalId } = await ads.audiences.ensureAudience({ key: 'seg-1', name: 'Warm leads' });
    const hashes = emails.map((e) => ads.audiences.hashEmail(e));
    await expect(ads.audiences.addMembers(externalId, hashes)).resolves.toEqual({});
    await ads.audiences.removeMembers(externalId, hashes.slice(0, 1));
    expect([...list(externalId).members].sort()).toEqual(hashes.slice(1).sort());

    const [add, remove] = [...fake.jobs.values()];
    expect(add).toMatchObject({ runs: 1, status: 'SUCCESS', requestSizes: [3] });
    expect(add!.consent).toEqual({ adUserData: 'GRANTED', adPersonalization: 'GRANTED' });
    expect(remove).toMatchObject({ runs: 1, requestSizes: [1], consent: undefined });
    expect(remove!.operations.every((o) => o.kind === 'remove')).toBe(true);
    const body = JSON.parse(fake.server.requestsTo('POST', /:addOperations$/)[0]!.body);
    expect(body.enablePartialFailure).toBe(false);
    expect(body.operations[0]).toEqual({ create: { userIdentifiers: [{ hashedEmail: hashes[0] }] } });
  });

  it('uploads in requests of at most batchSize identifiers, all in one job', async () => {
    expect(ads.audiences.batchSize).toBe(100_000);
    const { externalId } = await ads.audiences.ensureAudience({ key: 'seg-big', name: 'Everyone' });
    const hashes = Array.from({ length: ads.audiences.batchSize + 1 }, (_, i) => sha256Hex(`user${i}@example.com`));
    await ads.audiences.addMembers(externalId, hashes);
    expect(fake.jobs.size).toBe(1);
    expect([...fake.jobs.values()][0]).toMatchObject({ runs: 1, requestSizes: [100_000, 1] });
    expect(list(externalId).members.size).toBe(hashes.length);
  });

  it("hashes as Google matches: trimmed, lowercased, and without a Gmail address's dots", () => {
    const { hashEmail } = ads.audiences;
    expect(hashEmail(' First.Last@GMail.com ')).toBe(sha256Hex('firstlast@gmail.com'));
    expect(hashEmail('first.last@googlemail.com')).toBe(sha256Hex('firstlast@googlemail.com'));
    expect(hashEmail('First.Last@Example.com')).toBe(sha256Hex('first.last@example.com'));
  });

  it('is refused, as a whole, an address that was not hashed or a hash in capitals', async () => {
    const { externalId } = await ads.audiences.ensureAudience({ key: 'seg-1', name: 'Warm leads' });
    const good = ads.audiences.hashEmail('ana@example.com');
    for (const bad of ['Jane@Example.com', good.toUpperCase()]) {
      const err = await rejection(ads.audiences.addMembers(externalId, [good, bad]));
      expect(err).toMatchObject({ retryable: false, status: 400 });
      expect(err.message).toContain('The SHA256 encoded value is malformed.');
    }
    expect([...fake.jobs.values()].every((j) => j.runs === 0 && j.operations.length === 0)).toBe(true);
    expect(list(externalId).members.size).toBe(0);
  });

  it('refuses operations added to a job that already ran, as Google does', async () => {
    const { externalId } = await ads.audiences.ensureAudience({ key: 'seg-1', name: 'Warm leads' });
    await ads.audiences.addMembers(externalId, [ads.audiences.hashEmail('ana@example.com')]);
    const job = [...fake.jobs.values()][0]!;
    const res = await fetch(`${fake.baseUrl}/v26/${job.resourceName}:addOperations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${creds.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ operations: [{ create: { userIdentifiers: [{ hashedEmail: sha256Hex('x') }] } }] }),
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('JOB_ALREADY_STARTED');
  });

  it("explains Google's refusal of a developer new to Customer Match", async () => {
    fake.customerMatchAllowlisted = false;
    const { externalId } = await ads.audiences.ensureAudience({ key: 'seg-1', name: 'Warm leads' });
    const err = await rejection(ads.audiences.addMembers(externalId, [ads.audiences.hashEmail('ana@example.com')]));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('Customer is not allowlisted for accessing this feature.');
    expect(err.message).toContain('Data Manager API');
  });
});
