import { adPlatformsConfig, AD_PLATFORM_NAMES } from '../../config/adPlatforms';
import type { Config } from '../../config/config';
import { createAdPlatforms } from './index';
import { createSandboxPlatform } from './sandbox';
import type { AdPlatform, AdPlatformName } from './types';

/**
 * One adapter per platform name a campaign may ask for: the real one where its credentials are configured, the
 * sandbox standing in where they are not (its `sandbox` flag says so, and the campaign reports it).
 */
export function createCampaignAdPlatforms(config: Partial<Config>): Record<AdPlatformName, AdPlatform> {
  const real = createAdPlatforms(adPlatformsConfig(config));
  const standIn = createSandboxPlatform();
  const out = {} as Record<AdPlatformName, AdPlatform>;
  for (const name of AD_PLATFORM_NAMES) out[name] = real[name] ?? (name === 'sandbox' ? real.sandbox : standIn);
  return out;
}
