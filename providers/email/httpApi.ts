import { PermanentEmailError } from './types';

// Statuses after which the same request can never succeed: a malformed message, a bad or underprivileged key, an
// unknown domain, a message too large. Everything else in 4xx is treated the same, except 408 and 429.
const RETRYABLE_4XX = new Set([408, 429]);

/** What an email provider's HTTP API answered. */
export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * One request to an email provider's HTTP API, bounded by `timeoutMs` (answer included) and stopped when `signal`
 * aborts. A request that gets no answer throws an Error worth retrying that says which of the three happened, with
 * `scrub` applied so no credential reaches a log. Redirects are refused: an API that redirects is not the API.
 */
export async function callProviderApi(
  provider: string,
  url: string,
  init: { headers: Record<string, string>; body: string | FormData },
  options: { timeoutMs: number; signal?: AbortSignal; fetch: typeof fetch; scrub: (text: string) => string },
): Promise<ApiAnswer> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  try {
    const res = await options.fetch(url, {
      method: 'POST',
      ...init,
      signal: options.signal ? AbortSignal.any([deadline, options.signal]) : deadline,
      redirect: 'error',
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  } catch (err) {
    if (deadline.aborted) throw new Error(`${provider} did not answer within ${options.timeoutMs} ms`);
    if (options.signal?.aborted) throw new Error(`${provider} request abandoned: the send was stopped`);
    throw new Error(
      `${provider} could not be reached: ${options.scrub(err instanceof Error ? err.message : String(err))}`,
    );
  }
}

/** The error a non-2xx answer is: permanent for a 4xx that no retry can fix, otherwise worth retrying. */
export function providerRefusal(provider: string, status: number, detail: string): Error {
  if (status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)) {
    return new PermanentEmailError(`${provider} refused the message (${status}): ${detail}`);
  }
  return new Error(`${provider} failed (${status}), worth retrying: ${detail}`);
}

/**
 * What a refusal says, for the error and the log: `read` picks the message out of the API's JSON error body; a body
 * that is not JSON (a bare "Forbidden", a proxy's HTML page) is quoted, shortened.
 */
export function refusalDetail(status: number, text: string, read: (json: unknown) => string | undefined): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return text.trim().slice(0, 300) || `HTTP ${status}`;
  }
  return read(json) || `HTTP ${status}`;
}
