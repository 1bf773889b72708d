import { z } from 'zod';
import { SEND_TIMINGS } from '../../domain/sendTimings';
import { callProviderApi, providerRefusal, refusalDetail } from './httpApi';
import type { EmailMessage, EmailProvider, SendResult } from './types';

/** Options of the Mailgun provider. */
export interface MailgunOptions {
  apiKey: string;
  /** The sending domain registered with Mailgun, e.g. mg.example.com. */
  domain: string;
  /** Defaults to https://api.mailgun.net; a domain in the EU region needs https://api.eu.mailgun.net. */
  baseUrl?: string;
  /** Per request, including reading the answer; defaults to SEND_TIMINGS.httpProviderTimeoutMs. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const acceptedBody = z.object({ id: z.string().min(1), message: z.string().optional() });
const errorBody = z.looseObject({ message: z.string() });

/**
 * Sends through Mailgun's Messages API. The idempotency key travels as the custom variable `v:idempotency_key`, so
 * it comes back in every event's `user-variables`; Mailgun has no request-level deduplication, so a timeout after
 * Mailgun accepted the message can, on retry, send it twice.
 */
export function createMailgunProvider(options: MailgunOptions): EmailProvider {
  const baseUrl = (options.baseUrl ?? 'https://api.mailgun.net').replace(/\/+$/, '');
  const url = `${baseUrl}/v3/${encodeURIComponent(options.domain)}/messages`;
  const timeoutMs = options.timeoutMs ?? SEND_TIMINGS.httpProviderTimeoutMs;
  const fetchImpl = options.fetch ?? fetch;
  const credentials = Buffer.from(`api:${options.apiKey}`).toString('base64');
  // The key can surface in either form: as itself in an echoed message, Basic-encoded in an echoed header.
  const secrets = [options.apiKey, credentials].filter((s) => s.length > 0);
  const scrub = (text: string): string => secrets.reduce((t, secret) => t.split(secret).join('[redacted]'), text);

  return {
    name: 'mailgun',
    async send(message: EmailMessage, signal?: AbortSignal): Promise<SendResult> {
      const form = new FormData();
      form.append('from', message.from);
      if (message.replyTo) form.append('h:Reply-To', message.replyTo);
      form.append('to', message.to);
      form.append('subject', message.subject);
      // An empty part would become an empty MIME part; Mailgun needs only one of them.
      if (message.text !== '') form.append('text', message.text);
      if (message.html !== '') form.append('html', message.html);
      for (const [name, value] of Object.entries(message.headers)) form.append(`h:${name}`, value);
      form.append('v:idempotency_key', message.idempotencyKey);

      const { status, text } = await callProviderApi(
        'Mailgun',
        url,
        // fetch sets the multipart content type with its boundary from the FormData body.
        { headers: { authorization: `Basic ${credentials}` }, body: form },
        { timeoutMs, fetch: fetchImpl, scrub, ...(signal ? { signal } : {}) },
      );
      if (status >= 200 && status < 300) {
        const id = acceptedId(text);
        // Accepted without an id should not happen; retrying would send it again, so the key stands in for the id.
        return { providerMessageId: id ?? `idempotency:${message.idempotencyKey}` };
      }
      throw providerRefusal('Mailgun', status, scrub(refusalDetail(status, text, mailgunMessage)));
    },
    // Node's fetch keeps connections to Mailgun open between requests (its global agent is keep-alive), and owns
    // them: there is nothing of ours to close.
    async close() {},
  };
}

/** The message id of a 2xx answer without its angle brackets, as events carry it; undefined if there is none. */
function acceptedId(text: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = acceptedBody.safeParse(json);
  return parsed.success ? stripAngleBrackets(parsed.data.id) || undefined : undefined;
}

/** `<id@domain>` → `id@domain`: Mailgun's API answers with brackets, its events carry the id without them. */
export function stripAngleBrackets(id: string): string {
  return id.trim().replace(/^<(.*)>$/, '$1');
}

/** Mailgun's error body is `{ "message": "..." }`. */
function mailgunMessage(json: unknown): string | undefined {
  const parsed = errorBody.safeParse(json);
  return parsed.success ? parsed.data.message.trim() : undefined;
}
