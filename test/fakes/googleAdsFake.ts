import { FakeHttpServer, bearerOf, bodyOf, type FakeReply, type RecordedRequest } from './fakeHttpServer';

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** Google's REST error envelope with a GoogleAdsFailure detail, as the API sends it. */
export function googleAdsError(status: number, message: string, errorCode: Record<string, string> = {}): unknown {
  return {
    error: {
      code: status,
      message: status === 400 ? 'Request contains an invalid argument.' : message,
      status: STATUS_NAMES[status] ?? 'UNKNOWN',
      details: [
        {
          '@type': 'type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure',
          errors: [{ errorCode, message }],
          requestId: 'fake-request-id',
        },
      ],
    },
  };
}

/** A campaign as the fake keeps it. */
export interface FakeGoogleCampaign {
  id: string;
  name: string;
  status: string;
  campaignBudget: string;
  advertisingChannelType: string;
  startDateTime?: string;
  endDateTime?: string;
}

/** A campaign budget as the fake keeps it. */
export interface FakeGoogleBudget {
  resourceName: string;
  name: string;
  amountMicros: string;
  status: string;
}

/** One day of campaign metrics, in the API's units (micros for cost). */
export interface FakeGoogleMetricsRow {
  date: string;
  impressions: number;
  clicks: number;
  conversions: number;
  costMicros: number;
  conversionsValue: number;
}

interface Condition {
  field: string;
  op: string;
  values: string[];
}

/**
 * A Google Ads REST API on loopback for one customer: campaignBudgets:mutate, campaigns:mutate and
 * googleAds:searchStream with enough GAQL (SELECT ... FROM campaign|campaign_budget WHERE =, !=, LIKE, BETWEEN)
 * for the adapter's queries. searchStream answers a JSON array of batches of `batchSize` rows.
 */
export class GoogleAdsFake {
  readonly server = new FakeHttpServer((status, message) => googleAdsError(status, message));
  readonly campaigns = new Map<string, FakeGoogleCampaign>();
  readonly budgets = new Map<string, FakeGoogleBudget>();
  readonly metrics = new Map<string, FakeGoogleMetricsRow[]>();
  batchSize = 2;
  private nextId = 9_000_000_001;

  constructor(readonly creds: { token: string; developerToken: string; customerId: string }) {
    const customer = `/v\\d+/customers/(\\d+)`;
    this.server
      .route('POST', new RegExp(`^${customer}/campaignBudgets:mutate$`), (req, [cid]) =>
        this.authed(req, cid, () => this.mutateBudgets(cid!, bodyOf(req))),
      )
      .route('POST', new RegExp(`^${customer}/campaigns:mutate$`), (req, [cid]) =>
        this.authed(req, cid, () => this.mutateCampaigns(cid!, bodyOf(req))),
      )
      .route('POST', new RegExp(`^${customer}/googleAds:searchStream$`), (req, [cid]) =>
        this.authed(req, cid, () => this.searchStream(String(bodyOf(req).query ?? ''))),
      );
  }

  /** Starts a fake for these credentials. */
  static async start(creds: { token: string; developerToken: string; customerId: string }): Promise<GoogleAdsFake> {
    const fake = new GoogleAdsFake(creds);
    await fake.server.start();
    return fake;
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  /** Adds a campaign (with its own budget) directly, as if made in the Google Ads UI. */
  seedCampaign(name: string, status = 'ENABLED'): string {
    const budget = this.addBudget(`${name} budget ${this.nextId}`, '10000000');
    const id = String(this.nextId++);
    this.campaigns.set(id, { id, name, status, campaignBudget: budget, advertisingChannelType: 'SEARCH' });
    return id;
  }

  private authed(req: RecordedRequest, cid: string | undefined, then: () => FakeReply): FakeReply {
    if (bearerOf(req) !== this.creds.token) {
      return {
        status: 401,
        body: googleAdsError(401, 'Request is missing required authentication credential.', {
          authenticationError: 'AUTHENTICATION_ERROR',
        }),
      };
    }
    if (req.headers['developer-token'] !== this.creds.developerToken) {
      return {
        status: 401,
        body: googleAdsError(401, 'The developer token is not valid.', {
          authenticationError: 'DEVELOPER_TOKEN_INVALID',
        }),
      };
    }
    if (cid !== this.creds.customerId) {
      return {
        status: 403,
        body: googleAdsError(403, 'The caller does not have permission', {
          authorizationError: 'USER_PERMISSION_DENIED',
        }),
      };
    }
    return then();
  }

  private addBudget(name: string, amountMicros: string): string {
    const resourceName = `customers/${this.creds.customerId}/campaignBudgets/${this.nextId++}`;
    this.budgets.set(resourceName, { resourceName, name, amountMicros, status: 'ENABLED' });
    return resourceName;
  }

  private mutateBudgets(_cid: string, body: Record<string, unknown>): FakeReply {
    const op = (body.operations as Array<Record<string, any>> | undefined)?.[0];
    if (!op) return this.invalid('operations is required', { fieldError: 'REQUIRED' });
    const amount = String((op.create ?? op.update)?.amountMicros ?? '');
    if (
      (op.create || op.update?.amountMicros !== undefined) &&
      (!/^\d+$/.test(amount) || Number(amount) % 10_000 !== 0)
    ) {
      return this.invalid('The amount must be a multiple of the minimum currency unit.', {
        campaignBudgetError: 'NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT',
      });
    }
    if (op.create) {
      const name = String(op.create.name ?? '');
      if (!name) return this.invalid('name is required', { fieldError: 'REQUIRED' });
      if ([...this.budgets.values()].some((b) => b.name === name && b.status === 'ENABLED')) {
        return this.invalid('Budget with the same name already exists.', { campaignBudgetError: 'DUPLICATE_NAME' });
      }
      return { status: 200, body: { results: [{ resourceName: this.addBudget(name, amount) }] } };
    }
    if (op.update) {
      const budget = this.budgets.get(String(op.update.resourceName));
      if (!budget) return this.invalid('Resource was not found.', { mutateError: 'RESOURCE_NOT_FOUND' });
      if (op.updateMask !== 'amountMicros')
        return this.invalid('unexpected update mask', { fieldMaskError: 'FIELD_NOT_FOUND' });
      budget.amountMicros = amount;
      return { status: 200, body: { results: [{ resourceName: budget.resourceName }] } };
    }
    return this.invalid('unsupported operation', { requestError: 'UNKNOWN' });
  }

  private mutateCampaigns(cid: string, body: Record<string, unknown>): FakeReply {
    const op = (body.operations as Array<Record<string, any>> | undefined)?.[0];
    if (!op) return this.invalid('operations is required', { fieldError: 'REQUIRED' });
    if (op.create) {
      const c = op.create;
      for (const field of [
        'name',
        'campaignBudget',
        'advertisingChannelType',
        'status',
        'containsEuPoliticalAdvertising',
      ]) {
        if (!c[field]) return this.invalid(`The required field was not present: ${field}.`, { fieldError: 'REQUIRED' });
      }
      if (!this.budgets.has(String(c.campaignBudget)))
        return this.invalid('Budget not found.', { mutateError: 'RESOURCE_NOT_FOUND' });
      if ([...this.campaigns.values()].some((x) => x.name === c.name && x.status !== 'REMOVED')) {
        return this.invalid('Campaign name is already assigned to another campaign.', {
          campaignError: 'DUPLICATE_CAMPAIGN_NAME',
        });
      }
      const id = String(this.nextId++);
      this.campaigns.set(id, {
        id,
        name: String(c.name),
        status: String(c.status),
        campaignBudget: String(c.campaignBudget),
        advertisingChannelType: String(c.advertisingChannelType),
        startDateTime: c.startDateTime,
        endDateTime: c.endDateTime,
      });
      return { status: 200, body: { results: [{ resourceName: `customers/${cid}/campaigns/${id}` }] } };
    }
    if (op.update) {
      const id =
        String(op.update.resourceName ?? '')
          .split('/')
          .pop() ?? '';
      const campaign = this.campaigns.get(id);
      if (!campaign) return this.invalid('Resource was not found.', { mutateError: 'RESOURCE_NOT_FOUND' });
      if (op.updateMask !== 'status')
        return this.invalid('unexpected update mask', { fieldMaskError: 'FIELD_NOT_FOUND' });
      campaign.status = String(op.update.status);
      return { status: 200, body: { results: [{ resourceName: op.update.resourceName }] } };
    }
    return this.invalid('unsupported operation', { requestError: 'UNKNOWN' });
  }

  private searchStream(query: string): FakeReply {
    let parsed: { fields: string[]; resource: string; conditions: Condition[] };
    let rows: unknown[];
    try {
      parsed = parseGaql(query);
      const records = this.records(parsed.resource, parsed.fields);
      rows = records
        .filter((r) => parsed.conditions.every((c) => matches(r, c)))
        .map((r) => shapeRow(r, parsed.fields, parsed.resource));
    } catch (err) {
      // searchStream reports errors inside the streamed array.
      return {
        status: 400,
        body: [googleAdsError(400, `Error in query: ${(err as Error).message}`, { queryError: 'UNEXPECTED_INPUT' })],
      };
    }
    const batches: unknown[] = [];
    for (let i = 0; i < rows.length; i += this.batchSize) {
      batches.push({
        results: rows.slice(i, i + this.batchSize),
        fieldMask: parsed.fields.join(','),
        requestId: 'fake',
      });
    }
    if (batches.length === 0) batches.push({ fieldMask: parsed.fields.join(','), requestId: 'fake' });
    return { status: 200, body: batches };
  }

  /** Flat records (snake_case paths to values) of a resource, one per campaign-day when metrics are selected. */
  private records(resource: string, fields: string[]): Array<Record<string, string | number>> {
    if (resource === 'campaign_budget') {
      return [...this.budgets.values()].map((b) => ({
        'campaign_budget.resource_name': b.resourceName,
        'campaign_budget.name': b.name,
        'campaign_budget.amount_micros': b.amountMicros,
        'campaign_budget.status': b.status,
      }));
    }
    if (resource !== 'campaign') throw new Error(`unsupported resource ${resource}`);
    const segmented = fields.some((f) => f.startsWith('segments.') || f.startsWith('metrics.'));
    return [...this.campaigns.values()].flatMap((c) => {
      const base = {
        'campaign.resource_name': `customers/${this.creds.customerId}/campaigns/${c.id}`,
        'campaign.id': c.id,
        'campaign.name': c.name,
        'campaign.status': c.status,
        'campaign.campaign_budget': c.campaignBudget,
      };
      if (!segmented) return [base];
      return (this.metrics.get(c.id) ?? []).map((m) => ({
        ...base,
        'segments.date': m.date,
        'metrics.impressions': String(m.impressions),
        'metrics.clicks': String(m.clicks),
        'metrics.conversions': m.conversions,
        'metrics.cost_micros': String(m.costMicros),
        'metrics.conversions_value': m.conversionsValue,
      }));
    });
  }

  private invalid(message: string, errorCode: Record<string, string>): FakeReply {
    return { status: 400, body: googleAdsError(400, message, errorCode) };
  }
}

const LITERAL = `'(?:[^'\\\\]|\\\\.)*'|-?\\d+`;
const CONDITION = new RegExp(`^([a-z_]+(?:\\.[a-z_]+)+)\\s+(=|!=|LIKE|BETWEEN)\\s+(${LITERAL})`, 'i');

function unquote(literal: string): string {
  return literal.startsWith("'") ? literal.slice(1, -1).replace(/\\(.)/g, '$1') : literal;
}

/** Parses the GAQL subset the adapter writes; anything else is an error, as the real parser would give. */
function parseGaql(query: string): { fields: string[]; resource: string; conditions: Condition[] } {
  const m = /^\s*SELECT\s+(.+?)\s+FROM\s+([a-z_]+)(?:\s+WHERE\s+(.+?))?\s*$/is.exec(query);
  if (!m) throw new Error('expected SELECT ... FROM ...');
  const fields = m[1]!.split(',').map((f) => f.trim());
  const conditions: Condition[] = [];
  let rest = m[3] ?? '';
  while (rest) {
    const c = CONDITION.exec(rest);
    if (!c) throw new Error(`cannot parse condition near "${rest.slice(0, 40)}"`);
    const condition: Condition = { field: c[1]!, op: c[2]!.toUpperCase(), values: [unquote(c[3]!)] };
    rest = rest.slice(c[0].length).trim();
    if (condition.op === 'BETWEEN') {
      const upper = new RegExp(`^AND\\s+(${LITERAL})`, 'i').exec(rest);
      if (!upper) throw new Error('BETWEEN needs AND');
      condition.values.push(unquote(upper[1]!));
      rest = rest.slice(upper[0].length).trim();
    }
    conditions.push(condition);
    if (rest) {
      const and = /^AND\s+/i.exec(rest);
      if (!and) throw new Error(`expected AND near "${rest.slice(0, 40)}"`);
      rest = rest.slice(and[0].length);
    }
  }
  if (fields.includes('segments.date') && !conditions.some((c) => c.field === 'segments.date')) {
    throw new Error('segments.date in SELECT needs a date filter');
  }
  return { fields, resource: m[2]!, conditions };
}

/** GAQL LIKE: % any run, _ any one character, [x] a literal x. */
function likeToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '%') out += '.*';
    else if (ch === '_') out += '.';
    else if (ch === '[' && pattern[i + 2] === ']') {
      out += pattern[i + 1]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i += 2;
    } else out += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 's');
}

function matches(record: Record<string, string | number>, c: Condition): boolean {
  const value = record[c.field];
  if (value === undefined) throw new Error(`unknown field ${c.field}`);
  const text = String(value);
  switch (c.op) {
    case '=':
      return text === c.values[0];
    case '!=':
      return text !== c.values[0];
    case 'LIKE':
      return likeToRegExp(c.values[0]!).test(text);
    case 'BETWEEN':
      return text >= c.values[0]! && text <= c.values[1]!;
    default:
      return false;
  }
}

function camel(snake: string): string {
  return snake.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
}

/** A result row in the REST shape: nested camelCase objects holding the selected fields and resource names. */
function shapeRow(record: Record<string, string | number>, fields: string[], resource: string): unknown {
  const row: Record<string, Record<string, string | number>> = {};
  for (const path of [`${resource}.resource_name`, ...fields]) {
    const [head, ...tail] = path.split('.');
    const value = record[path];
    if (value === undefined) throw new Error(`unknown field ${path}`);
    (row[camel(head!)] ??= {})[camel(tail.join('_'))] = value;
  }
  return row;
}
