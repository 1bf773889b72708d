import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { PermanentEmailError } from '../email/types';
import { resolvePublicUrl, type AddressGuardOptions, type ResolvedAddress } from './addressGuard';

/** Most of a receiver's answer that is read; the rest is dropped with the connection. */
const MAX_ANSWER_BYTES = 64 * 1024;
const RETRYABLE_4XX = new Set([408, 429]);

/** Options of the webhook sender. */
export interface WebhookSenderOptions {
  /** The HMAC-SHA256 key of X-GTM-Signature; receivers verify with the same secret. */
  signingSecret: string;
  /** Lets webhooks go to loopback and private addresses (local development, tests); see addressGuard. */
  allowPrivate: boolean;
  /** Per send: connecting, sending and reading the answer. Defaults to 10 s. */
  timeoutMs?: number;
  /** Resolves a host to all its addresses; defaults to the system resolver. */
  lookup?: AddressGuardOptions['lookup'];
}

/** One webhook delivery. */
export interface WebhookDelivery {
  url: string;
  /** The JSON body, already rendered; sent byte for byte, and signed as it is. */
  body: string;
  /** Sent as X-GTM-Message-Id, and returned as the provider message id. */
  messageId: string;
  /** Sent as X-GTM-Idempotency-Key: stable across retries of one send, for the receiver to drop duplicates. */
  idempotencyKey: string;
}

/**
 * The hex HMAC-SHA256, keyed with `secret`, of `<timestampSeconds>.<body>`: the `v1` part of X-GTM-Signature.
 */
export function webhookSignature(secret: string, timestampSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
}

/** How verifyWebhookSignature judges age: the largest accepted clock difference, and the clock (milliseconds). */
export interface VerifyOptions {
  toleranceSeconds?: number;
  now?: () => number;
}

/**
 * Whether an X-GTM-Signature header (`t=<unix seconds>,v1=<hex>`) is valid for this body: a `v1` matches the HMAC
 * of `<t>.<body>` (compared in constant time; several `v1` parts are allowed, for a secret being rotated) and `t`
 * is within `toleranceSeconds` (default 300) of now, so a captured request cannot be replayed later. `body` must be
 * the raw request body, before any JSON parsing.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string,
  body: string,
  options: VerifyOptions = {},
): boolean {
  const parts = header.split(',').map((part) => part.trim().split('='));
  const timestamps = parts.filter(([key]) => key === 't').map(([, value]) => value ?? '');
  const signatures = parts.filter(([key]) => key === 'v1').map(([, value]) => value ?? '');
  if (timestamps.length !== 1 || !/^\d+$/.test(timestamps[0]!) || signatures.length === 0) return false;
  const t = Number(timestamps[0]);
  const nowSeconds = (options.now ?? Date.now)() / 1000;
  if (Math.abs(nowSeconds - t) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(webhookSignature(secret, t, body), 'hex');
  return signatures.some((signature) => {
    if (!/^[0-9a-f]{64}$/.test(signature)) return false;
    return timingSafeEqual(Buffer.from(signature, 'hex'), expected);
  });
}

/**
 * Delivers webhooks: a signed JSON POST to a URL the address guard checked on this very send, over a connection
 * to the addresses that check resolved (so a DNS answer that changes in between is never used). The provider
 * message id is our own `messageId` (also sent as X-GTM-Message-Id), not anything the receiver answers. A 2xx is
 * delivered; a 3xx is permanent (redirects are not followed: the URL is the one that was checked); 408, 429, 5xx,
 * timeouts and connection failures are worth retrying; any other 4xx is permanent. The receiver's answer is read
 * up to 64 KB and never logged or quoted. Errors name the host, never the path or query, which often hold a secret.
 */
export class WebhookSender {
  readonly name = 'webhook';
  private readonly timeoutMs: number;

  constructor(private readonly options: WebhookSenderOptions) {
    if (!options.signingSecret) throw new Error('signingSecret must not be empty: it signs every webhook');
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Sends one webhook; resolves once the receiver answered 2xx. Aborting `signal` stops it (retryable). */
  async send(delivery: WebhookDelivery, signal?: AbortSignal): Promise<{ providerMessageId: string }> {
    for (const field of ['messageId', 'idempotencyKey'] as const) {
      try {
        http.validateHeaderValue(field, delivery[field]);
      } catch {
        throw new PermanentEmailError(`Webhook ${field} cannot be sent as a header: it holds a forbidden character`);
      }
    }
    const { url, addresses } = await resolvePublicUrl(delivery.url, {
      allowPrivate: this.options.allowPrivate,
      ...(this.options.lookup ? { lookup: this.options.lookup } : {}),
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(delivery.body)),
      'User-Agent': 'GTM-Strategist-Webhooks/1',
      'X-GTM-Message-Id': delivery.messageId,
      'X-GTM-Idempotency-Key': delivery.idempotencyKey,
      'X-GTM-Signature': `t=${timestamp},v1=${webhookSignature(this.options.signingSecret, timestamp, delivery.body)}`,
    };
    const status = await this.post(url, addresses, headers, delivery.body, signal);
    const where = `Webhook receiver ${url.host}`;
    if (status >= 200 && status < 300) return { providerMessageId: delivery.messageId };
    if (status >= 300 && status < 400) {
      throw new PermanentEmailError(`${where} answered ${status}, a redirect; redirects are not followed`);
    }
    if (status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)) {
      throw new PermanentEmailError(`${where} refused the webhook (${status})`);
    }
    throw new Error(`${where} failed (${status}), worth retrying`);
  }

  /** One POST over a fresh connection to the checked addresses; resolves with the status once the answer is read. */
  private post(
    url: URL,
    addresses: ResolvedAddress[],
    headers: Record<string, string>,
    body: string,
    signal?: AbortSignal,
  ): Promise<number> {
    const where = `Webhook receiver ${url.host}`;
    return new Promise<number>((resolve, reject) => {
      let outcome: Error | undefined;
      const fail = (err: Error): void => {
        outcome ??= err;
        req.destroy();
        reject(outcome);
      };
      // A connection of its own (agent: false): a pooled socket could lead to an address checked for another send.
      const req = (url.protocol === 'https:' ? https : http).request(url, {
        method: 'POST',
        headers,
        agent: false,
        lookup: pinnedLookup(addresses),
      });
      const timer = setTimeout(
        () => fail(new Error(`${where} did not answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      const onAbort = (): void => fail(new Error(`${where}: request abandoned, the send was stopped`));
      if (signal?.aborted) onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      req.on('close', done);
      req.on('error', (err: NodeJS.ErrnoException) => {
        done();
        fail(new Error(`${where} could not be reached${err.code ? ` (${err.code})` : ''}`));
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read >= MAX_ANSWER_BYTES) {
            res.destroy();
            resolve(status);
          }
        });
        res.on('close', () => resolve(status));
      });
      req.end(body);
    });
  }
}

/** A `lookup` for http(s).request that answers with the checked addresses instead of asking DNS again. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
    const usable = addresses.filter((a) => !wanted || a.family === wanted);
    const [first] = usable;
    if (!first) {
      const err: NodeJS.ErrnoException = new Error('no checked address of the requested family');
      err.code = 'ENOTFOUND';
      callback(err, '', 0);
    } else if (options.all) {
      (callback as unknown as (err: null, all: ResolvedAddress[]) => void)(null, usable);
    } else {
      callback(null, first.address, first.family);
    }
  };
}
