import { createHash } from 'node:crypto';

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
