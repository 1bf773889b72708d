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

const ODAX = [
  'OUTCOME_APP_PROMOTION',
  'OUTCOME_AWARENESS',
  'OUTCOME_ENGAGEMENT',
  'OUTCOME_LEADS',
  'OUTCOME_SALES',
  'OUTCOME_TRAFFIC',
];
const VERSION = '/v\\d+\\.\\d+';

function cursor(index: number): string {
  return Buffer.from(`cursor:${index}`).toString('base64url');
}

function indexOf(cursorValue: string | null): number {
  if (!cursorValue) return 0;
  const n = Number(Buffer.from(cursorValue, 'base64url').toString().replace('cursor:', ''));
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/**
 * A Graph API (Marketing API) on loopback for one ad account: the campaigns edge (list with filtering and cursor
 * paging, create), campaign updates and the insights edge with time_increment=1 and paging, `pageSize` per page.
 */
export class MetaAdsFake {
  readonly server = new FakeHttpServer((status, message) => metaError(status, message));
  readonly campaigns = new Map<string, FakeMetaCampaign>();
  readonly insights = new Map<string, FakeMetaInsightsRow[]>();
  pageSize = 2;
  private nextId = 120_000_000_000_001;

  constructor(readonly creds: { token: string; adAccountId: string }) {
    this.server
      .route('GET', new RegExp(`^${VERSION}/act_(\\d+)/campaigns$`), (req, [acct]) =>
        this.authed(req, acct, () => this.listCampaigns(req)),
      )
      .route('POST', new RegExp(`^${VERSION}/act_(\\d+)/campaigns$`), (req, [acct]) =>
        this.authed(req, acct, () => this.createCampaign(bodyOf(req))),
      )
      .route('GET', new RegExp(`^${VERSION}/(\\d+)/insights$`), (req, [id]) =>
        this.authed(req, this.creds.adAccountId, () => this.readInsights(req, id!)),
      )
      .route('POST', new RegExp(`^${VERSION}/(\\d+)$`), (req, [id]) =>
        this.authed(req, this.creds.adAccountId, () => this.updateCampaign(id!, bodyOf(req))),
      );
  }

  /** Starts a fake for these credentials. */
  static async start(creds: { token: string; adAccountId: string }): Promise<MetaAdsFake> {
    const fake = new MetaAdsFake(creds);
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

  private authed(req: RecordedRequest, acct: string | undefined, then: () => FakeReply): FakeReply {
    const token = bearerOf(req) ?? req.url.searchParams.get('access_token') ?? undefined;
    if (token !== this.creds.token) {
      return { status: 400, body: metaError(400, 'Invalid OAuth access token - Cannot parse access token', 190) };
    }
    if (acct !== this.creds.adAccountId) {
      return {
        status: 403,
        body: metaError(403, 'Ad account owner has NOT grant ads_management or ads_read permission', 200),
      };
    }
    return then();
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
}
