import nodemailer from 'nodemailer';
import { PermanentEmailError, type EmailMessage, type EmailProvider, type SendResult } from './types';

/** Sends through any SMTP server (the local catcher by default) with nodemailer. */
export function createSmtpProvider(smtpUrl: string): EmailProvider {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    name: 'smtp',
    async send(message: EmailMessage): Promise<SendResult> {
      try {
        const info = await transport.sendMail({
          from: message.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          headers: message.headers,
          // A stable Message-ID lets mail systems downstream recognise a resend of the same email.
          messageId: `<${message.idempotencyKey.replace(/[^A-Za-z0-9.-]/g, '.')}@gtm-strategist>`,
        });
        return { providerMessageId: info.messageId };
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode;
        // 5xx replies are permanent (bad mailbox, policy); 4xx and connection failures are worth retrying.
        if (code !== undefined && code >= 500) throw new PermanentEmailError(`SMTP ${code}: ${(err as Error).message}`);
        throw err;
      }
    },
  };
}
