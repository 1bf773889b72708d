import type { LinkSigner } from '../infra/signing';
import { trackEmail } from '../domain/tracking';
import { renderEmail, templateInfo } from '../templates';
import type { Compose } from './deliverOnce';
import type { MailSettings } from './mailSettings';

/** Unsubscribe links stay valid for a year: people unsubscribe from old emails too. */
export const UNSUBSCRIBE_TTL_MS = 365 * 24 * 3600 * 1000;
/** Tracked links keep working (and redirecting) for as long as unsubscribe links do. */
export const TRACKING_TTL_MS = UNSUBSCRIBE_TTL_MS;

/** The call-to-action link, tagged with UTM parameters so the visit is attributed to this sequence or broadcast. */
export function ctaUrl(appUrl: string, campaign: string, cta: string): string {
  const url = new URL(appUrl);
  url.searchParams.set('utm_source', 'gtm-strategist');
  url.searchParams.set('utm_medium', 'email');
  url.searchParams.set('utm_campaign', campaign);
  url.searchParams.set('utm_content', cta);
  return url.toString();
}

/** Who an email goes to, as its template sees them. */
export interface Recipient {
  contactId: string;
  email: string;
  traits: Record<string, unknown>;
}

/** What a sequence step or a broadcast sends. */
export interface Message {
  template: string;
  subject: string;
  from: string;
  /** The call to action's `utm_campaign`: the sequence's key, or the broadcast's. */
  campaign: string;
  /** Marketing mail carries unsubscribe headers and, unless turned off, our tracking. */
  marketing: boolean;
  /** False when the sequence turned tracking off. */
  tracking?: boolean;
  /** Template variables besides the contact's and the product's. */
  vars?: Record<string, unknown>;
}

/**
 * The email one recipient gets, from the message's id (links and the open pixel name it): the template rendered
 * with the contact's traits and the product's variables, a signed unsubscribe link (and the one-click headers in
 * marketing mail), and our tracking in marketing mail unless the operator, the sequence or the contact (the
 * doNotTrack trait) turned it off.
 */
export function composeEmail(
  { mail, signer }: { mail: MailSettings; signer: LinkSigner },
  to: Recipient,
  message: Message,
): Compose {
  return (messageId) => {
    const unsubscribeUrl = `${mail.publicUrl}/u/${signer.sign('unsubscribe', to.contactId, UNSUBSCRIBE_TTL_MS)}`;
    const trait = (name: string) => (typeof to.traits[name] === 'string' ? (to.traits[name] as string) : undefined);
    const rendered = renderEmail(message.template, {
      subject: message.subject,
      vars: {
        ...message.vars,
        traits: to.traits,
        first_name: trait('first_name') ?? trait('firstName'),
        email: to.email,
        product_name: mail.productName,
        venture_name: mail.companyName,
        ...(mail.companyAddress ? { company_address: mail.companyAddress } : {}),
        cta_url: ctaUrl(mail.appUrl, message.campaign, templateInfo(message.template)?.cta ?? message.template),
        unsubscribe_url: unsubscribeUrl,
      },
    });
    const track =
      message.marketing && mail.tracking !== false && message.tracking !== false && to.traits.doNotTrack !== true;
    const html = track
      ? trackEmail(rendered.html, { messageId, publicUrl: mail.publicUrl, signer, ttlMs: TRACKING_TTL_MS }).html
      : rendered.html;
    const headers: Record<string, string> = message.marketing
      ? { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
      : {};
    return { from: message.from, ...rendered, html, headers, tracked: track };
  };
}
