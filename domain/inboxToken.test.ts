// The real signer, so forged, swapped and expired tokens are checked against the real MAC; the domain code itself
// only sees the signer's shape.
// eslint-disable-next-line import/no-restricted-paths
import { LinkSigner } from '../infra/signing';
import { INBOX_TOKEN_TTL_MS, inboxToken, readInboxToken } from './inboxToken';
import { preferencesUrl, unsubscribeUrl } from './preferenceLinks';

const CONTACT = '3f1c2a9e-6b7d-4c2e-9a51-0d8e7f6a5b4c';
const OTHER = '9b2d4e6f-1a3c-4b5d-8e7f-0a1b2c3d4e5f';
const signer = new LinkSigner('inbox-token-test-secret-that-is-long-enough');
const NOW = Date.UTC(2026, 11, 5, 12, 0, 0);
const HOUR = 3_600_000;

/** The token with one character of its signature changed. */
function flipSignature(token: string): string {
  const at = token.length - 5;
  const c = token[at] === 'A' ? 'B' : 'A';
  return `${token.slice(0, at)}${c}${token.slice(at + 1)}`;
}

test('a token reads back as the contact it was made for, and says when it expires', () => {
  const { token, expiresAt } = inboxToken(signer, CONTACT, HOUR, NOW);
  expect(readInboxToken(signer, token, NOW)).toBe(CONTACT);
  expect(expiresAt.toISOString()).toBe(new Date(NOW + HOUR).toISOString());
  expect(readInboxToken(signer, inboxToken(signer, OTHER, HOUR, NOW).token, NOW)).toBe(OTHER);
});

test('the default lifetime is 24 hours: valid until then, refused after', () => {
  expect(INBOX_TOKEN_TTL_MS).toBe(24 * HOUR);
  const { token, expiresAt } = inboxToken(signer, CONTACT, undefined, NOW);
  expect(expiresAt.getTime()).toBe(NOW + 24 * HOUR);
  expect(readInboxToken(signer, token, NOW + 24 * HOUR)).toBe(CONTACT);
  expect(readInboxToken(signer, token, NOW + 24 * HOUR + 1_000)).toBeUndefined();
});

test('a tampered signature, another secret or a token with anything appended is refused', () => {
  const { token } = inboxToken(signer, CONTACT, HOUR, NOW);
  expect(readInboxToken(signer, flipSignature(token), NOW)).toBeUndefined();
  expect(readInboxToken(new LinkSigner('another-secret-that-is-also-long-enough!'), token, NOW)).toBeUndefined();
  expect(readInboxToken(signer, `${token}.x`, NOW)).toBeUndefined();
  expect(readInboxToken(signer, '', NOW)).toBeUndefined();
});

test('a preference, unsubscribe or other-purpose signature over the same contact is not an inbox token', () => {
  const base = 'https://mail.example.com';
  const preferences = preferencesUrl(signer, base, CONTACT).slice(`${base}/p/`.length);
  const unsubscribe = unsubscribeUrl(signer, base, CONTACT).slice(`${base}/u/`.length);
  expect(readInboxToken(signer, preferences)).toBeUndefined();
  expect(readInboxToken(signer, unsubscribe)).toBeUndefined();
  expect(readInboxToken(signer, signer.sign('open', CONTACT, HOUR, NOW), NOW)).toBeUndefined();
});

test('a validly signed inbox token whose subject is not a contact id is refused', () => {
  expect(readInboxToken(signer, signer.sign('inbox', 'not-a-uuid', HOUR, NOW), NOW)).toBeUndefined();
  expect(readInboxToken(signer, signer.sign('inbox', `${CONTACT}:extra`, HOUR, NOW), NOW)).toBeUndefined();
});

test('making a token for something that is not a contact id is a mistake the caller hears about', () => {
  expect(() => inboxToken(signer, 'user-42', HOUR, NOW)).toThrow(/contactId.*uuid/i);
  expect(() => inboxToken(signer, CONTACT, 0, NOW)).toThrow(/ttlMs/);
});
