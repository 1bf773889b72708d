import type { TokenSigner } from './tracking';

/** What a set-password link is signed for, so no other signed token (an unsubscribe link) passes as one. */
export const SET_PASSWORD_PURPOSE = 'password-reset';

/**
 * The link that sets a password, `${publicUrl}/#/reset-password/<token>`: signed over the reset's id, expiring with
 * it. The token rides in the fragment, which browsers never send, so it appears in no server's access log.
 */
export function setPasswordUrl(signer: TokenSigner, publicUrl: string, resetId: string, expiresAt: Date): string {
  const token = signer.sign(SET_PASSWORD_PURPOSE, resetId, Math.max(0, expiresAt.getTime() - Date.now()));
  return `${publicUrl.replace(/\/+$/, '')}/#/reset-password/${token}`;
}
