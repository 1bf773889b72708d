/** How long an inbox token works unless the caller asks for less: a day, one signed-in session's worth. */
export const INBOX_TOKEN_TTL_MS = 24 * 3_600_000;

/**
 * What the token is signed for. No other link is signed for it, so a preference page, unsubscribe or tracking
 * token over the same contact is never taken for an inbox token.
 */
export const INBOX_TOKEN_PURPOSE = 'inbox';

/** What signs and checks tokens, with a clock the caller may set (`infra/signing`'s LinkSigner is one). */
export interface ClockedSigner {
  sign(purpose: string, subject: string, ttlMs: number, now?: number): string;
  verify(purpose: string, token: string, now?: number): string | undefined;
}

/** A signed inbox token and the moment it stops working. */
export interface InboxToken {
  token: string;
  expiresAt: Date;
}

const CONTACT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A token that lets a browser read and act on one contact's in-app inbox, and nothing else, until it expires. The
 * contact's product server asks for it on behalf of its signed-in user, so no API key ever reaches a browser.
 * `contactId` is the contact's internal id (a uuid).
 */
export function inboxToken(
  signer: ClockedSigner,
  contactId: string,
  ttlMs = INBOX_TOKEN_TTL_MS,
  now = Date.now(),
): InboxToken {
  if (!CONTACT_ID.test(contactId)) throw new Error(`contactId must be a contact's internal id (a uuid)`);
  if (!Number.isFinite(ttlMs) || ttlMs < 1_000) throw new Error(`ttlMs must be at least 1000 (one second)`);
  // The signer keeps whole seconds: the token stops working at the start of the second its expiry falls in.
  const expiresAt = new Date(Math.floor((now + ttlMs) / 1000) * 1000);
  return { token: signer.sign(INBOX_TOKEN_PURPOSE, contactId, ttlMs, now), expiresAt };
}

/** The contact an inbox token is for; undefined when it is forged, expired, signed for another purpose or malformed. */
export function readInboxToken(signer: ClockedSigner, token: string, now = Date.now()): string | undefined {
  const subject = signer.verify(INBOX_TOKEN_PURPOSE, token, now);
  return subject !== undefined && CONTACT_ID.test(subject) ? subject : undefined;
}
