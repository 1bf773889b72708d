import { createGoogleAdsPlatform, type GoogleAdsConfig } from './googleAds';
import type { HttpSeams } from './http';
import { createLinkedInAdsPlatform, type LinkedInAdsConfig } from './linkedinAds';
import { createMetaAdsPlatform, type MetaAdsConfig } from './metaAds';
import { createSandboxPlatform, type SandboxOptions } from './sandbox';
import type { AdPlatform, AdPlatformName } from './types';

export * from './types';
export {
  createGoogleAdsPlatform,
  createGoogleAdsTokenProvider,
  GoogleAdsPlatform,
  type GoogleAdsConfig,
} from './googleAds';
export { createMetaAdsPlatform, MetaAdsPlatform, META_CONVERSION_ACTION_TYPES, type MetaAdsConfig } from './metaAds';
export {
  createLinkedInAdsPlatform,
  createLinkedInTokenProvider,
  LinkedInAdsPlatform,
  type LinkedInAdsConfig,
} from './linkedinAds';
export { createSandboxPlatform, SandboxAdPlatform, simulateDay, type SandboxOptions } from './sandbox';
export { parseRetryAfter, type AccessTokenProvider, type HttpSeams, type HttpTuning, type TokenSource } from './http';
export { RefreshTokenProvider } from './oauth';
export { idempotencyTag, taggedName } from './campaignNames';

/** Credentials and options of every platform the engine may use; a platform left out is not offered. */
export interface AdPlatformsConfig {
  google?: GoogleAdsConfig;
  meta?: MetaAdsConfig;
  linkedin?: LinkedInAdsConfig;
  sandbox?: SandboxOptions;
}

/** The configured platforms by name; `sandbox` is always there, since a local run needs no credentials. */
export function createAdPlatforms(
  config: AdPlatformsConfig = {},
  seams?: HttpSeams,
): Partial<Record<AdPlatformName, AdPlatform>> & { sandbox: AdPlatform } {
  return {
    sandbox: createSandboxPlatform(config.sandbox),
    ...(config.google ? { google: createGoogleAdsPlatform(config.google, seams) } : {}),
    ...(config.meta ? { meta: createMetaAdsPlatform(config.meta, seams) } : {}),
    ...(config.linkedin ? { linkedin: createLinkedInAdsPlatform(config.linkedin, seams) } : {}),
  };
}
