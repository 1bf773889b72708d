import { createHash } from 'node:crypto';
import { AdPlatformError, type AdPlatformName } from './types';

/** SHA-256 of UTF-8 text as lowercase hex, the form every platform's audience upload takes. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Trimmed and lowercased: the normalisation Meta and LinkedIn require before hashing an email. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Google Customer Match also drops the dots before the domain of gmail.com and googlemail.com addresses, which
 * Gmail ignores (first.last@gmail.com is firstlast@gmail.com).
 */
export function normalizeGoogleEmail(email: string): string {
  const normal = normalizeEmail(email);
  const at = normal.lastIndexOf('@');
  const domain = normal.slice(at + 1);
  if (at < 0 || (domain !== 'gmail.com' && domain !== 'googlemail.com')) return normal;
  return `${normal.slice(0, at).replace(/\./g, '')}@${domain}`;
}

/** A SHA-256 hex digest: what a fake platform accepts as a hashed identifier, and nothing else. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** An email as Meta, LinkedIn and the sandbox match it: SHA-256 of the trimmed, lowercased address. */
export const hashEmail = (email: string): string => sha256Hex(normalizeEmail(email));

/** An email as Google Customer Match matches it (Gmail dots dropped). */
export const hashGoogleEmail = (email: string): string => sha256Hex(normalizeGoogleEmail(email));

/**
 * Refuses, before anything is sent, a batch larger than the platform takes in one call or holding anything but
 * SHA-256 digests (an address in clear would otherwise reach the platform). The message never names a member.
 */
export function checkHashedBatch(platform: Exclude<AdPlatformName, 'sandbox'>, hashes: string[], max: number): void {
  const label = { google: 'Google Ads', meta: 'Meta', linkedin: 'LinkedIn' }[platform];
  if (hashes.length > max) {
    throw new AdPlatformError(`${label} takes at most ${max} audience members per call, not ${hashes.length}`, {
      platform,
      retryable: false,
    });
  }
  const unhashed = hashes.filter((h) => !SHA256_HEX.test(h)).length;
  if (unhashed > 0) {
    throw new AdPlatformError(
      `${unhashed} of ${hashes.length} audience members are not SHA-256 hex digests (hash them with ` +
        `audiences.hashEmail); nothing was sent to ${label}`,
      { platform, retryable: false },
    );
  }
}
