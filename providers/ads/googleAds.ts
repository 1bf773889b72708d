import { z } from 'zod';
import { carriesKey, idempotencyTag, taggedName } from './campaignNames';
import { daysOf } from './dates';
import { GoogleCustomerMatch, type GoogleAudienceConsent } from './googleAudience';
import {
  HttpClient,
  tokenProvider,
  tuningOf,
  type HttpSeams,
  type HttpTuning,
  type PlatformErrorInfo,
  type TokenSource,
} from './http';
import { fillDays, minorUnitsPerUnit, numeric } from './money';
import { RefreshTokenProvider } from './oauth';
import {
  AdCredentialError,
  AdPlatformError,
  type AudienceTarget,
  type CredentialStatus,
  type AdPlatform,
  type CreateCampaignInput,
  type DailyMetrics,
  type DateRange,
} from './types';

/** How to reach one Google Ads customer account. */
export interface GoogleAdsConfig extends HttpTuning {
  /** Defaults to https://googleads.googleapis.com; tests point it at a local fake. */
  baseUrl?: string;
  /** Defaults to v26. */
  apiVersion?: string;
  /**
   * A fixed OAuth 2.0 access token (GOOGLE_ADS_ACCESS_TOKEN), or a provider that refreshes one from a refresh token
   * (see {@link createGoogleAdsTokenProvider}).
   */
  token: TokenSource;
  /**
   * Sent as the `developer-token` header when set. Google sunset developer tokens on 2026-09-09: API access now
   * belongs to the Google Cloud project of the OAuth client, and the API ignores the header.
   */
  developerToken?: string;
  /** The advertiser account, with or without dashes. */
  customerId: string;
  /** The manager account the token's user reaches the customer through, if any. */
  loginCustomerId?: string;
  /** The account's currency; when set, campaigns in another currency are refused instead of mis-billed. */
  currency?: string;
  /** Channel of created campaigns; defaults to SEARCH. */
  channelType?: string;
  /** Consent of the people uploaded to Customer Match lists; sent with every addition when set. */
  audienceConsent?: GoogleAudienceConsent;
}

/** The configuration values the adapter names in its errors and credential reports. */
export const GOOGLE_ADS_SETTINGS = {
  accessToken: 'GOOGLE_ADS_ACCESS_TOKEN',
  clientId: 'GOOGLE_ADS_CLIENT_ID',
  clientSecret: 'GOOGLE_ADS_CLIENT_SECRET',
  refreshToken: 'GOOGLE_ADS_REFRESH_TOKEN',
  developerToken: 'GOOGLE_ADS_DEVELOPER_TOKEN',
  customerId: 'GOOGLE_ADS_CUSTOMER_ID',
} as const;

/** Google's OAuth 2.0 token endpoint. */
export const GOOGLE_OAUTH_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** The OAuth client and refresh token an access token is renewed from. */
export interface GoogleAdsRefreshCredentials extends HttpTuning {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Defaults to Google's token endpoint; tests point it at a local one. */
  tokenUrl?: string;
}

/** Access tokens for the Google Ads API, renewed from a refresh token (pass it as `GoogleAdsConfig.token`). */
export function createGoogleAdsTokenProvider(
  credentials: GoogleAdsRefreshCredentials,
  seams: HttpSeams = {},
): RefreshTokenProvider {
  const { tokenUrl, ...rest } = credentials;
  return new RefreshTokenProvider(
    {
      ...rest,
      platform: 'google',
      tokenUrl: tokenUrl ?? GOOGLE_OAUTH_TOKEN_URL,
      settings: {
        clientId: GOOGLE_ADS_SETTINGS.clientId,
        clientSecret: GOOGLE_ADS_SETTINGS.clientSecret,
        refreshToken: GOOGLE_ADS_SETTINGS.refreshToken,
      },
    },
    seams,
  );
}

/** Where the Google Ads REST API lives. */
export const GOOGLE_ADS_DEFAULT_BASE_URL = 'https://googleads.googleapis.com';
/** The API version used unless configured. */
export const GOOGLE_ADS_DEFAULT_VERSION = 'v26';
// Campaign and budget names are limited to 255 characters.
const NAME_LIMIT = 255;

const mutateResponse = z.object({
  results: z.array(z.object({ resourceName: z.string() })).default([]),
});

const searchRow = z.object({
  customer: z.object({ id: numeric.optional() }).optional(),
  campaign: z
    .object({
      resourceName: z.string().optional(),
      id: numeric.optional(),
      name: z.string().optional(),
      status: z.string().optional(),
      campaignBudget: z.string().optional(),
    })
    .optional(),
  campaignBudget: z.object({ resourceName: z.string(), name: z.string().optional() }).optional(),
  segments: z.object({ date: z.string() }).optional(),
  metrics: z
    .object({
      impressions: numeric.optional(),
      clicks: numeric.optional(),
      conversions: numeric.optional(),
      costMicros: numeric.optional(),
      conversionsValue: numeric.optional(),
    })
    .optional(),
});
type SearchRow = z.output<typeof searchRow>;

// searchStream answers one JSON array holding every batch, each with its own `results`.
const searchStreamResponse = z.array(z.object({ results: z.array(searchRow).default([]) }));

const googleError = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    details: z
      .array(
        z.looseObject({
          errors: z
            .array(
              z.looseObject({
                errorCode: z.record(z.string(), z.unknown()).optional(),
                message: z.string().optional(),
                details: z
                  .looseObject({ quotaErrorDetails: z.looseObject({ retryDelay: z.string().optional() }).optional() })
                  .optional(),
              }),
            )
            .optional(),
        }),
      )
      .optional(),
  }),
});

// Refusals of the developer token (AuthenticationError and AuthorizationError codes). Google deprecated them with
// the token itself, but versions served before the sunset still define them.
const DEVELOPER_TOKEN_CODES = new Set([
  'DEVELOPER_TOKEN_INVALID',
  'DEVELOPER_TOKEN_NOT_APPROVED',
  'DEVELOPER_TOKEN_PROHIBITED',
  'DEVELOPER_TOKEN_NOT_ON_ALLOWLIST',
  'ORGANIZATION_NOT_ASSOCIATED_WITH_DEVELOPER_TOKEN',
]);

/** Which settings a Google refusal is about. */
export interface GoogleAdsErrorSettings {
  /**
   * Holds the Google Cloud project whose access level Google judged (the OAuth client's project):
   * `true` for the access token's own setting.
   */
  project: true | string;
}

/** Reads Google's error envelope (an object, or an array of them from searchStream). */
export function googleAdsErrorReader(settings: GoogleAdsErrorSettings = { project: true }) {
  return (status: number, body: unknown): PlatformErrorInfo => {
    if (status === 404 && typeof body === 'string') {
      // Google's front end answers an unknown path, such as a sunset API version, with an HTML page.
      const path = /<code>([^<]*)<\/code>/.exec(body)?.[1];
      if (path) return { message: `${path} was not found; is its API version still served?` };
    }
    const first = Array.isArray(body) ? body[0] : body;
    const parsed = googleError.safeParse(first);
    if (!parsed.success) return {};
    const { error } = parsed.data;
    const failures = (error.details ?? []).flatMap((d) => d.errors ?? []);
    const codes = failures.flatMap((f) => Object.values(f.errorCode ?? {}).map(String));
    const messages = failures.map((f) => f.message).filter((m): m is string => !!m);
    const delay = failures.map((f) => f.details?.quotaErrorDetails?.retryDelay).find((d) => !!d);
    const delaySeconds = delay ? Number(/^(\d+(?:\.\d+)?)s$/.exec(delay)?.[1]) : NaN;
    let message = messages.length ? messages.join('; ') : (error.message ?? error.status);
    if (codes.includes('CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE')) {
      message += ' (since 2026-04-01 the Google Ads API takes Customer Match uploads only from earlier adopters;';
      message += ' others must use the Data Manager API)';
    }
    let credential: PlatformErrorInfo['credential'];
    if (codes.some((c) => DEVELOPER_TOKEN_CODES.has(c))) credential = GOOGLE_ADS_SETTINGS.developerToken;
    else if (codes.includes('CLOUD_PROJECT_NOT_APPROVED_FOR_PRODUCTION')) credential = settings.project;
    return {
      message,
      rateLimited: error.status === 'RESOURCE_EXHAUSTED',
      retryAfterMs: Number.isFinite(delaySeconds) ? Math.ceil(delaySeconds * 1000) : undefined,
      ...(credential === undefined ? {} : { credential }),
    };
  };
}

/** Reads Google's error envelope, naming the access token's setting for a project refusal. */
export const readGoogleAdsError = googleAdsErrorReader();

/** GAQL string literal: single-quoted, with backslash escapes. */
function gaqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The Google Ads adapter: REST `campaignBudgets:mutate`, `campaigns:mutate` and `googleAds:searchStream`, and
 * Customer Match audiences (see {@link GoogleCustomerMatch}).
 */
export class GoogleAdsPlatform implements AdPlatform {
  readonly name = 'google' as const;
  readonly sandbox = false;
  readonly audiences: AudienceTarget;
  private readonly http: HttpClient;
  private readonly customerId: string;
  // Kept without the credentials, which live only in the auth closure, so logging an adapter cannot leak them.
  private readonly config: Omit<GoogleAdsConfig, 'token' | 'developerToken'>;
  // Private (#) so that JSON.stringify leaves it out along with everything it holds.
  readonly #refresh: RefreshTokenProvider | undefined;
  readonly #hasDeveloperToken: boolean;

  constructor(config: GoogleAdsConfig, seams: HttpSeams = {}) {
    const { token, developerToken, ...settings } = config;
    this.config = settings;
    this.customerId = config.customerId.replace(/-/g, '');
    this.#refresh = token instanceof RefreshTokenProvider ? token : undefined;
    this.#hasDeveloperToken = !!developerToken;
    const version = config.apiVersion ?? GOOGLE_ADS_DEFAULT_VERSION;
    const base = (config.baseUrl ?? GOOGLE_ADS_DEFAULT_BASE_URL).replace(/\/+$/, '');
    const headers: Record<string, string> = {};
    if (config.loginCustomerId) headers['login-customer-id'] = config.loginCustomerId.replace(/-/g, '');
    this.http = new HttpClient({
      ...tuningOf(config),
      ...seams,
      platform: 'google',
      baseUrl: `${base}/${version}/customers/${this.customerId}/`,
      headers,
      token: tokenProvider(token, GOOGLE_ADS_SETTINGS.accessToken),
      credentialHeaders: developerToken ? () => ({ 'developer-token': developerToken }) : undefined,
      // The project judged is the OAuth client's: its id names it when there is one.
      readError: googleAdsErrorReader({ project: this.#refresh ? GOOGLE_ADS_SETTINGS.clientId : true }),
    });
    this.audiences = new GoogleCustomerMatch(this.http, this.customerId, config.audienceConsent);
  }

  /**
   * The refresh token (when one is configured) as the token endpoint judges it, then one query of the customer:
   * the access token, the developer token and the account as the API judges them. A refused credential is
   * reported, not thrown; an outage, or an answer that is about neither (a sunset API version), is thrown.
   */
  async checkCredentials(): Promise<CredentialStatus[]> {
    const google = { platform: 'google' as const };
    const statuses: CredentialStatus[] = [];
    if (this.#refresh) {
      const status = await this.#refresh.status();
      statuses.push(status);
      // Without an access token the API cannot be asked anything else.
      if (!status.valid) return statuses;
    }
    const accepted: CredentialStatus[] = [
      ...(this.#refresh ? [] : [{ ...google, setting: GOOGLE_ADS_SETTINGS.accessToken, valid: true }]),
      ...(this.#hasDeveloperToken ? [{ ...google, setting: GOOGLE_ADS_SETTINGS.developerToken, valid: true }] : []),
    ];
    const account = { ...google, setting: GOOGLE_ADS_SETTINGS.customerId };
    try {
      await this.search('SELECT customer.id FROM customer');
      return [...statuses, ...accepted, { ...account, valid: true }];
    } catch (err) {
      if (err instanceof AdCredentialError) {
        // The refused credential is known; what Google would have said of the others is not.
        const others = statuses.filter((s) => s.setting !== err.setting);
        return [...others, { ...google, setting: err.setting, valid: false, detail: err.message }];
      }
      if (err instanceof AdPlatformError && err.status === 403) {
        // Credentials accepted, account refused (USER_PERMISSION_DENIED, CUSTOMER_NOT_ENABLED, ...).
        return [...statuses, ...accepted, { ...account, valid: false, detail: err.message }];
      }
      throw err;
    }
  }

  async createCampaign(input: CreateCampaignInput): Promise<{ externalId: string; created: boolean }> {
    this.checkCurrency(input.currency);
    const existing = await this.findCampaign(input.idempotencyKey);
    if (existing) return { externalId: existing, created: false };

    const name = taggedName(input.name, input.idempotencyKey, NAME_LIMIT);
    // A budget left behind by an attempt that failed before its campaign was made is reused: a second budget
    // of the same name would be refused as a duplicate and wedge every retry.
    const budgetName = taggedName(`${input.name} budget`, input.idempotencyKey, NAME_LIMIT);
    const budget =
      (await this.findBudget(budgetName)) ??
      (await this.mutate('campaignBudgets', {
        create: {
          name: budgetName,
          amountMicros: this.micros(input.dailyBudget, input.currency),
          deliveryMethod: 'STANDARD',
          explicitlyShared: false,
        },
      }));

    const resourceName = await this.mutate('campaigns', {
      create: {
        name,
        campaignBudget: budget,
        advertisingChannelType: this.config.channelType ?? 'SEARCH',
        status: 'PAUSED',
        manualCpc: {},
        networkSettings: {
          targetGoogleSearch: true,
          targetSearchNetwork: true,
          targetContentNetwork: false,
          targetPartnerSearchNetwork: false,
        },
        containsEuPoliticalAdvertising: 'DOES_NOT_CONTAIN_EU_POLITICAL_ADVERTISING',
        startDateTime: `${input.startDate} 00:00:00`,
        ...(input.endDate ? { endDateTime: `${input.endDate} 23:59:59` } : {}),
      },
    });
    return { externalId: idFromResourceName(resourceName), created: true };
  }

  async setBudget(externalId: string, dailyBudget: number): Promise<void> {
    const rows = await this.search(
      `SELECT campaign.id, campaign.campaign_budget FROM campaign WHERE campaign.id = ${campaignId(externalId)}`,
    );
    const budget = rows.find((r) => r.campaign?.campaignBudget)?.campaign?.campaignBudget;
    if (!budget) {
      throw new AdPlatformError(`Google Ads campaign ${externalId} was not found or has no budget`, {
        platform: 'google',
        retryable: false,
      });
    }
    await this.mutate('campaignBudgets', {
      update: { resourceName: budget, amountMicros: this.micros(dailyBudget, this.config.currency ?? 'USD') },
      updateMask: 'amountMicros',
    });
  }

  async pause(externalId: string): Promise<void> {
    await this.setStatus(externalId, 'PAUSED');
  }

  async resume(externalId: string): Promise<void> {
    await this.setStatus(externalId, 'ENABLED');
  }

  async fetchMetrics(externalId: string, range: DateRange): Promise<DailyMetrics[]> {
    const days = daysOf(range, 'google');
    const rows = await this.search(
      'SELECT segments.date, metrics.impressions, metrics.clicks, metrics.conversions, metrics.cost_micros, ' +
        'metrics.conversions_value FROM campaign ' +
        `WHERE campaign.id = ${campaignId(externalId)} AND segments.date BETWEEN '${days[0]}' AND '${days[days.length - 1]}'`,
    );
    return fillDays(
      days,
      rows.flatMap((row) =>
        row.segments
          ? [
              {
                date: row.segments.date,
                impressions: row.metrics?.impressions ?? 0,
                clicks: row.metrics?.clicks ?? 0,
                conversions: row.metrics?.conversions ?? 0,
                spend: (row.metrics?.costMicros ?? 0) / 1_000_000,
                revenue: row.metrics?.conversionsValue ?? 0,
              },
            ]
          : [],
      ),
    );
  }

  private async findCampaign(idempotencyKey: string): Promise<string | undefined> {
    // The tag's alphabet holds no LIKE wildcard; an exact check on the returned names drops keys that merely share
    // a prefix (gtm:a1 also matches gtm:a10).
    const rows = await this.search(
      `SELECT campaign.id, campaign.name, campaign.status FROM campaign ` +
        `WHERE campaign.name LIKE '%${idempotencyTag(idempotencyKey)}%' AND campaign.status != 'REMOVED'`,
    );
    const match = rows.find((r) => r.campaign?.name !== undefined && carriesKey(r.campaign.name, idempotencyKey));
    return match?.campaign?.id !== undefined ? String(match.campaign.id) : undefined;
  }

  private async findBudget(name: string): Promise<string | undefined> {
    const rows = await this.search(
      `SELECT campaign_budget.resource_name, campaign_budget.name FROM campaign_budget ` +
        `WHERE campaign_budget.name = ${gaqlString(name)} AND campaign_budget.status = 'ENABLED'`,
    );
    return rows.find((r) => r.campaignBudget?.name === name)?.campaignBudget?.resourceName;
  }

  private async setStatus(externalId: string, status: 'PAUSED' | 'ENABLED'): Promise<void> {
    await this.mutate('campaigns', {
      update: { resourceName: `customers/${this.customerId}/campaigns/${campaignId(externalId)}`, status },
      updateMask: 'status',
    });
  }

  private async search(query: string): Promise<SearchRow[]> {
    const { data } = await this.http.requestJson(
      { method: 'POST', path: 'googleAds:searchStream', json: { query } },
      searchStreamResponse,
    );
    return data.flatMap((batch) => batch.results);
  }

  private async mutate(service: 'campaigns' | 'campaignBudgets', operation: Record<string, unknown>): Promise<string> {
    const { data } = await this.http.requestJson(
      { method: 'POST', path: `${service}:mutate`, json: { operations: [operation] } },
      mutateResponse,
    );
    const resourceName = data.results[0]?.resourceName;
    if (!resourceName) {
      throw new AdPlatformError(`Google Ads ${service}:mutate returned no result`, {
        platform: 'google',
        retryable: false,
      });
    }
    return resourceName;
  }

  /** Budgets are int64 micros, and must be a multiple of the currency's billable unit (a cent, or a whole unit). */
  private micros(amount: number, currency: string): string {
    const unit = 1_000_000 / minorUnitsPerUnit(currency);
    return String(Math.round((amount * 1_000_000) / unit) * unit);
  }

  private checkCurrency(currency: string): void {
    if (this.config.currency && currency.toUpperCase() !== this.config.currency.toUpperCase()) {
      throw new AdPlatformError(
        `Google Ads account ${this.customerId} bills in ${this.config.currency}, not ${currency}`,
        { platform: 'google', retryable: false },
      );
    }
  }
}

function idFromResourceName(resourceName: string): string {
  return resourceName.slice(resourceName.lastIndexOf('/') + 1);
}

/** Campaign ids are int64; anything else would be spliced into GAQL, so it is refused. */
function campaignId(externalId: string): string {
  if (!/^\d{1,19}$/.test(externalId)) {
    throw new AdPlatformError(`not a Google Ads campaign id: ${JSON.stringify(externalId)}`, {
      platform: 'google',
      retryable: false,
    });
  }
  return externalId;
}

/** A Google Ads adapter for one customer account. */
export function createGoogleAdsPlatform(config: GoogleAdsConfig, seams?: HttpSeams): GoogleAdsPlatform {
  return new GoogleAdsPlatform(config, seams);
}
