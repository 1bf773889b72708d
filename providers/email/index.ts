import type { Config } from '../../config/config';
import { createSendGridProvider } from './sendgrid';
import { createSmtpProvider } from './smtp';
import type { EmailProvider } from './types';

export * from './types';
export { createSmtpProvider } from './smtp';
export { createSendGridProvider } from './sendgrid';

/** The provider EMAIL_PROVIDER names: SMTP (to SMTP_URL or the local catcher) or SendGrid's v3 API. */
export function createEmailProvider(
  config: Pick<Config, 'EMAIL_PROVIDER' | 'SENDGRID_API_KEY' | 'SENDGRID_API_URL'>,
  smtpUrl: string,
): EmailProvider {
  if (config.EMAIL_PROVIDER === 'sendgrid') {
    return createSendGridProvider({ apiKey: config.SENDGRID_API_KEY!, baseUrl: config.SENDGRID_API_URL });
  }
  return createSmtpProvider(smtpUrl);
}
