import { z } from 'zod';
import { checkHashedBatch, hashEmail } from './audienceHash';
import { carriesKey, idempotencyTag, taggedName } from './campaignNames';
import { daysOf } from './dates';
import {
  HttpClient,
  tokenProvider,
  tuningOf,
  type AccessTokenProvider,
  type HttpRequest,
  type HttpSeams,
  type HttpTuning,
  type PlatformErrorInfo,
  type TokenSource,
} from './http';
import {
  debugToken,
  META_APP_SETTINGS,
  META_DEFAULT_BASE_URL,
  META_DEFAULT_VERSION,
  META_TOKEN_SETTING,
} from './metaToken';
import { fillDays, numeric, toMinorUnits } from './money';
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

/** How to reach one Meta ad account. */
export interface MetaAdsConfig extends HttpTuning {
  /** Defaults to https://graph.facebook.com; tests point it at a local fake. */
  baseUrl?: string;
  /** Defaults to v27.0. */
  apiVersion?: string;
  /** A system-user or user access token with ads_management (or a function returning a fresh one). */
  token: TokenSource;
  /** The Meta app's id (META_APP_ID); with appSecret, checkCredentials asks debug_token when the token expires. */
  appId?: string;
  /** The Meta app's secret (META_APP_SECRET); like the token, never serialised with the adapter. */
  appSecret?: string;
  /**
   * Usage of any Meta quota (x-app-usage, x-business-use-case-usage), in percent, from which calls stop until Meta
   * expects the quota to recover, so the ad account is never throttled; defaults to 90.
   */
  usageThresholdPct?: number;
  /** The ad account id, with or without its `act_` prefix. */
  adAccountId: string;
  /** The ad account's currency: budgets travel in its minor units. */
  currency: string;
  /** Page size asked of list and insights edges; defaults to 100. */
  pageSize?: number;
}

export { META_DEFAULT_BASE_URL, META_DEFAULT_VERSION } from './metaToken';
/** The most hashed identifiers one Custom Audience users call may carry, as Meta documents. */
export const META_AUDIENCE_BATCH_SIZE = 10_000;
/** Usage percentage from which calls pause, unless configured. */
export const META_DEFAULT_USAGE_THRESHOLD_PCT = 90;
/**
 * The pause when a quota is nearly used and Meta gives no regain-access estimate (x-app-usage never does): Meta
 * counts usage over a rolling hour, so a few minutes let it fall back below the threshold.
 */
export const META_USAGE_PAUSE_MS = 5 * 60_000;
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
    error_subcode: z.number().optional(),
    is_transient: z.boolean().optional(),
  }),
});

// Throttling answers 400 (not 429) with one of these codes: app, user, page, custom and ads business-use-case limits.
const THROTTLE_CODES = new Set([4, 17, 32, 613, 80000, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80009, 80014]);

// The access token was refused: 190 (OAuthException: expired, revoked, password changed, app removed; the subcode
// says which) and 102 (API session). No retry helps; the token must be renewed.
const CREDENTIAL_CODES = new Set([190, 102]);

/** Reads the Graph API error envelope, its throttling and token codes and the business-use-case wait hint. */
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
    ...(CREDENTIAL_CODES.has(code) ? { credential: true as const } : {}),
  };
}

/** `estimated_time_to_regain_access` (minutes) of the business-use-case usage header, as milliseconds. */
function regainAccessMs(header: string | null): number | undefined {
  const minutes = Math.max(0, ...usageReadings(null, header).map((r) => r.regainMinutes));
  return minutes > 0 ? minutes * 60_000 : undefined;
}

/** One metric of one quota, as Meta reports it on a response. */
interface UsageReading {
  /** `app` (x-app-usage) or the business use case (`ads_management`, `ads_insights`...). */
  quota: string;
  metric: string;
  /** Percent of the quota used. */
  pct: number;
  /** Meta's estimate, in minutes, of when a throttled quota is usable again; 0 when not throttled or not given. */
  regainMinutes: number;
}

const percent = z.coerce.number().nonnegative().catch(0);
const appUsage = z.object({ call_count: percent, total_cputime: percent, total_time: percent }).partial();
const bucUsage = z.record(
  z.string(),
  z.array(appUsage.extend({ type: z.string().optional(), estimated_time_to_regain_access: percent.optional() })),
);

/**
 * The usage Meta reports in `x-app-usage` ({call_count, total_cputime, total_time} percentages of the app's hourly
 * quota) and `x-business-use-case-usage` (per business object, one entry per use case with the same percentages and
 * `estimated_time_to_regain_access` in minutes). Unreadable headers count as no reading.
 */
function usageReadings(appHeader: string | null, bucHeader: string | null): UsageReading[] {
  const readings: UsageReading[] = [];
  const app = appUsage.safeParse(parseJson(appHeader));
  if (app.success) {
    for (const [metric, pct] of Object.entries(app.data)) {
      if (pct !== undefined) readings.push({ quota: 'app', metric, pct, regainMinutes: 0 });
    }
  }
  const buc = bucUsage.safeParse(parseJson(bucHeader));
  if (buc.success) {
    for (const entries of Object.values(buc.data)) {
      for (const { type, estimated_time_to_regain_access: regain, ...metrics } of entries) {
        for (const [metric, pct] of Object.entries(metrics)) {
          if (pct !== undefined) {
            readings.push({ quota: type ?? 'business', metric, pct, regainMinutes: regain ?? 0 });
          }
        }
      }
    }
  }
  return readings;
}

function parseJson(text: string | null): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const audienceList = z.object({ data: z.array(z.object({ id: z.string(), name: z.string().optional() })), paging });

// Meta's answer to an audience users call: how many entries it received and how many it could not use.
const usersAnswer = z.looseObject({
  audience_id: z.string().optional(),
  num_received: numeric,
  num_invalid_entries: numeric,
  invalid_entry_samples: z.unknown().optional(),
});

/** The Meta adapter: Graph API campaigns edge, campaign updates, the insights edge and Custom Audiences. */
export class MetaAdsPlatform implements AdPlatform {
  readonly name = 'meta' as const;
  readonly sandbox = false;
  /** Customer-list Custom Audiences, filled with SHA-256 hashes of normalised emails (schema EMAIL_SHA256). */
  readonly audiences: AudienceTarget = {
    batchSize: META_AUDIENCE_BATCH_SIZE,
    hashEmail,
    ensureAudience: (input) => this.ensureAudience(input),
    addMembers: async (externalId, hashes) => {
      await this.changeMembers('POST', externalId, hashes);
      // Meta reports what it received, never how many it matched.
      return {};
    },
    removeMembers: (externalId, hashes) => this.changeMembers('DELETE', externalId, hashes),
  };
  private readonly http: HttpClient;
  private readonly account: string;
  private readonly pageSize: number;
  private readonly origin: string;
  private readonly now: () => number;
  private readonly threshold: number;
  /** Calls wait until then (epoch ms), because a quota was nearly used; `pauseReason` says which. */
  private pausedUntil = 0;
  private pauseReason = '';

  // Kept without the credentials, which live in # fields and the auth closure, so logging an adapter cannot leak them.
  private readonly config: Omit<MetaAdsConfig, 'token' | 'appId' | 'appSecret'>;
  readonly #token: AccessTokenProvider;
  readonly #app: { appId: string; appSecret: string } | undefined;
  readonly #seams: HttpSeams;

  constructor(config: MetaAdsConfig, seams: HttpSeams = {}) {
    const { token, appId, appSecret, ...settings } = config;
    this.config = settings;
    this.#token = tokenProvider(token, META_TOKEN_SETTING);
    this.#app = appId && appSecret ? { appId, appSecret } : undefined;
    this.account = `act_${config.adAccountId.replace(/^act_/, '')}`;
    this.pageSize = config.pageSize ?? 100;
    this.now = seams.now ?? Date.now;
    this.threshold = config.usageThresholdPct ?? META_DEFAULT_USAGE_THRESHOLD_PCT;
    const base = (config.baseUrl ?? META_DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.origin = new URL(base).origin;
    const send = seams.fetch ?? fetch;
    // Every response, errors included, carries Meta's usage headers; each one is read before the caller sees it.
    const observed: typeof fetch = async (input, init) => {
      const res = await send(input, init);
      this.observeUsage(res.headers);
      return res;
    };
    this.#seams = { ...seams, fetch: observed };
    this.http = new HttpClient({
      ...tuningOf(config),
      ...this.#seams,
      platform: 'meta',
      baseUrl: `${base}/${config.apiVersion ?? META_DEFAULT_VERSION}/`,
      // A header rather than the access_token parameter, so the token never lands in a URL, a log or a paging link.
      token: this.#token,
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
    const { data } = await this.graph(
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
      const { data } = await this.graph({ method: 'GET', path, query }, insightsPage);
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

  /**
   * With the app's id and secret, Meta's debug_token says whether META_ACCESS_TOKEN is valid and when it stops
   * working (the earlier of its expiry and its data-access expiry); without them, one cheap call (`GET /me`) says
   * only whether it is accepted.
   */
  async checkCredentials(): Promise<CredentialStatus[]> {
    if (!this.#app) return [await this.probeToken()];
    let info;
    try {
      info = await debugToken(
        {
          ...this.#app,
          token: await this.#token.token(),
          baseUrl: this.config.baseUrl,
          apiVersion: this.config.apiVersion,
          timeoutMs: this.config.timeoutMs,
        },
        this.#seams,
      );
    } catch (err) {
      if (!(err instanceof AdCredentialError)) throw err;
      // The app itself was refused; the token can still be checked the cheap way.
      return [await this.probeToken(), { platform: 'meta', setting: err.setting, valid: false, detail: err.message }];
    }
    const expiresAt = [info.expiresAt, info.dataAccessExpiresAt].filter((t) => t !== undefined).sort()[0];
    return [
      {
        platform: 'meta',
        setting: META_TOKEN_SETTING,
        valid: info.valid,
        ...(expiresAt ? { expiresAt } : {}),
        ...(info.detail ? { detail: info.detail } : {}),
      },
      { platform: 'meta', setting: META_APP_SETTINGS, valid: true },
    ];
  }

  private async probeToken(): Promise<CredentialStatus> {
    try {
      await this.http.requestJson({ method: 'GET', path: 'me', query: { fields: 'id' } }, z.object({ id: z.string() }));
      return { platform: 'meta', setting: META_TOKEN_SETTING, valid: true };
    } catch (err) {
      if (err instanceof AdCredentialError) {
        return { platform: 'meta', setting: err.setting, valid: false, detail: err.message };
      }
      throw err;
    }
  }

  /** Finds the Custom Audience named with the key (following paging), or creates it as a customer list. */
  private async ensureAudience(input: { key: string; name: string }): Promise<{ externalId: string }> {
    let path: string | undefined = `${this.account}/customaudiences`;
    let query: Record<string, string | number> | undefined = { fields: 'id,name', limit: this.pageSize };
    for (let page = 0; path && page < MAX_PAGES; page++) {
      const { data } = await this.graph({ method: 'GET', path, query }, audienceList);
      const match = data.data.find((a) => a.name !== undefined && carriesKey(a.name, input.key));
      if (match) return { externalId: match.id };
      ({ path, query } = nextPage(data.paging, path, query, this.origin));
    }
    const { data } = await this.graph(
      {
        method: 'POST',
        path: `${this.account}/customaudiences`,
        form: {
          name: taggedName(input.name, input.key, NAME_LIMIT),
          subtype: 'CUSTOM',
          // The segment's people gave their addresses to the business itself.
          customer_file_source: 'USER_PROVIDED_ONLY',
        },
      },
      z.object({ id: z.string() }),
    );
    return { externalId: data.id };
  }

  /**
   * Adds (POST) or removes (DELETE) members of `/<audience>/users` with a payload of schema EMAIL_SHA256. The payload
   * travels in the body for both: 10,000 hashes would make a URL of 700 kB.
   */
  private async changeMembers(method: 'POST' | 'DELETE', externalId: string, hashes: string[]): Promise<void> {
    if (hashes.length === 0) return;
    const path = `${audienceId(externalId)}/users`;
    checkHashedBatch('meta', hashes, META_AUDIENCE_BATCH_SIZE);
    const { data } = await this.graph(
      { method, path, form: { payload: JSON.stringify({ schema: 'EMAIL_SHA256', data: hashes }) } },
      usersAnswer,
    );
    // Meta answers 200 even when it could not use an entry; those would silently never reach the audience.
    if (data.num_invalid_entries > 0) {
      const none = data.num_invalid_entries >= data.num_received;
      throw new AdPlatformError(
        `Meta could not use ${data.num_invalid_entries} of ${data.num_received} hashed emails sent to Custom ` +
          `Audience ${externalId} (${method === 'POST' ? 'add' : 'remove'})` +
          `${none ? ': none was applied' : '; the others were applied'}${sampleReasons(data.invalid_entry_samples)}`,
        { platform: 'meta', retryable: false },
      );
    }
  }

  private async findCampaign(idempotencyKey: string): Promise<string | undefined> {
    let path: string | undefined = `${this.account}/campaigns`;
    let query: Record<string, string | number> | undefined = {
      fields: 'id,name,effective_status',
      filtering: JSON.stringify([{ field: 'name', operator: 'CONTAIN', value: idempotencyTag(idempotencyKey) }]),
      limit: this.pageSize,
    };
    for (let page = 0; path && page < MAX_PAGES; page++) {
      const { data } = await this.graph({ method: 'GET', path, query }, campaignList);
      // CONTAIN also matches keys that merely share a prefix; only the exact tag is ours.
      const match = data.data.find((c) => c.effective_status !== 'DELETED' && carriesKey(c.name, idempotencyKey));
      if (match) return match.id;
      ({ path, query } = nextPage(data.paging, path, query, this.origin));
    }
    return undefined;
  }

  private async update(externalId: string, form: Record<string, string>): Promise<void> {
    await this.graph(
      { method: 'POST', path: campaignId(externalId), form },
      z.object({ success: z.boolean() }).refine((r) => r.success, 'the update was not applied'),
    );
  }

  /**
   * One Graph API call, unless a quota was nearly used: then it fails at once, retryable after Meta's estimate, so
   * the activity's retry comes back when the quota has recovered instead of pushing the account into throttling.
   */
  private async graph<T extends z.ZodType>(req: HttpRequest, schema: T): Promise<{ data: z.output<T> }> {
    const wait = this.pausedUntil - this.now();
    if (wait > 0) {
      throw new AdPlatformError(
        `Meta usage is near its limit (${this.pauseReason}; threshold ${this.threshold}%): calls wait ` +
          `${Math.ceil(wait / 1000)} s for the quota to recover, so the ad account is not throttled`,
        { platform: 'meta', retryable: true, retryAfterMs: wait },
      );
    }
    return this.http.requestJson(req, schema);
  }

  /** Pauses calls when a response says a quota is at the threshold or Meta is already throttling one. */
  private observeUsage(headers: Headers): void {
    const readings = usageReadings(headers.get('x-app-usage'), headers.get('x-business-use-case-usage'));
    const high = readings.filter((r) => r.pct >= this.threshold);
    const throttled = readings.filter((r) => r.regainMinutes > 0);
    if (high.length === 0 && throttled.length === 0) return;
    const regain = Math.max(...[...high, ...throttled].map((r) => r.regainMinutes));
    const until = this.now() + (regain > 0 ? regain * 60_000 : META_USAGE_PAUSE_MS);
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    const reasons = [
      ...high.map((r) => `${r.quota} ${r.metric} ${r.pct}%`),
      ...throttled.map((r) => `${r.quota} throttled for ${r.regainMinutes} min`),
    ];
    this.pauseReason = [...new Set(reasons)].join(', ');
  }
}

/** The reasons Meta gave for invalid entries (its samples are keyed by the entry, which stays out of the message). */
function sampleReasons(samples: unknown): string {
  if (!samples || typeof samples !== 'object' || Array.isArray(samples)) return '';
  const reasons = [...new Set(Object.values(samples).map((v) => String(v)))].slice(0, 3);
  return reasons.length ? ` (${reasons.join('; ')})` : '';
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

/** Custom Audience ids are numeric node ids too. */
function audienceId(externalId: string): string {
  if (!/^\d{1,30}$/.test(externalId)) {
    throw new AdPlatformError(`not a Meta Custom Audience id: ${JSON.stringify(externalId)}`, {
      platform: 'meta',
      retryable: false,
    });
  }
  return externalId;
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
