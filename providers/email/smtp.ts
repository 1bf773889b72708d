import nodemailer from 'nodemailer';
import { SEND_TIMINGS } from '../../domain/sendTimings';
import { PermanentEmailError, type EmailMessage, type EmailProvider, type SendResult } from './types';

/**
 * Sends through any SMTP server (the local catcher by default) with nodemailer, over a pool of open connections:
 * a new connection costs a TCP and SMTP handshake per message (110-170 ms to the local catcher), a pooled one
 * nothing after the first. A connection that fails is dropped from the pool and the next message opens a new one.
 */
export function createSmtpProvider(smtpUrl: string): EmailProvider {
  const { smtp } = SEND_TIMINGS;
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: smtp.maxConnections,
    // A message whose connection drops is not re-sent by the pool: the activity's retry, which knows about the
    // outbox and its lease, decides whether to send it again.
    maxRequeues: 0,
    connectionTimeout: smtp.connectionTimeoutMs,
    greetingTimeout: smtp.greetingTimeoutMs,
    socketTimeout: smtp.socketTimeoutMs,
  });
  return {
    name: 'smtp',
    async send(message: EmailMessage, signal?: AbortSignal): Promise<SendResult> {
      try {
        const info = await transport.sendMail({
          from: message.from,
          ...(message.replyTo ? { replyTo: message.replyTo } : {}),
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          headers: message.headers,
          // A stable Message-ID lets mail systems downstream recognise a resend of the same email.
          messageId: `<${message.idempotencyKey.replace(/[^A-Za-z0-9.-]/g, '.')}@gtm-strategist>`,
          ...(signal ? { signal } : {}),
        });
        return { providerMessageId: info.messageId };
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode;
        // 5xx replies are permanent (bad mailbox, policy); 4xx and connection failures are worth retrying.
        if (code !== undefined && code >= 500) {
          // A refusal of the recipient (RCPT TO) is about the mailbox: a hard bounce. Any other 5xx is about the message.
          const command = (err as { command?: string }).command ?? '';
          throw new PermanentEmailError(`SMTP ${code}: ${(err as Error).message}`, /^RCPT/i.test(command));
        }
        throw err;
      }
    },
    async close() {
      transport.close();
    },
  };
}
