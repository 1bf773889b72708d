import type { SoftBouncePolicy } from '../domain/suppressionPolicy';

/** What every activity that sends mail reads from the configuration. */
export interface MailSettings {
  /** The default sender. */
  from: string;
  /**
   * The senders a step's `from` may name (MAIL_FROM_ALLOWED, lower-cased addresses and `@domain`s); by default the
   * default sender's address alone.
   */
  allowedSenders?: readonly string[];
  productName: string;
  /** The sender named in the footer (the company behind the product) and its postal address. */
  companyName: string;
  companyAddress?: string;
  /** Where unsubscribe links point: this service. */
  publicUrl: string;
  /** Where calls to action point: the product the emails are about. */
  appUrl: string;
  frequencyCap: { max: number; windowMs: number };
  /** Templates sent even to a suppressed address (MUST_DELIVER_TEMPLATES). */
  mustDeliver?: readonly string[];
  /** When soft bounces suppress an address; DEFAULT_SOFT_BOUNCE_POLICY unless set. */
  softBounces?: SoftBouncePolicy;
  /** Our open pixel and click redirect in marketing email (TRACKING_ENABLED); on unless false. */
  tracking?: boolean;
}
