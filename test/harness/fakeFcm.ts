import { createVerify, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { FakeHttpServer, bearerOf, bodyOf, type FakeReply, type RecordedRequest } from '../fakes/fakeHttpServer';

const MESSAGING_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';
const VALID_TOKEN = /^[A-Za-z0-9_:-]{20,}$/;
const RESERVED_DATA_KEY = /^(from|notification|message_type|google\.|gcm\.)/;

const GRPC_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** FCM v1's error body, with an FcmError detail when `errorCode` is given and any further details. */
export function fcmError(status: number, message: string, errorCode?: string, details: unknown[] = []): unknown {
  return {
    error: {
      code: status,
      message,
      status: GRPC_STATUS[status] ?? 'UNKNOWN',
      details: [...(errorCode ? [{ '@type': FCM_ERROR_TYPE, errorCode }] : []), ...details],
    },
  };
}

/** A message the fake accepted, as the device would show it. */
export interface FakeFcmMessage {
  token: string;
  title: string;
  body: string;
  data?: Record<string, string>;
}

/** The Google service-account fields the fake issues, pointing at the fake's own token endpoint. */
export interface FakeServiceAccount {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  client_email: string;
  private_key: string;
  token_uri: string;
}

/** A running fake of Google's OAuth token endpoint and FCM's HTTP v1 send endpoint. */
export interface FakeFcm {
  /** Base URL of the send endpoint (FcmPush's `baseUrl`). */
  url: string;
  /** A service account whose private key the fake's token endpoint trusts. */
  serviceAccount: FakeServiceAccount;
  /** Every accepted message, in order. */
  sent: FakeFcmMessage[];
  /** How many requests reached the token endpoint. */
  readonly tokenRequests: number;
  /** Every access token issued, so a test can check that none leaks. */
  accessTokens: string[];
  /** The underlying server, for its faults (replyNext, failNext, hangNext) and recorded requests. */
  server: FakeHttpServer;
  /** From now on, sends to this device token answer 404 UNREGISTERED. */
  unregister(token: string): void;
  /** Makes every access token issued so far invalid (401 UNAUTHENTICATED), as a revoked credential would. */
  revokeTokens(): void;
  close(): Promise<void>;
}

/** Options of the fake; `now` (milliseconds) lets a test move the fake's clock with the provider's. */
export interface FakeFcmOptions {
  now?: () => number;
  projectId?: string;
}

/**
 * Google's token endpoint and FCM's `messages:send` on loopback. The token endpoint verifies the service-account
 * JWT's RS256 signature against the generated key pair's public key, its issuer, audience, scope and lifetime, and
 * issues access tokens valid for an hour; the send endpoint checks the bearer token and the project, and answers
 * like FCM: `{ name }` on success, 404 UNREGISTERED for an unregistered device token, 400 INVALID_ARGUMENT for a
 * malformed one or a reserved data key.
 */
export async function startFakeFcm(options: FakeFcmOptions = {}): Promise<FakeFcm> {
  const now = options.now ?? Date.now;
  const projectId = options.projectId ?? 'gtm-test';
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const server = new FakeHttpServer((status, message) => fcmError(status, message));
  const issued = new Map<string, number>();
  const unregistered = new Set<string>();
  let tokenRequests = 0;

  const fake: FakeFcm = {
    url: '',
    serviceAccount: {
      type: 'service_account',
      project_id: projectId,
      private_key_id: randomBytes(20).toString('hex'),
      client_email: `fcm-sender@${projectId}.iam.gserviceaccount.com`,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      token_uri: '',
    },
    sent: [],
    get tokenRequests() {
      return tokenRequests;
    },
    accessTokens: [],
    server,
    unregister: (token) => void unregistered.add(token),
    revokeTokens: () => issued.clear(),
    close: () => server.stop(),
  };

  server.route('POST', /^\/token$/, (req) => {
    tokenRequests++;
    const problem = jwtProblem(req, publicKey, fake.serviceAccount, now());
    if (problem) return { status: 400, body: { error: 'invalid_grant', error_description: problem } };
    const accessToken = `ya29.fake-${randomBytes(24).toString('base64url')}`;
    issued.set(accessToken, now() + 3600_000);
    fake.accessTokens.push(accessToken);
    return { status: 200, body: { access_token: accessToken, expires_in: 3600, token_type: 'Bearer' } };
  });

  server.route('POST', /^\/v1\/projects\/([^/]+)\/messages:send$/, (req, [project]): FakeReply => {
    const bearer = bearerOf(req);
    const expiresAt = bearer ? issued.get(bearer) : undefined;
    if (expiresAt === undefined || expiresAt <= now()) {
      return {
        status: 401,
        body: fcmError(401, 'Request had invalid authentication credentials. Expected OAuth 2 access token.'),
      };
    }
    if (project !== projectId) {
      return { status: 403, body: fcmError(403, `Permission denied on project ${project ?? ''}`) };
    }
    let message: Record<string, any>;
    try {
      message = bodyOf(req).message as Record<string, any>;
    } catch {
      return { status: 400, body: fcmError(400, 'Invalid JSON payload received.') };
    }
    return accept(message);
  });

  function accept(message: Record<string, any> | undefined): FakeReply {
    const token: unknown = message?.token;
    const notification = message?.notification as Record<string, unknown> | undefined;
    if (typeof token !== 'string' || !VALID_TOKEN.test(token)) {
      return {
        status: 400,
        body: fcmError(400, 'The registration token is not a valid FCM registration token', 'INVALID_ARGUMENT', [
          {
            '@type': BAD_REQUEST_TYPE,
            fieldViolations: [
              { field: 'message.token', description: 'The registration token is not a valid FCM registration token' },
            ],
          },
        ]),
      };
    }
    const data = message?.data as Record<string, unknown> | undefined;
    for (const [key, value] of Object.entries(data ?? {})) {
      if (RESERVED_DATA_KEY.test(key) || typeof value !== 'string') {
        return {
          status: 400,
          body: fcmError(400, `Invalid data payload key: ${key}`, 'INVALID_ARGUMENT', [
            {
              '@type': BAD_REQUEST_TYPE,
              fieldViolations: [{ field: 'message.data', description: `Invalid key ${key}` }],
            },
          ]),
        };
      }
    }
    if (typeof notification?.title !== 'string' || typeof notification.body !== 'string') {
      return { status: 400, body: fcmError(400, 'Invalid value at message.notification', 'INVALID_ARGUMENT') };
    }
    if (unregistered.has(token)) {
      return { status: 404, body: fcmError(404, 'Requested entity was not found.', 'UNREGISTERED') };
    }
    fake.sent.push({
      token,
      title: notification.title,
      body: notification.body,
      ...(data ? { data: data as Record<string, string> } : {}),
    });
    const id = `0:${now()}%${randomBytes(8).toString('hex')}`;
    return { status: 200, body: { name: `projects/${projectId}/messages/${id}` } };
  }

  await server.start();
  fake.url = server.baseUrl;
  fake.serviceAccount.token_uri = `${server.baseUrl}/token`;
  return fake;
}

/** Why the token request's JWT assertion is not acceptable, or undefined when it is. */
function jwtProblem(
  req: RecordedRequest,
  publicKey: KeyObject,
  account: FakeServiceAccount,
  nowMs: number,
): string | undefined {
  const form = bodyOf(req);
  if (form.grant_type !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return 'Invalid grant_type.';
  const parts = typeof form.assertion === 'string' ? form.assertion.split('.') : [];
  if (parts.length !== 3) return 'Invalid JWT: not three parts.';
  const [head, payload, signature] = parts as [string, string, string];
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as Record<string, unknown>;
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return 'Invalid JWT: not JSON.';
  }
  if (header.alg !== 'RS256') return 'Invalid JWT: alg must be RS256.';
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${head}.${payload}`);
  if (!verifier.verify(publicKey, Buffer.from(signature, 'base64url'))) return 'Invalid JWT Signature.';
  if (claims.iss !== account.client_email) return 'Invalid JWT: unknown issuer.';
  if (claims.aud !== account.token_uri) return 'Invalid JWT: audience is not the token URI.';
  if (typeof claims.scope !== 'string' || !claims.scope.split(' ').includes(MESSAGING_SCOPE)) {
    return 'Invalid JWT: scope lacks firebase.messaging.';
  }
  const { iat, exp } = claims;
  const nowS = nowMs / 1000;
  if (typeof iat !== 'number' || typeof exp !== 'number') return 'Invalid JWT: iat and exp are required.';
  if (exp - iat > 3600) return 'Invalid JWT: lifetime over one hour.';
  if (iat > nowS + 300 || exp < nowS)
    return 'Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.';
  return undefined;
}
