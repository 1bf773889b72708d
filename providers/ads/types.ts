import type { CredentialStatus } from '../../domain/adCredentials';

/** The ad platforms the engine can buy media on; `sandbox` is the simulated one of a local run. */
export type AdPlatformName = 'google' | 'meta' | 'linkedin' | 'sandbox';

/** What a campaign is created from; money is in currency units (12.5 means 12.50 of `currency`). */
export interface CreateCampaignInput {
  /** Stable per logical campaign: the adapters write it into the campaign name and look it up before creating. */
  idempotencyKey: string;
  name: string;
  dailyBudget: number;
  /** ISO 4217 code; must be the ad account's currency, since platforms bill an account in one currency. */
  currency: string;
  /** First day of delivery, YYYY-MM-DD. */
  startDate: string;
  /** Last day of delivery (inclusive), YYYY-MM-DD; open-ended when absent. */
  endDate?: string;
  /** A generic goal (awareness, traffic, engagement, leads, sales) or the platform's own value. */
  objective?: string;
}

/** Inclusive range of days, both YYYY-MM-DD. */
export interface DateRange {
  from: string;
  to: string;
}

/** Performance of one campaign on one day, money in currency units. */
export interface DailyMetrics {
  date: string;
  impressions: number;
  clicks: number;
  conversions: number;
  spend: number;
  revenue: number;
}

/**
 * What the caller already knows about a campaign. Real platforms ignore it; the sandbox, which must stay
 * deterministic and keep nothing across worker restarts, uses it instead of its in-memory state when given.
 */
export interface MetricsHints {
  /** Daily budget in force over the range, in currency units. */
  dailyBudget?: number;
  /** Spans (inclusive days, `to` open-ended when absent) during which the campaign was paused. */
  paused?: Array<{ from: string; to?: string }>;
}

/** One ad platform behind one interface; every method may throw AdPlatformError. */
export interface AdPlatform {
  readonly name: AdPlatformName;
  /** True when no real money moves and the numbers are simulated, so the UI and API can say so. */
  readonly sandbox: boolean;
  /**
   * Idempotent: the same idempotencyKey never creates a second campaign (the key is written into the name and
   * looked up before creating). New campaigns are created paused; `resume` starts delivery.
   */
  createCampaign(input: CreateCampaignInput): Promise<{ externalId: string; created: boolean }>;
  setBudget(externalId: string, dailyBudget: number): Promise<void>;
  pause(externalId: string): Promise<void>;
  resume(externalId: string): Promise<void>;
  /** One row per day in [from, to] (dates YYYY-MM-DD, inclusive); days without delivery are zero rows. */
  fetchMetrics(externalId: string, range: DateRange, hints?: MetricsHints): Promise<DailyMetrics[]>;
  /** The platform's audiences, kept equal to segments by the audience sync. */
  readonly audiences: AudienceTarget;
  /**
   * Asks the platform about every configured credential: whether it is accepted and when it expires. A credential
   * the platform refuses is reported `valid: false`, not thrown; an outage is thrown (AdPlatformError, retryable).
   */
  checkCredentials(): Promise<CredentialStatus[]>;
}

/** Options of an AdPlatformError. */
export interface AdPlatformErrorOptions {
  platform: AdPlatformName;
  retryable: boolean;
  status?: number;
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * A failed platform call. `retryable` is false for a request the platform will never accept (4xx other than
 * 429) and true for throttling, 5xx, timeouts and network failures, which a Temporal activity retry can outlive.
 * Messages carry the platform's own explanation and never a credential.
 */
export class AdPlatformError extends Error {
  readonly platform: AdPlatformName;
  readonly retryable: boolean;
  readonly status: number | undefined;
  /** How long the platform asked us to wait, when it said (Retry-After or its own throttling hint). */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: AdPlatformErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AdPlatformError';
    this.platform = options.platform;
    this.retryable = options.retryable;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * A credential the platform refused (revoked, expired, or never valid). Never retryable: no retry makes a revoked
 * token valid again. `setting` names the configuration value to renew, so the message can say what to do.
 */
export class AdCredentialError extends AdPlatformError {
  readonly setting: string;

  constructor(
    message: string,
    options: { platform: AdPlatformName; setting: string; status?: number; cause?: unknown },
  ) {
    super(message, { ...options, retryable: false });
    this.name = 'AdCredentialError';
    this.setting = options.setting;
  }
}

export type { CredentialStatus } from '../../domain/adCredentials';

/**
 * A platform audience kept equal to a segment (Google Customer Match, Meta Custom Audiences, LinkedIn Matched
 * Audiences). Members travel only as the platform's hashes of their email addresses.
 */
export interface AudienceTarget {
  /** The most identifiers one upload or removal call may carry on this platform. */
  readonly batchSize: number;
  /** The email normalised and SHA-256 hashed (lowercase hex) the way this platform matches it. */
  hashEmail(email: string): string;
  /** Finds the audience named with `key` or creates it; the same key never creates a second one. */
  ensureAudience(input: { key: string; name: string }): Promise<{ externalId: string }>;
  /** Adds at most `batchSize` hashed emails; `matched` when the platform reports how many it recognised. */
  addMembers(externalId: string, hashes: string[]): Promise<{ matched?: number }>;
  /** Removes at most `batchSize` hashed emails. */
  removeMembers(externalId: string, hashes: string[]): Promise<void>;
}
