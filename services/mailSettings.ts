import type { Config } from '../config/config';
import type { FrequencyCap } from '../db/stores/outbox';
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
  frequencyCap: FrequencyCap;
  /** Templates sent even to a suppressed address (MUST_DELIVER_TEMPLATES). */
  mustDeliver?: readonly string[];
  /** When soft bounces suppress an address; DEFAULT_SOFT_BOUNCE_POLICY unless set. */
  softBounces?: SoftBouncePolicy;
  /** Our open pixel and click redirect in marketing email (TRACKING_ENABLED); on unless false. */
  tracking?: boolean;
}

/** The configuration mail settings are read from; the API builds previews with the same settings as the worker. */
export type MailConfig = Pick<Config, 'MAIL_FROM' | 'PRODUCT_NAME' | 'publicUrl'> &
  Partial<
    Pick<
      Config,
      | 'mailFromAllowed'
      | 'COMPANY_NAME'
      | 'COMPANY_ADDRESS'
      | 'appUrl'
      | 'FREQUENCY_CAP'
      | 'FREQUENCY_WINDOW_HOURS'
      | 'FREQUENCY_CAP_SCOPE'
      | 'MUST_DELIVER_TEMPLATES'
      | 'softBounces'
      | 'TRACKING_ENABLED'
    >
  >;

/** Mail settings from the configuration, with the configuration's defaults for what a caller left out. */
export function mailSettingsFrom(config: MailConfig): MailSettings {
  return {
    from: config.MAIL_FROM,
    ...(config.mailFromAllowed ? { allowedSenders: config.mailFromAllowed } : {}),
    productName: config.PRODUCT_NAME,
    companyName: config.COMPANY_NAME ?? config.PRODUCT_NAME,
    ...(config.COMPANY_ADDRESS ? { companyAddress: config.COMPANY_ADDRESS } : {}),
    publicUrl: config.publicUrl,
    appUrl: config.appUrl ?? config.publicUrl,
    frequencyCap: {
      max: config.FREQUENCY_CAP ?? 3,
      windowMs: (config.FREQUENCY_WINDOW_HOURS ?? 24) * 3600_000,
      ...(config.FREQUENCY_CAP_SCOPE === 'channel' ? { perChannel: true } : {}),
    },
    ...(config.MUST_DELIVER_TEMPLATES ? { mustDeliver: config.MUST_DELIVER_TEMPLATES } : {}),
    ...(config.softBounces ? { softBounces: config.softBounces } : {}),
    tracking: config.TRACKING_ENABLED !== 'false',
  };
}
