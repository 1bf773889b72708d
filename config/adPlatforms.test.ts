import { createAdPlatforms, RefreshTokenProvider } from '../providers/ads';
import { adConsentOf, adPlatformModes, adPlatformsConfig } from './adPlatforms';
import { ConfigError, loadConfig } from './config';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('no ConfigError');
}

describe('ad platform settings', () => {
  it('a client with a refresh token renews Google and LinkedIn access tokens; a fixed token still works', () => {
    const refreshing = adPlatformsConfig({
      GOOGLE_ADS_CUSTOMER_ID: '123-456-7890',
      GOOGLE_ADS_CLIENT_ID: 'g-client',
      GOOGLE_ADS_CLIENT_SECRET: 'g-secret',
      GOOGLE_ADS_REFRESH_TOKEN: 'g-refresh',
      LINKEDIN_AD_ACCOUNT_ID: '42',
      LINKEDIN_CLIENT_ID: 'l-client',
      LINKEDIN_CLIENT_SECRET: 'l-secret',
      LINKEDIN_REFRESH_TOKEN: 'l-refresh',
    });
    expect(refreshing.google?.token).toBeInstanceOf(RefreshTokenProvider);
    expect((refreshing.google?.token as RefreshTokenProvider).setting).toBe('GOOGLE_ADS_REFRESH_TOKEN');
    expect((refreshing.linkedin?.token as RefreshTokenProvider).setting).toBe('LINKEDIN_REFRESH_TOKEN');
    // No secret is reachable by serialising the adapters built from them (a careless log line).
    expect(JSON.stringify(createAdPlatforms(refreshing))).not.toMatch(/g-secret|g-refresh|l-secret|l-refresh/);

    const fixed = adPlatformsConfig({ GOOGLE_ADS_CUSTOMER_ID: '1234567890', GOOGLE_ADS_ACCESS_TOKEN: 'ya29.x' });
    expect(fixed.google?.token).toBe('ya29.x');
    expect(adPlatformModes({ GOOGLE_ADS_CUSTOMER_ID: '1', GOOGLE_ADS_ACCESS_TOKEN: 'ya29.x' }).google).toBe('live');
  });

  it('half a configuration is an error that names what is missing, not a silent sandbox', () => {
    expect(
      problemsOf(() => adPlatformsConfig({ GOOGLE_ADS_CUSTOMER_ID: '1', GOOGLE_ADS_CLIENT_ID: 'g-client' })),
    ).toEqual([
      'google ads need GOOGLE_ADS_CLIENT_ID + GOOGLE_ADS_CLIENT_SECRET + GOOGLE_ADS_REFRESH_TOKEN, or GOOGLE_ADS_ACCESS_TOKEN (have GOOGLE_ADS_CUSTOMER_ID, GOOGLE_ADS_CLIENT_ID)',
    ]);
    expect(problemsOf(() => adPlatformsConfig({ META_ACCESS_TOKEN: 'EAAB' }))).toEqual([
      'META_AD_ACCOUNT_ID: required with META_ACCESS_TOKEN (meta ads)',
    ]);
    expect(
      problemsOf(() => adPlatformsConfig({ META_ACCESS_TOKEN: 'EAAB', META_AD_ACCOUNT_ID: '1', META_APP_ID: '42' })),
    ).toEqual(['META_APP_SECRET: required with META_APP_ID (meta ads)']);
    // Nothing set: every platform is simulated.
    expect(adPlatformModes({})).toEqual({
      google: 'sandbox',
      meta: 'sandbox',
      linkedin: 'sandbox',
      sandbox: 'sandbox',
    });
  });

  it('audience consent is a topic or a trait, and anything else is refused at start-up naming the setting', () => {
    expect(adConsentOf(undefined)).toEqual({ topic: 'advertising' });
    expect(adConsentOf('trait:ads_ok')).toEqual({ trait: 'ads_ok' });
    expect(adConsentOf('topic:offers')).toEqual({ topic: 'offers' });
    expect(() => loadConfig({ NODE_ENV: 'test', AUDIENCE_SYNC_CONSENT: 'everyone' })).toThrow(/AUDIENCE_SYNC_CONSENT/);
  });
});
