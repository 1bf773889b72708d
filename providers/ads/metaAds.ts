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
import { fillDays, numeric, toMinorUnits } from './money';
import {
  AdPlatformError,
  type AudienceTarget,
  type CredentialStatus,
  type AdPlatform,
  type CreateCampaignInput,
  type DailyMetrics,
  type DateRange,
} from './types';

/** How to reach one Meta ad account. */
export interface MetaAdsConfig extends HttpTuning {
  /** Defaults to https://graph.facebook.com; tests point it at a local fake. */
  baseUrl?: string;
  /** Defaults to v27.0. */
  apiVersion?: string;
  /** A system-user or user access token with ads_management (or a function returning a fresh one). */
  token: TokenSource;
  /** The ad account id, with or without its `act_` prefix. */
  adAccountId: string;
  /** The ad account's currency: budgets travel in its minor units. */
  currency: string;
  /** Page size asked of list and insights edges; defaults to 100. */
  pageSize?: number;
}

/** Where the Graph API lives. */
export const META_DEFAULT_BASE_URL = 'https://graph.facebook.com';
/** The Graph API version used unless configured. */
export const META_DEFAULT_VERSION = 'v27.0';
const NAME_LIMIT = 400;
const MAX_PAGES = 200;

/**
 * Purchases are reported under several overlapping action types (the same purchase counts in each), so the first
 * one present is taken, never their sum: `omni_purchase` (all surfaces), then `purchase`, then the pixel's own
 * `offsite_conversion.fb_pixel_purchase`. Revenue takes the same type from `action_values`.
 */
export const META_CONVERSION_ACTION_TYPES = ['omni_purchase', 'purchase', 'offsite_conversion.fb_pixel_purchase'];

const OBJECTIVES: Record<string, string> = {
  awareness: 'OUTCOME_AWARENESS',
  traffic: 'OUTCOME_TRAFFIC',
  engagement: 'OUTCOME_ENGAGEMENT',
  leads: 'OUTCOME_LEADS',
  sales: 'OUTCOME_SALES',
  conversions: 'OUTCOME_SALES',
  app_promotion: 'OUTCOME_APP_PROMOTION',
};

const paging = z
  .object({
    cursors: z.object({ before: z.string().optional(), after: z.string().optional() }).optional(),
    next: z.string().optional(),
  })
  .optional();

const campaignList = z.object({
  data: z.array(z.object({ id: z.string(), name: z.string(), effective_status: z.string().optional() })),
  paging,
});

const actionList = z.array(z.object({ action_type: z.string(), value: numeric })).optional();

const insightsPage = z.object({
  data: z.array(
    z.object({
      date_start: z.string(),
      impressions: numeric.optional(),
      clicks: numeric.optional(),
      spend: numeric.optional(),
      actions: actionList,
      action_values: actionList,
    }),
  ),
  paging,
});

const metaError = z.object({
  error: z.looseObject({
    message: z.string().optional(),
    error_user_msg: z.string().optional(),
    code: z.number().optional(),
    is_transient: z.boolean().optional(),
  }),
});

// Throttling answers 400 (not 429) with one of these codes: app, user, page, custom and ads business-use-case limits.
const THROTTLE_CODES = new Set([4, 17, 32, 613, 80000, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80009, 80014]);

/** Reads the Graph API error envelope, its throttling codes and the business-use-case wait hint. */
export function readMetaError(_status: number, body: unknown, headers: Headers): PlatformErrorInfo {
  const parsed = metaError.safeParse(body);
  if (!parsed.success) return {};
  const { error } = parsed.data;
  const code = error.code ?? 0;
  const rateLimited = THROTTLE_CODES.has(code) || (code >= 80000 && code <= 80099);
  const message = [error.message, error.error_user_msg].filter((m) => !!m).join(' ');
  return {
    message: message || undefined,
    rateLimited,
    retryable: error.is_transient === true || code === 1 || code === 2,
    retryAfterMs: rateLimited ? regainAccessMs(headers.get('x-business-use-case-usage')) : undefined,
  };
}

/** `estimated_time_to_regain_access` (minutes) of the business-use-case usage header, as milliseconds. */
function regainAccessMs(header: string | null): number | undefined {
  if (!header) return undefined;
  try {
    const usage = JSON.parse(header) as Record<string, Array<{ estimated_time_to_regain_access?: number }>>;
    const minutes = Math.max(
      0,
      ...Object.values(usage).flatMap((entries) => entries.map((e) => e.estimated_time_to_regain_access ?? 0)),
    );
    return minutes > 0 ? minutes * 60_000 : undefined;
  } catch {
    return undefined;
  }
}

/** The Meta adapter: Graph API campaigns edge, campaign updates and the insights edge. */
export class MetaAdsPlatform implements AdPlatform {
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
  readonly name = 'meta' as const;
  readonly sandbox = false;
  private readonly http: HttpClient;
  private readonly account: string;
  private readonly pageSize: number;
  private readonly origin: string;

  // Kept without the token, which lives only in the auth closure, so logging an adapter cannot leak it.
  private readonly config: Omit<MetaAdsConfig, 'token'>;

  constructor(config: MetaAdsConfig, seams: HttpSeams = {}) {
    const { token, ...settings } = config;
    this.config = settings;
    this.account = `act_${config.adAccountId.replace(/^act_/, '')}`;
    this.pageSize = config.pageSize ?? 100;
    const base = (config.baseUrl ?? META_DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.origin = new URL(base).origin;
    this.http = new HttpClient({
      ...tuningOf(config),
      ...seams,
      platform: 'meta',
      baseUrl: `${base}/${config.apiVersion ?? META_DEFAULT_VERSION}/`,
      // A header rather than the access_token parameter, so the token never lands in a URL, a log or a paging link.
      token: tokenProvider(token, 'META_ACCESS_TOKEN'),
      readError: readMetaError,
    });
  }

  async createCampaign(input: CreateCampaignInput): Promise<{ externalId: string; created: boolean }> {
    if (input.currency.toUpperCase() !== this.config.currency.toUpperCase()) {
      throw new AdPlatformError(
        `Meta ad account ${this.account} bills in ${this.config.currency}, not ${input.currency}`,
        {
          platform: 'meta',
          retryable: false,
        },
      );
    }
    const existing = await this.findCampaign(input.idempotencyKey);
    if (existing) return { externalId: existing, created: false };

    // Delivery dates live on the ad sets; the campaign carries the budget (campaign budget optimisation).
    const { data } = await this.http.requestJson(
      {
        method: 'POST',
        path: `${this.account}/campaigns`,
        form: {
          name: taggedName(input.name, input.idempotencyKey, NAME_LIMIT),
          objective: metaObjective(input.objective),
          status: 'PAUSED',
          special_ad_categories: '[]',
          daily_budget: String(toMinorUnits(input.dailyBudget, this.config.currency)),
          bid_strategy: 'LOWEST_COST_WITHOUT_CAP',
        },
      },
      z.object({ id: z.string() }),
    );
    return { externalId: data.id, created: true };
  }

  async setBudget(externalId: string, dailyBudget: number): Promise<void> {
    await this.update(externalId, { daily_budget: String(toMinorUnits(dailyBudget, this.config.currency)) });
  }

  async pause(externalId: string): Promise<void> {
    await this.update(externalId, { status: 'PAUSED' });
  }

  async resume(externalId: string): Promise<void> {
    await this.update(externalId, { status: 'ACTIVE' });
  }

  async fetchMetrics(externalId: string, range: DateRange): Promise<DailyMetrics[]> {
    const days = daysOf(range, 'meta');
    const rows: DailyMetrics[] = [];
    let path: string | undefined = `${campaignId(externalId)}/insights`;
    let query: Record<string, string | number> | undefined = {
      fields: 'impressions,clicks,spend,actions,action_values',
      time_range: JSON.stringify({ since: days[0], until: days[days.length - 1] }),
      time_increment: 1,
      limit: this.pageSize,
    };
    for (let page = 0; path && page < MAX_PAGES; page++) {
      const { data } = await this.http.requestJson({ method: 'GET', path, query }, insightsPage);
      for (const row of data.data) {
        const type = META_CONVERSION_ACTION_TYPES.find((t) => row.actions?.some((a) => a.action_type === t));
        rows.push({
          date: row.date_start,
          impressions: row.impressions ?? 0,
          clicks: row.clicks ?? 0,
          // Insights report spend in currency units already, unlike budgets.
          spend: row.spend ?? 0,
          conversions: row.actions?.find((a) => a.action_type === type)?.value ?? 0,
          revenue: row.action_values?.find((a) => a.action_type === type)?.value ?? 0,
        });
      }
      ({ path, query } = nextPage(data.paging, path, query, this.origin));
    }
    return fillDays(days, rows);
  }

  private async findCampaign(idempotencyKey: string): Promise<string | undefined> {
    let path: string | undefined = `${this.account}/campaigns`;
    let query: Record<string, string | number> | undefined = {
      fields: 'id,name,effective_status',
      filtering: JSON.stringify([{ field: 'name', operator: 'CONTAIN', value: idempotencyTag(idempotencyKey) }]),
      limit: this.pageSize,
    };
    for (let page = 0; path && page < MAX_PAGES; page++) {
      const { data } = await this.http.requestJson({ method: 'GET', path, query }, campaignList);
      // CONTAIN also matches keys that merely share a prefix; only the exact tag is ours.
      const match = data.data.find((c) => c.effective_status !== 'DELETED' && carriesKey(c.name, idempotencyKey));
      if (match) return match.id;
      ({ path, query } = nextPage(data.paging, path, query, this.origin));
    }
    return undefined;
  }

  private async update(externalId: string, form: Record<string, string>): Promise<void> {
    await this.http.requestJson(
      { method: 'POST', path: campaignId(externalId), form },
      z.object({ success: z.boolean() }).refine((r) => r.success, 'the update was not applied'),
    );
  }
}

/**
 * The next page, or none once `paging.next` is absent: the `next` link itself when it points at the configured host
 * (it repeats every parameter), else the same request with the `after` cursor (behind a proxy, say).
 */
function nextPage(
  page: z.output<typeof paging>,
  path: string,
  query: Record<string, string | number> | undefined,
  origin: string,
): { path: string | undefined; query: Record<string, string | number> | undefined } {
  if (!page?.next) return { path: undefined, query: undefined };
  if (URL.canParse(page.next) && new URL(page.next).origin === origin) return { path: page.next, query: undefined };
  const after = page.cursors?.after;
  return after ? { path, query: { ...query, after } } : { path: undefined, query: undefined };
}

function metaObjective(objective: string | undefined): string {
  if (!objective) return 'OUTCOME_TRAFFIC';
  if (/^OUTCOME_[A-Z_]+$/.test(objective)) return objective;
  const mapped = OBJECTIVES[objective.toLowerCase()];
  if (!mapped) {
    throw new AdPlatformError(`no Meta objective for ${JSON.stringify(objective)}`, {
      platform: 'meta',
      retryable: false,
    });
  }
  return mapped;
}

/** Campaign ids are numeric node ids; anything else would address another Graph node. */
function campaignId(externalId: string): string {
  if (!/^\d{1,30}$/.test(externalId)) {
    throw new AdPlatformError(`not a Meta campaign id: ${JSON.stringify(externalId)}`, {
      platform: 'meta',
      retryable: false,
    });
  }
  return externalId;
}

/** A Meta adapter for one ad account. */
export function createMetaAdsPlatform(config: MetaAdsConfig, seams?: HttpSeams): MetaAdsPlatform {
  return new MetaAdsPlatform(config, seams);
}
