import type { Request, RequestHandler } from 'express';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, RLWrapperTimeouts } from 'rate-limiter-flexible';
import type { Db } from '../db/knex';
import type { Logger } from '../infra/logger';
import { HttpError } from './errors';

export interface RateLimit {
  /** Requests per minute: the sustained rate. */
  perMinute: number;
  /** How many requests may come at once before the rate applies. */
  burst: number;
}

/** Where the budgets live: the database every API process shares, and where trouble with it is reported. */
export interface RateLimitStore {
  db: Db;
  log: Logger;
}

/** The table the budgets are kept in, created by the `rate_limits` migration (never at run time). */
export const RATE_LIMIT_TABLE = 'rate_limits';
/** Longest wait for the shared store before a request is limited by this process alone. */
export const STORE_TIMEOUT_MS = 1_000;
const STORE_WARNING_EVERY_MS = 60_000;

/**
 * The fixed window that stands in for a token bucket: `points` requests per `durationSeconds`. The window is the
 * time the rate takes to refill the burst, so the burst can come at once and the average is the rate; it is whole
 * seconds (the store's unit) and at least one, and then holds the rate's worth of requests, never less than the
 * burst. Unlike a token bucket, a client that spent its burst waits for the window to end rather than for one token,
 * and a client straddling two windows can get up to two bursts back to back.
 */
export function windowFor(limit: RateLimit): { points: number; durationSeconds: number } {
  const durationSeconds = Math.max(1, Math.ceil((limit.burst * 60) / limit.perMinute));
  return { points: Math.max(limit.burst, Math.floor((limit.perMinute * durationSeconds) / 60)), durationSeconds };
}

type Taken = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * A budget per name shared by every API process through PostgreSQL (`rate-limiter-flexible`). When the database does
 * not answer within {@link STORE_TIMEOUT_MS}, the request is counted in this process's memory instead, as a single
 * process would: a runaway client is still held back, and nobody gets a 500 because the limiter's store is down.
 */
class SharedBudget {
  private readonly shared: RLWrapperTimeouts;
  private readonly local: RateLimiterMemory;
  private warnedAt = -Infinity;

  constructor(
    private readonly kind: string,
    limit: RateLimit,
    private readonly store: RateLimitStore,
  ) {
    const { points, durationSeconds: duration } = windowFor(limit);
    // The limit is in the prefix, so replicas (or tests) configured differently never read each other's counts.
    const keyPrefix = `${kind}:${limit.perMinute}/${limit.burst}`;
    this.local = new RateLimiterMemory({ keyPrefix, points, duration });
    this.shared = new RLWrapperTimeouts({
      limiter: new RateLimiterPostgres({
        storeClient: store.db,
        storeType: 'knex',
        tableName: RATE_LIMIT_TABLE,
        tableCreated: true,
        keyPrefix,
        points,
        duration,
      }),
      timeoutMs: STORE_TIMEOUT_MS,
    });
  }

  async take(name: string): Promise<Taken> {
    try {
      await this.shared.consume(name);
      return { ok: true };
    } catch (err) {
      if (err instanceof RateLimiterRes) return refused(err);
      this.warn(err);
    }
    try {
      await this.local.consume(name);
      return { ok: true };
    } catch (err) {
      if (err instanceof RateLimiterRes) return refused(err);
      throw err;
    }
  }

  // Once a minute at most: an outage must not write a line per request.
  private warn(err: unknown): void {
    const now = Date.now();
    if (now - this.warnedAt < STORE_WARNING_EVERY_MS) return;
    this.warnedAt = now;
    this.store.log.warn(
      { err, limiter: this.kind },
      'rate limit store unreachable: this process limits on its own until the database answers',
    );
  }
}

function refused(res: RateLimiterRes): Taken {
  return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
}

const tooMany = (retryAfterSeconds: number, what: string) =>
  new HttpError(429, `too many requests ${what}: retry in ${retryAfterSeconds} s`, undefined, {
    'Retry-After': String(retryAfterSeconds),
  });

/**
 * Limits each API key to its own rate. It runs after authentication, so the budget is the key's id: a client
 * cannot spread its requests over made-up keys, and one busy key does not slow down another. Every API process draws
 * on the same budget.
 */
export function rateLimitPerKey(limit: RateLimit, store: RateLimitStore): RequestHandler {
  const budget = new SharedBudget('key', limit, store);
  return (req, _res, next) => {
    // A person's keys and sessions share one budget; a role key of a local run has its own.
    const id = req.identity ? (req.identity.userId ?? req.identity.keyId) : undefined;
    if (!id) return next();
    budget
      .take(id)
      .then((taken) => next(taken.ok ? undefined : tooMany(taken.retryAfterSeconds, 'for this API key')), next);
  };
}

/** Limits by client address, for the routes anyone may call without a key (unsubscribe links). */
export function rateLimitPerIp(limit: RateLimit, store: RateLimitStore): RequestHandler {
  const budget = new SharedBudget('ip', limit, store);
  return (req: Request, _res, next) => {
    budget
      .take(req.ip ?? req.socket.remoteAddress ?? 'unknown')
      .then((taken) => next(taken.ok ? undefined : tooMany(taken.retryAfterSeconds, 'from this address')), next);
  };
}
