import { z } from 'zod';
import { SEND_TIMINGS } from '../../domain/sendTimings';
import { PermanentEmailError, type EmailMessage, type EmailProvider, type SendResult } from './types';

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

// Statuses after which the same request can never succeed: a malformed message, a bad key, an unknown domain, a
// message too large. Everything else in 4xx is treated the same, except 408 and 429.
const RETRYABLE_4XX = new Set([408, 429]);

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
      form.append('to', message.to);
      form.append('subject', message.subject);
      // An empty part would become an empty MIME part; Mailgun needs only one of them.
      if (message.text !== '') form.append('text', message.text);
      if (message.html !== '') form.append('html', message.html);
      for (const [name, value] of Object.entries(message.headers)) form.append(`h:${name}`, value);
      form.append('v:idempotency_key', message.idempotencyKey);

      const deadline = AbortSignal.timeout(timeoutMs);
      let status: number;
      let text: string;
      try {
        const res = await fetchImpl(url, {
          method: 'POST',
          // fetch sets the multipart content type with its boundary from the FormData body.
          headers: { authorization: `Basic ${credentials}` },
          body: form,
          signal: signal ? AbortSignal.any([deadline, signal]) : deadline,
          redirect: 'error',
        });
        status = res.status;
        text = await res.text();
      } catch (err) {
        if (deadline.aborted) throw new Error(`Mailgun did not answer within ${timeoutMs} ms`);
        if (signal?.aborted) throw new Error('Mailgun request abandoned: the send was stopped');
        throw new Error(`Mailgun could not be reached: ${scrub(err instanceof Error ? err.message : String(err))}`);
      }

      if (status >= 200 && status < 300) {
        const id = acceptedId(text);
        // Accepted without an id should not happen; retrying would send it again, so the key stands in for the id.
        return { providerMessageId: id ?? `idempotency:${message.idempotencyKey}` };
      }
      const detail = scrub(describeError(status, text));
      if (status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)) {
        throw new PermanentEmailError(`Mailgun refused the message (${status}): ${detail}`);
      }
      throw new Error(`Mailgun failed (${status}), worth retrying: ${detail}`);
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

function describeError(status: number, text: string): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // A wrong key gets a bare "Forbidden"; a proxy in front of Mailgun may answer with HTML.
    return text.trim().slice(0, 300) || `HTTP ${status}`;
  }
  const parsed = errorBody.safeParse(json);
  return parsed.success && parsed.data.message.trim() ? parsed.data.message.trim() : `HTTP ${status}`;
}
