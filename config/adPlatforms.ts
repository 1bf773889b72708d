import type { AdPlatformName, AdPlatformsConfig } from '../providers/ads';
import { ConfigError, type Config } from './config';

/** Every ad platform name a campaign may ask for. */
export const AD_PLATFORM_NAMES = ['google', 'meta', 'linkedin', 'sandbox'] as const satisfies readonly AdPlatformName[];

/** The environment variables that configure the ad platforms. */
export type AdEnv = Pick<
  Config,
  | 'GOOGLE_ADS_BASE_URL'
  | 'GOOGLE_ADS_ACCESS_TOKEN'
  | 'GOOGLE_ADS_DEVELOPER_TOKEN'
  | 'GOOGLE_ADS_CUSTOMER_ID'
  | 'GOOGLE_ADS_LOGIN_CUSTOMER_ID'
  | 'GOOGLE_ADS_CURRENCY'
  | 'META_BASE_URL'
  | 'META_ACCESS_TOKEN'
  | 'META_AD_ACCOUNT_ID'
  | 'META_CURRENCY'
  | 'LINKEDIN_BASE_URL'
  | 'LINKEDIN_ACCESS_TOKEN'
  | 'LINKEDIN_AD_ACCOUNT_ID'
  | 'LINKEDIN_CAMPAIGN_GROUP_ID'
  | 'LINKEDIN_CURRENCY'
>;

/** The credentials a platform needs; all or none must be set. */
const REQUIRED: Record<'google' | 'meta' | 'linkedin', Array<keyof AdEnv>> = {
  google: ['GOOGLE_ADS_ACCESS_TOKEN', 'GOOGLE_ADS_DEVELOPER_TOKEN', 'GOOGLE_ADS_CUSTOMER_ID'],
  meta: ['META_ACCESS_TOKEN', 'META_AD_ACCOUNT_ID'],
  linkedin: ['LINKEDIN_ACCESS_TOKEN', 'LINKEDIN_AD_ACCOUNT_ID'],
};

/**
 * The real platforms whose credentials are configured. A platform with only some of its credentials is a
 * configuration error (naming what is missing), not a silent fallback to the sandbox.
 */
export function adPlatformsConfig(env: Partial<AdEnv>): AdPlatformsConfig {
  const problems: string[] = [];
  const configured = (name: keyof typeof REQUIRED): boolean => {
    const set = REQUIRED[name].filter((k) => env[k]);
    if (set.length > 0 && set.length < REQUIRED[name].length) {
      const missing = REQUIRED[name].filter((k) => !env[k]);
      problems.push(`${missing.join(', ')}: required with ${set.join(', ')} (${name} ads)`);
    }
    return set.length === REQUIRED[name].length;
  };
  const out: AdPlatformsConfig = {};
  if (configured('google')) {
    out.google = {
      token: env.GOOGLE_ADS_ACCESS_TOKEN!,
      developerToken: env.GOOGLE_ADS_DEVELOPER_TOKEN!,
      customerId: env.GOOGLE_ADS_CUSTOMER_ID!,
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
      ...(env.META_BASE_URL ? { baseUrl: env.META_BASE_URL } : {}),
    };
  }
  if (configured('linkedin')) {
    out.linkedin = {
      token: env.LINKEDIN_ACCESS_TOKEN!,
      adAccountId: env.LINKEDIN_AD_ACCOUNT_ID!,
      currency: env.LINKEDIN_CURRENCY ?? 'USD',
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
