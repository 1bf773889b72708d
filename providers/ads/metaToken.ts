import { z } from 'zod';
import { HttpClient, redact, tokenProvider, type HttpSeams, type HttpTuning, type PlatformErrorInfo } from './http';
import { AdCredentialError, AdPlatformError } from './types';

/** Where the Graph API lives. */
export const META_DEFAULT_BASE_URL = 'https://graph.facebook.com';
/** The Graph API version used unless configured. */
export const META_DEFAULT_VERSION = 'v27.0';
/** The setting holding the access token the adapter sends. */
export const META_TOKEN_SETTING = 'META_ACCESS_TOKEN';
/** The settings holding the Meta app the token belongs to; an app access token is both together. */
export const META_APP_SETTINGS = 'META_APP_ID / META_APP_SECRET';

/** The Meta app (id and secret) that issued a user token, and where its Graph API is. */
export interface MetaAppConfig extends HttpTuning {
  appId: string;
  appSecret: string;
  /** Defaults to https://graph.facebook.com; tests point it at a local fake. */
  baseUrl?: string;
  /** Defaults to v27.0. */
  apiVersion?: string;
}

/** What Meta says of an access token. Times are ISO; absent when the token does not expire. */
export interface MetaTokenInfo {
  valid: boolean;
  /** When the token stops working. */
  expiresAt?: string;
  /** When the app's access to the user's data lapses (about 90 days after the user last used the app). */
  dataAccessExpiresAt?: string;
  /** USER, SYSTEM_USER, PAGE or APP. */
  type?: string;
  /** Meta's explanation when the token is not valid. */
  detail?: string;
}

const graphError = z.object({
  error: z.looseObject({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.number().optional(),
    error_subcode: z.number().optional(),
  }),
});

const exchanged = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  // Seconds; Meta leaves it out for tokens that do not expire.
  expires_in: z.coerce.number().positive().optional(),
});

// Unix seconds; 0 means never.
const epochSeconds = z.coerce.number().nonnegative();
const debugInfo = z.object({
  data: z.looseObject({
    is_valid: z.boolean(),
    type: z.string().optional(),
    expires_at: epochSeconds.optional(),
    data_access_expires_at: epochSeconds.optional(),
    error: z.looseObject({ message: z.string().optional(), code: z.number().optional() }).optional(),
  }),
});

/**
 * Exchanges a short-lived user token (about an hour) for a long-lived one (about 60 days) with the app's id and
 * secret: `GET /oauth/access_token?grant_type=fb_exchange_token`, as Meta documents. A refused short-lived token
 * names META_ACCESS_TOKEN; a refused app names META_APP_ID / META_APP_SECRET.
 */
export async function exchangeForLongLivedToken(
  input: MetaAppConfig & { token: string },
  seams: HttpSeams = {},
): Promise<{ token: string; expiresAt?: string }> {
  const now = seams.now ?? Date.now;
  const http = graphClient(input, seams, readTokenEndpointError(META_TOKEN_SETTING));
  const { data } = await scrubbed([input.appSecret, input.token], () =>
    http.requestJson(
      {
        method: 'GET',
        path: 'oauth/access_token',
        // Meta documents this endpoint as a GET with the secret in the query; the URL never reaches a message.
        query: {
          grant_type: 'fb_exchange_token',
          client_id: input.appId,
          client_secret: input.appSecret,
          fb_exchange_token: input.token,
        },
      },
      exchanged,
    ),
  );
  return {
    token: data.access_token,
    ...(data.expires_in ? { expiresAt: new Date(now() + data.expires_in * 1000).toISOString() } : {}),
  };
}

/**
 * Asks Meta about a token (`GET /debug_token?input_token=...`) with the app access token `appId|appSecret`, as Meta
 * documents. A token Meta refuses is answered `valid: false` with Meta's reason; a refused app access token throws an
 * AdCredentialError naming META_APP_ID / META_APP_SECRET.
 */
export async function debugToken(
  input: MetaAppConfig & { token: string },
  seams: HttpSeams = {},
): Promise<MetaTokenInfo> {
  const http = graphClient(
    input,
    seams,
    readTokenEndpointError(META_APP_SETTINGS),
    `${input.appId}|${input.appSecret}`,
  );
  const { data } = await scrubbed([input.appSecret, input.token], () =>
    http.requestJson({ method: 'GET', path: 'debug_token', query: { input_token: input.token } }, debugInfo),
  );
  const info = data.data;
  const detail = info.error?.message ?? (info.is_valid ? undefined : 'Meta reports the token as not valid');
  return {
    valid: info.is_valid,
    ...(info.expires_at ? { expiresAt: isoOfSeconds(info.expires_at) } : {}),
    ...(info.data_access_expires_at ? { dataAccessExpiresAt: isoOfSeconds(info.data_access_expires_at) } : {}),
    ...(info.type ? { type: info.type } : {}),
    ...(detail && !info.is_valid ? { detail: redact(detail, [input.token, input.appSecret]) } : {}),
  };
}

function isoOfSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function graphClient(
  config: MetaAppConfig,
  seams: HttpSeams,
  readError: (status: number, body: unknown) => PlatformErrorInfo,
  appToken?: string,
): HttpClient {
  const base = (config.baseUrl ?? META_DEFAULT_BASE_URL).replace(/\/+$/, '');
  return new HttpClient({
    ...seams,
    timeoutMs: config.timeoutMs,
    platform: 'meta',
    baseUrl: `${base}/${config.apiVersion ?? META_DEFAULT_VERSION}/`,
    token: appToken === undefined ? undefined : tokenProvider(appToken, META_APP_SETTINGS),
    readError,
  });
}

/**
 * Graph API errors of the token endpoints: code 190 refuses the token in `tokenSetting`; "Error validating client
 * secret." (code 1) and code 101 (invalid application id) refuse the app.
 */
function readTokenEndpointError(tokenSetting: string) {
  return (_status: number, body: unknown): PlatformErrorInfo => {
    const parsed = graphError.safeParse(body);
    if (!parsed.success) return {};
    const { message, code } = parsed.data.error;
    if (code === 190) return { message, credential: tokenSetting };
    if (code === 101 || (code === 1 && /client secret/i.test(message ?? ''))) {
      return { message, credential: META_APP_SETTINGS };
    }
    return { message, retryable: code === 1 || code === 2, rateLimited: code === 4 || code === 17 };
  };
}

/**
 * Runs a call whose URL carries secrets (client_secret, input_token) and removes them from any error's message,
 * whatever produced it: the client only scrubs the credentials it sends in headers.
 */
async function scrubbed<T>(secrets: string[], call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof AdPlatformError)) throw err;
    const message = redact(
      err.message,
      secrets.filter((s) => s.length >= 4),
    );
    if (message === err.message) throw err;
    if (err instanceof AdCredentialError) {
      throw new AdCredentialError(message, { platform: err.platform, setting: err.setting, status: err.status });
    }
    throw new AdPlatformError(message, {
      platform: err.platform,
      retryable: err.retryable,
      status: err.status,
      retryAfterMs: err.retryAfterMs,
    });
  }
}
