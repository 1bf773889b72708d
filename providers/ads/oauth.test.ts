import { FakeHttpServer, OAuthTokenEndpoint, rejection } from '../../test/fakes';
import { createGoogleAdsTokenProvider } from './googleAds';
import type { RefreshTokenProvider } from './oauth';
import { AdCredentialError } from './types';

const client = {
  clientId: '1234-fake.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-client-secret-789',
  refreshToken: '1//refresh-token-secret-012',
};
const HOUR_S = 3599; // what Google's token endpoint answers

describe('RefreshTokenProvider against an RFC 6749 token endpoint', () => {
  let server: FakeHttpServer;
  let endpoint: OAuthTokenEndpoint;
  let clock: number;
  const now = (): number => clock;

  async function start(refreshTokenExpiresIn?: number): Promise<void> {
    server = new FakeHttpServer((status, message) => ({
      error: 'server_error',
      error_description: `${status} ${message}`,
    }));
    endpoint = new OAuthTokenEndpoint(server, client, {
      path: '/token',
      expiresIn: HOUR_S,
      refreshTokenExpiresIn,
      now,
    });
    await server.start();
  }

  function provider(overrides: Partial<typeof client> = {}): RefreshTokenProvider {
    return createGoogleAdsTokenProvider({ ...client, ...overrides, tokenUrl: `${server.baseUrl}/token` }, { now });
  }

  beforeEach(async () => {
    clock = Date.parse('2026-12-03T09:00:00Z');
    await start();
  });

  afterEach(async () => {
    await server.stop();
  });

  it('sends the refresh-token grant and caches the access token until five minutes before it expires', async () => {
    const tokens = provider();
    const first = await tokens.token();
    expect(endpoint.isValid(first)).toBe(true);
    const form = new URLSearchParams(server.requests[0]!.body);
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: client.refreshToken,
      client_id: client.clientId,
      client_secret: client.clientSecret,
    });

    clock += (HOUR_S - 301) * 1000; // just outside the five-minute margin
    await expect(tokens.token()).resolves.toBe(first);
    expect(endpoint.refreshCount(server)).toBe(1);

    clock += 2_000; // inside it: renewed while the old one still works
    const second = await tokens.token();
    expect(second).not.toBe(first);
    expect(endpoint.refreshCount(server)).toBe(2);
    expect(tokens.refreshes).toBe(2);
  });

  it('makes ten concurrent callers share one refresh', async () => {
    const tokens = provider();
    const all = await Promise.all(Array.from({ length: 10 }, () => tokens.token()));
    expect(new Set(all).size).toBe(1);
    expect(endpoint.refreshCount(server)).toBe(1);
  });

  it('fetches a new token after the platform refused one, and only once for a stale one', async () => {
    const tokens = provider();
    const first = await tokens.token();
    expect(tokens.invalidate(first)).toBe(true);
    const second = await tokens.token();
    expect(second).not.toBe(first);
    // A caller still holding the first token must not throw away the second.
    tokens.invalidate(first);
    await expect(tokens.token()).resolves.toBe(second);
    expect(endpoint.refreshCount(server)).toBe(2);
  });

  it('names GOOGLE_ADS_REFRESH_TOKEN when the grant is revoked, without retrying or leaking it', async () => {
    endpoint.revoke();
    const err = await rejection(provider().token(), AdCredentialError);
    expect(err).toMatchObject({ setting: 'GOOGLE_ADS_REFRESH_TOKEN', retryable: false, status: 400 });
    expect(err.message).toContain('GOOGLE_ADS_REFRESH_TOKEN');
    expect(err.message).toContain('invalid_grant');
    for (const secret of Object.values(client)) expect(err.message).not.toContain(secret);
    expect(endpoint.refreshCount(server)).toBe(1);
  });

  it('names the client settings when the client is refused', async () => {
    const wrong = 'GOCSPX-wrong-secret-345';
    const err = await rejection(provider({ clientSecret: wrong }).token(), AdCredentialError);
    expect(err.setting).toBe('GOOGLE_ADS_CLIENT_ID / GOOGLE_ADS_CLIENT_SECRET');
    expect(err.message).toContain('invalid_client');
    expect(err.message).not.toContain(wrong);
    expect(err.message).not.toContain(client.refreshToken);
  });

  it('reports the refresh token valid, then invalid once revoked', async () => {
    const tokens = provider();
    await expect(tokens.status()).resolves.toEqual({
      platform: 'google',
      setting: 'GOOGLE_ADS_REFRESH_TOKEN',
      valid: true,
    });
    endpoint.revoke();
    const status = await tokens.status();
    expect(status).toMatchObject({ setting: 'GOOGLE_ADS_REFRESH_TOKEN', valid: false });
    expect(status.detail).toContain('Token has been expired or revoked.');
    expect(status.detail).not.toContain(client.refreshToken);
  });

  it('reports when the refresh token expires, when the endpoint says', async () => {
    await server.stop();
    await start(7 * 86_400); // Google's limit for apps in testing
    const status = await provider().status();
    expect(status).toEqual({
      platform: 'google',
      setting: 'GOOGLE_ADS_REFRESH_TOKEN',
      valid: true,
      expiresAt: '2026-12-10T09:00:00.000Z',
    });
  });

  it('keeps every secret out of JSON.stringify, after refreshing as before', async () => {
    const tokens = provider();
    const access = await tokens.token();
    const json = JSON.stringify(tokens);
    for (const secret of [...Object.values(client), access]) expect(json).not.toContain(secret);
    expect(json).toContain('GOOGLE_ADS_REFRESH_TOKEN');
  });
});
