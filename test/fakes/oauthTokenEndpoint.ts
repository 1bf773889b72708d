import { randomBytes } from 'node:crypto';
import { bodyOf, type FakeHttpServer, type FakeReply, type RecordedRequest } from './fakeHttpServer';

/** One OAuth client the endpoint knows, with the refresh token it issued to it. */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

/** Options of the token endpoint. */
export interface OAuthTokenEndpointOptions {
  /** Path of the token endpoint on the fake's server, such as `/token` or `/oauth/v2/accessToken`. */
  path: string;
  /** Lifetime of an access token in seconds (Google: 3599; LinkedIn: 5184000). */
  expiresIn: number;
  /** Lifetime left on the refresh token in seconds, sent as `refresh_token_expires_in` (LinkedIn) when set. */
  refreshTokenExpiresIn?: number;
  /** The clock that dates token expiry; tests move it instead of waiting. */
  now?: () => number;
}

/**
 * An RFC 6749 refresh-token grant on a fake's server: `POST <path>` with a form of grant_type=refresh_token,
 * refresh_token, client_id and client_secret answers a new access token, or the RFC's error bodies
 * (`invalid_client` for an unknown client or wrong secret, `invalid_grant` for a revoked or foreign refresh token).
 * The API routes ask `isValid` whether a bearer token is one it issued and has not expired or been revoked.
 */
export class OAuthTokenEndpoint {
  /** Access tokens issued, in order. */
  readonly issued: string[] = [];
  private readonly expiry = new Map<string, number>();
  private revoked = false;
  private readonly now: () => number;

  constructor(
    server: FakeHttpServer,
    private readonly client: OAuthClient,
    private readonly options: OAuthTokenEndpointOptions,
  ) {
    this.now = options.now ?? Date.now;
    const path = new RegExp(`^${options.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    server.route('POST', path, (req) => this.grant(req));
  }

  /** Refresh requests received. */
  refreshCount(server: FakeHttpServer): number {
    return server.requests.filter((r) => r.method === 'POST' && r.path === this.options.path).length;
  }

  /** Whether a bearer token is a current access token. */
  isValid(token: string | undefined): boolean {
    const until = token === undefined ? undefined : this.expiry.get(token);
    return until !== undefined && this.now() < until;
  }

  /** Every access token issued so far stops working, as if its hour had passed early. */
  expireAccessTokens(): void {
    for (const token of this.expiry.keys()) this.expiry.set(token, 0);
  }

  /** The user revoked the app's access: the refresh token and every access token stop working. */
  revoke(): void {
    this.revoked = true;
    this.expireAccessTokens();
  }

  private grant(req: RecordedRequest): FakeReply {
    const form = bodyOf(req);
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
      return oauthError(400, 'invalid_request', 'The request must be application/x-www-form-urlencoded.');
    }
    if (form.grant_type !== 'refresh_token') {
      return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${String(form.grant_type)}`);
    }
    if (form.client_id !== this.client.clientId || form.client_secret !== this.client.clientSecret) {
      return oauthError(401, 'invalid_client', 'The OAuth client was not found.');
    }
    if (this.revoked || form.refresh_token !== this.client.refreshToken) {
      return oauthError(400, 'invalid_grant', 'Token has been expired or revoked.');
    }
    const token = `at-${randomBytes(12).toString('hex')}`;
    this.issued.push(token);
    this.expiry.set(token, this.now() + this.options.expiresIn * 1000);
    return {
      status: 200,
      body: {
        access_token: token,
        expires_in: this.options.expiresIn,
        token_type: 'Bearer',
        ...(this.options.refreshTokenExpiresIn
          ? { refresh_token: this.client.refreshToken, refresh_token_expires_in: this.options.refreshTokenExpiresIn }
          : {}),
      },
    };
  }
}

/** An RFC 6749 section 5.2 error body. */
export function oauthError(status: number, error: string, description: string): FakeReply {
  return { status, body: { error, error_description: description } };
}
