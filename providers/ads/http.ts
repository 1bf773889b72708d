import type { z } from 'zod';
import { AdCredentialError, AdPlatformError, type AdPlatformName } from './types';

/** What a platform adapter reads out of an error response. */
export interface PlatformErrorInfo {
  /** The platform's own explanation, shown in the error message. */
  message?: string;
  /** The platform throttled us without a 429 (Meta answers 400 with a throttling code). */
  rateLimited?: boolean;
  /** A 4xx the platform documents as transient. */
  retryable?: boolean;
  /** The platform's own wait hint, when it has one besides Retry-After. */
  retryAfterMs?: number;
  /**
   * The platform refused a credential (Meta answers 400 with code 190 for an expired token): `true` for the access
   * token, or the setting of another credential (a developer token).
   */
  credential?: true | string;
}

/**
 * The access token a client sends. A fixed token cannot be renewed; an OAuth source refreshes its token before it
 * expires and, told that the platform refused one, drops it so the next call fetches another.
 */
export interface AccessTokenProvider {
  /** The configuration value the token comes from, named when the platform refuses it. */
  readonly setting: string;
  /** The current token; concurrent callers share one refresh. */
  token(): Promise<string>;
  /** Forgets `token` if it is still the current one; false when there is nothing to refresh it from. */
  invalidate(token: string): boolean;
}

/** A token as configured: a fixed value (named by its setting), or a provider that renews it. */
export type TokenSource = string | AccessTokenProvider;

/** A fixed token: never refreshed, so a refusal means the setting itself must be renewed. */
export function tokenProvider(source: TokenSource, setting: string): AccessTokenProvider {
  if (typeof source !== 'string') return source;
  return { setting, token: async () => source, invalidate: () => false };
}

/** The tuning fields of a config object, and nothing else from it (its credentials stay out of the client). */
export function tuningOf(config: HttpTuning): HttpTuning {
  return { timeoutMs: config.timeoutMs };
}

/** How long a call may take. Retries are not done here: see {@link HttpClient}. */
export interface HttpTuning {
  /** Per call, including reading the body. */
  timeoutMs?: number;
}

/** Seams for tests: the clock and fetch itself. */
export interface HttpSeams {
  fetch?: typeof fetch;
  now?: () => number;
}

/** Everything an HttpClient needs. */
export interface HttpClientOptions extends HttpTuning, HttpSeams {
  platform: Exclude<AdPlatformName, 'sandbox'>;
  baseUrl: string;
  /** Sent as `Authorization: Bearer`; refreshed once and the call repeated when the platform answers 401. */
  token?: AccessTokenProvider;
  /** Other credential headers (a developer token); like the token, they never appear in an error message. */
  credentialHeaders?: () => Record<string, string>;
  /** Non-secret headers sent on every request (API versions and the like). */
  headers?: Record<string, string>;
  readError?: (status: number, body: unknown, headers: Headers) => PlatformErrorInfo;
}

/** One request, relative to the base URL. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** A path below the base URL, or an absolute URL on the base URL's origin (a platform's pagination link). */
  path: string;
  query?: Record<string, string | number | undefined>;
  /** Query text appended as it is, for Rest.li expressions whose delimiters must not be percent-encoded. */
  rawQuery?: string;
  json?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

/** A successful (2xx) response; `body` is parsed JSON, the raw text when it is not JSON, or undefined when empty. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Per-call timeout unless configured. */
export const DEFAULT_TIMEOUT_MS = 30_000;

const PLATFORM_LABEL: Record<HttpClientOptions['platform'], string> = {
  google: 'Google Ads API',
  meta: 'Meta Marketing API',
  linkedin: 'LinkedIn Marketing API',
};

/** Milliseconds to wait from a Retry-After value (delay-seconds or an HTTP date); undefined when unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * A small fetch wrapper shared by the ad adapters: base URL, credential headers, a timeout per call, and errors
 * classified as retryable or not, scrubbed of secrets. It makes one attempt per call: the adapters run inside
 * activities, whose retry policy retries a retryable error with backoff (after the platform's own wait, which the
 * error carries as `retryAfterMs`), counts the attempts and shows them in the Temporal UI.
 */
export class HttpClient {
  readonly platform: HttpClientOptions['platform'];
  private readonly base: URL;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly options: HttpClientOptions) {
    this.platform = options.platform;
    this.base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
  }

  /** Sends a request; resolves on 2xx, throws AdPlatformError otherwise (throttling carries the platform's wait). */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const url = this.urlFor(req);
    const { token } = this.options;
    let current = token ? await token.token() : undefined;
    let response = await this.attempt(req, url, current);
    // An access token can expire or be revoked before its stated lifetime: one fresh token, one more try.
    if (response.status === 401 && token && current !== undefined && token.invalidate(current)) {
      current = await token.token();
      response = await this.attempt(req, url, current);
    }
    const { status, headers, body } = response;
    if (status >= 200 && status < 300) return { status, headers, body };

    const secrets = this.secrets(current);
    const info = this.options.readError?.(status, body, headers) ?? {};
    const detail = redact(info.message ?? fallbackMessage(status, body), secrets);
    const refused = info.credential ?? (status === 401 ? true : undefined);
    if (refused !== undefined) {
      const setting = refused === true ? (token?.setting ?? 'the access token') : refused;
      throw new AdCredentialError(
        `${PLATFORM_LABEL[this.platform]} refused the credential in ${setting} (${status}): ${detail}. ` +
          `Renew ${setting} and restart the worker.`,
        { platform: this.platform, setting, status },
      );
    }
    if (status === 429 || info.rateLimited) {
      const wait = info.retryAfterMs ?? parseRetryAfter(headers.get('retry-after'), this.now());
      const after = wait === undefined ? '' : `, retry after ${Math.ceil(wait / 1000)} s`;
      throw new AdPlatformError(
        `${PLATFORM_LABEL[this.platform]} throttled the request (${status})${after}: ${detail}`,
        { platform: this.platform, retryable: true, status, retryAfterMs: wait },
      );
    }
    const retryable = status >= 500 || status === 408 || info.retryable === true;
    throw new AdPlatformError(`${PLATFORM_LABEL[this.platform]} answered ${status}: ${detail}`, {
      platform: this.platform,
      retryable,
      status,
    });
  }

  /** Sends a request and validates the 2xx body against a schema; a body of another shape is not retryable. */
  async requestJson<T extends z.ZodType>(
    req: HttpRequest,
    schema: T,
  ): Promise<{ data: z.output<T>; headers: Headers }> {
    const res = await this.request(req);
    const parsed = schema.safeParse(res.body);
    if (!parsed.success) {
      const where = parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ');
      throw new AdPlatformError(`${PLATFORM_LABEL[this.platform]} sent a response of an unexpected shape: ${where}`, {
        platform: this.platform,
        retryable: false,
        status: res.status,
      });
    }
    return { data: parsed.data, headers: res.headers };
  }

  private urlFor(req: HttpRequest): URL {
    let url: URL;
    if (/^https?:\/\//i.test(req.path)) {
      url = new URL(req.path);
      // Pagination links come from the response body; the token must only ever go to the platform itself.
      if (url.origin !== this.base.origin) {
        throw new AdPlatformError(`${PLATFORM_LABEL[this.platform]} sent a link to another origin; not followed`, {
          platform: this.platform,
          retryable: false,
        });
      }
    } else {
      // Concatenated, not resolved: `campaigns:mutate` would otherwise parse as a URL with its own scheme.
      url = new URL(`${this.base.href}${req.path.replace(/^\/+/, '')}`);
    }
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    if (req.rawQuery) url.search = url.search ? `${url.search}&${req.rawQuery}` : `?${req.rawQuery}`;
    return url;
  }

  /** Every credential value this client sends, so error messages can be scrubbed of them. */
  private secrets(token: string | undefined): string[] {
    return [...(token === undefined ? [] : [token]), ...Object.values(this.options.credentialHeaders?.() ?? {})].filter(
      (s) => s.length >= 4,
    );
  }

  private async attempt(
    req: HttpRequest,
    url: URL,
    token: string | undefined,
  ): Promise<{ status: number; headers: Headers; body: unknown }> {
    const auth: Record<string, string> = {
      ...this.options.credentialHeaders?.(),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    };
    const secrets = this.secrets(token);
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers, ...req.headers };
    let payload: string | undefined;
    if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(req.json);
    } else if (req.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(req.form).toString();
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const res = await this.fetchImpl(url, {
        method: req.method,
        headers: { ...headers, ...auth },
        body: payload,
        signal: controller.signal,
        redirect: 'error', // a redirect would carry the credential headers somewhere we did not choose
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: parseBody(text) };
    } catch (err) {
      if (controller.signal.aborted) {
        throw new AdPlatformError(`${PLATFORM_LABEL[this.platform]} did not answer within ${this.timeoutMs} ms`, {
          platform: this.platform,
          retryable: true,
        });
      }
      const reason = err instanceof Error ? describeNetworkError(err) : String(err);
      throw new AdPlatformError(`${PLATFORM_LABEL[this.platform]} could not be reached: ${redact(reason, secrets)}`, {
        platform: this.platform,
        retryable: true,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function fallbackMessage(status: number, body: unknown): string {
  if (typeof body === 'string' && body.trim()) return body.trim().slice(0, 300);
  return `HTTP ${status}`;
}

function describeNetworkError(err: Error): string {
  const cause = (err as { cause?: unknown }).cause;
  const code = cause && typeof cause === 'object' && 'code' in cause ? String((cause as { code: unknown }).code) : '';
  return code ? `${err.message} (${code})` : err.message;
}

/** Replaces every secret (as is, or URL-encoded) in a text with `[redacted]`. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('[redacted]');
  }
  return out;
}
