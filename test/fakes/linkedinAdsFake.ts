import { SHA256_HEX } from '../../providers/ads/audienceHash';
import { FakeHttpServer, bearerOf, bodyOf, type FakeReply, type RecordedRequest } from './fakeHttpServer';
import { OAuthTokenEndpoint, oauthError, type OAuthClient } from './oauthTokenEndpoint';

/** LinkedIn's error envelope: status, serviceErrorCode (when LinkedIn sends one), code and message. */
export function linkedinError(status: number, message: string, code?: string, serviceErrorCode?: number): unknown {
  const service = serviceErrorCode ?? (status === 429 ? 101 : undefined);
  return {
    status,
    ...(service === undefined ? {} : { serviceErrorCode: service }),
    code: code ?? (status === 429 ? 'TOO_MANY_REQUESTS' : status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST'),
    message,
  };
}

/**
 * The Linkedin-Version values LinkedIn served when this fake was written (December 2026): each monthly version
 * lives about a year, so 202511 was sunset in November 2026 and 202612 is the newest.
 */
export const LINKEDIN_SERVED_VERSIONS: readonly string[] = [
  '202512',
  '202601',
  '202602',
  '202603',
  '202604',
  '202605',
  '202606',
  '202607',
  '202608',
  '202609',
  '202610',
  '202611',
  '202612',
];

/** A member access token lives 60 days. */
export const LINKEDIN_ACCESS_TOKEN_SECONDS = 60 * 24 * 3600;
/** A programmatic refresh token lives 365 days from the member's consent. */
export const LINKEDIN_REFRESH_TOKEN_SECONDS = 365 * 24 * 3600;

/** The most elements LinkedIn takes in one BATCH_CREATE on dmpSegments/{id}/users. */
export const LINKEDIN_DMP_USERS_BATCH_LIMIT = 5_000;

/** Options of the fake: its clock, the versions it serves, and an OAuth app whose tokens it accepts. */
export interface LinkedInAdsFakeOptions {
  /** The clock of token expiry and daily quotas; tests move it instead of waiting. */
  now?: () => number;
  versions?: readonly string[];
  /** Mounts an RFC 6749 refresh-token endpoint at /oauth/v2/accessToken for this client. */
  oauth?: { client: OAuthClient; expiresIn?: number; refreshTokenExpiresIn?: number };
  /** Epoch ms at which the fixed token expires; 60 days from start by default. */
  tokenExpiresAt?: number;
}

/** A DMP segment as the fake keeps it (API field names), with its members' hashes. */
export interface FakeDmpSegment {
  id: number;
  name: string;
  account: string;
  type: string;
  accessPolicy?: string;
  sourcePlatform?: string;
  destinations: Array<{ destination: string }>;
  createdAt: number;
  members: Set<string>;
}

/** A campaign as the fake keeps it (API field names). */
export interface FakeLinkedInCampaign {
  id: number;
  name: string;
  status: string;
  account: string;
  campaignGroup?: string;
  type?: string;
  objectiveType?: string;
  costType?: string;
  dailyBudget?: { amount: string; currencyCode: string };
  runSchedule?: { start: number; end?: number };
}

/** One day of adAnalytics for a campaign; money as the API sends it, decimal strings in local currency. */
export interface FakeLinkedInAnalyticsRow {
  date: string;
  impressions: number;
  clicks: number;
  externalWebsiteConversions: number;
  costInLocalCurrency: string;
  conversionValueInLocalCurrency: string;
}

/** The value of a query parameter exactly as sent, without decoding (Rest.li expressions are parsed raw). */
function rawParam(req: RecordedRequest, name: string): string | undefined {
  for (const part of req.url.search.replace(/^\?/, '').split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq) === name) return part.slice(eq + 1);
  }
  return undefined;
}

/** Decodes one Rest.li 2.0 string; a `+` stays a plus, as LinkedIn's parser reads it. */
function restliDecode(value: string): string {
  return decodeURIComponent(value);
}

function dayOf(date: { year: number; month: number; day: number }): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

function restliDateOf(day: string): { year: number; month: number; day: number } {
  const [year, month, date] = day.split('-').map(Number);
  return { year: year!, month: month!, day: date! };
}

/** The next midnight UTC after `ms`, when LinkedIn's daily limits reset. */
function nextUtcMidnight(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

/**
 * LinkedIn's versioned Marketing API on loopback for one ad account: adCampaigns create (201 + x-restli-id), the
 * search finder with cursor paging (pageSize/pageToken, metadata.nextPageToken) and an exact name filter,
 * PARTIAL_UPDATE, adAnalytics (q=analytics, DAILY), the ad account, DMP segments (create, the account finder with
 * start/count paging, users BATCH_CREATE), token introspection and, when given an OAuth client, the refresh-token
 * endpoint. It requires a Linkedin-Version it serves and the Rest.li headers, parses Rest.li expressions from the
 * raw query, and answers LinkedIn's own error bodies, daily-limit 429s included.
 */
export class LinkedInAdsFake {
  readonly server = new FakeHttpServer((status, message) => linkedinError(status, message));
  readonly campaigns = new Map<number, FakeLinkedInCampaign>();
  readonly analytics = new Map<number, FakeLinkedInAnalyticsRow[]>();
  readonly dmpSegments = new Map<number, FakeDmpSegment>();
  /** Present when started with an OAuth client: the refresh-token grant at /oauth/v2/accessToken. */
  readonly oauth?: OAuthTokenEndpoint;
  pageSize = 2;
  /** Page size of the dmpSegments finder (LinkedIn's Rest.li default count is 10). */
  dmpPageSize = 10;
  /** How long a new DMP segment refuses users (LinkedIn documents about 5 seconds); 0 in tests unless set. */
  segmentReadyAfterMs = 0;
  private nextId = 700_000_001;
  private readonly now: () => number;
  private readonly versions: ReadonlySet<string>;
  private tokenExpiresAt: number;
  private tokenRevoked = false;
  private readonly tokenIssuedAt: number;
  /** Until when (epoch ms) each daily limit is spent. */
  private readonly spent = new Map<'APPLICATION' | 'MEMBER', number>();

  constructor(
    readonly creds: { token: string; adAccountId: string; currency: string },
    options: LinkedInAdsFakeOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.versions = new Set(options.versions ?? LINKEDIN_SERVED_VERSIONS);
    this.tokenIssuedAt = this.now();
    this.tokenExpiresAt = options.tokenExpiresAt ?? this.tokenIssuedAt + LINKEDIN_ACCESS_TOKEN_SECONDS * 1000;
    if (options.oauth) {
      this.oauth = new OAuthTokenEndpoint(this.server, options.oauth.client, {
        path: '/oauth/v2/accessToken',
        expiresIn: options.oauth.expiresIn ?? LINKEDIN_ACCESS_TOKEN_SECONDS,
        refreshTokenExpiresIn: options.oauth.refreshTokenExpiresIn ?? LINKEDIN_REFRESH_TOKEN_SECONDS,
        now: this.now,
      });
    }
    this.server
      .route('POST', /^\/oauth\/v2\/introspectToken$/, (req) => this.introspect(req, options.oauth?.client))
      .route('GET', /^\/rest\/adAccounts\/(\d+)$/, (req, [acct]) =>
        this.authed(req, acct, () => ({
          status: 200,
          body: {
            id: Number(acct),
            name: 'Fake account',
            currency: this.creds.currency,
            status: 'ACTIVE',
            type: 'BUSINESS',
          },
        })),
      )
      .route('POST', /^\/rest\/adAccounts\/(\d+)\/adCampaigns$/, (req, [acct]) =>
        this.authed(req, acct, () => this.create(req)),
      )
      .route('GET', /^\/rest\/adAccounts\/(\d+)\/adCampaigns$/, (req, [acct]) =>
        this.authed(req, acct, () => this.search(req)),
      )
      .route('POST', /^\/rest\/adAccounts\/(\d+)\/adCampaigns\/(\d+)$/, (req, [acct, id]) =>
        this.authed(req, acct, () => this.partialUpdate(req, Number(id))),
      )
      .route('GET', /^\/rest\/adAnalytics$/, (req) =>
        this.authed(req, this.creds.adAccountId, () => this.readAnalytics(req)),
      )
      .route('POST', /^\/rest\/dmpSegments$/, (req) => this.authed(req, undefined, () => this.createSegment(req)))
      .route('GET', /^\/rest\/dmpSegments$/, (req) => this.authed(req, undefined, () => this.findSegments(req)))
      .route('POST', /^\/rest\/dmpSegments\/(\d+)\/users$/, (req, [id]) =>
        this.authed(req, undefined, () => this.streamUsers(req, Number(id))),
      );
  }

  /** Starts a fake for these credentials. */
  static async start(
    creds: { token: string; adAccountId: string; currency: string },
    options?: LinkedInAdsFakeOptions,
  ): Promise<LinkedInAdsFake> {
    const fake = new LinkedInAdsFake(creds, options);
    await fake.server.start();
    return fake;
  }

  get baseUrl(): string {
    return `${this.server.baseUrl}/rest`;
  }

  /** Where the refresh-token grant is mounted (when started with an OAuth client). */
  get tokenUrl(): string {
    return `${this.server.baseUrl}/oauth/v2/accessToken`;
  }

  get introspectUrl(): string {
    return `${this.server.baseUrl}/oauth/v2/introspectToken`;
  }

  /** When the fixed token stops working (epoch ms). */
  get fixedTokenExpiresAt(): number {
    return this.tokenExpiresAt;
  }

  /** The member revoked the app's access: the fixed token stops working. */
  revokeFixedToken(): void {
    this.tokenRevoked = true;
  }

  /** The fixed token's 60 days are over. */
  expireFixedToken(): void {
    this.tokenExpiresAt = this.now();
  }

  /**
   * The app (or the member) has used up today's calls: every API call answers LinkedIn's daily-limit 429, without
   * Retry-After, until the next midnight UTC by the fake's clock.
   */
  exhaustDailyLimit(kind: 'APPLICATION' | 'MEMBER' = 'APPLICATION'): void {
    this.spent.set(kind, nextUtcMidnight(this.now()));
  }

  /** Adds a campaign directly, as if made in Campaign Manager. */
  seedCampaign(name: string, status = 'ACTIVE'): number {
    const id = this.nextId++;
    this.campaigns.set(id, { id, name, status, account: `urn:li:sponsoredAccount:${this.creds.adAccountId}` });
    return id;
  }

  /** Adds a USER DMP segment directly, as if made in Campaign Manager (or by another tool). */
  seedSegment(name: string, account = `urn:li:sponsoredAccount:${this.creds.adAccountId}`): number {
    const id = this.nextId++;
    this.dmpSegments.set(id, {
      id,
      name,
      account,
      type: 'USER',
      destinations: [{ destination: 'LINKEDIN' }],
      createdAt: this.now() - 60_000,
      members: new Set(),
    });
    return id;
  }

  /** Why a bearer token is refused (LinkedIn's 401 bodies), or undefined when it is accepted. */
  private refusal(bearer: string | undefined): FakeReply | undefined {
    const refuse = (serviceErrorCode: number, code: string, message: string): FakeReply => ({
      status: 401,
      body: { status: 401, serviceErrorCode, code, message },
    });
    if (bearer === undefined || bearer === '') return refuse(401, 'EMPTY_ACCESS_TOKEN', 'Empty oauth2_access_token');
    if (this.creds.token && bearer === this.creds.token) {
      if (this.tokenRevoked) {
        return refuse(65601, 'REVOKED_ACCESS_TOKEN', 'The token used in the request has been revoked by the user');
      }
      if (this.now() >= this.tokenExpiresAt) {
        return refuse(65602, 'EXPIRED_ACCESS_TOKEN', 'The token used in the request has expired');
      }
      return undefined;
    }
    if (this.oauth?.isValid(bearer)) return undefined;
    if (this.oauth?.issued.includes(bearer)) {
      return refuse(65602, 'EXPIRED_ACCESS_TOKEN', 'The token used in the request has expired');
    }
    return refuse(65600, 'INVALID_ACCESS_TOKEN', 'Invalid access token');
  }

  /** The checks every versioned call passes, in LinkedIn's order: token, version, protocol, daily quota, account. */
  private authed(req: RecordedRequest, acct: string | undefined, then: () => FakeReply): FakeReply {
    const refused = this.refusal(bearerOf(req));
    if (refused) return refused;
    const version = String(req.headers['linkedin-version'] ?? '');
    if (!version) {
      return {
        status: 400,
        body: linkedinError(
          400,
          'A version must be present. Please specify a version by adding the LinkedIn-Version header.',
          'VERSION_MISSING',
        ),
      };
    }
    if (!/^\d{6}(\.\d{2})?$/.test(version) || !this.versions.has(version.slice(0, 6))) {
      return {
        status: 426,
        body: linkedinError(426, `Requested version ${version} is not active`, 'NONEXISTENT_VERSION'),
      };
    }
    if (req.headers['x-restli-protocol-version'] !== '2.0.0') {
      return {
        status: 400,
        body: linkedinError(400, 'the fake speaks Rest.li protocol 2.0.0 only', 'ILLEGAL_ARGUMENT'),
      };
    }
    for (const [kind, until] of this.spent) {
      if (this.now() < until) {
        return {
          status: 429,
          body: linkedinError(429, `Resource level throttle ${kind} DAY limit for calls to this resource is reached.`),
        };
      }
    }
    if (acct !== undefined && acct !== this.creds.adAccountId) return this.accessDenied('adCampaigns');
    return then();
  }

  private accessDenied(resource: string): FakeReply {
    return {
      status: 403,
      body: linkedinError(403, `Not enough permissions to access: ${resource}`, 'ACCESS_DENIED', 100),
    };
  }
  private create(req: RecordedRequest): FakeReply {
    if (req.headers['x-restli-method'])
      return { status: 400, body: linkedinError(400, 'unexpected X-RestLi-Method on create') };
    const body = bodyOf(req) as Record<string, any>;
    const problems: string[] = [];
    if (body.account !== `urn:li:sponsoredAccount:${this.creds.adAccountId}`)
      problems.push('/account: must be the URN of the ad account');
    if (!body.name) problems.push('/name: is required');
    if (!['ACTIVE', 'PAUSED', 'DRAFT'].includes(body.status)) problems.push('/status: invalid value');
    if (!body.type || !body.costType || !body.objectiveType || !body.locale || !body.targetingCriteria) {
      problems.push('/type, /costType, /objectiveType, /locale and /targetingCriteria: are required');
    }
    if (typeof body.runSchedule?.start !== 'number') problems.push('/runSchedule/start: is required');
    const budget = body.dailyBudget;
    if (!budget || typeof budget.amount !== 'string' || !/^\d+(\.\d+)?$/.test(budget.amount)) {
      problems.push('/dailyBudget/amount: must be a decimal string');
    } else if (budget.currencyCode !== this.creds.currency) {
      problems.push(`/dailyBudget/currencyCode: must be ${this.creds.currency}, the currency of the account`);
    }
    if (problems.length) return validationFailed(problems);
    const id = this.nextId++;
    this.campaigns.set(id, {
      id,
      name: body.name,
      status: body.status,
      account: body.account,
      campaignGroup: body.campaignGroup,
      type: body.type,
      objectiveType: body.objectiveType,
      costType: body.costType,
      dailyBudget: budget,
      runSchedule: body.runSchedule,
    });
    return {
      status: 201,
      headers: { 'x-restli-id': String(id), location: `/adAccounts/${this.creds.adAccountId}/adCampaigns/${id}` },
    };
  }

  private search(req: RecordedRequest): FakeReply {
    if (req.url.searchParams.get('q') !== 'search')
      return { status: 400, body: linkedinError(400, 'q must be search') };
    const search = rawParam(req, 'search') ?? '';
    let names: string[] | undefined;
    if (search) {
      const m = /^\(name:\(values:List\(([^()]*)\)\)\)$/.exec(search);
      if (!m)
        return {
          status: 400,
          body: linkedinError(400, `Invalid query parameter: search=${search}`, 'ILLEGAL_ARGUMENT'),
        };
      names = m[1]!.split(',').map(restliDecode);
    }
    const matching = [...this.campaigns.values()]
      .filter((c) => names === undefined || names.includes(c.name))
      .sort((a, b) => a.id - b.id);
    const size = Math.min(Number(req.url.searchParams.get('pageSize') ?? 100) || 100, this.pageSize);
    const token = req.url.searchParams.get('pageToken');
    const start = token ? Number(Buffer.from(token, 'base64url').toString()) : 0;
    const elements = matching.slice(start, start + size);
    const next = start + size < matching.length ? Buffer.from(String(start + size)).toString('base64url') : undefined;
    return { status: 200, body: { elements, metadata: next ? { nextPageToken: next } : {} } };
  }

  private partialUpdate(req: RecordedRequest, id: number): FakeReply {
    if (req.headers['x-restli-method'] !== 'PARTIAL_UPDATE') {
      return { status: 400, body: linkedinError(400, 'updates need X-RestLi-Method: PARTIAL_UPDATE') };
    }
    const campaign = this.campaigns.get(id);
    if (!campaign) return { status: 404, body: linkedinError(404, `Campaign ${id} not found`, 'NOT_FOUND') };
    const set = (bodyOf(req) as { patch?: { $set?: Record<string, any> } }).patch?.$set;
    if (!set) return { status: 400, body: linkedinError(400, 'body must be { patch: { $set: ... } }') };
    if (set.status !== undefined) {
      if (!['ACTIVE', 'PAUSED', 'ARCHIVED', 'DRAFT', 'CANCELED'].includes(set.status)) {
        return { status: 400, body: linkedinError(400, `/status: invalid value ${set.status}`) };
      }
      campaign.status = set.status;
    }
    if (set.dailyBudget !== undefined) {
      if (
        set.dailyBudget.currencyCode !== this.creds.currency ||
        !/^\d+(\.\d+)?$/.test(String(set.dailyBudget.amount))
      ) {
        return { status: 400, body: linkedinError(400, '/dailyBudget: invalid amount or currency') };
      }
      campaign.dailyBudget = set.dailyBudget;
    }
    return { status: 204 };
  }

  private readAnalytics(req: RecordedRequest): FakeReply {
    const p = req.url.searchParams;
    if (p.get('q') !== 'analytics' || p.get('pivot') !== 'CAMPAIGN' || p.get('timeGranularity') !== 'DAILY') {
      return {
        status: 400,
        body: linkedinError(400, 'the fake serves q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY only'),
      };
    }
    const date = '\\(year:(\\d{4}),month:(\\d{1,2}),day:(\\d{1,2})\\)';
    const range = new RegExp(`^\\(start:${date},end:${date}\\)$`).exec(rawParam(req, 'dateRange') ?? '');
    const campaigns = /^List\(([^()]*)\)$/.exec(rawParam(req, 'campaigns') ?? '');
    if (!range || !campaigns) {
      return {
        status: 400,
        body: linkedinError(400, 'Invalid dateRange or campaigns (Rest.li 2.0 syntax expected)', 'ILLEGAL_ARGUMENT'),
      };
    }
    const [, y1, m1, d1, y2, m2, d2] = range.map(Number);
    const from = dayOf({ year: y1!, month: m1!, day: d1! });
    const to = dayOf({ year: y2!, month: m2!, day: d2! });
    const fields = (p.get('fields') ?? '').split(',');
    const elements = campaigns[1]!.split(',').flatMap((encoded) => {
      const urn = restliDecode(encoded);
      const id = Number(/^urn:li:sponsoredCampaign:(\d+)$/.exec(urn)?.[1]);
      return (this.analytics.get(id) ?? [])
        .filter((r) => r.date >= from && r.date <= to)
        .map((r) => {
          const all: Record<string, unknown> = {
            ...r,
            dateRange: { start: restliDateOf(r.date), end: restliDateOf(r.date) },
          };
          const out: Record<string, unknown> = { pivotValues: [urn] };
          for (const f of fields) if (f !== 'date' && all[f] !== undefined) out[f] = all[f];
          return out;
        });
    });
    return { status: 200, body: { paging: { start: 0, count: 10, links: [] }, elements } };
  }

  /** POST /oauth/v2/introspectToken: the TTL and status of a token, for the app that holds it. */
  private introspect(req: RecordedRequest, client: OAuthClient | undefined): FakeReply {
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
      return oauthError(400, 'invalid_request', 'The request must be application/x-www-form-urlencoded.');
    }
    const form = bodyOf(req);
    for (const field of ['client_id', 'client_secret', 'token']) {
      if (!form[field]) return oauthError(400, 'invalid_request', `A required parameter "${field}" is missing`);
    }
    if (!client || form.client_id !== client.clientId || form.client_secret !== client.clientSecret) {
      return oauthError(401, 'invalid_client', 'Client authentication failed');
    }
    const token = String(form.token);
    const about = { client_id: client.clientId, scope: 'r_ads,rw_ads,rw_dmp_segments', auth_type: '3L' };
    if (this.creds.token && token === this.creds.token) {
      const issued = Math.floor(this.tokenIssuedAt / 1000);
      const status = this.tokenRevoked ? 'revoked' : this.now() >= this.tokenExpiresAt ? 'expired' : 'active';
      return {
        status: 200,
        body: {
          active: status === 'active',
          ...about,
          authorized_at: issued,
          created_at: issued,
          status,
          expires_at: Math.floor(this.tokenExpiresAt / 1000),
        },
      };
    }
    if (this.oauth?.issued.includes(token)) {
      const active = this.oauth.isValid(token);
      return { status: 200, body: { active, ...about, status: active ? 'active' : 'expired' } };
    }
    return { status: 200, body: { active: false } };
  }

  /** POST /rest/dmpSegments: an empty segment; its id comes back in x-restli-id. */
  private createSegment(req: RecordedRequest): FakeReply {
    if (req.headers['x-restli-method']) {
      return { status: 400, body: linkedinError(400, 'unexpected X-RestLi-Method on create') };
    }
    const body = bodyOf(req) as Record<string, any>;
    const ours = `urn:li:sponsoredAccount:${this.creds.adAccountId}`;
    if (/^urn:li:sponsoredAccount:\d+$/.test(String(body.account)) && body.account !== ours) {
      return this.accessDenied('dmpSegments');
    }
    const problems: string[] = [];
    if (body.account !== ours) problems.push('/account: must be a sponsored account URN');
    if (typeof body.name !== 'string' || !body.name.trim()) problems.push('/name: is required');
    if (!['USER', 'COMPANY'].includes(body.type)) problems.push('/type: must be USER or COMPANY');
    const destinations = body.destinations;
    if (
      !Array.isArray(destinations) ||
      destinations.length === 0 ||
      !destinations.every((d: { destination?: unknown }) => d?.destination === 'LINKEDIN')
    ) {
      problems.push('/destinations: must list { destination: LINKEDIN }');
    }
    if (problems.length) return validationFailed(problems);
    const id = this.nextId++;
    this.dmpSegments.set(id, {
      id,
      name: body.name,
      account: body.account,
      type: body.type,
      accessPolicy: body.accessPolicy,
      sourcePlatform: body.sourcePlatform,
      destinations: destinations.map((d: { destination: string }) => ({ destination: d.destination })),
      createdAt: this.now(),
      members: new Set(),
    });
    return { status: 201, headers: { 'x-restli-id': String(id), location: `/dmpSegments/${id}` } };
  }

  /** GET /rest/dmpSegments?q=account&account=<urn>: the account's segments, paged by start and count. */
  private findSegments(req: RecordedRequest): FakeReply {
    const p = req.url.searchParams;
    if (p.get('q') !== 'account') {
      return { status: 400, body: linkedinError(400, `Invalid query parameter: q=${p.get('q')}`, 'ILLEGAL_ARGUMENT') };
    }
    const account = restliDecode(rawParam(req, 'account') ?? '');
    if (!/^urn:li:sponsoredAccount:\d+$/.test(account)) {
      return { status: 400, body: linkedinError(400, `Invalid value for param: account`, 'ILLEGAL_ARGUMENT') };
    }
    if (account !== `urn:li:sponsoredAccount:${this.creds.adAccountId}`) return this.accessDenied('dmpSegments');
    const start = Math.max(0, Number(p.get('start') ?? 0) || 0);
    const count = Math.min(Math.max(1, Number(p.get('count') ?? 10) || 10), this.dmpPageSize);
    const matching = [...this.dmpSegments.values()].filter((s) => s.account === account).sort((a, b) => a.id - b.id);
    const elements = matching.slice(start, start + count).map((s) => ({
      id: s.id,
      name: s.name,
      account: s.account,
      type: s.type,
      ...(s.accessPolicy ? { accessPolicy: s.accessPolicy } : {}),
      ...(s.sourcePlatform ? { sourcePlatform: s.sourcePlatform } : {}),
      destinations: s.destinations.map((d) => ({ ...d, status: 'READY' })),
      created: s.createdAt,
      lastModified: s.createdAt,
    }));
    return { status: 200, body: { elements, paging: { start, count, total: matching.length, links: [] } } };
  }

  /**
   * POST /rest/dmpSegments/{id}/users with X-RestLi-Method: BATCH_CREATE. Each element succeeds or fails on its own
   * (Rest.li batch results, in order); adding a present id or removing an absent one is a success, as documented.
   */
  private streamUsers(req: RecordedRequest, id: number): FakeReply {
    if (req.headers['x-restli-method'] !== 'BATCH_CREATE') {
      return {
        status: 400,
        body: linkedinError(400, 'adding or removing several users needs X-RestLi-Method: BATCH_CREATE'),
      };
    }
    const segment = this.dmpSegments.get(id);
    // A new segment takes a few seconds to accept users; until then LinkedIn answers as if it did not exist.
    if (!segment || this.now() < segment.createdAt + this.segmentReadyAfterMs) {
      return { status: 404, body: linkedinError(404, `DmpSegment ${id} does not exist`, 'NOT_FOUND') };
    }
    if (segment.account !== `urn:li:sponsoredAccount:${this.creds.adAccountId}`) {
      return this.accessDenied('dmpSegments');
    }
    const elements = (bodyOf(req) as { elements?: unknown }).elements;
    if (!Array.isArray(elements) || elements.length === 0) {
      return { status: 400, body: linkedinError(400, '/elements: is required') };
    }
    if (elements.length > LINKEDIN_DMP_USERS_BATCH_LIMIT) {
      return {
        status: 400,
        body: linkedinError(
          400,
          `Batch of ${elements.length} elements exceeds the maximum of ${LINKEDIN_DMP_USERS_BATCH_LIMIT}`,
        ),
      };
    }
    const results = elements.map((element: unknown) => {
      const problem = userProblem(element);
      if (problem) return { status: 400, error: linkedinError(400, problem) };
      const { action, userIds } = element as { action: string; userIds: Array<{ idType: string; idValue: string }> };
      for (const { idType, idValue } of userIds) {
        const member = `${idType}:${idValue}`;
        if (action === 'ADD') segment.members.add(member);
        else segment.members.delete(member);
      }
      return { status: 201 };
    });
    return { status: 200, body: { elements: results } };
  }

  /** The SHA-256 hashes now in a segment. */
  membersOf(id: number): string[] {
    return [...(this.dmpSegments.get(id)?.members ?? [])]
      .filter((m) => m.startsWith('SHA256_EMAIL:'))
      .map((m) => m.slice('SHA256_EMAIL:'.length));
  }
}

// The identifier formats of the DMP Segment Users docs: hex SHA-256 (64) or SHA-512 (128) of the email, or an ad id.
const ID_FORMATS: Record<string, { test: (v: string) => boolean; says: string }> = {
  SHA256_EMAIL: { test: (v) => SHA256_HEX.test(v), says: 'a HEX encoded string with length = 64' },
  SHA512_EMAIL: { test: (v) => /^[0-9a-f]{128}$/.test(v), says: 'a HEX encoded string with length = 128' },
  GOOGLE_AID: { test: (v) => v.length > 0, says: 'a non-empty advertising id' },
};

/** Why one BATCH_CREATE element is refused, or undefined when LinkedIn accepts it. */
function userProblem(element: unknown): string | undefined {
  const e = element as { action?: unknown; userIds?: unknown } | null;
  if (!e || (e.action !== 'ADD' && e.action !== 'REMOVE')) return '/action: must be ADD or REMOVE';
  if (!Array.isArray(e.userIds) || e.userIds.length === 0) return '/userIds: at least one id is required';
  for (const id of e.userIds as Array<{ idType?: unknown; idValue?: unknown }>) {
    const format = ID_FORMATS[String(id?.idType)];
    if (!format) return `/userIds/idType: unsupported value ${String(id?.idType)}`;
    if (typeof id.idValue !== 'string' || !format.test(id.idValue)) {
      return `/userIds/idValue: ${String(id.idType)} must be ${format.says}`;
    }
  }
  return undefined;
}

/** LinkedIn's 422 for a create whose fields it refuses, one input error per problem. */
function validationFailed(problems: string[]): FakeReply {
  return {
    status: 422,
    body: {
      status: 422,
      code: 'UNPROCESSABLE_ENTITY',
      message: 'Validation failed',
      errorDetails: { inputErrors: problems.map((description) => ({ description })) },
    },
  };
}
