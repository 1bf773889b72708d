import { z } from 'zod';
import { carriesKey, taggedName } from './campaignNames';
import { addDays, dayToEpochMs, daysOf } from './dates';
import {
  HttpClient,
  tokenProvider,
  tuningOf,
  type HttpSeams,
  type HttpTuning,
  type PlatformErrorInfo,
  type TokenSource,
} from './http';
import { fillDays, formatAmount, numeric } from './money';
import {
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
  /** OAuth 2.0 access token with rw_ads (or a function returning a fresh one). */
  token: TokenSource;
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
const NAME_LIMIT = 255;
const MAX_PAGES = 100;
const US = 'urn:li:geo:103644278';

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
  errorDetails: z
    .looseObject({ inputErrors: z.array(z.looseObject({ description: z.string().optional() })).optional() })
    .optional(),
});

/** Reads LinkedIn's error body: its message, and the descriptions of the fields it refused. */
export function readLinkedInError(_status: number, body: unknown): PlatformErrorInfo {
  const parsed = linkedinError.safeParse(body);
  if (!parsed.success) return {};
  const inputs = (parsed.data.errorDetails?.inputErrors ?? []).map((e) => e.description).filter((d) => !!d);
  const message = [parsed.data.message, ...inputs].filter((m) => !!m).join('; ');
  return { message: message || parsed.data.code };
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

/** The LinkedIn adapter: versioned REST adCampaigns (create, search, partial update) and adAnalytics. */
export class LinkedInAdsPlatform implements AdPlatform {
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
  readonly name = 'linkedin' as const;
  readonly sandbox = false;
  private readonly http: HttpClient;
  private readonly account: string;
  private readonly now: () => number;

  // Kept without the token, which lives only in the auth closure, so logging an adapter cannot leak it.
  private readonly config: Omit<LinkedInAdsConfig, 'token'>;

  constructor(config: LinkedInAdsConfig, seams: HttpSeams = {}) {
    const { token, ...settings } = config;
    this.config = settings;
    this.account = digitsOf(config.adAccountId, 'ad account');
    this.now = seams.now ?? Date.now;
    this.http = new HttpClient({
      ...tuningOf(config),
      ...seams,
      platform: 'linkedin',
      baseUrl: config.baseUrl ?? LINKEDIN_DEFAULT_BASE_URL,
      headers: {
        'Linkedin-Version': config.version ?? LINKEDIN_DEFAULT_VERSION,
        'X-Restli-Protocol-Version': '2.0.0',
      },
      token: tokenProvider(token, 'LINKEDIN_ACCESS_TOKEN'),
      readError: readLinkedInError,
    });
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
