import { z } from 'zod';
import { SEND_TIMINGS } from '../../domain/sendTimings';
import { callProviderApi, providerRefusal, refusalDetail } from './httpApi';
import type { EmailMessage, EmailProvider, SendResult } from './types';

/** Options of the SendGrid provider. */
export interface SendGridOptions {
  apiKey: string;
  /** Defaults to https://api.sendgrid.com; tests point it at a local fake. */
  baseUrl?: string;
  /** Per request, including reading the answer; defaults to SEND_TIMINGS.httpProviderTimeoutMs. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** An address with an optional display name, as SendGrid's `from` and `to` objects carry it. */
export interface EmailAddress {
  email: string;
  name?: string;
}

/** Parses an RFC 5322 mailbox: `addr`, `<addr>`, `Name <addr>` or `"Quoted, Name" <addr>`. */
export function parseAddress(value: string): EmailAddress {
  const text = value.trim();
  const angle = /^(.*?)\s*<([^<>\s]+)>$/.exec(text);
  if (!angle) return { email: text };
  const rawName = angle[1]!.trim();
  const name =
    rawName.startsWith('"') && rawName.endsWith('"') && rawName.length >= 2
      ? rawName.slice(1, -1).replace(/\\(.)/g, '$1')
      : rawName;
  return name ? { email: angle[2]!, name } : { email: angle[2]! };
}

const errorBody = z.object({
  errors: z.array(z.looseObject({ message: z.string().nullish(), field: z.string().nullish() })),
});

/**
 * Sends through SendGrid's v3 Mail Send API. The idempotency key travels in `custom_args`, so it comes back on
 * every event webhook; SendGrid has no request-level deduplication, so a timeout after SendGrid accepted the
 * message can, on retry, send it twice.
 */
export function createSendGridProvider(options: SendGridOptions): EmailProvider {
  const baseUrl = (options.baseUrl ?? 'https://api.sendgrid.com').replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? SEND_TIMINGS.httpProviderTimeoutMs;
  const fetchImpl = options.fetch ?? fetch;
  const scrub = (text: string): string => (options.apiKey ? text.split(options.apiKey).join('[redacted]') : text);

  return {
    name: 'sendgrid',
    async send(message: EmailMessage, signal?: AbortSignal): Promise<SendResult> {
      const content = [
        { type: 'text/plain', value: message.text },
        { type: 'text/html', value: message.html },
      ].filter((part) => part.value !== ''); // SendGrid refuses an empty content value
      const body = {
        personalizations: [{ to: [parseAddress(message.to)] }],
        from: parseAddress(message.from),
        ...(message.replyTo ? { reply_to: parseAddress(message.replyTo) } : {}),
        subject: message.subject,
        content,
        ...(Object.keys(message.headers).length ? { headers: message.headers } : {}),
        custom_args: { idempotency_key: message.idempotencyKey },
      };

      const answer = await callProviderApi(
        'SendGrid',
        `${baseUrl}/v3/mail/send`,
        {
          headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
        { timeoutMs, fetch: fetchImpl, scrub, ...(signal ? { signal } : {}) },
      );
      const { status, text } = answer;
      const messageId = answer.headers.get('x-message-id');
      if (status >= 200 && status < 300) {
        // Accepted without an id should not happen; retrying would send it again, so the key stands in for the id.
        return { providerMessageId: messageId ?? `idempotency:${message.idempotencyKey}` };
      }
      throw providerRefusal('SendGrid', status, scrub(refusalDetail(status, text, sendGridMessages)));
    },
    // Node's fetch keeps connections to SendGrid open between requests (its global agent is keep-alive), and
    // owns them: there is nothing of ours to close.
    async close() {},
  };
}

/** SendGrid's error body is `{ "errors": [{ "message", "field" }] }`: every message, with its field. */
function sendGridMessages(json: unknown): string | undefined {
  const parsed = errorBody.safeParse(json);
  if (!parsed.success) return undefined;
  return parsed.data.errors
    .map((e) => (e.field ? `${e.message ?? 'invalid'} (${e.field})` : e.message))
    .filter((m): m is string => !!m)
    .join('; ');
}
