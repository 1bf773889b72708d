import {
  createGoogleAdsTokenProvider,
  createLinkedInTokenProvider,
  type AdPlatformName,
  type AdPlatformsConfig,
  type HttpSeams,
} from '../providers/ads';
import { ConfigError, DEFAULT_AUDIENCE_SYNC_CONSENT, type Config } from './config';

/** Every ad platform name a campaign may ask for. */
export const AD_PLATFORM_NAMES = ['google', 'meta', 'linkedin', 'sandbox'] as const satisfies readonly AdPlatformName[];

/** The environment variables that configure the ad platforms. */
export type AdEnv = Pick<
  Config,
  | 'GOOGLE_ADS_BASE_URL'
  | 'GOOGLE_ADS_ACCESS_TOKEN'
  | 'GOOGLE_ADS_CLIENT_ID'
  | 'GOOGLE_ADS_CLIENT_SECRET'
  | 'GOOGLE_ADS_REFRESH_TOKEN'
  | 'GOOGLE_ADS_TOKEN_URL'
  | 'GOOGLE_ADS_DEVELOPER_TOKEN'
  | 'GOOGLE_ADS_CUSTOMER_ID'
  | 'GOOGLE_ADS_LOGIN_CUSTOMER_ID'
  | 'GOOGLE_ADS_CURRENCY'
  | 'META_BASE_URL'
  | 'META_ACCESS_TOKEN'
  | 'META_APP_ID'
  | 'META_APP_SECRET'
  | 'META_AD_ACCOUNT_ID'
  | 'META_CURRENCY'
  | 'LINKEDIN_BASE_URL'
  | 'LINKEDIN_ACCESS_TOKEN'
  | 'LINKEDIN_CLIENT_ID'
  | 'LINKEDIN_CLIENT_SECRET'
  | 'LINKEDIN_REFRESH_TOKEN'
  | 'LINKEDIN_OAUTH_URL'
  | 'LINKEDIN_AD_ACCOUNT_ID'
  | 'LINKEDIN_CAMPAIGN_GROUP_ID'
  | 'LINKEDIN_CURRENCY'
>;

type Setting = keyof AdEnv;

/**
 * What a platform needs, all or none: its account, and one way to authenticate. Google and LinkedIn take a fixed
 * access token or, better, a client with a refresh token (access tokens then renew themselves); Meta takes a
 * long-lived token, checked for expiry when the app's id and secret are given too.
 */
const NEEDS: Record<'google' | 'meta' | 'linkedin', { account: Setting[]; auth: Setting[][]; pairs?: Setting[][] }> = {
  google: {
    account: ['GOOGLE_ADS_CUSTOMER_ID'],
    auth: [
      ['GOOGLE_ADS_CLIENT_ID', 'GOOGLE_ADS_CLIENT_SECRET', 'GOOGLE_ADS_REFRESH_TOKEN'],
      ['GOOGLE_ADS_ACCESS_TOKEN'],
    ],
  },
  meta: { account: ['META_AD_ACCOUNT_ID'], auth: [['META_ACCESS_TOKEN']], pairs: [['META_APP_ID', 'META_APP_SECRET']] },
  linkedin: {
    account: ['LINKEDIN_AD_ACCOUNT_ID'],
    auth: [['LINKEDIN_CLIENT_ID', 'LINKEDIN_CLIENT_SECRET', 'LINKEDIN_REFRESH_TOKEN'], ['LINKEDIN_ACCESS_TOKEN']],
    pairs: [['LINKEDIN_CLIENT_ID', 'LINKEDIN_CLIENT_SECRET']],
  },
};

/**
 * The real platforms whose credentials are configured. A platform with only some of what it needs is a
 * configuration error (naming what is missing), not a silent fallback to the sandbox.
 */
export function adPlatformsConfig(env: Partial<AdEnv>, seams?: HttpSeams): AdPlatformsConfig {
  const problems: string[] = [];
  const has = (keys: Setting[]) => keys.every((k) => env[k]);
  const configured = (name: keyof typeof NEEDS): boolean => {
    const { account, auth, pairs = [] } = NEEDS[name];
    const mentioned = [...account, ...auth.flat()].filter((k) => env[k]);
    for (const pair of pairs) {
      if (pair.some((k) => env[k]) && !has(pair)) {
        problems.push(
          `${pair.filter((k) => !env[k]).join(', ')}: required with ${pair.find((k) => env[k])} (${name} ads)`,
        );
      }
    }
    if (mentioned.length === 0) return false;
    if (!has(account)) {
      problems.push(`${account.join(', ')}: required with ${mentioned.join(', ')} (${name} ads)`);
      return false;
    }
    if (!auth.some(has)) {
      const ways = auth.map((keys) => keys.join(' + ')).join(', or ');
      problems.push(`${name} ads need ${ways} (have ${mentioned.join(', ')})`);
      return false;
    }
    return true;
  };
  const out: AdPlatformsConfig = {};
  if (configured('google')) {
    out.google = {
      token: has(NEEDS.google.auth[0]!)
        ? createGoogleAdsTokenProvider(
            {
              clientId: env.GOOGLE_ADS_CLIENT_ID!,
              clientSecret: env.GOOGLE_ADS_CLIENT_SECRET!,
              refreshToken: env.GOOGLE_ADS_REFRESH_TOKEN!,
              ...(env.GOOGLE_ADS_TOKEN_URL ? { tokenUrl: env.GOOGLE_ADS_TOKEN_URL } : {}),
            },
            seams,
          )
        : env.GOOGLE_ADS_ACCESS_TOKEN!,
      customerId: env.GOOGLE_ADS_CUSTOMER_ID!,
      ...(env.GOOGLE_ADS_DEVELOPER_TOKEN ? { developerToken: env.GOOGLE_ADS_DEVELOPER_TOKEN } : {}),
      ...(env.GOOGLE_ADS_BASE_URL ? { baseUrl: env.GOOGLE_ADS_BASE_URL } : {}),
      ...(env.GOOGLE_ADS_LOGIN_CUSTOMER_ID ? { loginCustomerId: env.GOOGLE_ADS_LOGIN_CUSTOMER_ID } : {}),
      ...(env.GOOGLE_ADS_CURRENCY ? { currency: env.GOOGLE_ADS_CURRENCY } : {}),
    };
  }
  if (configured('meta')) {
    out.meta = {
      token: env.META_ACCESS_TOKEN!,
      adAccountId: env.META_AD_ACCOUNT_ID!,
      currency: env.META_CURRENCY ?? 'USD',
      ...(env.META_APP_ID && env.META_APP_SECRET ? { appId: env.META_APP_ID, appSecret: env.META_APP_SECRET } : {}),
      ...(env.META_BASE_URL ? { baseUrl: env.META_BASE_URL } : {}),
    };
  }
  if (configured('linkedin')) {
    const oauth = env.LINKEDIN_OAUTH_URL?.replace(/\/+$/, '');
    out.linkedin = {
      token: has(NEEDS.linkedin.auth[0]!)
        ? createLinkedInTokenProvider(
            {
              clientId: env.LINKEDIN_CLIENT_ID!,
              clientSecret: env.LINKEDIN_CLIENT_SECRET!,
              refreshToken: env.LINKEDIN_REFRESH_TOKEN!,
              ...(oauth ? { tokenUrl: `${oauth}/accessToken` } : {}),
            },
            seams,
          )
        : env.LINKEDIN_ACCESS_TOKEN!,
      adAccountId: env.LINKEDIN_AD_ACCOUNT_ID!,
      currency: env.LINKEDIN_CURRENCY ?? 'USD',
      ...(env.LINKEDIN_CLIENT_ID && env.LINKEDIN_CLIENT_SECRET
        ? { clientId: env.LINKEDIN_CLIENT_ID, clientSecret: env.LINKEDIN_CLIENT_SECRET }
        : {}),
      ...(oauth ? { introspectUrl: `${oauth}/introspectToken` } : {}),
      ...(env.LINKEDIN_BASE_URL ? { baseUrl: env.LINKEDIN_BASE_URL } : {}),
      ...(env.LINKEDIN_CAMPAIGN_GROUP_ID ? { campaignGroupId: env.LINKEDIN_CAMPAIGN_GROUP_ID } : {}),
    };
  }
  if (problems.length) throw new ConfigError(problems);
  return out;
}

/**
 * Whether each platform name runs for real or on the sandbox: a platform without credentials is simulated (the
 * default of a local run), and the API and the campaign status say so.
 */
export function adPlatformModes(env: Partial<AdEnv>): Record<AdPlatformName, 'live' | 'sandbox'> {
  const live = adPlatformsConfig(env);
  return {
    google: live.google ? 'live' : 'sandbox',
    meta: live.meta ? 'live' : 'sandbox',
    linkedin: live.linkedin ? 'live' : 'sandbox',
    sandbox: 'sandbox',
  };
}

/** AUDIENCE_SYNC_CONSENT (`topic:<key>` or `trait:<name>`) as the rule the audience sync applies. */
export function adConsentOf(setting: string | undefined): { topic: string } | { trait: string } {
  const [kind, name] = (setting ?? DEFAULT_AUDIENCE_SYNC_CONSENT).split(':', 2) as [string, string];
  return kind === 'trait' ? { trait: name } : { topic: name };
}
