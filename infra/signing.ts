import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring tokens for links in emails (unsubscribe): `payload.expiry.signature`, base64url.
 * Nobody can forge one for another contact without the secret.
 */
export class LinkSigner {
  constructor(private readonly secret: string) {}

  sign(purpose: string, subject: string, ttlMs: number, now = Date.now()): string {
    const payload = Buffer.from(`${purpose}:${subject}`).toString('base64url');
    const expiry = Math.floor((now + ttlMs) / 1000).toString(36);
    return `${payload}.${expiry}.${this.mac(payload, expiry)}`;
  }

  /**
   * The subject the token was signed for, or undefined if it is forged, for another purpose, expired, or not exactly
   * the three segments `sign` makes (a link with anything appended is not the link that was sent).
   */
  verify(purpose: string, token: string, now = Date.now()): string | undefined {
    const segments = token.split('.');
    if (segments.length !== 3) return undefined;
    const [payload, expiry, mac] = segments;
    if (!payload || !expiry || !mac) return undefined;
    const expected = Buffer.from(this.mac(payload, expiry));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    if (parseInt(expiry, 36) * 1000 < now) return undefined;
    const decoded = Buffer.from(payload, 'base64url').toString();
    const prefix = `${purpose}:`;
    return decoded.startsWith(prefix) ? decoded.slice(prefix.length) : undefined;
  }

  private mac(payload: string, expiry: string): string {
    return createHmac('sha256', this.secret).update(`${payload}.${expiry}`).digest('base64url');
  }
}
