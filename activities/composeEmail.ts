import type { LinkSigner } from '../infra/signing';
import { trackEmail } from '../domain/tracking';
import { UNSUBSCRIBE_LINK_TTL_MS } from '../domain/preferenceLinks';
import { emailVars, type Message, type Recipient } from '../services/emailVars';
import type { MailSettings } from '../services/mailSettings';
import { renderTemplate } from '../templates/library';
import type { Compose } from './deliverOnce';

export type { Message, Recipient } from '../services/emailVars';

/** Tracked links keep working (and redirecting) for as long as unsubscribe links do. */
export const TRACKING_TTL_MS = UNSUBSCRIBE_LINK_TTL_MS;

/**
 * The email one recipient gets, from the message's id (links and the open pixel name it): the template's pinned
 * version rendered in the contact's locale with emailVars, the one-click unsubscribe headers in marketing mail,
 * and our tracking in marketing mail unless the operator, the sequence or the contact (the doNotTrack trait)
 * turned it off.
 */
export function composeEmail(
  deps: { mail: MailSettings; signer: LinkSigner },
  to: Recipient,
  message: Message,
): Compose {
  const { mail, signer } = deps;
  return (messageId) => {
    const vars = emailVars(deps, to, message);
    const { locale: _chosen, ...rendered } = renderTemplate(message.template, vars, {
      ...(typeof vars.locale === 'string' ? { locale: vars.locale } : {}),
      ...(message.subject ? { subject: message.subject } : {}),
    });
    const track =
      message.marketing && mail.tracking !== false && message.tracking !== false && to.traits.doNotTrack !== true;
    const html = track
      ? trackEmail(rendered.html, { messageId, publicUrl: mail.publicUrl, signer, ttlMs: TRACKING_TTL_MS }).html
      : rendered.html;
    const unsubscribe = vars.unsubscribe_url as string;
    const headers: Record<string, string> = message.marketing
      ? { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
      : {};
    return {
      from: message.from,
      ...(message.replyTo ? { replyTo: message.replyTo } : {}),
      ...rendered,
      html,
      headers,
      tracked: track,
    };
  };
}
