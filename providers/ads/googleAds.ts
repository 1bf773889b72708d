import { z } from 'zod';
import { carriesKey, idempotencyTag, taggedName } from './campaignNames';
import { daysOf } from './dates';
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
import {
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
  /** OAuth 2.0 access token (or a function returning a fresh one). */
  token: TokenSource;
  developerToken: string;
  /** The advertiser account, with or without dashes. */
  customerId: string;
  /** The manager account the token's user reaches the customer through, if any. */
  loginCustomerId?: string;
  /** The account's currency; when set, campaigns in another currency are refused instead of mis-billed. */
  currency?: string;
  /** Channel of created campaigns; defaults to SEARCH. */
  channelType?: string;
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

/** Reads Google's error envelope (an object, or an array of them from searchStream). */
export function readGoogleAdsError(_status: number, body: unknown): PlatformErrorInfo {
  const first = Array.isArray(body) ? body[0] : body;
  const parsed = googleError.safeParse(first);
  if (!parsed.success) return {};
  const { error } = parsed.data;
  const failures = (error.details ?? []).flatMap((d) => d.errors ?? []);
  const messages = failures.map((f) => f.message).filter((m): m is string => !!m);
  const delay = failures.map((f) => f.details?.quotaErrorDetails?.retryDelay).find((d) => !!d);
  const delaySeconds = delay ? Number(/^(\d+(?:\.\d+)?)s$/.exec(delay)?.[1]) : NaN;
  return {
    message: messages.length ? messages.join('; ') : (error.message ?? error.status),
    rateLimited: error.status === 'RESOURCE_EXHAUSTED',
    retryAfterMs: Number.isFinite(delaySeconds) ? Math.ceil(delaySeconds * 1000) : undefined,
  };
}

/** GAQL string literal: single-quoted, with backslash escapes. */
function gaqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The Google Ads adapter: REST `campaignBudgets:mutate`, `campaigns:mutate` and `googleAds:searchStream`. */
export class GoogleAdsPlatform implements AdPlatform {
  readonly audiences: AudienceTarget = {
    batchSize: 0,
    hashEmail: () => {
      throw new Error('TODO');
    },
    ensureAudience: async () => {
      throw new Error('TODO');
    },
    addMembers: async () => {
      throw new Error('TODO');
    },
    removeMembers: async () => {
      throw new Error('TODO');
    },
  };
  async checkCredentials(): Promise<CredentialStatus[]> {
    throw new Error('TODO');
  }
  readonly name = 'google' as const;
  readonly sandbox = false;
  private readonly http: HttpClient;
  private readonly customerId: string;
  // Kept without the credentials, which live only in the auth closure, so logging an adapter cannot leak them.
  private readonly config: Omit<GoogleAdsConfig, 'token' | 'developerToken'>;

  constructor(config: GoogleAdsConfig, seams: HttpSeams = {}) {
    const { token, developerToken, ...settings } = config;
    this.config = settings;
    this.customerId = config.customerId.replace(/-/g, '');
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
      token: tokenProvider(token, 'GOOGLE_ADS_ACCESS_TOKEN'),
      credentialHeaders: () => ({ 'developer-token': developerToken }),
      readError: readGoogleAdsError,
    });
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
