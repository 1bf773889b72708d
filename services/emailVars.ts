import type { LinkSigner } from '../infra/signing';
import { preferencesUrl, unsubscribeUrl } from '../domain/preferenceLinks';
import type { ResolvedTemplate } from '../templates/library';
import type { MailSettings } from './mailSettings';

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
  /** The template's version the enrollment or broadcast pinned. */
  template: ResolvedTemplate;
  /** The step's or broadcast's own subject; the template's when not given. */
  subject?: string;
  from: string;
  replyTo?: string;
  /** The topic the message is sent under: its one-click unsubscribe leaves this topic only. */
  topic?: string;
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
 * The variables every email renders with: the contact's traits and name, the product's and company's settings, the
 * call to action tagged for this sequence or broadcast, a signed unsubscribe link (leaving the message's topic, or
 * everything) and a signed link to the contact's preference page.
 */
export function emailVars(
  { mail, signer }: { mail: MailSettings; signer: LinkSigner },
  to: Recipient,
  message: Pick<Message, 'template' | 'campaign' | 'topic' | 'vars'>,
): Record<string, unknown> {
  const trait = (name: string) => (typeof to.traits[name] === 'string' ? (to.traits[name] as string) : undefined);
  const locale = trait('locale');
  const firstName = trait('first_name') ?? trait('firstName');
  return {
    ...message.vars,
    traits: to.traits,
    ...(firstName ? { first_name: firstName } : {}),
    email: to.email,
    ...(locale ? { locale } : {}),
    product_name: mail.productName,
    venture_name: mail.companyName,
    ...(mail.companyAddress ? { company_address: mail.companyAddress } : {}),
    cta_url: ctaUrl(mail.appUrl, message.campaign, message.template.cta),
    unsubscribe_url: unsubscribeUrl(signer, mail.publicUrl, to.contactId, message.topic),
    preferences_url: preferencesUrl(signer, mail.publicUrl, to.contactId),
  };
}
