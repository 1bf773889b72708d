import { FakeHttpServer, bearerOf, bodyOf, type FakeReply, type RecordedRequest } from './fakeHttpServer';

/** LinkedIn's error body. */
export function linkedinError(status: number, message: string, code?: string): unknown {
  return {
    status,
    code: code ?? (status === 429 ? 'TOO_MANY_REQUESTS' : status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST'),
    message,
  };
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

/**
 * LinkedIn's versioned Marketing API on loopback for one ad account: adCampaigns create (201 + x-restli-id), the
 * search finder with cursor paging (pageSize/pageToken, metadata.nextPageToken) and an exact name filter,
 * PARTIAL_UPDATE, and adAnalytics (q=analytics, DAILY). It requires the Linkedin-Version and Rest.li headers and
 * parses Rest.li expressions from the raw query, as the real service does.
 */
export class LinkedInAdsFake {
  readonly server = new FakeHttpServer((status, message) => linkedinError(status, message));
  readonly campaigns = new Map<number, FakeLinkedInCampaign>();
  readonly analytics = new Map<number, FakeLinkedInAnalyticsRow[]>();
  pageSize = 2;
  private nextId = 700_000_001;

  constructor(readonly creds: { token: string; adAccountId: string; currency: string }) {
    this.server
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
      );
  }

  /** Starts a fake for these credentials. */
  static async start(creds: { token: string; adAccountId: string; currency: string }): Promise<LinkedInAdsFake> {
    const fake = new LinkedInAdsFake(creds);
    await fake.server.start();
    return fake;
  }

  get baseUrl(): string {
    return `${this.server.baseUrl}/rest`;
  }

  /** Adds a campaign directly, as if made in Campaign Manager. */
  seedCampaign(name: string, status = 'ACTIVE'): number {
    const id = this.nextId++;
    this.campaigns.set(id, { id, name, status, account: `urn:li:sponsoredAccount:${this.creds.adAccountId}` });
    return id;
  }

  private authed(req: RecordedRequest, acct: string | undefined, then: () => FakeReply): FakeReply {
    if (bearerOf(req) !== this.creds.token) {
      return {
        status: 401,
        body: { status: 401, serviceErrorCode: 65600, code: 'INVALID_ACCESS_TOKEN', message: 'Invalid access token' },
      };
    }
    if (!/^\d{6}(\.\d{2})?$/.test(String(req.headers['linkedin-version'] ?? ''))) {
      return {
        status: 400,
        body: linkedinError(
          400,
          'A version must be present. Please specify a version by adding the LinkedIn-Version header.',
          'VERSION_MISSING',
        ),
      };
    }
    if (req.headers['x-restli-protocol-version'] !== '2.0.0') {
      return {
        status: 400,
        body: linkedinError(400, 'the fake speaks Rest.li protocol 2.0.0 only', 'ILLEGAL_ARGUMENT'),
      };
    }
    if (acct !== this.creds.adAccountId) {
      return {
        status: 403,
        body: {
          status: 403,
          serviceErrorCode: 100,
          code: 'ACCESS_DENIED',
          message: 'Not enough permissions to access: adCampaigns',
        },
      };
    }
    return then();
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
    if (problems.length) {
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
}
