import { LinkedInAdsFake, LINKEDIN_REFRESH_TOKEN_SECONDS, rejection } from '../../test/fakes';
import { sha256Hex } from './audienceHash';
import { taggedName } from './campaignNames';
import {
  createLinkedInAdsPlatform,
  createLinkedInTokenProvider,
  readLinkedInError,
  restliString,
  type LinkedInAdsPlatform,
} from './linkedinAds';
import { AdCredentialError } from './types';

const creds = { token: 'AQV-secret-linkedin-token-42', adAccountId: '508000123', currency: 'USD' };
const launch = {
  idempotencyKey: 'launch-1',
  name: 'Spring launch',
  dailyBudget: 25.5,
  currency: 'USD',
  startDate: '2026-12-01',
};
const NOW = Date.parse('2026-11-28T12:00:00Z');

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

const client = {
  clientId: 'li-client-7731',
  clientSecret: 'li-client-secret-s3cr3t',
  refreshToken: 'AQX-refresh-token-s3cr3t-99',
};
const DAY = 24 * 3600 * 1000;

/** A call straight to the fake's users endpoint, with every header LinkedIn requires, for what the adapter never sends. */
async function postUsers(
  fake: LinkedInAdsFake,
  segment: string,
  elements: unknown[],
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${fake.baseUrl}/dmpSegments/${segment}/users`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${creds.token}`,
      'linkedin-version': '202607',
      'x-restli-protocol-version': '2.0.0',
      'x-restli-method': 'BATCH_CREATE',
      'content-type': 'application/json',
    },
    body: JSON.stringify({ elements }),
  });
  return { status: res.status, body: await res.json() };
}

function hashes(n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => sha256Hex(`member${from + i}@example.com`));
}

describe('LinkedIn credentials', () => {
  let clock: number;
  const now = () => clock;
  let fake: LinkedInAdsFake;

  beforeEach(async () => {
    clock = NOW;
    fake = await LinkedInAdsFake.start(creds, { now, oauth: { client }, tokenExpiresAt: NOW + 20 * DAY });
  });

  afterEach(async () => {
    await fake.server.stop();
  });

  function withRefreshToken(): LinkedInAdsPlatform {
    const token = createLinkedInTokenProvider({ ...client, tokenUrl: fake.tokenUrl }, { now });
    return createLinkedInAdsPlatform(
      { baseUrl: fake.baseUrl, token, adAccountId: creds.adAccountId, currency: 'USD', timeoutMs: 2_000 },
      { now },
    );
  }

  function withFixedToken(extra: { token?: string; clientSecret?: string; app?: boolean } = {}): LinkedInAdsPlatform {
    return createLinkedInAdsPlatform(
      {
        baseUrl: fake.baseUrl,
        token: extra.token ?? creds.token,
        adAccountId: creds.adAccountId,
        currency: 'USD',
        timeoutMs: 2_000,
        ...(extra.app === false
          ? {}
          : {
              clientId: client.clientId,
              clientSecret: extra.clientSecret ?? client.clientSecret,
              introspectUrl: fake.introspectUrl,
            }),
      },
      { now },
    );
  }

  it('refreshes an expired access token exactly once and the call succeeds', async () => {
    const ads = withRefreshToken();
    const { externalId } = await ads.createCampaign(launch);
    expect(fake.oauth!.refreshCount(fake.server)).toBe(1);

    fake.oauth!.expireAccessTokens();
    await ads.resume(externalId);
    expect(fake.campaigns.get(Number(externalId))?.status).toBe('ACTIVE');
    expect(fake.oauth!.refreshCount(fake.server)).toBe(2);
    const updates = fake.server.requestsTo('POST', /adCampaigns\/\d+$/);
    expect(updates.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${fake.oauth!.issued[0]}`,
      `Bearer ${fake.oauth!.issued[1]}`,
    ]);
  });

  it('reports a revoked refresh token as a permanent error naming LINKEDIN_REFRESH_TOKEN', async () => {
    const ads = withRefreshToken();
    await ads.createCampaign(launch);
    fake.oauth!.revoke();

    const err = await rejection(ads.createCampaign({ ...launch, idempotencyKey: 'launch-2' }));
    expect(err).toBeInstanceOf(AdCredentialError);
    expect(err).toMatchObject({ setting: 'LINKEDIN_REFRESH_TOKEN', retryable: false, platform: 'linkedin' });
    expect(err.message).toContain('Renew LINKEDIN_REFRESH_TOKEN');
    for (const secret of [client.refreshToken, client.clientSecret, ...fake.oauth!.issued]) {
      expect(err.message).not.toContain(secret);
    }
    await expect(ads.checkCredentials()).resolves.toEqual([
      expect.objectContaining({ platform: 'linkedin', setting: 'LINKEDIN_REFRESH_TOKEN', valid: false }),
    ]);
  });

  it("checks a refresh token by exchanging it and reports the refresh token's expiry", async () => {
    await expect(withRefreshToken().checkCredentials()).resolves.toEqual([
      {
        platform: 'linkedin',
        setting: 'LINKEDIN_REFRESH_TOKEN',
        valid: true,
        expiresAt: new Date(NOW + LINKEDIN_REFRESH_TOKEN_SECONDS * 1000).toISOString(),
      },
    ]);
  });

  it("asks LinkedIn's token introspection for a fixed token's expiry", async () => {
    const ads = withFixedToken();
    await expect(ads.checkCredentials()).resolves.toEqual([
      {
        platform: 'linkedin',
        setting: 'LINKEDIN_ACCESS_TOKEN',
        valid: true,
        expiresAt: new Date(NOW + 20 * DAY).toISOString(),
      },
    ]);
    const call = fake.server.requestsTo('POST', /introspectToken$/)[0]!;
    expect(call.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(call.body))).toEqual({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      token: creds.token,
    });
    expect(call.headers.authorization).toBeUndefined();

    fake.revokeFixedToken();
    const [status] = await ads.checkCredentials();
    expect(status).toMatchObject({ setting: 'LINKEDIN_ACCESS_TOKEN', valid: false });
    expect(status!.detail).toContain('revoked');
  });

  it('reports refused client credentials without their secret, and still checks the token', async () => {
    const statuses = await withFixedToken({ clientSecret: 'wrong-secret-0042' }).checkCredentials();
    expect(statuses).toEqual([
      expect.objectContaining({ setting: 'LINKEDIN_CLIENT_ID / LINKEDIN_CLIENT_SECRET', valid: false }),
      { platform: 'linkedin', setting: 'LINKEDIN_ACCESS_TOKEN', valid: true },
    ]);
    expect(JSON.stringify(statuses)).not.toContain('wrong-secret-0042');
    expect(JSON.stringify(statuses)).not.toContain(creds.token);
  });

  it('without client credentials, reads the ad account to tell whether the token is accepted', async () => {
    await expect(withFixedToken({ app: false }).checkCredentials()).resolves.toEqual([
      { platform: 'linkedin', setting: 'LINKEDIN_ACCESS_TOKEN', valid: true },
    ]);
    const [refused] = await withFixedToken({ app: false, token: 'AQV-not-a-token-123' }).checkCredentials();
    expect(refused).toMatchObject({ setting: 'LINKEDIN_ACCESS_TOKEN', valid: false });
    expect(refused!.detail).toContain('Invalid access token');
    expect(refused!.detail).not.toContain('AQV-not-a-token-123');
  });

  it('treats a revoked or expired fixed token as a credential error naming LINKEDIN_ACCESS_TOKEN', async () => {
    const ads = withFixedToken({ app: false });
    fake.revokeFixedToken();
    const err = await rejection(ads.createCampaign(launch));
    expect(err).toBeInstanceOf(AdCredentialError);
    expect(err).toMatchObject({ setting: 'LINKEDIN_ACCESS_TOKEN', retryable: false, status: 401 });
    expect(err.message).toContain('revoked by the user');
    expect(err.message).not.toContain(creds.token);
    expect(
      readLinkedInError(401, { serviceErrorCode: 65602, code: 'EXPIRED_ACCESS_TOKEN', message: 'x' }),
    ).toMatchObject({
      credential: true,
    });
  });

  it('shows no secret when an adapter or its token provider is serialised', async () => {
    const ads = withRefreshToken();
    await ads.createCampaign(launch);
    const withApp = withFixedToken();
    const text = JSON.stringify([ads, withApp]);
    for (const secret of [
      client.refreshToken,
      client.clientSecret,
      client.clientId,
      creds.token,
      ...fake.oauth!.issued,
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('LinkedIn quotas and versions', () => {
  let clock: number;
  const now = () => clock;
  let fake: LinkedInAdsFake;

  beforeEach(async () => {
    clock = NOW;
    fake = await LinkedInAdsFake.start(creds, { now });
  });

  afterEach(async () => {
    await fake.server.stop();
  });

  function adapter(version?: string): LinkedInAdsPlatform {
    return createLinkedInAdsPlatform(
      { baseUrl: fake.baseUrl, token: creds.token, adAccountId: creds.adAccountId, currency: 'USD', version },
      { now },
    );
  }

  it('waits for the next midnight UTC when the daily limit is spent, then the call succeeds', async () => {
    const ads = adapter();
    fake.exhaustDailyLimit('APPLICATION');
    const err = await rejection(ads.createCampaign(launch));
    const midnight = Date.parse('2026-11-29T00:00:00Z');
    expect(err).toMatchObject({ retryable: true, status: 429, platform: 'linkedin' });
    expect(err.retryAfterMs).toBeGreaterThanOrEqual(midnight - NOW);
    expect(err.retryAfterMs).toBeLessThanOrEqual(midnight - NOW + 5 * 60_000);
    expect(err.message).toContain('APPLICATION DAY limit');
    expect(fake.server.requests.at(-1)!.method).toBe('GET'); // throttled before anything was created

    clock = midnight - 1_000;
    await expect(ads.createCampaign(launch)).rejects.toMatchObject({ status: 429 });
    clock = NOW + err.retryAfterMs!;
    await expect(ads.createCampaign(launch)).resolves.toMatchObject({ created: true });
  });

  it('keeps the wait a Retry-After gives', () => {
    const at = Date.parse('2026-11-28T12:00:30Z');
    expect(
      readLinkedInError(429, { status: 429, message: 'slow down' }, new Headers({ 'retry-after': '7' }), () => at)
        .retryAfterMs,
    ).toBeUndefined(); // HttpClient then reads Retry-After itself
  });

  it('fails permanently on a Linkedin-Version that LinkedIn no longer serves', async () => {
    const err = await rejection(adapter('202401').createCampaign(launch));
    expect(err).toMatchObject({ retryable: false, status: 426 });
    expect(err.message).toContain('Requested version 202401 is not active');
    expect(err.message).toContain('Linkedin-Version 202401');
    await expect(adapter('202612').createCampaign(launch)).resolves.toMatchObject({ created: true });
  });
});

describe('LinkedIn Matched Audiences', () => {
  let clock: number;
  const now = () => clock;
  let fake: LinkedInAdsFake;
  let ads: LinkedInAdsPlatform;

  beforeEach(async () => {
    clock = NOW;
    fake = await LinkedInAdsFake.start(creds, { now });
    ads = createLinkedInAdsPlatform(
      { baseUrl: fake.baseUrl, token: creds.token, adAccountId: creds.adAccountId, currency: 'USD', timeoutMs: 2_000 },
      { now },
    );
  });

  afterEach(async () => {
    await fake.server.stop();
  });

  it('hashes emails as LinkedIn matches them: trimmed, lowercased, SHA-256 hex', () => {
    expect(ads.audiences.hashEmail('  Ada.Lovelace@Example.COM ')).toBe(sha256Hex('ada.lovelace@example.com'));
    expect(ads.audiences.batchSize).toBe(5_000);
  });

  it('creates one USER DMP segment per key and finds it again past other segments', async () => {
    fake.dmpPageSize = 2;
    fake.seedSegment('Old list');
    fake.seedSegment('Other [gtm:seg-2]');
    fake.seedSegment('Someone else', 'urn:li:sponsoredAccount:999');

    const first = await ads.audiences.ensureAudience({ key: 'seg-1', name: 'Newsletter' });
    const posts = fake.server.requestsTo('POST', /dmpSegments$/);
    expect(posts).toHaveLength(1);
    expect(JSON.parse(posts[0]!.body)).toMatchObject({
      name: 'Newsletter [gtm:seg-1]',
      account: `urn:li:sponsoredAccount:${creds.adAccountId}`,
      type: 'USER',
      destinations: [{ destination: 'LINKEDIN' }],
    });
    expect(fake.dmpSegments.get(Number(first.externalId))?.name).toBe('Newsletter [gtm:seg-1]');
    const finder = fake.server.requestsTo('GET', /dmpSegments$/)[0]!;
    expect(finder.url.search).toContain(`q=account&account=urn%3Ali%3AsponsoredAccount%3A${creds.adAccountId}`);

    const again = await ads.audiences.ensureAudience({ key: 'seg-1', name: 'Renamed newsletter' });
    expect(again).toEqual(first);
    expect(fake.server.requestsTo('POST', /dmpSegments$/)).toHaveLength(1);
    const lastFind = fake.server.requestsTo('GET', /dmpSegments$/).at(-1)!;
    expect(lastFind.url.searchParams.get('start')).toBe('2'); // the match was on the second page
  });

  it('adds and removes members in BATCH_CREATE calls of at most batchSize', async () => {
    const { externalId } = await ads.audiences.ensureAudience({ key: 'seg-1', name: 'Newsletter' });
    const all = hashes(ads.audiences.batchSize);

    await expect(ads.audiences.addMembers(externalId, all)).resolves.toEqual({});
    expect(fake.membersOf(Number(externalId))).toHaveLength(5_000);
    const add = fake.server.requestsTo('POST', /\/users$/).at(-1)!;
    expect(add.headers['x-restli-method']).toBe('BATCH_CREATE');
    expect(JSON.parse(add.body).elements[0]).toEqual({
      action: 'ADD',
      userIds: [{ idType: 'SHA256_EMAIL', idValue: all[0] }],
    });

    await ads.audiences.removeMembers(externalId, all.slice(0, 1_000));
    expect(fake.membersOf(Number(externalId))).toHaveLength(4_000);
    const remove = JSON.parse(fake.server.requestsTo('POST', /\/users$/).at(-1)!.body);
    expect(remove.elements.every((e: { action: string }) => e.action === 'REMOVE')).toBe(true);

    const sent = fake.server.requests.length;
    const tooMany = await rejection(ads.audiences.addMembers(externalId, hashes(5_001)));
    expect(tooMany.retryable).toBe(false);
    expect(fake.server.requests).toHaveLength(sent); // refused before LinkedIn would have
    expect((await postUsers(fake, externalId, Array(5_001).fill(JSON.parse(add.body).elements[0]))).status).toBe(400);
  });

  it('never sends an email in clear, and LinkedIn refuses an identifier that is not a SHA-256 hex digest', async () => {
    const { externalId } = await ads.audiences.ensureAudience({ key: 'seg-1', name: 'Newsletter' });
    const sent = fake.server.requests.length;
    const err = await rejection(ads.audiences.addMembers(externalId, [hashes(1)[0]!, 'ada@example.com']));
    expect(err.retryable).toBe(false);
    expect(err.message).not.toContain('ada@example.com');
    expect(fake.server.requests).toHaveLength(sent);

    for (const idValue of ['ada@example.com', sha256Hex('ada@example.com').toUpperCase()]) {
      const res = await postUsers(fake, externalId, [
        { action: 'ADD', userIds: [{ idType: 'SHA256_EMAIL', idValue }] },
      ]);
      expect(res.status).toBe(200);
      expect(res.body.elements[0]).toMatchObject({ status: 400 });
      expect(res.body.elements[0].error.message).toContain('HEX encoded string with length = 64');
    }
    expect(fake.membersOf(Number(externalId))).toEqual([]);
  });

  it("reports the elements LinkedIn's batch answer refused", async () => {
    const { externalId } = await ads.audiences.ensureAudience({ key: 'seg-1', name: 'Newsletter' });
    fake.server.replyNext(
      1,
      {
        status: 200,
        body: { elements: [{ status: 201 }, { status: 400, error: { status: 400, message: 'bad idValue' } }] },
      },
      { method: 'POST', path: /\/users$/ },
    );
    const err = await rejection(ads.audiences.addMembers(externalId, hashes(2)));
    expect(err).toMatchObject({ retryable: false, status: 400 });
    expect(err.message).toContain('refused 1 of 2 users');
    expect(err.message).toContain('bad idValue');
  });

  it('retries shortly when a new segment does not accept users yet', async () => {
    fake.segmentReadyAfterMs = 5_000;
    const { externalId } = await ads.audiences.ensureAudience({ key: 'seg-1', name: 'Newsletter' });
    const err = await rejection(ads.audiences.addMembers(externalId, hashes(3)));
    expect(err).toMatchObject({ retryable: true, status: 404, retryAfterMs: 5_000 });
    clock += err.retryAfterMs!;
    await ads.audiences.addMembers(externalId, hashes(3));
    expect(fake.membersOf(Number(externalId))).toHaveLength(3);
  });
});
