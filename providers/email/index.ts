import type { Config } from '../../config/config';
import { createMailgunProvider } from './mailgun';
import { createSendGridProvider } from './sendgrid';
import { createSmtpProvider } from './smtp';
import type { EmailProvider } from './types';

export * from './types';
export { createSmtpProvider } from './smtp';
export { createSendGridProvider } from './sendgrid';
export { createMailgunProvider } from './mailgun';

/** The provider EMAIL_PROVIDER names: SMTP (to SMTP_URL or the local catcher), SendGrid's v3 API, or Mailgun's. */
export function createEmailProvider(
  config: Pick<
    Config,
    | 'EMAIL_PROVIDER'
    | 'SENDGRID_API_KEY'
    | 'SENDGRID_API_URL'
    | 'MAILGUN_API_KEY'
    | 'MAILGUN_DOMAIN'
    | 'MAILGUN_API_URL'
  >,
  smtpUrl: string,
): EmailProvider {
  if (config.EMAIL_PROVIDER === 'sendgrid') {
    return createSendGridProvider({ apiKey: config.SENDGRID_API_KEY!, baseUrl: config.SENDGRID_API_URL });
  }
  if (config.EMAIL_PROVIDER === 'mailgun') {
    return createMailgunProvider({
      apiKey: config.MAILGUN_API_KEY!,
      domain: config.MAILGUN_DOMAIN!,
      baseUrl: config.MAILGUN_API_URL,
    });
  }
  return createSmtpProvider(smtpUrl);
}
