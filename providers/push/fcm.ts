import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { callProviderApi, providerRefusal, refusalDetail, type ApiAnswer } from '../email/httpApi';
import { PermanentEmailError } from '../email/types';

const MESSAGING_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';
/** An access token is replaced this long before it expires, so none expires on its way to FCM. */
const RENEW_BEFORE_EXPIRY_MS = 60_000;
const JWT_LIFETIME_S = 3600;

/** One push notification to one device. */
export interface PushMessage {
  /** The FCM registration token of the device. */
  token: string;
  title: string;
  body: string;
  /** Key-value data for the app; FCM accepts string values only and refuses reserved keys (from, google.*, gcm.*). */
  data?: Record<string, string>;
  /** Stable per send. FCM has no request deduplication: it only stands in for a message name FCM did not return. */
  idempotencyKey: string;
}

/**
 * One way to deliver a push notification. `send` resolves once the provider accepted the message, throws
 * PermanentEmailError when it never will (InvalidDeviceTokenError when the device token itself is dead), and
 * throws anything else for a failure worth retrying. Aborting `signal` stops a send in flight.
 */
export interface PushProvider {
  readonly name: string;
  send(message: PushMessage, signal?: AbortSignal): Promise<{ providerMessageId: string }>;
}

/** The fields of a Google service-account key that sending through FCM needs. */
export interface ServiceAccount {
  project_id: string;
  client_email: string;
  /** PEM; kept only as a parsed key object by FcmPush, and never in an error or a log. */
  private_key: string;
  /** Where the signed JWT is exchanged for an access token; defaults to https://oauth2.googleapis.com/token. */
  token_uri?: string;
}

/**
 * FCM said the device token is not, or no longer, a valid registration token (404 UNREGISTERED, or a 400
 * INVALID_ARGUMENT about the token): the app was uninstalled or the token is malformed. Permanent, with
 * `recipientRejected` set: the caller removes the token.
 */
export class InvalidDeviceTokenError extends PermanentEmailError {
  constructor(message: string) {
    super(message, true);
    this.name = 'InvalidDeviceTokenError';
  }
}

/** Options of the FCM provider. */
export interface FcmPushOptions {
  serviceAccount: ServiceAccount;
  /** Defaults to https://fcm.googleapis.com; tests point it at a local fake. */
  baseUrl?: string;
  /** Per request (the token exchange and the send each), including reading the answer; defaults to 10 s. */
  timeoutMs?: number;
  /** The clock, in milliseconds: JWT times and access-token expiry. Defaults to Date.now. */
  now?: () => number;
}

const fieldText = (name: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? `${name} is missing` : `${name} is invalid`),
});

const serviceAccountSchema = z.object({
  type: z.literal('service_account', {
    error: (issue) =>
      issue.input === undefined
        ? 'type is missing (valid value: "service_account")'
        : 'type must be "service_account" (the only valid value)',
  }),
  project_id: z.string(fieldText('project_id')).min(1, 'project_id is empty'),
  client_email: z.email(fieldText('client_email')),
  private_key: z
    .string(fieldText('private_key'))
    .refine((key) => /-----BEGIN (RSA )?PRIVATE KEY-----/.test(key), 'private_key is not a PEM private key'),
  token_uri: z.url(fieldText('token_uri')).optional(),
});

/**
 * Reads a Google service-account key file (the JSON downloaded from the Firebase or Google Cloud console) and
 * returns the fields FcmPush needs. Throws an Error naming every missing or invalid field; the error never quotes
 * the file, so the private key cannot reach a log through it.
 */
export function parseServiceAccount(json: string): ServiceAccount {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('Service account key is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('Service account key must be a JSON object');
  }
  const parsed = serviceAccountSchema.safeParse(value);
  if (!parsed.success) {
    throw new Error(`Service account key is invalid: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  const { project_id, client_email, private_key, token_uri } = parsed.data;
  return { project_id, client_email, private_key, ...(token_uri ? { token_uri } : {}) };
}

const tokenAnswer = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  token_type: z.string(),
});

const sendAnswer = z.object({ name: z.string().min(1) });

const fcmErrorBody = z.object({
  error: z.looseObject({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    details: z
      .array(
        z.looseObject({
          '@type': z.string().optional(),
          errorCode: z.string().optional(),
          fieldViolations: z.array(z.looseObject({ field: z.string().optional() })).optional(),
        }),
      )
      .optional(),
  }),
});

const oauthErrorBody = z.object({ error: z.string(), error_description: z.string().optional() });

/**
 * Sends push notifications through Firebase Cloud Messaging's HTTP v1 API, authenticated as a service account:
 * a JWT signed with its key (RS256) is exchanged at its token URI for an access token, which is kept until a
 * minute before it expires and shared by concurrent sends (one exchange at a time). A 401 gets one fresh token and
 * one retry. 429, 5xx, timeouts and connection failures are worth retrying; other 4xx are permanent. Neither the
 * private key nor an access token ever appears in an error.
 */
export class FcmPush implements PushProvider {
  readonly name = 'fcm';
  private readonly key: KeyObject;
  private readonly projectId: string;
  private readonly clientEmail: string;
  private readonly tokenUri: string;
  private readonly sendUrl: string;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private cached?: { value: string; renewAt: number };
  private refreshing?: Promise<string>;

  constructor(options: FcmPushOptions) {
    const account = options.serviceAccount;
    try {
      this.key = createPrivateKey(account.private_key);
    } catch {
      throw new Error('serviceAccount.private_key is not a PEM private key');
    }
    this.projectId = account.project_id;
    this.clientEmail = account.client_email;
    this.tokenUri = account.token_uri ?? DEFAULT_TOKEN_URI;
    const baseUrl = (options.baseUrl ?? 'https://fcm.googleapis.com').replace(/\/+$/, '');
    this.sendUrl = `${baseUrl}/v1/projects/${encodeURIComponent(this.projectId)}/messages:send`;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Sends one notification; see the class for what is retried and what is permanent. */
  async send(message: PushMessage, signal?: AbortSignal): Promise<{ providerMessageId: string }> {
    const used: string[] = [await this.accessToken()];
    let answer = await this.post(used[0]!, message, used, signal);
    if (answer.status === 401) {
      if (this.cached?.value === used[0]) this.cached = undefined;
      used.push(await this.accessToken());
      answer = await this.post(used[1]!, message, used, signal);
    }
    if (answer.status >= 200 && answer.status < 300) {
      const parsed = sendAnswer.safeParse(parseJson(answer.text));
      // Accepted without a name should not happen; retrying would send it again, so the key stands in for it.
      return { providerMessageId: parsed.success ? parsed.data.name : `idempotency:${message.idempotencyKey}` };
    }
    throw refusal(answer, (text) => scrub(text, used));
  }

  private post(token: string, message: PushMessage, used: string[], signal?: AbortSignal): Promise<ApiAnswer> {
    const body = {
      message: {
        token: message.token,
        notification: { title: message.title, body: message.body },
        ...(message.data ? { data: message.data } : {}),
      },
    };
    return callProviderApi(
      'FCM',
      this.sendUrl,
      {
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      },
      { timeoutMs: this.timeoutMs, fetch, scrub: (text) => scrub(text, used), ...(signal ? { signal } : {}) },
    );
  }

  /** The cached access token, or a new one; concurrent callers share one exchange. */
  private accessToken(): Promise<string> {
    if (this.cached && this.now() < this.cached.renewAt) return Promise.resolve(this.cached.value);
    this.refreshing ??= this.exchange().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Signs a JWT and exchanges it for an access token (not tied to one send's signal: other sends may wait on it). */
  private async exchange(): Promise<string> {
    const issuedAt = this.now();
    const assertion = this.signJwt(Math.floor(issuedAt / 1000));
    const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion });
    const clean = (text: string): string => scrub(text, [assertion]);
    const answer = await callProviderApi(
      'Google OAuth token endpoint',
      this.tokenUri,
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() },
      { timeoutMs: this.timeoutMs, fetch, scrub: clean },
    );
    if (answer.status < 200 || answer.status >= 300) {
      const detail = refusalDetail(answer.status, answer.text, (json) => {
        const parsed = oauthErrorBody.safeParse(json);
        if (!parsed.success) return undefined;
        return [parsed.data.error, parsed.data.error_description].filter(Boolean).join(': ');
      });
      throw providerRefusal('Google OAuth token endpoint', answer.status, clean(detail));
    }
    const parsed = tokenAnswer.safeParse(parseJson(answer.text));
    if (!parsed.success) throw new Error('Google OAuth token endpoint answered without an access token');
    this.cached = {
      value: parsed.data.access_token,
      renewAt: issuedAt + parsed.data.expires_in * 1000 - RENEW_BEFORE_EXPIRY_MS,
    };
    return parsed.data.access_token;
  }

  private signJwt(iat: number): string {
    const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({
      iss: this.clientEmail,
      scope: MESSAGING_SCOPE,
      aud: this.tokenUri,
      iat,
      exp: iat + JWT_LIFETIME_S,
    })}`;
    const signature = createSign('RSA-SHA256').update(unsigned).sign(this.key).toString('base64url');
    return `${unsigned}.${signature}`;
  }
}

/** The error a non-2xx FCM answer is: a dead device token, another permanent refusal, or worth retrying. */
function refusal(answer: ApiAnswer, clean: (text: string) => string): Error {
  const parsed = fcmErrorBody.safeParse(parseJson(answer.text));
  const error = parsed.success ? parsed.data.error : undefined;
  const errorCode = error?.details?.find((d) => d['@type'] === FCM_ERROR_TYPE)?.errorCode;
  const detail = clean(
    error
      ? `${[error.status, errorCode].filter(Boolean).join('/') || `HTTP ${answer.status}`}: ${error.message ?? ''}`
      : refusalDetail(answer.status, answer.text, () => undefined),
  );
  const aboutToken =
    answer.status === 400 &&
    (error?.details?.some(
      (d) => d['@type'] === BAD_REQUEST_TYPE && d.fieldViolations?.some((v) => v.field === 'message.token'),
    ) ||
      /registration token/i.test(error?.message ?? ''));
  if (errorCode === 'UNREGISTERED' && (answer.status === 404 || answer.status === 400)) {
    return new InvalidDeviceTokenError(`FCM says the device token is no longer valid (${answer.status}): ${detail}`);
  }
  if (aboutToken) return new InvalidDeviceTokenError(`FCM refused the device token (${answer.status}): ${detail}`);
  return providerRefusal('FCM', answer.status, detail);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Removes the given secrets, anything shaped like a Google access token, and any PEM block from a text. */
function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]');
  return out
    .replace(/ya29\.[A-Za-z0-9._-]+/g, '[redacted]')
    .replace(/-----BEGIN [A-Z ]+-----[\s\S]*?(-----END [A-Z ]+-----|$)/g, '[redacted]');
}
