// The real signer, so forged, swapped and expired tokens are checked against the real MAC; the domain code itself
// only sees the TokenSigner interface.
// eslint-disable-next-line import/no-restricted-paths
import { LinkSigner } from '../infra/signing';
import {
  confirmUrl,
  getTopicConfirmationWorkflowId,
  preferencesUrl,
  readConfirmToken,
  readPreferencesToken,
  readUnsubscribeToken,
  unsubscribeUrl,
} from './preferenceLinks';

const PUBLIC_URL = 'https://mail.example.com';
const CONTACT = '3f1c2a9e-6b7d-4c2e-9a51-0d8e7f6a5b4c';
const signer = new LinkSigner('preference-links-test-secret-long-enough-0');
const DAY = 86_400_000;

/** The token at the end of a link we made: everything after `${PUBLIC_URL}${prefix}`. */
function tokenOf(url: string, prefix: string): string {
  expect(url.startsWith(`${PUBLIC_URL}${prefix}`)).toBe(true);
  return url.slice(`${PUBLIC_URL}${prefix}`.length);
}

/** The token with one character of its signature changed. */
function flipSignature(token: string): string {
  const at = token.length - 5;
  const c = token[at] === 'A' ? 'B' : 'A';
  return `${token.slice(0, at)}${c}${token.slice(at + 1)}`;
}

describe('preferencesUrl', () => {
  test('signs the contact for the preference page, and reads back only that contact', () => {
    const token = tokenOf(preferencesUrl(signer, PUBLIC_URL, CONTACT), '/p/');
    expect(readPreferencesToken(signer, token)).toEqual({ contactId: CONTACT });
  });

  test('a trailing slash on the public URL does not double the slash', () => {
    expect(preferencesUrl(signer, `${PUBLIC_URL}/`, CONTACT)).toMatch(/^https:\/\/mail\.example\.com\/p\/[^/]+$/);
  });

  test('a signature with one character changed is refused', () => {
    const token = tokenOf(preferencesUrl(signer, PUBLIC_URL, CONTACT), '/p/');
    expect(readPreferencesToken(signer, flipSignature(token))).toBeUndefined();
  });

  test('an unsubscribe or confirmation token is not a preferences token, nor the other way round', () => {
    const unsubscribe = tokenOf(unsubscribeUrl(signer, PUBLIC_URL, CONTACT), '/u/');
    const confirm = tokenOf(confirmUrl(signer, PUBLIC_URL, CONTACT, 'beta'), '/p/confirm/');
    const preferences = tokenOf(preferencesUrl(signer, PUBLIC_URL, CONTACT), '/p/');
    expect(readPreferencesToken(signer, unsubscribe)).toBeUndefined();
    expect(readPreferencesToken(signer, confirm)).toBeUndefined();
    expect(readConfirmToken(signer, preferences)).toBeUndefined();
    expect(readUnsubscribeToken(signer, preferences)).toBeUndefined();
  });

  test('works for 90 days, then expires', () => {
    const now = Date.now();
    const made = tokenOf(preferencesUrl(signer, PUBLIC_URL, CONTACT), '/p/');
    expect(signer.verify('preferences', made, now + 89 * DAY)).toBe(CONTACT);
    expect(signer.verify('preferences', made, now + 91 * DAY)).toBeUndefined();
  });

  test('a subject that is not a contact id is refused even when signed', () => {
    expect(readPreferencesToken(signer, signer.sign('preferences', 'not-a-contact', DAY))).toBeUndefined();
    expect(readPreferencesToken(signer, signer.sign('preferences', `${CONTACT}:newsletter`, DAY))).toBeUndefined();
  });
});

describe('unsubscribeUrl', () => {
  test('without a topic the subject is the contact id alone, as links sent before topics were', () => {
    const token = tokenOf(unsubscribeUrl(signer, PUBLIC_URL, CONTACT), '/u/');
    expect(signer.verify('unsubscribe', token)).toBe(CONTACT);
    expect(readUnsubscribeToken(signer, token)).toEqual({ contactId: CONTACT });
  });

  test('with a topic the subject is contactId:topic, read back as both', () => {
    const token = tokenOf(unsubscribeUrl(signer, PUBLIC_URL, CONTACT, 'newsletter'), '/u/');
    expect(signer.verify('unsubscribe', token)).toBe(`${CONTACT}:newsletter`);
    expect(readUnsubscribeToken(signer, token)).toEqual({ contactId: CONTACT, topic: 'newsletter' });
  });

  test('an old token made by signing the contact id directly reads as contact-wide', () => {
    expect(readUnsubscribeToken(signer, signer.sign('unsubscribe', CONTACT, DAY))).toEqual({ contactId: CONTACT });
  });

  test('a tampered topic token is refused', () => {
    const token = tokenOf(unsubscribeUrl(signer, PUBLIC_URL, CONTACT, 'offers'), '/u/');
    expect(readUnsubscribeToken(signer, flipSignature(token))).toBeUndefined();
  });
});

describe('confirmUrl', () => {
  test('signs the contact and the topic, for 7 days', () => {
    const now = Date.now();
    const token = tokenOf(confirmUrl(signer, PUBLIC_URL, CONTACT, 'beta_program'), '/p/confirm/');
    expect(readConfirmToken(signer, token)).toEqual({ contactId: CONTACT, topic: 'beta_program' });
    expect(signer.verify('topic-confirm', token, now + 6 * DAY)).toBe(`${CONTACT}:beta_program`);
    expect(signer.verify('topic-confirm', token, now + 8 * DAY)).toBeUndefined();
  });

  test('a confirmation token without a topic is refused', () => {
    expect(readConfirmToken(signer, signer.sign('topic-confirm', CONTACT, DAY))).toBeUndefined();
  });
});

test('the confirmation workflow id names the contact, the topic and the attempt', () => {
  expect(getTopicConfirmationWorkflowId(CONTACT, 'beta', 2)).toBe(`topic-confirm:${CONTACT}:beta:2`);
});
