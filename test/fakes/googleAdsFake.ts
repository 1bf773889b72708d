import { SHA256_HEX } from '../../providers/ads/audienceHash';
import {
  FakeHttpServer,
  bearerOf,
  bodyOf,
  type FakeReply,
  type FaultTarget,
  type RecordedRequest,
} from './fakeHttpServer';
import { OAuthTokenEndpoint, type OAuthClient } from './oauthTokenEndpoint';

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

// The envelope's own message is generic for these statuses; the GoogleAdsFailure carries the specific one.
const GENERIC_MESSAGES: Record<number, string> = {
  400: 'Request contains an invalid argument.',
  403: 'The caller does not have permission',
  429: 'Resource has been exhausted (e.g. check quota).',
};

/** The API versions Google serves as of December 2026 (v22 was sunset on 2026-10-07). */
export const GOOGLE_ADS_SERVED_VERSIONS = ['v23', 'v24', 'v25', 'v26'];

/** What a GoogleAdsError carries besides its code and message. */
export interface GoogleAdsErrorExtras {
  /** The part of the request at fault, as `[fieldName, index?]` pairs. */
  location?: Array<[string, number?]>;
  /** ErrorDetails, such as `{ quotaErrorDetails: { retryDelay: '30s' } }`. */
  details?: Record<string, unknown>;
  /** The API version named in the failure's @type. */
  version?: string;
}

/** Google's REST error envelope with a GoogleAdsFailure detail, as the API sends it. */
export function googleAdsError(
  status: number,
  message: string,
  errorCode: Record<string, string> = {},
  extras: GoogleAdsErrorExtras = {},
): unknown {
  const error: Record<string, unknown> = { errorCode, message };
  if (extras.location) {
    error.location = {
      fieldPathElements: extras.location.map(([fieldName, index]) => ({
        fieldName,
        ...(index === undefined ? {} : { index }),
      })),
    };
  }
  if (extras.details) error.details = extras.details;
  return {
    error: {
      code: status,
      message: GENERIC_MESSAGES[status] ?? message,
      status: STATUS_NAMES[status] ?? 'UNKNOWN',
      details: [
        {
          '@type': `type.googleapis.com/google.ads.googleads.${extras.version ?? 'v26'}.errors.GoogleAdsFailure`,
          errors: [error],
          requestId: 'fake-request-id',
        },
      ],
    },
  };
}

/** The page Google's front end answers for a path it does not serve (a sunset API version, a mistyped method). */
export function googleNotFoundPage(path: string): FakeReply {
  return {
    status: 404,
    headers: { 'content-type': 'text/html; charset=UTF-8' },
    body:
      '<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n' +
      `  <p><b>404.</b> <ins>That’s an error.</ins>\n  <p>The requested URL <code>${path}</code> was not found on ` +
      'this server.  <ins>That’s all we know.</ins>\n',
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

/** A CRM-based user list (Customer Match) and the hashed emails a run job has put in it. */
export interface FakeGoogleUserList {
  resourceName: string;
  id: string;
  name: string;
  description?: string;
  membershipStatus: string;
  membershipLifeSpan?: number;
  uploadKeyType: string;
  members: Set<string>;
}

/** An offline user data job: operations are only applied to its list when it runs. */
export interface FakeGoogleOfflineJob {
  resourceName: string;
  id: string;
  userList: string;
  consent?: { adUserData?: string; adPersonalization?: string };
  status: 'PENDING' | 'SUCCESS';
  operations: Array<{ kind: 'create' | 'remove'; hashedEmail: string }>;
  /** Operations per addOperations request, in order. */
  requestSizes: number[];
  runs: number;
}

/** Options of the fake beyond its fixed credentials. */
export interface GoogleAdsFakeOptions {
  /** Mounts Google's OAuth token endpoint at `/token` for this client; its access tokens are then accepted. */
  oauth?: OAuthClient;
  /** Sent as `refresh_token_expires_in` (Google does for refresh tokens of time-limited consent). */
  refreshTokenExpiresIn?: number;
  /** The clock of token expiry. */
  now?: () => number;
}

interface Condition {
  field: string;
  op: string;
  values: string[];
}

type Operation = Record<string, any>;

const CONSENT_STATUSES = new Set(['UNSPECIFIED', 'UNKNOWN', 'GRANTED', 'DENIED']);
// Google's documented limits of one addOperations request and of one UserData.
const MAX_IDENTIFIERS_PER_REQUEST = 100_000;
const MAX_IDENTIFIERS_PER_OPERATION = 20;

/**
 * A Google Ads REST API on loopback for one customer: campaignBudgets, campaigns and userLists `:mutate`,
 * `googleAds:searchStream` with enough GAQL (SELECT ... FROM campaign|campaign_budget|user_list|customer WHERE =,
 * !=, LIKE, BETWEEN) for the adapter's queries, and the offline user data jobs of Customer Match (create,
 * addOperations, run). searchStream answers a JSON array of batches of `batchSize` rows.
 *
 * It checks what Google checks: a served API version in the path (else the front end's HTML 404), a bearer token
 * that is the fixed one or a current one from the mounted token endpoint (else 401 UNAUTHENTICATED), a
 * digits-only login-customer-id, the customer, the Cloud project's access level, an update mask on every update,
 * hashed emails of 64 lowercase hex characters, and jobs that run once and take no operations after. The
 * developer-token header is recorded but not checked: since Google sunset developer tokens (2026-09-09) the API
 * ignores it.
 */
export class GoogleAdsFake {
  readonly server = new FakeHttpServer((status, message) => googleAdsError(status, message));
  readonly campaigns = new Map<string, FakeGoogleCampaign>();
  readonly budgets = new Map<string, FakeGoogleBudget>();
  readonly metrics = new Map<string, FakeGoogleMetricsRow[]>();
  readonly userLists = new Map<string, FakeGoogleUserList>();
  readonly jobs = new Map<string, FakeGoogleOfflineJob>();
  /** Google's token endpoint, when the fake was started with an OAuth client. */
  readonly oauth?: OAuthTokenEndpoint;
  batchSize = 2;
  /** False: the Cloud project has only Test access, so this (production) account is refused. */
  cloudProjectApproved = true;
  /** False: a developer who had not used Customer Match before 2026-04-01, whose uploads Google refuses. */
  customerMatchAllowlisted = true;
  private nextId = 9_000_000_001;

  constructor(
    readonly creds: { token: string; developerToken: string; customerId: string },
    options: GoogleAdsFakeOptions = {},
  ) {
    if (options.oauth) {
      this.oauth = new OAuthTokenEndpoint(this.server, options.oauth, {
        path: '/token',
        expiresIn: 3599,
        refreshTokenExpiresIn: options.refreshTokenExpiresIn,
        now: options.now,
      });
    }
    this.server.route('POST', /^\/(v\d+)\/(.*)$/, (req, [version, rest]) => this.handle(req, version!, rest!));
  }

  /** Starts a fake for these credentials. */
  static async start(
    creds: { token: string; developerToken: string; customerId: string },
    options?: GoogleAdsFakeOptions,
  ): Promise<GoogleAdsFake> {
    const fake = new GoogleAdsFake(creds, options);
    await fake.server.start();
    return fake;
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  /** The token endpoint's URL (meaningful when started with an OAuth client). */
  get tokenUrl(): string {
    return `${this.server.baseUrl}/token`;
  }

  /** Adds a campaign (with its own budget) directly, as if made in the Google Ads UI. */
  seedCampaign(name: string, status = 'ENABLED'): string {
    const budget = this.addBudget(`${name} budget ${this.nextId}`, '10000000');
    const id = String(this.nextId++);
    this.campaigns.set(id, { id, name, status, campaignBudget: budget, advertisingChannelType: 'SEARCH' });
    return id;
  }

  /** Adds a Customer Match list directly, as if made in the Google Ads UI. */
  seedUserList(name: string): string {
    return this.addUserList({ name, membershipStatus: 'OPEN', uploadKeyType: 'CONTACT_INFO' }).id;
  }

  /**
   * The next `n` requests (to `where`, if given) exceed a quota: 429 RESOURCE_EXHAUSTED with the retry delay in
   * the failure's quotaErrorDetails and no Retry-After header, as Google answers.
   */
  quotaExhaustedNext(n: number, retryDelaySeconds: number, where?: FaultTarget): this {
    this.server.replyNext(
      n,
      {
        status: 429,
        body: googleAdsError(
          429,
          `Too many requests. Retry in ${retryDelaySeconds} seconds.`,
          { quotaError: 'RESOURCE_EXHAUSTED' },
          {
            details: {
              quotaErrorDetails: {
                rateScope: 'ACCOUNT',
                rateName: 'Number of operations for explorer access',
                retryDelay: `${retryDelaySeconds}s`,
              },
            },
          },
        ),
      },
      where,
    );
    return this;
  }

  private handle(req: RecordedRequest, version: string, rest: string): FakeReply {
    const customer = /^customers\/([^/]+)\/(.+)$/.exec(rest);
    const job = customer ? /^offlineUserDataJobs\/(\d+):(addOperations|run)$/.exec(customer[2]!) : null;
    const method = customer?.[2];
    const known =
      job ||
      [
        'campaignBudgets:mutate',
        'campaigns:mutate',
        'userLists:mutate',
        'googleAds:searchStream',
        'offlineUserDataJobs:create',
      ].includes(method ?? '');
    if (!GOOGLE_ADS_SERVED_VERSIONS.includes(version) || !customer || !known) return googleNotFoundPage(req.path);
    const cid = customer[1]!;
    const refused = this.refusal(req, version, cid);
    if (refused) return refused;
    let body: Record<string, unknown>;
    try {
      body = bodyOf(req);
    } catch {
      // Google's front end refuses a body it cannot parse, before the Ads API sees it.
      return {
        status: 400,
        body: { error: { code: 400, message: 'Invalid JSON payload received.', status: 'INVALID_ARGUMENT' } },
      };
    }
    if (job) return job[2] === 'run' ? this.runJob(version, job[1]!) : this.addOperations(version, job[1]!, body);
    switch (method) {
      case 'campaignBudgets:mutate':
        return this.mutateBudgets(version, body);
      case 'campaigns:mutate':
        return this.mutateCampaigns(version, cid, body);
      case 'userLists:mutate':
        return this.mutateUserLists(version, body);
      case 'offlineUserDataJobs:create':
        return this.createJob(version, body);
      default:
        return this.searchStream(version, String(body.query ?? ''));
    }
  }

  /** Google's checks before a request reaches its service, in Google's order; undefined when all pass. */
  private refusal(req: RecordedRequest, version: string, cid: string): FakeReply | undefined {
    const bearer = bearerOf(req);
    if (bearer !== this.creds.token && !this.oauth?.isValid(bearer)) {
      // The front end refuses before the Ads API sees the request: a google.rpc.ErrorInfo, no GoogleAdsFailure.
      const expired = bearer !== undefined && (this.oauth?.issued.includes(bearer) ?? false);
      const reason = bearer === undefined ? 'CREDENTIALS_MISSING' : expired ? 'ACCESS_TOKEN_EXPIRED' : undefined;
      const expected =
        'Expected OAuth 2 access token, login cookie or other valid authentication credential. ' +
        'See https://developers.google.com/identity/sign-in/web/devconsole-project.';
      return {
        status: 401,
        body: {
          error: {
            code: 401,
            message:
              bearer === undefined
                ? `Request is missing required authentication credential. ${expected}`
                : `Request had invalid authentication credentials. ${expected}`,
            status: 'UNAUTHENTICATED',
            ...(reason
              ? {
                  details: [
                    {
                      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                      reason,
                      domain: 'googleapis.com',
                      metadata: { service: 'googleads.googleapis.com' },
                    },
                  ],
                }
              : {}),
          },
        },
      };
    }
    const login = req.headers['login-customer-id'];
    if (login !== undefined && !/^\d+$/.test(String(login))) {
      return this.invalid(version, 'The login customer ID could not be validated.', {
        headerError: 'INVALID_LOGIN_CUSTOMER_ID',
      });
    }
    if (cid !== this.creds.customerId) {
      return {
        status: 403,
        body: googleAdsError(
          403,
          "User doesn't have permission to access customer. Note: If you're accessing a client customer, the " +
            "manager's customer ID must be set in the 'login-customer-id' header. See " +
            'https://developers.google.com/google-ads/api/docs/concepts/call-structure#cid',
          { authorizationError: 'USER_PERMISSION_DENIED' },
          { version },
        ),
      };
    }
    if (!this.cloudProjectApproved) {
      // v25 introduced the code; older versions answer ACTION_NOT_PERMITTED for the same refusal.
      const code =
        Number(version.slice(1)) >= 25 ? 'CLOUD_PROJECT_NOT_APPROVED_FOR_PRODUCTION' : 'ACTION_NOT_PERMITTED';
      return {
        status: 403,
        body: googleAdsError(
          403,
          'The Google Cloud project is only approved for use with test accounts. To access non-test accounts, ' +
            'apply for Explorer, Basic or Standard access.',
          { authorizationError: code },
          { version },
        ),
      };
    }
    return undefined;
  }

  private addBudget(name: string, amountMicros: string): string {
    const resourceName = `customers/${this.creds.customerId}/campaignBudgets/${this.nextId++}`;
    this.budgets.set(resourceName, { resourceName, name, amountMicros, status: 'ENABLED' });
    return resourceName;
  }

  private addUserList(list: Omit<FakeGoogleUserList, 'resourceName' | 'id' | 'members'>): FakeGoogleUserList {
    const id = String(this.nextId++);
    const created = {
      ...list,
      id,
      resourceName: `customers/${this.creds.customerId}/userLists/${id}`,
      members: new Set<string>(),
    };
    this.userLists.set(created.resourceName, created);
    return created;
  }

  /** The single operation of a mutate, or Google's refusal of its shape (an update needs its field mask). */
  private singleOperation(version: string, body: Record<string, unknown>): { op: Operation } | { reply: FakeReply } {
    const op = (body.operations as Operation[] | undefined)?.[0];
    if (!op) return { reply: this.invalid(version, 'The required field was not present.', { fieldError: 'REQUIRED' }) };
    if (op.update && !op.updateMask) {
      return {
        reply: this.invalid(version, 'The field mask must be provided for update operations.', {
          fieldMaskError: 'FIELD_MASK_MISSING',
        }),
      };
    }
    if (!op.update && op.updateMask) {
      return {
        reply: this.invalid(version, 'The field mask must be empty for create and remove operations.', {
          fieldMaskError: 'FIELD_MASK_NOT_ALLOWED',
        }),
      };
    }
    return { op };
  }

  private mutateBudgets(version: string, body: Record<string, unknown>): FakeReply {
    const single = this.singleOperation(version, body);
    if ('reply' in single) return single.reply;
    const { op } = single;
    const amount = String((op.create ?? op.update)?.amountMicros ?? '');
    if (
      (op.create || op.update?.amountMicros !== undefined) &&
      (!/^\d+$/.test(amount) || Number(amount) % 10_000 !== 0)
    ) {
      return this.invalid(version, 'The amount must be a multiple of the minimum currency unit.', {
        campaignBudgetError: 'NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT',
      });
    }
    if (op.create) {
      const name = String(op.create.name ?? '');
      if (!name) return this.invalid(version, 'The required field was not present.', { fieldError: 'REQUIRED' });
      if ([...this.budgets.values()].some((b) => b.name === name && b.status === 'ENABLED')) {
        return this.invalid(version, 'Budget with the same name already exists.', {
          campaignBudgetError: 'DUPLICATE_NAME',
        });
      }
      return { status: 200, body: { results: [{ resourceName: this.addBudget(name, amount) }] } };
    }
    if (op.update) {
      const budget = this.budgets.get(String(op.update.resourceName));
      if (!budget) return this.invalid(version, 'Resource was not found.', { mutateError: 'RESOURCE_NOT_FOUND' });
      if (op.updateMask !== 'amountMicros') {
        return this.invalid(version, 'The field mask contained an invalid field.', {
          fieldMaskError: 'FIELD_NOT_FOUND',
        });
      }
      budget.amountMicros = amount;
      return { status: 200, body: { results: [{ resourceName: budget.resourceName }] } };
    }
    return this.invalid(version, 'unsupported operation', { requestError: 'UNKNOWN' });
  }

  private mutateCampaigns(version: string, cid: string, body: Record<string, unknown>): FakeReply {
    const single = this.singleOperation(version, body);
    if ('reply' in single) return single.reply;
    const { op } = single;
    if (op.create) {
      const c = op.create;
      for (const field of [
        'name',
        'campaignBudget',
        'advertisingChannelType',
        'status',
        'containsEuPoliticalAdvertising',
      ]) {
        if (!c[field]) {
          return this.invalid(version, `The required field was not present: ${field}.`, { fieldError: 'REQUIRED' });
        }
      }
      if (!this.budgets.has(String(c.campaignBudget))) {
        return this.invalid(version, 'Budget not found.', { mutateError: 'RESOURCE_NOT_FOUND' });
      }
      if ([...this.campaigns.values()].some((x) => x.name === c.name && x.status !== 'REMOVED')) {
        return this.invalid(version, 'Campaign name is already assigned to another campaign.', {
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
      if (!campaign) return this.invalid(version, 'Resource was not found.', { mutateError: 'RESOURCE_NOT_FOUND' });
      if (op.updateMask !== 'status') {
        return this.invalid(version, 'The field mask contained an invalid field.', {
          fieldMaskError: 'FIELD_NOT_FOUND',
        });
      }
      campaign.status = String(op.update.status);
      return { status: 200, body: { results: [{ resourceName: op.update.resourceName }] } };
    }
    return this.invalid(version, 'unsupported operation', { requestError: 'UNKNOWN' });
  }

  private mutateUserLists(version: string, body: Record<string, unknown>): FakeReply {
    const single = this.singleOperation(version, body);
    if ('reply' in single) return single.reply;
    const { op } = single;
    if (op.create) {
      const u = op.create;
      const name = typeof u.name === 'string' ? u.name.trim() : '';
      if (!name) return this.invalid(version, 'User list name is empty or invalid.', { userListError: 'INVALID_NAME' });
      if (!u.crmBasedUserList) {
        // The fake keeps CRM-based lists only; any other concrete type is not modelled.
        return this.invalid(version, 'Concrete type of user list is required.', {
          userListError: 'CONCRETE_TYPE_REQUIRED',
        });
      }
      if (!u.crmBasedUserList.uploadKeyType) {
        return this.invalid(version, 'The required field was not present.', { fieldError: 'REQUIRED' });
      }
      const span = u.membershipLifeSpan === undefined ? undefined : Number(u.membershipLifeSpan);
      if (span !== undefined && !(Number.isInteger(span) && span >= 0 && span <= 540)) {
        return this.invalid(version, 'Too high.', { rangeError: 'TOO_HIGH' }, [
          ['operations', 0],
          ['create'],
          ['membership_life_span'],
        ]);
      }
      if ([...this.userLists.values()].some((l) => l.name === name)) {
        return this.invalid(version, 'Name is already being used for another user list for the account.', {
          userListError: 'NAME_ALREADY_USED',
        });
      }
      const list = this.addUserList({
        name,
        description: u.description,
        membershipStatus: String(u.membershipStatus ?? 'OPEN'),
        membershipLifeSpan: span,
        uploadKeyType: String(u.crmBasedUserList.uploadKeyType),
      });
      return { status: 200, body: { results: [{ resourceName: list.resourceName }] } };
    }
    if (op.update) {
      const list = this.userLists.get(String(op.update.resourceName));
      if (!list) return this.invalid(version, 'Resource was not found.', { mutateError: 'RESOURCE_NOT_FOUND' });
      for (const field of String(op.updateMask).split(',')) {
        if (field === 'name') list.name = String(op.update.name);
        else if (field === 'description') list.description = op.update.description;
        else
          return this.invalid(version, 'The field mask contained an invalid field.', {
            fieldMaskError: 'FIELD_NOT_FOUND',
          });
      }
      return { status: 200, body: { results: [{ resourceName: list.resourceName }] } };
    }
    return this.invalid(version, 'unsupported operation', { requestError: 'UNKNOWN' });
  }

  private createJob(version: string, body: Record<string, unknown>): FakeReply {
    const job = body.job as Operation | undefined;
    if (!job) return this.invalid(version, 'The required field was not present.', { fieldError: 'REQUIRED' });
    if (job.type !== 'CUSTOMER_MATCH_USER_LIST') {
      // Store Sales jobs are not modelled.
      return this.invalid(version, 'The required field was not present.', { fieldError: 'REQUIRED' }, [
        ['job'],
        ['type'],
      ]);
    }
    const metadata = (job.customerMatchUserListMetadata ?? {}) as Operation;
    for (const field of ['adUserData', 'adPersonalization']) {
      const value = metadata.consent?.[field];
      if (value !== undefined && !CONSENT_STATUSES.has(String(value))) {
        // An unknown enum value fails JSON parsing in Google's front end, before the Ads API.
        const snake = field.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);
        return {
          status: 400,
          body: {
            error: {
              code: 400,
              message:
                `Invalid value at 'job.customer_match_user_list_metadata.consent.${snake}' ` +
                `(type.googleapis.com/google.ads.googleads.${version}.enums.ConsentStatusEnum.ConsentStatus), ` +
                JSON.stringify(value),
              status: 'INVALID_ARGUMENT',
              details: [
                {
                  '@type': 'type.googleapis.com/google.rpc.BadRequest',
                  fieldViolations: [{ field: `job.customer_match_user_list_metadata.consent.${snake}` }],
                },
              ],
            },
          },
        };
      }
    }
    if (!this.customerMatchAllowlisted) {
      return this.invalid(version, 'Customer is not allowlisted for accessing this feature.', {
        notAllowlistedError: 'CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE',
      });
    }
    const list = this.userLists.get(String(metadata.userList ?? ''));
    if (!list) {
      return this.invalid(version, 'The user list ID provided for the job is invalid.', {
        offlineUserDataJobError: 'INVALID_USER_LIST_ID',
      });
    }
    if (list.uploadKeyType !== 'CONTACT_INFO') {
      return this.invalid(version, 'Type of the user list is not applicable for the job.', {
        offlineUserDataJobError: 'INVALID_USER_LIST_TYPE',
      });
    }
    const id = String(this.nextId++);
    const resourceName = `customers/${this.creds.customerId}/offlineUserDataJobs/${id}`;
    this.jobs.set(id, {
      resourceName,
      id,
      userList: list.resourceName,
      consent: metadata.consent,
      status: 'PENDING',
      operations: [],
      requestSizes: [],
      runs: 0,
    });
    return { status: 200, body: { resourceName } };
  }

  private addOperations(version: string, id: string, body: Record<string, unknown>): FakeReply {
    const job = this.jobs.get(id);
    if (!job) return this.invalid(version, 'Resource was not found.', { mutateError: 'RESOURCE_NOT_FOUND' });
    if (job.status !== 'PENDING') {
      return this.invalid(version, 'Once the upload job is started, new operations cannot be added.', {
        offlineUserDataJobError: 'JOB_ALREADY_STARTED',
      });
    }
    const operations = body.operations as Operation[] | undefined;
    if (!Array.isArray(operations) || operations.length === 0) {
      return this.invalid(version, 'The required field was not present.', { fieldError: 'REQUIRED' }, [['operations']]);
    }
    const tooMany = (): FakeReply =>
      this.invalid(
        version,
        'Maximum number of user identifiers allowed per request is 100,000 and per operation is 20.',
        {
          offlineUserDataJobError: 'TOO_MANY_USER_IDENTIFIERS',
        },
      );
    const total = operations.reduce((n, op) => n + ((op.create ?? op.remove)?.userIdentifiers?.length ?? 0), 0);
    if (total > MAX_IDENTIFIERS_PER_REQUEST) return tooMany();
    const accepted: FakeGoogleOfflineJob['operations'] = [];
    const failures: Array<{ message: string; code: Record<string, string>; location: Array<[string, number?]> }> = [];
    const kinds = new Set(job.operations.map((o) => o.kind));
    operations.forEach((op, index) => {
      const kind = op.create ? 'create' : op.remove ? 'remove' : undefined;
      const fail = (message: string, code: Record<string, string>, ...path: Array<[string, number?]>): void => {
        failures.push({ message, code, location: [['operations', index], ...path] });
      };
      if (!kind) return fail('The required field was not present.', { fieldError: 'REQUIRED' });
      kinds.add(kind);
      if (kinds.size > 1) {
        return fail('Mixing creation and removal of offline data in the same job is not allowed.', {
          offlineUserDataJobError: 'CONFLICTING_OPERATION',
        });
      }
      const identifiers = (op[kind].userIdentifiers ?? []) as Operation[];
      if (identifiers.length === 0) {
        return fail('The user identifier is missing valid data.', {
          offlineUserDataJobError: 'MISSING_USER_IDENTIFIER',
        });
      }
      if (identifiers.length > MAX_IDENTIFIERS_PER_OPERATION) {
        return fail('Maximum number of user identifiers allowed per request is 100,000 and per operation is 20.', {
          offlineUserDataJobError: 'TOO_MANY_USER_IDENTIFIERS',
        });
      }
      const fresh: FakeGoogleOfflineJob['operations'] = [];
      for (const [i, identifier] of identifiers.entries()) {
        const hashed = identifier.hashedEmail;
        if (typeof hashed !== 'string') {
          // Phones, addresses and the rest are not modelled: the adapter sends emails only.
          return fail('The user identifier is missing valid data.', {
            offlineUserDataJobError: 'MISSING_USER_IDENTIFIER',
          });
        }
        if (!SHA256_HEX.test(hashed)) {
          return fail(
            'The SHA256 encoded value is malformed.',
            { offlineUserDataJobError: 'INVALID_SHA256_FORMAT' },
            [kind],
            ['user_identifiers', i],
            ['hashed_email'],
          );
        }
        fresh.push({ kind, hashedEmail: hashed });
      }
      accepted.push(...fresh);
    });
    if (failures.length > 0 && body.enablePartialFailure !== true) {
      // Without partial failure, one bad operation fails the request and none is kept.
      const [first] = failures;
      return this.invalid(version, first!.message, first!.code, first!.location);
    }
    job.operations.push(...accepted);
    job.requestSizes.push(operations.length);
    if (failures.length === 0) return { status: 200, body: {} };
    const failure = googleAdsError(400, failures[0]!.message, failures[0]!.code) as { error: Operation };
    failure.error.details[0].errors = failures.map((f) => ({
      errorCode: f.code,
      message: f.message,
      location: {
        fieldPathElements: f.location.map(([fieldName, i]) => ({
          fieldName,
          ...(i === undefined ? {} : { index: i }),
        })),
      },
    }));
    return {
      status: 200,
      body: {
        partialFailureError: {
          code: 3,
          message: failures.map((f) => f.message).join(', '),
          details: failure.error.details,
        },
      },
    };
  }

  private runJob(version: string, id: string): FakeReply {
    const job = this.jobs.get(id);
    if (!job) return this.invalid(version, 'Resource was not found.', { mutateError: 'RESOURCE_NOT_FOUND' });
    if (job.status !== 'PENDING') {
      // Google documents no code of its own for a second run; the started job's code is the nearest.
      return this.invalid(version, 'Once the upload job is started, new operations cannot be added.', {
        offlineUserDataJobError: 'JOB_ALREADY_STARTED',
      });
    }
    job.runs++;
    // Google processes the job in the background; the fake applies it at once.
    const list = this.userLists.get(job.userList)!;
    for (const op of job.operations) {
      if (op.kind === 'create') list.members.add(op.hashedEmail);
      else list.members.delete(op.hashedEmail);
    }
    job.status = 'SUCCESS';
    return {
      status: 200,
      body: {
        name: `customers/${this.creds.customerId}/operations/${id}`,
        metadata: {
          '@type': `type.googleapis.com/google.ads.googleads.${version}.resources.OfflineUserDataJobMetadata`,
          matchRateRange: 'MATCH_RANGE_UNKNOWN',
        },
      },
    };
  }

  private searchStream(version: string, query: string): FakeReply {
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
        body: [
          googleAdsError(
            400,
            `Error in query: ${(err as Error).message}`,
            { queryError: 'UNEXPECTED_INPUT' },
            { version },
          ),
        ],
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
    if (resource === 'customer') {
      return [
        {
          'customer.resource_name': `customers/${this.creds.customerId}`,
          'customer.id': this.creds.customerId,
          'customer.descriptive_name': 'Fake advertiser',
          'customer.currency_code': 'USD',
        },
      ];
    }
    if (resource === 'user_list') {
      return [...this.userLists.values()].map((l) => ({
        'user_list.resource_name': l.resourceName,
        'user_list.id': l.id,
        'user_list.name': l.name,
        'user_list.membership_status': l.membershipStatus,
        'user_list.type': 'CRM_BASED',
      }));
    }
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

  private invalid(
    version: string,
    message: string,
    errorCode: Record<string, string>,
    location?: Array<[string, number?]>,
  ): FakeReply {
    return { status: 400, body: googleAdsError(400, message, errorCode, { version, location }) };
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
