import { randomBytes } from 'node:crypto';
import { SHA256_HEX } from '../../providers/ads/audienceHash';
import { FakeHttpServer, bearerOf, bodyOf, type FakeReply, type RecordedRequest } from './fakeHttpServer';

/** The Graph API error envelope. */
export function metaError(status: number, message: string, code?: number): unknown {
  const chosen = code ?? (status === 429 ? 4 : status >= 500 ? 2 : status === 401 ? 190 : 100);
  return {
    error: {
      message: `(#${chosen}) ${message}`,
      type: chosen === 190 ? 'OAuthException' : status >= 500 ? 'FacebookApiException' : 'OAuthException',
      code: chosen,
      ...(status >= 500 ? { is_transient: true } : {}),
      fbtrace_id: 'FakeTraceId',
    },
  };
}

/** A Graph API error body exactly as given (token errors carry no `(#code)` prefix). */
function graphError(
  message: string,
  code: number,
  extra: { error_subcode?: number; type?: string } = {},
): { error: Record<string, unknown> } {
  return {
    error: { message, type: extra.type ?? 'OAuthException', code, ...extra, fbtrace_id: 'FakeTraceId' },
  };
}

/** A campaign as the fake keeps it (Graph API field names, budget in minor units). */
export interface FakeMetaCampaign {
  id: string;
  name: string;
  objective: string;
  status: string;
  daily_budget?: string;
  special_ad_categories: string[];
}

/** One day of insights in the API's shape: counts and spend as strings, actions as typed lists. */
export interface FakeMetaInsightsRow {
  date: string;
  impressions: number;
  clicks: number;
  spend: string;
  actions?: Array<{ action_type: string; value: string }>;
  action_values?: Array<{ action_type: string; value: string }>;
}

/** A customer-file Custom Audience and the hashed emails in it. */
export interface FakeMetaAudience {
  id: string;
  name: string;
  subtype: string;
  customer_file_source: string;
  members: Set<string>;
}

/** An access token the fake knows; times are Unix seconds and 0 means never, as debug_token reports them. */
export interface FakeMetaToken {
  type: 'USER' | 'SYSTEM_USER';
  issuedAt: number;
  expiresAt: number;
  dataAccessExpiresAt: number;
}

/** The usage percentages of one quota, as Meta's usage headers carry them. */
export interface FakeMetaUsage {
  call_count: number;
  total_cputime: number;
  total_time: number;
}

/** Credentials the fake accepts: the configured token, the ad account, and optionally the app that issued it. */
export interface FakeMetaCreds {
  token: string;
  adAccountId: string;
  appId?: string;
  appSecret?: string;
}

const ODAX = [
  'OUTCOME_APP_PROMOTION',
  'OUTCOME_AWARENESS',
  'OUTCOME_ENGAGEMENT',
  'OUTCOME_LEADS',
  'OUTCOME_SALES',
  'OUTCOME_TRAFFIC',
];
const CUSTOMER_FILE_SOURCES = ['USER_PROVIDED_ONLY', 'PARTNER_PROVIDED_ONLY', 'BOTH_USER_AND_PARTNER_PROVIDED'];
// The first path segment; checked against the versions the fake serves, as the Graph API checks it.
const VERSION = '/([^/]+)';
/** Most identifiers Meta takes in one Custom Audience users call. */
const USERS_PER_CALL = 10_000;
/** Lifetime of a long-lived user token (about 60 days) and of the app's data access (90 days). */
const LONG_LIVED_SECONDS = 60 * 24 * 3600;
const DATA_ACCESS_SECONDS = 90 * 24 * 3600;

function cursor(index: number): string {
  return Buffer.from(`cursor:${index}`).toString('base64url');
}

function indexOf(cursorValue: string | null): number {
  if (!cursorValue) return 0;
  const n = Number(Buffer.from(cursorValue, 'base64url').toString().replace('cursor:', ''));
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

function versionNumber(version: string): number | undefined {
  const match = /^v(\d+)\.(\d+)$/.exec(version);
  return match ? Number(match[1]) + Number(match[2]) / 10 : undefined;
}

/** How Meta words a time in its "Session has expired" message (in UTC here). */
function sessionTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const weekday = d.toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' });
  const month = d.toLocaleDateString('en-US', { month: 'short', timeZone: 'UTC' });
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${weekday}, ${pad(d.getUTCDate())}-${month}-${pad(d.getUTCFullYear() % 100)} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`
  );
}

/**
 * A Graph API (Marketing API) on loopback for one ad account: the campaigns edge (list with filtering and cursor
 * paging, create), campaign updates, the insights edge with time_increment=1 and paging, customer-file Custom
 * Audiences and their users edge, `/me`, `/debug_token` and the `fb_exchange_token` grant, `pageSize` per page.
 *
 * Like Meta it checks the version in the path (an unknown one answers 2500 "Unknown path components", a retired
 * one 2635), the bearer token (an unknown one 190, an expired one 190 with subcode 463) and that EMAIL_SHA256
 * entries are SHA-256 hex digests (the others are counted in `num_invalid_entries` and not applied). Usage headers
 * (`x-app-usage`, `x-business-use-case-usage`) are sent on API responses once `reportUsage` sets them.
 */
export class MetaAdsFake {
  readonly server = new FakeHttpServer((status, message) => metaError(status, message));
  readonly campaigns = new Map<string, FakeMetaCampaign>();
  readonly insights = new Map<string, FakeMetaInsightsRow[]>();
  readonly audiences = new Map<string, FakeMetaAudience>();
  /** Every access token the fake accepts (or has seen expire), the configured one first. */
  readonly tokens = new Map<string, FakeMetaToken>();
  pageSize = 2;
  /** The versions served: older ones are retired (2635), newer or malformed ones unknown (2500). */
  oldestVersion = 'v23.0';
  latestVersion = 'v27.0';
  private usage: { app?: FakeMetaUsage; business?: FakeMetaUsage & { estimated_time_to_regain_access: number } } = {};
  private nextId = 120_000_000_000_001;
  private readonly now: () => number;

  constructor(
    readonly creds: FakeMetaCreds,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
    // A system-user token, as a server integration uses: it never expires.
    this.tokens.set(creds.token, {
      type: 'SYSTEM_USER',
      issuedAt: this.seconds(),
      expiresAt: 0,
      dataAccessExpiresAt: 0,
    });
    this.server
      .route('GET', new RegExp(`^${VERSION}/act_(\\d+)/campaigns$`), (req, [v, acct]) =>
        this.api(req, v!, acct, () => this.listCampaigns(req)),
      )
      .route('POST', new RegExp(`^${VERSION}/act_(\\d+)/campaigns$`), (req, [v, acct]) =>
        this.api(req, v!, acct, () => this.createCampaign(bodyOf(req))),
      )
      .route('GET', new RegExp(`^${VERSION}/act_(\\d+)/customaudiences$`), (req, [v, acct]) =>
        this.api(req, v!, acct, () => this.listAudiences(req)),
      )
      .route('POST', new RegExp(`^${VERSION}/act_(\\d+)/customaudiences$`), (req, [v, acct]) =>
        this.api(req, v!, acct, () => this.createAudience(bodyOf(req))),
      )
      .route('POST', new RegExp(`^${VERSION}/(\\d+)/users$`), (req, [v, id]) =>
        this.api(req, v!, this.creds.adAccountId, () => this.changeUsers(req, id!, 'add')),
      )
      .route('DELETE', new RegExp(`^${VERSION}/(\\d+)/users$`), (req, [v, id]) =>
        this.api(req, v!, this.creds.adAccountId, () => this.changeUsers(req, id!, 'remove')),
      )
      .route('GET', new RegExp(`^${VERSION}/(\\d+)/insights$`), (req, [v, id]) =>
        this.api(req, v!, this.creds.adAccountId, () => this.readInsights(req, id!)),
      )
      .route('POST', new RegExp(`^${VERSION}/(\\d+)$`), (req, [v, id]) =>
        this.api(req, v!, this.creds.adAccountId, () => this.updateCampaign(id!, bodyOf(req))),
      )
      .route('GET', new RegExp(`^${VERSION}/me$`), (req, [v]) =>
        this.api(req, v!, this.creds.adAccountId, () => ({ status: 200, body: { id: '100000000000042' } })),
      )
      .route('GET', new RegExp(`^${VERSION}/debug_token$`), (req, [v]) =>
        this.versioned(req, v!, () => this.debug(req)),
      )
      .route('GET', new RegExp(`^${VERSION}/oauth/access_token$`), (req, [v]) =>
        this.versioned(req, v!, () => this.exchange(req)),
      );
  }

  /** Starts a fake for these credentials. */
  static async start(creds: FakeMetaCreds, options?: { now?: () => number }): Promise<MetaAdsFake> {
    const fake = new MetaAdsFake(creds, options);
    await fake.server.start();
    return fake;
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  /** Adds a campaign directly, as if made in Ads Manager. */
  seedCampaign(name: string, status = 'ACTIVE'): string {
    const id = String(this.nextId++);
    this.campaigns.set(id, {
      id,
      name,
      status,
      objective: 'OUTCOME_TRAFFIC',
      daily_budget: '1000',
      special_ad_categories: [],
    });
    return id;
  }

  /** Adds a customer-file Custom Audience directly, as if made in Ads Manager. */
  seedAudience(name: string): string {
    const id = String(this.nextId++);
    this.audiences.set(id, {
      id,
      name,
      subtype: 'CUSTOM',
      customer_file_source: 'USER_PROVIDED_ONLY',
      members: new Set(),
    });
    return id;
  }

  /** A user token of the app as Graph API Explorer or Facebook Login hands it out: short-lived (an hour). */
  issueUserToken(lifetimeSeconds = 3600): string {
    const token = `EAAG${randomBytes(16).toString('hex')}`;
    const now = this.seconds();
    this.tokens.set(token, {
      type: 'USER',
      issuedAt: now,
      expiresAt: now + lifetimeSeconds,
      dataAccessExpiresAt: now + DATA_ACCESS_SECONDS,
    });
    return token;
  }

  /** The token's session ends now, as when its lifetime runs out. */
  expireToken(token = this.creds.token): this {
    const known = this.tokens.get(token);
    if (known) known.expiresAt = this.seconds();
    return this;
  }

  /** From now on API responses carry these usage headers (the business entry keyed by the ad account). */
  reportUsage(usage: {
    app?: FakeMetaUsage;
    business?: FakeMetaUsage & { estimated_time_to_regain_access?: number };
  }): this {
    this.usage = {
      app: usage.app,
      business: usage.business && { estimated_time_to_regain_access: 0, ...usage.business },
    };
    return this;
  }

  /** The next `n` requests hit the ads business-use-case limit: 400 with code 80004, as Meta throttles. */
  throttleNext(n: number, regainAccessMinutes: number): this {
    const usage = {
      [this.creds.adAccountId]: [
        {
          type: 'ads_management',
          call_count: 100,
          total_cputime: 20,
          total_time: 20,
          estimated_time_to_regain_access: regainAccessMinutes,
        },
      ],
    };
    this.server.replyNext(n, {
      status: 400,
      headers: { 'x-business-use-case-usage': JSON.stringify(usage) },
      body: {
        error: {
          message: 'There have been too many calls to this ad-account. Wait a bit and try again.',
          type: 'OAuthException',
          code: 80004,
          error_subcode: 2446079,
          fbtrace_id: 'FakeTraceId',
        },
      },
    });
    return this;
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  private versioned(req: RecordedRequest, version: string, then: () => FakeReply): FakeReply {
    const n = versionNumber(version);
    const latest = versionNumber(this.latestVersion)!;
    if (n === undefined || n > latest) {
      const rest = req.path.slice(version.length + 1) || '/';
      return { status: 400, body: graphError(`Unknown path components: ${rest}`, 2500) };
    }
    if (n < versionNumber(this.oldestVersion)!) {
      const message =
        '(#2635) You are calling a deprecated version of the Ads API. ' +
        `Please update to the latest version: ${this.latestVersion}.`;
      return { status: 400, body: graphError(message, 2635) };
    }
    return then();
  }

  /** An API call: version, then token, then the ad account; usage headers on whatever it answers. */
  private api(req: RecordedRequest, version: string, acct: string | undefined, then: () => FakeReply): FakeReply {
    const reply = this.versioned(req, version, () => {
      const refused = this.refuseToken(bearerOf(req) ?? req.url.searchParams.get('access_token') ?? undefined);
      if (refused) return refused;
      if (acct !== this.creds.adAccountId) {
        return {
          status: 403,
          body: metaError(403, 'Ad account owner has NOT grant ads_management or ads_read permission', 200),
        };
      }
      return then();
    });
    return { ...reply, headers: { ...this.usageHeaders(), ...reply.headers } };
  }

  /** The Graph API's answer to a token it will not take, or undefined when it takes it. */
  private refuseToken(token: string | undefined): FakeReply | undefined {
    const known = token === undefined ? undefined : this.tokens.get(token);
    if (!known) {
      const message =
        token === undefined
          ? 'An active access token must be used to query information about the current user.'
          : 'Invalid OAuth access token - Cannot parse access token';
      return this.tokenError(graphError(message, token === undefined ? 2500 : 190));
    }
    const now = this.seconds();
    if (known.expiresAt !== 0 && now >= known.expiresAt) {
      const message =
        `Error validating access token: Session has expired on ${sessionTime(known.expiresAt)}. ` +
        `The current time is ${sessionTime(now)}.`;
      return this.tokenError(graphError(message, 190, { error_subcode: 463 }));
    }
    return undefined;
  }

  /** Graph answers a refused token with 400 and the reason repeated in WWW-Authenticate. */
  private tokenError(body: { error: Record<string, unknown> }): FakeReply {
    const reason = String(body.error.message).replace(/"/g, "'");
    return {
      status: 400,
      headers: { 'www-authenticate': `OAuth "Facebook Platform" "invalid_token" "${reason}"` },
      body,
    };
  }

  private usageHeaders(): Record<string, string> {
    const headers: Record<string, string> = {};
    if (this.usage.app) headers['x-app-usage'] = JSON.stringify(this.usage.app);
    if (this.usage.business) {
      headers['x-business-use-case-usage'] = JSON.stringify({
        [this.creds.adAccountId]: [{ type: 'ads_management', ...this.usage.business }],
      });
    }
    return headers;
  }

  private page<T>(req: RecordedRequest, items: T[]): { data: T[]; paging?: unknown } {
    const limit = Math.min(Number(req.url.searchParams.get('limit') ?? this.pageSize) || this.pageSize, this.pageSize);
    const start = indexOf(req.url.searchParams.get('after'));
    const data = items.slice(start, start + limit);
    if (items.length === 0) return { data };
    const end = start + data.length;
    const paging: Record<string, unknown> = {
      cursors: { before: cursor(start), after: cursor(Math.max(start, end - 1) + 1) },
    };
    if (end < items.length) {
      const next = new URL(req.url.pathname, this.baseUrl);
      for (const [k, v] of req.url.searchParams) if (k !== 'after') next.searchParams.set(k, v);
      next.searchParams.set('after', cursor(end));
      paging.next = next.toString();
    }
    return { data, paging };
  }

  private listCampaigns(req: RecordedRequest): FakeReply {
    const fields = (req.url.searchParams.get('fields') ?? 'id').split(',');
    let filters: Array<{ field: string; operator: string; value: string }> = [];
    try {
      filters = JSON.parse(req.url.searchParams.get('filtering') ?? '[]');
    } catch {
      return { status: 400, body: metaError(400, 'Invalid parameter: filtering must be a JSON array', 100) };
    }
    const selected = [...this.campaigns.values()].filter(
      (c) =>
        c.status !== 'DELETED' &&
        c.status !== 'ARCHIVED' &&
        filters.every(
          (f) => f.field !== 'name' || f.operator !== 'CONTAIN' || c.name.toLowerCase().includes(f.value.toLowerCase()),
        ),
    );
    const rows = selected.map((c) => {
      const all: Record<string, unknown> = { ...c, effective_status: c.status };
      return Object.fromEntries(fields.filter((f) => f in all).map((f) => [f, all[f]]));
    });
    return { status: 200, body: this.page(req, rows) };
  }

  private createCampaign(body: Record<string, unknown>): FakeReply {
    const name = String(body.name ?? '');
    if (!name) return { status: 400, body: metaError(400, 'The parameter name is required', 100) };
    if (!ODAX.includes(String(body.objective))) {
      return { status: 400, body: metaError(400, `Param objective must be one of {${ODAX.join(', ')}}`, 100) };
    }
    let categories: unknown;
    try {
      categories = JSON.parse(String(body.special_ad_categories ?? ''));
    } catch {
      categories = undefined;
    }
    if (!Array.isArray(categories)) {
      return { status: 400, body: metaError(400, 'The parameter special_ad_categories is required', 100) };
    }
    if (!['ACTIVE', 'PAUSED'].includes(String(body.status))) {
      return { status: 400, body: metaError(400, 'Param status must be one of {ACTIVE, PAUSED}', 100) };
    }
    if (body.daily_budget !== undefined && !/^\d+$/.test(String(body.daily_budget))) {
      return { status: 400, body: metaError(400, 'Param daily_budget must be a non-negative integer', 100) };
    }
    const id = String(this.nextId++);
    this.campaigns.set(id, {
      id,
      name,
      objective: String(body.objective),
      status: String(body.status),
      daily_budget: body.daily_budget === undefined ? undefined : String(body.daily_budget),
      special_ad_categories: categories as string[],
    });
    return { status: 200, body: { id } };
  }

  private updateCampaign(id: string, body: Record<string, unknown>): FakeReply {
    const campaign = this.campaigns.get(id);
    if (!campaign) {
      return {
        status: 400,
        body: metaError(400, `Unsupported post request. Object with ID '${id}' does not exist`, 100),
      };
    }
    if (body.status !== undefined) {
      if (!['ACTIVE', 'PAUSED', 'ARCHIVED', 'DELETED'].includes(String(body.status))) {
        return {
          status: 400,
          body: metaError(400, 'Param status must be one of {ACTIVE, PAUSED, DELETED, ARCHIVED}', 100),
        };
      }
      campaign.status = String(body.status);
    }
    if (body.daily_budget !== undefined) {
      if (!/^\d+$/.test(String(body.daily_budget))) {
        return { status: 400, body: metaError(400, 'Param daily_budget must be a non-negative integer', 100) };
      }
      campaign.daily_budget = String(body.daily_budget);
    }
    return { status: 200, body: { success: true } };
  }

  private readInsights(req: RecordedRequest, id: string): FakeReply {
    if (!this.campaigns.has(id)) {
      return {
        status: 400,
        body: metaError(400, `Unsupported get request. Object with ID '${id}' does not exist`, 100),
      };
    }
    const fields = (req.url.searchParams.get('fields') ?? '').split(',');
    let range: { since?: string; until?: string };
    try {
      range = JSON.parse(req.url.searchParams.get('time_range') ?? '{}');
    } catch {
      return { status: 400, body: metaError(400, 'Invalid parameter: time_range', 100) };
    }
    if (!range.since || !range.until)
      return { status: 400, body: metaError(400, 'time_range needs since and until', 100) };
    if (req.url.searchParams.get('time_increment') !== '1') {
      return { status: 400, body: metaError(400, 'the fake only serves time_increment=1', 100) };
    }
    const rows = (this.insights.get(id) ?? [])
      .filter((r) => r.date >= range.since! && r.date <= range.until!)
      .map((r) => {
        const all: Record<string, unknown> = {
          impressions: String(r.impressions),
          clicks: String(r.clicks),
          spend: r.spend,
          actions: r.actions,
          action_values: r.action_values,
        };
        const out: Record<string, unknown> = { date_start: r.date, date_stop: r.date };
        for (const f of fields) if (all[f] !== undefined) out[f] = all[f];
        return out;
      });
    return { status: 200, body: this.page(req, rows) };
  }

  private listAudiences(req: RecordedRequest): FakeReply {
    const fields = (req.url.searchParams.get('fields') ?? 'id').split(',');
    const rows = [...this.audiences.values()].map((a) => {
      const all: Record<string, unknown> = { id: a.id, name: a.name, subtype: a.subtype };
      return Object.fromEntries(fields.filter((f) => f in all).map((f) => [f, all[f]]));
    });
    return { status: 200, body: this.page(req, rows) };
  }

  private createAudience(body: Record<string, unknown>): FakeReply {
    const name = String(body.name ?? '');
    if (!name) return { status: 400, body: metaError(400, 'The parameter name is required', 100) };
    if (body.subtype !== 'CUSTOM') {
      return {
        status: 400,
        body: metaError(400, 'the fake only serves customer-file audiences (subtype CUSTOM)', 100),
      };
    }
    if (!CUSTOMER_FILE_SOURCES.includes(String(body.customer_file_source))) {
      return {
        status: 400,
        body: metaError(400, `Param customer_file_source must be one of {${CUSTOMER_FILE_SOURCES.join(', ')}}`, 100),
      };
    }
    const id = String(this.nextId++);
    this.audiences.set(id, {
      id,
      name,
      subtype: 'CUSTOM',
      customer_file_source: String(body.customer_file_source),
      members: new Set(),
    });
    return { status: 200, body: { id } };
  }

  /** The users edge: the payload comes in the body (or the query, where some SDKs put a DELETE's parameters). */
  private changeUsers(req: RecordedRequest, id: string, op: 'add' | 'remove'): FakeReply {
    const audience = this.audiences.get(id);
    if (!audience) {
      const verb = op === 'add' ? 'post' : 'delete';
      return {
        status: 400,
        body: metaError(
          400,
          `Unsupported ${verb} request. Object with ID '${id}' does not exist, cannot be loaded due to missing ` +
            'permissions, or does not support this operation',
          100,
        ),
      };
    }
    const raw = bodyOf(req).payload ?? req.url.searchParams.get('payload');
    let payload: { schema?: unknown; data?: unknown };
    try {
      payload = JSON.parse(String(raw ?? ''));
    } catch {
      return { status: 400, body: metaError(400, 'The parameter payload is required', 100) };
    }
    if (payload.schema !== 'EMAIL_SHA256') {
      return { status: 400, body: metaError(400, 'the fake only serves schema EMAIL_SHA256', 100) };
    }
    const data = payload.data;
    if (!Array.isArray(data) || data.length === 0 || data.some((d) => typeof d !== 'string')) {
      return { status: 400, body: metaError(400, 'Data is missing or does not match schema', 100) };
    }
    if (data.length > USERS_PER_CALL) {
      return {
        status: 400,
        body: metaError(400, `Too many users in one request: at most ${USERS_PER_CALL} are accepted`, 100),
      };
    }
    const samples: Record<string, string> = {};
    let invalid = 0;
    for (const entry of data as string[]) {
      if (!SHA256_HEX.test(entry)) {
        invalid++;
        if (Object.keys(samples).length < 10) samples[entry] = 'Invalid SHA-256 hash';
        continue;
      }
      if (op === 'add') audience.members.add(entry);
      else audience.members.delete(entry);
    }
    return {
      status: 200,
      body: {
        audience_id: id,
        session_id: String(Math.floor(Math.random() * 1e15)),
        num_received: data.length,
        num_invalid_entries: invalid,
        invalid_entry_samples: samples,
      },
    };
  }

  /** `GET /debug_token?input_token=` with the app access token `appId|appSecret`. */
  private debug(req: RecordedRequest): FakeReply {
    const appToken = bearerOf(req) ?? req.url.searchParams.get('access_token');
    const { appId, appSecret } = this.creds;
    if (!appId || !appSecret || appToken !== `${appId}|${appSecret}`) {
      return this.tokenError(graphError('Invalid OAuth access token signature.', 190));
    }
    const input = req.url.searchParams.get('input_token');
    if (!input) return { status: 400, body: metaError(400, 'The parameter input_token is required', 100) };
    const known = this.tokens.get(input);
    if (!known) {
      const error = { code: 190, message: 'Invalid OAuth access token - Cannot parse access token' };
      return { status: 200, body: { data: { error, is_valid: false, scopes: [] } } };
    }
    const now = this.seconds();
    const expired = known.expiresAt !== 0 && now >= known.expiresAt;
    return {
      status: 200,
      body: {
        data: {
          app_id: appId,
          type: known.type,
          application: 'GTM fake app',
          data_access_expires_at: known.dataAccessExpiresAt,
          expires_at: known.expiresAt,
          is_valid: !expired,
          issued_at: known.issuedAt,
          scopes: ['ads_management', 'ads_read'],
          user_id: '100000000000042',
          ...(expired
            ? {
                error: {
                  code: 190,
                  message: `Error validating access token: Session has expired on ${sessionTime(known.expiresAt)}.`,
                  subcode: 463,
                },
              }
            : {}),
        },
      },
    };
  }

  /** `GET /oauth/access_token?grant_type=fb_exchange_token`: a valid user token of the app for a long-lived one. */
  private exchange(req: RecordedRequest): FakeReply {
    const q = req.url.searchParams;
    if (q.get('grant_type') !== 'fb_exchange_token') {
      return { status: 400, body: metaError(400, 'the fake only serves grant_type=fb_exchange_token', 100) };
    }
    if (!this.creds.appId || q.get('client_id') !== this.creds.appId) {
      return { status: 400, body: graphError('Error validating application. Invalid application ID.', 101) };
    }
    if (q.get('client_secret') !== this.creds.appSecret) {
      return { status: 400, body: graphError('Error validating client secret.', 1) };
    }
    const refused = this.refuseToken(q.get('fb_exchange_token') ?? undefined);
    if (refused) return refused;
    const token = this.issueUserToken(LONG_LIVED_SECONDS);
    return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: LONG_LIVED_SECONDS } };
  }
}
