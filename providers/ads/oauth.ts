import { z } from 'zod';
import { HttpClient, type AccessTokenProvider, type HttpSeams, type HttpTuning, type PlatformErrorInfo } from './http';
import { AdCredentialError, type AdPlatformName, type CredentialStatus } from './types';

/** An OAuth 2.0 client allowed to refresh its own access tokens, and the settings that hold each part. */
export interface RefreshTokenConfig extends HttpTuning {
  platform: Exclude<AdPlatformName, 'sandbox'>;
  /** The provider's token endpoint (Google's https://oauth2.googleapis.com/token, LinkedIn's accessToken). */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Names of the settings holding the client id, client secret and refresh token, for the messages. */
  settings: { clientId: string; clientSecret: string; refreshToken: string };
  /** An access token is renewed this long before it expires; defaults to five minutes. */
  marginMs?: number;
}

const tokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
  refresh_token: z.string().optional(),
  refresh_token_expires_in: z.coerce.number().positive().optional(),
});

const oauthError = z.object({ error: z.string(), error_description: z.string().optional() });

const DEFAULT_MARGIN_MS = 5 * 60_000;

/**
 * Access tokens from a refresh token (RFC 6749 section 6): one is fetched when first needed, cached until shortly
 * before it expires, and fetched once for all the callers that ask while a refresh is under way. A refresh token
 * the provider refuses (`invalid_grant`: revoked, expired, or issued to another client) fails with an
 * AdCredentialError naming the refresh token's setting; a refused client names the client's settings.
 */
export class RefreshTokenProvider implements AccessTokenProvider {
  readonly setting: string;
  /** How many access tokens were fetched: a figure tests and operators can read. */
  refreshes = 0;
  #current?: { token: string; renewAt: number };
  private pending?: Promise<string>;
  // Private fields (#) stay out of JSON.stringify, so logging the provider cannot leak the secrets.
  #refreshToken: string;
  readonly #config: RefreshTokenConfig;
  private refreshTokenExpiresAt?: number;
  private readonly http: HttpClient;
  private readonly now: () => number;

  constructor(config: RefreshTokenConfig, seams: HttpSeams = {}) {
    this.#config = config;
    this.setting = config.settings.refreshToken;
    this.#refreshToken = config.refreshToken;
    this.now = seams.now ?? Date.now;
    this.http = new HttpClient({
      ...seams,
      timeoutMs: config.timeoutMs,
      platform: config.platform,
      baseUrl: config.tokenUrl,
      readError: readOAuthError(config.settings),
    });
  }

  async token(): Promise<string> {
    if (this.#current && this.now() < this.#current.renewAt) return this.#current.token;
    this.pending ??= this.refresh().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(token: string): boolean {
    if (this.#current?.token === token) this.#current = undefined;
    return true;
  }

  /** Whether the provider accepts the refresh token now, and when it expires if the provider said. */
  async status(): Promise<CredentialStatus> {
    const base = { platform: this.#config.platform, setting: this.setting };
    try {
      this.#current = undefined;
      await this.token();
    } catch (err) {
      if (err instanceof AdCredentialError) return { ...base, setting: err.setting, valid: false, detail: err.message };
      throw err;
    }
    return {
      ...base,
      valid: true,
      ...(this.refreshTokenExpiresAt ? { expiresAt: new Date(this.refreshTokenExpiresAt).toISOString() } : {}),
    };
  }

  private async refresh(): Promise<string> {
    const { data } = await this.http.requestJson(
      {
        method: 'POST',
        path: this.#config.tokenUrl,
        form: {
          grant_type: 'refresh_token',
          refresh_token: this.#refreshToken,
          client_id: this.#config.clientId,
          client_secret: this.#config.clientSecret,
        },
      },
      tokenResponse,
    );
    this.refreshes++;
    const now = this.now();
    const margin = Math.min(this.#config.marginMs ?? DEFAULT_MARGIN_MS, (data.expires_in * 1000) / 2);
    this.#current = { token: data.access_token, renewAt: now + data.expires_in * 1000 - margin };
    // Providers that rotate refresh tokens hand back the one to use next time.
    if (data.refresh_token) this.#refreshToken = data.refresh_token;
    if (data.refresh_token_expires_in) this.refreshTokenExpiresAt = now + data.refresh_token_expires_in * 1000;
    return data.access_token;
  }
}

/** RFC 6749 section 5.2 errors: which setting a refusal is about. */
function readOAuthError(settings: RefreshTokenConfig['settings']) {
  return (_status: number, body: unknown): PlatformErrorInfo => {
    const parsed = oauthError.safeParse(body);
    if (!parsed.success) return {};
    const { error, error_description: description } = parsed.data;
    const message = description ? `${error}: ${description}` : error;
    if (error === 'invalid_grant') return { message, credential: settings.refreshToken };
    if (error === 'invalid_client' || error === 'unauthorized_client') {
      return { message, credential: `${settings.clientId} / ${settings.clientSecret}` };
    }
    return { message };
  };
}
