import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { MetaAdsFake, rejection } from '../../test/fakes';
import { debugToken, exchangeForLongLivedToken } from './metaToken';
import { AdCredentialError } from './types';

const creds = {
  token: 'EAAB-system-user-token-123',
  adAccountId: '555000111',
  appId: '1234567890',
  appSecret: 'app-secret-abcdef-456',
};
const DAY = 24 * 3600 * 1000;

describe('Meta token endpoints against a local Graph API', () => {
  let fake: MetaAdsFake;
  let clock: number;
  const now = (): number => clock;
  const app = (): { appId: string; appSecret: string; baseUrl: string } => ({
    appId: creds.appId,
    appSecret: creds.appSecret,
    baseUrl: fake.baseUrl,
  });

  beforeEach(async () => {
    clock = Date.parse('2026-11-02T09:00:00Z');
    fake = await MetaAdsFake.start(creds, { now });
  });

  afterEach(async () => {
    await fake.server.stop();
  });

  it('exchanges a short-lived user token for a long-lived one that expires in 60 days', async () => {
    const short = fake.issueUserToken(3600);
    const { token, expiresAt } = await exchangeForLongLivedToken({ ...app(), token: short }, { now });
    expect(token).not.toBe(short);
    expect(expiresAt).toBe(new Date(clock + 60 * DAY).toISOString());

    const [call] = fake.server.requestsTo('GET', /oauth\/access_token$/);
    expect(call!.path).toBe('/v27.0/oauth/access_token');
    expect(Object.fromEntries(call!.url.searchParams)).toEqual({
      grant_type: 'fb_exchange_token',
      client_id: creds.appId,
      client_secret: creds.appSecret,
      fb_exchange_token: short,
    });

    // The short-lived one runs out after its hour; the new one still works.
    clock += 2 * 3600 * 1000;
    await expect(debugToken({ ...app(), token: short }, { now })).resolves.toMatchObject({ valid: false });
    await expect(debugToken({ ...app(), token }, { now })).resolves.toMatchObject({
      valid: true,
      expiresAt: new Date(Date.parse('2026-11-02T09:00:00Z') + 60 * DAY).toISOString(),
    });
  });

  it('names META_ACCESS_TOKEN when the short-lived token has already expired, and never retries', async () => {
    const short = fake.issueUserToken(3600);
    clock += 3601 * 1000;
    const err = await rejection(exchangeForLongLivedToken({ ...app(), token: short }, { now }));
    expect(err).toBeInstanceOf(AdCredentialError);
    expect(err).toMatchObject({ setting: 'META_ACCESS_TOKEN', retryable: false, status: 400 });
    expect(err.message).toContain('Session has expired');
    expect(err.message).not.toContain(short);
    expect(err.message).not.toContain(creds.appSecret);
  });

  it('names the app settings when the app secret is wrong, without printing either secret', async () => {
    const short = fake.issueUserToken();
    const err = await rejection(
      exchangeForLongLivedToken({ ...app(), appSecret: 'wrong-secret-789', token: short }, { now }),
    );
    expect(err).toBeInstanceOf(AdCredentialError);
    expect(err).toMatchObject({ setting: 'META_APP_ID / META_APP_SECRET', retryable: false });
    expect(err.message).toContain('Error validating client secret');
    expect(err.message).not.toContain('wrong-secret-789');
    expect(err.message).not.toContain(short);
  });

  it('reads expiry, data-access expiry and type from debug_token, asked with the app access token', async () => {
    const user = fake.issueUserToken(3600);
    const info = await debugToken({ ...app(), token: user }, { now });
    expect(info).toEqual({
      valid: true,
      type: 'USER',
      expiresAt: new Date(clock + 3600 * 1000).toISOString(),
      dataAccessExpiresAt: new Date(clock + 90 * DAY).toISOString(),
    });
    const [call] = fake.server.requestsTo('GET', /debug_token$/);
    expect(call!.headers.authorization).toBe(`Bearer ${creds.appId}|${creds.appSecret}`);
    expect(call!.url.searchParams.get('input_token')).toBe(user);

    // A system-user token never expires: Meta says 0, which is no expiry at all.
    await expect(debugToken({ ...app(), token: creds.token }, { now })).resolves.toEqual({
      valid: true,
      type: 'SYSTEM_USER',
    });
  });

  it('reports expired and unknown tokens as not valid, with Meta’s reason', async () => {
    fake.expireToken(creds.token);
    const expired = await debugToken({ ...app(), token: creds.token }, { now });
    expect(expired.valid).toBe(false);
    expect(expired.detail).toContain('Session has expired');

    const unknown = await debugToken({ ...app(), token: 'EAAB-made-up-token-000' }, { now });
    expect(unknown).toMatchObject({ valid: false, detail: expect.stringContaining('Cannot parse access token') });
    expect(unknown.detail).not.toContain('EAAB-made-up-token-000');
  });

  it('throws naming the app settings when the app access token is refused', async () => {
    const err = await rejection(debugToken({ ...app(), appSecret: 'wrong-secret-789', token: creds.token }, { now }));
    expect(err).toBeInstanceOf(AdCredentialError);
    expect(err).toMatchObject({ setting: 'META_APP_ID / META_APP_SECRET', retryable: false });
    expect(err.message).not.toContain('wrong-secret-789');
    expect(err.message).not.toContain(creds.token);
  });

  it('answers an outage as retryable, without the secrets that travel in the URL', async () => {
    const short = fake.issueUserToken();
    fake.server.failNext(1, 503, `Service temporarily unavailable for ${creds.appSecret} and ${short}`);
    const err = await rejection(exchangeForLongLivedToken({ ...app(), token: short }, { now }));
    expect(err).toMatchObject({ retryable: true, status: 503 });
    expect(err).not.toBeInstanceOf(AdCredentialError);
    expect(err.message).toContain('Service temporarily unavailable');
    expect(err.message).not.toContain(creds.appSecret);
    expect(err.message).not.toContain(short);
  });

  it('the CLI prints the long-lived token alone on stdout and its expiry and the next step on stderr', async () => {
    const short = fake.issueUserToken();
    const run = promisify(execFile);
    const tsx = path.join(__dirname, '../../node_modules/.bin/tsx');
    const { stdout, stderr } = await run(tsx, [path.join(__dirname, '../../bin/meta-long-lived-token.ts')], {
      env: {
        PATH: process.env.PATH,
        META_APP_ID: creds.appId,
        META_APP_SECRET: creds.appSecret,
        META_ACCESS_TOKEN: short,
        META_BASE_URL: fake.baseUrl,
      },
      timeout: 8_000,
    });
    const issued = stdout.trim();
    expect(fake.tokens.get(issued)).toMatchObject({ type: 'USER' });
    expect(stderr).toMatch(/expires \d{4}-\d\d-\d\dT/);
    expect(stderr).toContain('META_ACCESS_TOKEN');
    for (const secret of [creds.appSecret, short]) {
      expect(stdout).not.toContain(secret);
      expect(stderr).not.toContain(secret);
    }
  });
});
