import { createHash } from 'node:crypto';

// Keys made only of these characters are written into names as they are. The set avoids GAQL LIKE wildcards
// (`_`, `%`, `[`), Rest.li delimiters and quotes, so a key never has to be escaped in any platform's lookup.
const PLAIN_KEY = /^[A-Za-z0-9.:-]{1,48}$/;

/** The marker written into a campaign name for an idempotency key: the key itself, or a digest of it. */
export function idempotencyTag(idempotencyKey: string): string {
  if (PLAIN_KEY.test(idempotencyKey)) return `gtm:${idempotencyKey}`;
  return `gtm:sha-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}`;
}

/** The campaign name for a key: the display name cut to fit `maxLength`, then ` [gtm:<key>]`. */
export function taggedName(name: string, idempotencyKey: string, maxLength: number): string {
  const suffix = ` [${idempotencyTag(idempotencyKey)}]`;
  // Line breaks and NUL are refused by Google Ads in names; the others never need them either.
  const clean = name.replace(/[\u0000\r\n]+/g, ' ').trim();
  const room = Math.max(0, maxLength - suffix.length);
  return `${Array.from(clean).slice(0, room).join('').trimEnd()}${suffix}`;
}

/** True when a campaign name was made by `taggedName` for this key (the tag is its suffix). */
export function carriesKey(name: string, idempotencyKey: string): boolean {
  return name.endsWith(` [${idempotencyTag(idempotencyKey)}]`) || name === `[${idempotencyTag(idempotencyKey)}]`;
}
