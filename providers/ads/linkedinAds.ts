import { z } from 'zod';
import { checkHashedBatch, hashEmail } from './audienceHash';
import { carriesKey, taggedName } from './campaignNames';
import { addDays, dayToEpochMs, daysOf } from './dates';
import {
  HttpClient,
  redact,
  tokenProvider,
  tuningOf,
  type HttpSeams,
  type HttpTuning,
  type PlatformErrorInfo,
  type TokenSource,
} from './http';
import { fillDays, formatAmount, numeric } from './money';
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

/** How to reach one LinkedIn ad account. */
export interface LinkedInAdsConfig extends HttpTuning {
  /** Defaults to https://api.linkedin.com/rest; tests point it at a local fake. */
  baseUrl?: string;
  /** The Linkedin-Version header (YYYYMM); defaults to 202607. */
  version?: string;
  /**
   * OAuth 2.0 access token with rw_ads (and rw_dmp_segments for audiences): the fixed value of LINKEDIN_ACCESS_TOKEN,
   * or a RefreshTokenProvider (see createLinkedInTokenProvider) that renews it from LINKEDIN_REFRESH_TOKEN.
   */
  token: TokenSource;
  /**
   * The app's client id and secret (LINKEDIN_CLIENT_ID, LINKEDIN_CLIENT_SECRET). With a fixed token they let
   * checkCredentials ask LinkedIn's token introspection when the token expires; they are never serialised.
   */
  clientId?: string;
  clientSecret?: string;
  /** Token introspection; defaults to https://www.linkedin.com/oauth/v2/introspectToken. */
  introspectUrl?: string;
  /**
   * The sourcePlatform LinkedIn assigned to this integration when it granted Audiences access, sent on new DMP
   * segments; LinkedIn refuses a segment without it for partners it gave one to.
   */
  audienceSourcePlatform?: string;
  /** The ad account id (digits, or its urn:li:sponsoredAccount URN). */
  adAccountId: string;
  /** The account's currency: budgets must be in it. */
  currency: string;
  /** Campaign group for new campaigns (digits or URN); the account's default group when absent. */
  campaignGroupId?: string;
  /** Defaults to SPONSORED_UPDATES. */
  campaignType?: string;
  /** Defaults to { country: 'US', language: 'en' }. */
  locale?: { country: string; language: string };
  /** Targeting of new campaigns; defaults to members located in the United States. */
  targetingCriteria?: unknown;
  /** Page size of the campaign search; defaults to 100. */
  pageSize?: number;
}

/** Where the versioned Marketing API lives. */
export const LINKEDIN_DEFAULT_BASE_URL = 'https://api.linkedin.com/rest';
/** The Linkedin-Version used unless configured. */
export const LINKEDIN_DEFAULT_VERSION = '202607';
/** LinkedIn's OAuth 2.0 token endpoint (refresh-token grant). */
export const LINKEDIN_TOKEN_URL = 'https://www.linkedin.com/oauth/v2/accessToken';
/** LinkedIn's token introspection endpoint. */
export const LINKEDIN_INTROSPECT_URL = 'https://www.linkedin.com/oauth/v2/introspectToken';
/** The settings that hold each LinkedIn credential, named in messages. */
export const LINKEDIN_SETTINGS = {
  accessToken: 'LINKEDIN_ACCESS_TOKEN',
  clientId: 'LINKEDIN_CLIENT_ID',
  clientSecret: 'LINKEDIN_CLIENT_SECRET',
  refreshToken: 'LINKEDIN_REFRESH_TOKEN',
} as const;
/** The most users one BATCH_CREATE on dmpSegments/{id}/users may carry, per LinkedIn's DMP Segment Users docs. */
export const LINKEDIN_AUDIENCE_BATCH_SIZE = 5_000;
const NAME_LIMIT = 255;
const MAX_PAGES = 100;
const SEGMENT_PAGE = 100;
const US = 'urn:li:geo:103644278';
// Retried this long after midnight UTC, so our clock and LinkedIn's need not agree to the second.
const QUOTA_RESET_MARGIN_MS = 60_000;
// LinkedIn documents that a new DMP segment takes about 5 seconds before it accepts users.
const SEGMENT_READY_MS = 5_000;
// LinkedIn's 401 bodies for a token that is not (or no longer) valid.
const REFUSED_TOKEN_CODES = new Set(['INVALID_ACCESS_TOKEN', 'REVOKED_ACCESS_TOKEN', 'EXPIRED_ACCESS_TOKEN']);
const REFUSED_TOKEN_SERVICE_CODES = new Set([65600, 65601, 65602]);

// Generic goals to an objective and the automated ("maximum delivery") optimisation it allows, charged by CPM.
const OBJECTIVES: Record<string, { objectiveType: string; optimizationTargetType: string }> = {
  awareness: { objectiveType: 'BRAND_AWARENESS', optimizationTargetType: 'MAX_IMPRESSION' },
  traffic: { objectiveType: 'WEBSITE_VISIT', optimizationTargetType: 'MAX_CLICK' },
  engagement: { objectiveType: 'ENGAGEMENT', optimizationTargetType: 'MAX_CLICK' },
  leads: { objectiveType: 'LEAD_GENERATION', optimizationTargetType: 'MAX_LEAD' },
  sales: { objectiveType: 'WEBSITE_CONVERSION', optimizationTargetType: 'MAX_CONVERSION' },
  conversions: { objectiveType: 'WEBSITE_CONVERSION', optimizationTargetType: 'MAX_CONVERSION' },
};

const searchPage = z.object({
  elements: z.array(z.object({ id: numeric, name: z.string(), status: z.string().optional() })),
  metadata: z.object({ nextPageToken: z.string().optional() }).optional(),
});

const restliDate = z.object({ year: z.number(), month: z.number(), day: z.number() });
const analyticsResponse = z.object({
  elements: z.array(
    z.object({
      dateRange: z.object({ start: restliDate, end: restliDate.optional() }),
      impressions: numeric.optional(),
      clicks: numeric.optional(),
      externalWebsiteConversions: numeric.optional(),
      costInLocalCurrency: numeric.optional(),
      conversionValueInLocalCurrency: numeric.optional(),
    }),
  ),
});

const linkedinError = z.looseObject({
  message: z.string().optional(),
  code: z.string().optional(),
  serviceErrorCode: z.number().optional(),
  errorDetails: z
    .looseObject({ inputErrors: z.array(z.looseObject({ description: z.string().optional() })).optional() })
    .optional(),
});

const segmentPage = z.object({
  elements: z.array(z.looseObject({ id: numeric, name: z.string(), type: z.string().optional() })),
  paging: z.looseObject({ total: z.number().optional() }).optional(),
});

// Rest.li BATCH_CREATE answers one result per element, in order; an element fails alone.
const batchResults = z.object({
  elements: z.array(
    z.looseObject({
      status: z.number(),
      message: z.string().optional(),
      error: z.looseObject({ message: z.string().optional() }).optional(),
    }),
  ),
});

const introspection = z.looseObject({
  active: z.boolean(),
  status: z.string().optional(),
  expires_at: z.coerce.number().optional(),
});

const oauthErrorBody = z.object({ error: z.string(), error_description: z.string().optional() });

/** The first midnight UTC after `ms`: when LinkedIn's daily application and member limits reset. */
export function nextUtcMidnight(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

/**
 * Reads LinkedIn's error body: its message, and the descriptions of the fields it refused. A body that says the
 * token is invalid, expired or revoked is a credential error whatever the status. LinkedIn's limits are daily and
 * reset at midnight UTC, and its 429s rarely carry Retry-After: without one the wait runs to just after midnight.
 */
export function readLinkedInError(
  status: number,
  body: unknown,
  headers?: Headers,
  now: () => number = Date.now,
): PlatformErrorInfo {
  const parsed = linkedinError.safeParse(body);
  const data = parsed.success ? parsed.data : {};
  const inputs = (data.errorDetails?.inputErrors ?? []).map((e) => e.description).filter((d) => !!d);
  const message = [data.message, ...inputs].filter((m) => !!m).join('; ') || data.code;
  const info: PlatformErrorInfo = message ? { message } : {};
  if (
    (data.code && REFUSED_TOKEN_CODES.has(data.code)) ||
    (data.serviceErrorCode !== undefined && REFUSED_TOKEN_SERVICE_CODES.has(data.serviceErrorCode))
  ) {
    info.credential = true;
  }
  if (status === 429 && !headers?.get('retry-after')) {
    const at = now();
    info.retryAfterMs = nextUtcMidnight(at) - at + QUOTA_RESET_MARGIN_MS;
  }
  return info;
}

/** A string inside a Rest.li 2.0 expression: percent-encoded, including the delimiters ( ) , : ' that encodeURIComponent keeps. */
export function restliString(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function restliDay(day: string): string {
  const [year, month, date] = day.split('-').map(Number);
  return `(year:${year},month:${month},day:${date})`;
}

function digitsOf(id: string, what: string): string {
  const digits = /^(?:urn:li:[A-Za-z]+:)?(\d{1,20})$/.exec(id.trim())?.[1];
  if (!digits)
    throw new AdPlatformError(`not a LinkedIn ${what} id: ${JSON.stringify(id)}`, {
      platform: 'linkedin',
      retryable: false,
    });
  return digits;
}

/**
 * The LinkedIn adapter: versioned REST adCampaigns (create, search, partial update), adAnalytics, Matched Audiences
 * (DMP segments and their users) and a credential check (refresh token, token introspection or the ad account).
 */
export class LinkedInAdsPlatform implements AdPlatform {
  readonly name = 'linkedin' as const;
  readonly sandbox = false;
  /** Matched Audiences: a USER DMP segment of the ad account, fed SHA-256 email hashes by BATCH_CREATE. */
  readonly audiences: AudienceTarget = {
    batchSize: LINKEDIN_AUDIENCE_BATCH_SIZE,
    hashEmail,
    ensureAudience: (input) => this.ensureSegment(input),
    addMembers: async (externalId, hashes) => {
      await this.streamUsers('ADD', externalId, hashes);
      // LinkedIn's batch answer says which elements it took, not how many members it matched.
      return {};
    },
    removeMembers: (externalId, hashes) => this.streamUsers('REMOVE', externalId, hashes),
  };
  private readonly http: HttpClient;
  private readonly account: string;
  private readonly now: () => number;
  private readonly version: string;

  // Kept without the credentials, which live only in # fields, so logging an adapter cannot leak them.
  private readonly config: Omit<LinkedInAdsConfig, 'token' | 'clientId' | 'clientSecret'>;
  readonly #token: TokenSource;
  readonly #client?: { id: string; secret: string };
  readonly #seams: HttpSeams;

  constructor(config: LinkedInAdsConfig, seams: HttpSeams = {}) {
    const { token, clientId, clientSecret, ...settings } = config;
    this.config = settings;
    this.#token = token;
    this.#client = clientId && clientSecret ? { id: clientId, secret: clientSecret } : undefined;
    this.#seams = seams;
    this.account = digitsOf(config.adAccountId, 'ad account');
    this.now = seams.now ?? Date.now;
    this.version = config.version ?? LINKEDIN_DEFAULT_VERSION;
    this.http = new HttpClient({
      ...tuningOf(config),
      ...seams,
      platform: 'linkedin',
      baseUrl: config.baseUrl ?? LINKEDIN_DEFAULT_BASE_URL,
      headers: {
        'Linkedin-Version': this.version,
        'X-Restli-Protocol-Version': '2.0.0',
      },
      token: tokenProvider(token, LINKEDIN_SETTINGS.accessToken),
      readError: (status, body, headers) => {
        const info = readLinkedInError(status, body, headers, this.now);
        if (status === 426 || (body as { code?: unknown } | undefined)?.code === 'NONEXISTENT_VERSION') {
          info.message = `${info.message ?? 'version not served'} (Linkedin-Version ${this.version}: configure a version LinkedIn still serves)`;
        }
        return info;
      },
    });
  }

  /**
   * With a refresh token: whether LinkedIn still exchanges it, and when it expires. With a fixed token and the app's
   * client credentials: LinkedIn's token introspection, which tells when the token expires. Otherwise one cheap call
   * (the ad account) says whether the token is accepted, with no expiry.
   */
  async checkCredentials(): Promise<CredentialStatus[]> {
    const token = this.#token;
    if (token instanceof RefreshTokenProvider) return [await token.status()];
    if (typeof token !== 'string' || !this.#client) return [await this.probeAccount()];
    try {
      return [await this.introspect(token, this.#client)];
    } catch (err) {
      if (!(err instanceof AdCredentialError)) throw err;
      // The app's credentials were refused: say so, and still learn whether the token itself works.
      return [
        { platform: 'linkedin', setting: err.setting, valid: false, detail: err.message },
        await this.probeAccount(),
      ];
    }
  }

  async createCampaign(input: CreateCampaignInput): Promise<{ externalId: string; created: boolean }> {
    if (input.currency.toUpperCase() !== this.config.currency.toUpperCase()) {
      throw new AdPlatformError(
        `LinkedIn ad account ${this.account} bills in ${this.config.currency}, not ${input.currency}`,
        {
          platform: 'linkedin',
          retryable: false,
        },
      );
    }
    const name = taggedName(input.name, input.idempotencyKey, NAME_LIMIT);
    const existing = await this.findCampaign(name, input.idempotencyKey);
    if (existing) return { externalId: existing, created: false };

    const goal = linkedinObjective(input.objective);
    const start = Math.max(dayToEpochMs(input.startDate), this.now());
    const res = await this.http.request({
      method: 'POST',
      path: `adAccounts/${this.account}/adCampaigns`,
      json: {
        account: `urn:li:sponsoredAccount:${this.account}`,
        ...(this.config.campaignGroupId
          ? {
              campaignGroup: `urn:li:sponsoredCampaignGroup:${digitsOf(this.config.campaignGroupId, 'campaign group')}`,
            }
          : {}),
        name,
        type: this.config.campaignType ?? 'SPONSORED_UPDATES',
        objectiveType: goal.objectiveType,
        optimizationTargetType: goal.optimizationTargetType,
        costType: 'CPM',
        dailyBudget: {
          amount: formatAmount(input.dailyBudget, this.config.currency),
          currencyCode: this.config.currency,
        },
        // runSchedule.end is exclusive: the campaign runs through the whole of endDate.
        runSchedule: { start, ...(input.endDate ? { end: dayToEpochMs(addDays(input.endDate, 1)) } : {}) },
        locale: this.config.locale ?? { country: 'US', language: 'en' },
        targetingCriteria: this.config.targetingCriteria ?? {
          include: { and: [{ or: { 'urn:li:adTargetingFacet:locations': [US] } }] },
        },
        offsiteDeliveryEnabled: false,
        audienceExpansionEnabled: false,
        politicalIntent: 'NOT_POLITICAL',
        status: 'PAUSED',
      },
    });
    const id = res.headers.get('x-restli-id');
    if (!id) {
      throw new AdPlatformError('LinkedIn created a campaign but sent no x-restli-id header', {
        platform: 'linkedin',
        retryable: false,
        status: res.status,
      });
    }
    return { externalId: digitsOf(id, 'campaign'), created: true };
  }

  async setBudget(externalId: string, dailyBudget: number): Promise<void> {
    await this.patch(externalId, {
      dailyBudget: { amount: formatAmount(dailyBudget, this.config.currency), currencyCode: this.config.currency },
    });
  }

  async pause(externalId: string): Promise<void> {
    await this.patch(externalId, { status: 'PAUSED' });
  }

  async resume(externalId: string): Promise<void> {
    await this.patch(externalId, { status: 'ACTIVE' });
  }

  async fetchMetrics(externalId: string, range: DateRange): Promise<DailyMetrics[]> {
    const days = daysOf(range, 'linkedin');
    const campaign = `urn:li:sponsoredCampaign:${digitsOf(externalId, 'campaign')}`;
    const { data } = await this.http.requestJson(
      {
        method: 'GET',
        path: 'adAnalytics',
        rawQuery: [
          'q=analytics',
          'pivot=CAMPAIGN',
          'timeGranularity=DAILY',
          `dateRange=(start:${restliDay(days[0]!)},end:${restliDay(days[days.length - 1]!)})`,
          `campaigns=List(${restliString(campaign)})`,
          'fields=impressions,clicks,externalWebsiteConversions,costInLocalCurrency,conversionValueInLocalCurrency,dateRange',
        ].join('&'),
      },
      analyticsResponse,
    );
    return fillDays(
      days,
      data.elements.map((e) => ({
        date: `${e.dateRange.start.year}-${pad(e.dateRange.start.month)}-${pad(e.dateRange.start.day)}`,
        impressions: e.impressions ?? 0,
        clicks: e.clicks ?? 0,
        conversions: e.externalWebsiteConversions ?? 0,
        spend: e.costInLocalCurrency ?? 0,
        revenue: e.conversionValueInLocalCurrency ?? 0,
      })),
    );
  }

  private async introspect(token: string, client: { id: string; secret: string }): Promise<CredentialStatus> {
    const url = this.config.introspectUrl ?? LINKEDIN_INTROSPECT_URL;
    const clientSettings = `${LINKEDIN_SETTINGS.clientId} / ${LINKEDIN_SETTINGS.clientSecret}`;
    const http = new HttpClient({
      ...tuningOf(this.config),
      ...this.#seams,
      platform: 'linkedin',
      baseUrl: url,
      // RFC 6749 error bodies; the app authenticates here, so any 401 is about its client id and secret.
      readError: (status, body) => {
        const parsed = oauthErrorBody.safeParse(body);
        const text = parsed.success
          ? [parsed.data.error, parsed.data.error_description].filter((t) => !!t).join(': ')
          : undefined;
        const message = text === undefined ? undefined : redact(text, [token, client.secret]);
        const refused = status === 401 || (parsed.success && parsed.data.error === 'invalid_client');
        return { ...(message ? { message } : {}), ...(refused ? { credential: clientSettings } : {}) };
      },
    });
    const { data } = await http.requestJson(
      { method: 'POST', path: url, form: { client_id: client.id, client_secret: client.secret, token } },
      introspection,
    );
    const expiresAt = data.expires_at ? new Date(data.expires_at * 1000).toISOString() : undefined;
    return {
      platform: 'linkedin',
      setting: LINKEDIN_SETTINGS.accessToken,
      valid: data.active,
      ...(expiresAt ? { expiresAt } : {}),
      ...(data.active
        ? {}
        : { detail: `LinkedIn's token introspection reports the token ${data.status ?? 'inactive'}` }),
    };
  }

  /** Reads the ad account: accepted, or refused (401, or 403 when the token's member has no role on it). */
  private async probeAccount(): Promise<CredentialStatus> {
    const setting = typeof this.#token === 'string' ? LINKEDIN_SETTINGS.accessToken : this.#token.setting;
    try {
      await this.http.request({ method: 'GET', path: `adAccounts/${this.account}` });
      return { platform: 'linkedin', setting, valid: true };
    } catch (err) {
      if (err instanceof AdCredentialError)
        return { platform: 'linkedin', setting: err.setting, valid: false, detail: err.message };
      if (err instanceof AdPlatformError && err.status === 403) {
        return { platform: 'linkedin', setting, valid: false, detail: err.message };
      }
      throw err;
    }
  }

  /** Finds the account's DMP segment named with the key (the account finder, paged by start/count) or creates it. */
  private async ensureSegment(input: { key: string; name: string }): Promise<{ externalId: string }> {
    const name = taggedName(input.name, input.key, NAME_LIMIT);
    const urn = `urn:li:sponsoredAccount:${this.account}`;
    let start = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const { data } = await this.http.requestJson(
        {
          method: 'GET',
          path: 'dmpSegments',
          rawQuery: `q=account&account=${restliString(urn)}&start=${start}&count=${SEGMENT_PAGE}`,
        },
        segmentPage,
      );
      const match = data.elements.find((s) => carriesKey(s.name, input.key) && (s.type ?? 'USER') === 'USER');
      if (match) return { externalId: String(match.id) };
      start += data.elements.length;
      const total = data.paging?.total;
      if (data.elements.length === 0 || (total !== undefined && start >= total)) break;
    }

    const res = await this.http.request({
      method: 'POST',
      path: 'dmpSegments',
      json: {
        name,
        account: urn,
        type: 'USER',
        accessPolicy: 'PRIVATE',
        destinations: [{ destination: 'LINKEDIN' }],
        ...(this.config.audienceSourcePlatform ? { sourcePlatform: this.config.audienceSourcePlatform } : {}),
      },
    });
    const id = res.headers.get('x-restli-id');
    if (!id) {
      throw new AdPlatformError('LinkedIn created a DMP segment but sent no x-restli-id header', {
        platform: 'linkedin',
        retryable: false,
        status: res.status,
      });
    }
    return { externalId: digitsOf(id, 'DMP segment') };
  }

  /**
   * One BATCH_CREATE of ADD or REMOVE elements. Only SHA-256 hex digests leave: an email in clear is refused here,
   * before LinkedIn sees it. Resending a batch is harmless (LinkedIn answers 201 for an id already added or removed).
   */
  private async streamUsers(action: 'ADD' | 'REMOVE', externalId: string, hashes: string[]): Promise<void> {
    if (hashes.length === 0) return;
    checkHashedBatch('linkedin', hashes, LINKEDIN_AUDIENCE_BATCH_SIZE);
    const segment = digitsOf(externalId, 'DMP segment');
    let data: z.output<typeof batchResults>;
    try {
      ({ data } = await this.http.requestJson(
        {
          method: 'POST',
          path: `dmpSegments/${segment}/users`,
          headers: { 'X-RestLi-Method': 'BATCH_CREATE' },
          json: {
            elements: hashes.map((idValue) => ({ action, userIds: [{ idType: 'SHA256_EMAIL', idValue }] })),
          },
        },
        batchResults,
      ));
    } catch (err) {
      // A segment created seconds ago is not yet known to the users endpoint: worth one more try shortly.
      if (err instanceof AdPlatformError && err.status === 404) {
        throw new AdPlatformError(`${err.message} (a new DMP segment accepts users after a few seconds)`, {
          platform: 'linkedin',
          retryable: true,
          status: 404,
          retryAfterMs: SEGMENT_READY_MS,
          cause: err,
        });
      }
      throw err;
    }
    const failed = data.elements.filter((e) => e.status < 200 || e.status >= 300);
    if (failed.length === 0) return;
    const first = failed[0]!;
    const why = first.error?.message ?? first.message ?? `status ${first.status}`;
    const transient = failed.every((e) => e.status === 429 || e.status >= 500);
    throw new AdPlatformError(
      `LinkedIn refused ${failed.length} of ${hashes.length} users for DMP segment ${segment} (${action}): ${why}`,
      { platform: 'linkedin', retryable: transient, status: first.status },
    );
  }

  /**
   * Searches by the exact tagged name, which finds it whether the name filter matches whole names or parts,
   * then keeps only names carrying the key (and not deleted), following nextPageToken.
   */
  private async findCampaign(name: string, idempotencyKey: string): Promise<string | undefined> {
    const size = this.config.pageSize ?? 100;
    const seen = new Set<string>();
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const { data } = await this.http.requestJson(
        {
          method: 'GET',
          path: `adAccounts/${this.account}/adCampaigns`,
          rawQuery:
            `q=search&search=(name:(values:List(${restliString(name)})))&pageSize=${size}` +
            (token ? `&pageToken=${encodeURIComponent(token)}` : ''),
        },
        searchPage,
      );
      const match = data.elements.find(
        (c) => carriesKey(c.name, idempotencyKey) && c.status !== 'REMOVED' && c.status !== 'PENDING_DELETION',
      );
      if (match) return String(match.id);
      token = data.metadata?.nextPageToken;
      if (!token || seen.has(token)) return undefined;
      seen.add(token);
    }
    return undefined;
  }

  private async patch(externalId: string, set: Record<string, unknown>): Promise<void> {
    await this.http.request({
      method: 'POST',
      path: `adAccounts/${this.account}/adCampaigns/${digitsOf(externalId, 'campaign')}`,
      headers: { 'X-RestLi-Method': 'PARTIAL_UPDATE' },
      json: { patch: { $set: set } },
    });
  }
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function linkedinObjective(objective: string | undefined): { objectiveType: string; optimizationTargetType: string } {
  const generic = OBJECTIVES[(objective ?? 'traffic').toLowerCase()];
  if (generic) return generic;
  const native = Object.values(OBJECTIVES).find((o) => o.objectiveType === objective);
  if (native) return native;
  throw new AdPlatformError(`no LinkedIn objective for ${JSON.stringify(objective)}`, {
    platform: 'linkedin',
    retryable: false,
  });
}

/** A LinkedIn adapter for one ad account. */
export function createLinkedInAdsPlatform(config: LinkedInAdsConfig, seams?: HttpSeams): LinkedInAdsPlatform {
  return new LinkedInAdsPlatform(config, seams);
}

/**
 * Access tokens renewed from a LinkedIn programmatic refresh token (LINKEDIN_CLIENT_ID, LINKEDIN_CLIENT_SECRET,
 * LINKEDIN_REFRESH_TOKEN): pass it as LinkedInAdsConfig.token. Its status() reports the refresh token's expiry,
 * which LinkedIn sends as refresh_token_expires_in.
 */
export function createLinkedInTokenProvider(
  credentials: { clientId: string; clientSecret: string; refreshToken: string; tokenUrl?: string } & HttpTuning,
  seams?: HttpSeams,
): RefreshTokenProvider {
  const { tokenUrl, timeoutMs, ...secrets } = credentials;
  return new RefreshTokenProvider(
    {
      ...secrets,
      timeoutMs,
      platform: 'linkedin',
      tokenUrl: tokenUrl ?? LINKEDIN_TOKEN_URL,
      settings: {
        clientId: LINKEDIN_SETTINGS.clientId,
        clientSecret: LINKEDIN_SETTINGS.clientSecret,
        refreshToken: LINKEDIN_SETTINGS.refreshToken,
      },
    },
    seams,
  );
}
