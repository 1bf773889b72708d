import type { Request, RequestHandler } from 'express';
import { HttpError } from './errors';

export interface RateLimit {
  /** Tokens added per minute: the sustained rate. */
  perMinute: number;
  /** The bucket's size: how many requests may come at once before the rate applies. */
  burst: number;
}

/**
 * A token bucket per name, in memory. Each process limits on its own: with N API processes behind a balancer a
 * client gets up to N times the rate, which is acceptable for what this guards against (a runaway script, a
 * leaked key hammering the API), and needs no shared store.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
    /** Buckets kept at most; a full bucket is the same as none, so the oldest-touched are dropped first. */
    private readonly maxBuckets = 100_000,
  ) {
    this.perMs = limit.perMinute / 60_000;
  }

  /** Takes one token; when there is none, says in how many seconds there will be. */
  take(name: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.now();
    const bucket = this.buckets.get(name);
    let tokens = this.limit.burst;
    if (bucket) {
      tokens = Math.min(this.limit.burst, bucket.tokens + (now - bucket.at) * this.perMs);
      this.buckets.delete(name); // re-inserted below, so the map's order is least recently used first
    } else if (this.buckets.size >= this.maxBuckets) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
    if (tokens >= 1) {
      this.buckets.set(name, { tokens: tokens - 1, at: now });
      return { ok: true };
    }
    this.buckets.set(name, { tokens, at: now });
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000)) };
  }
}

const tooMany = (retryAfterSeconds: number, what: string) =>
  new HttpError(429, `too many requests ${what}: retry in ${retryAfterSeconds} s`, undefined, {
    'Retry-After': String(retryAfterSeconds),
  });

/**
 * Limits each API key to its own rate. It runs after authentication, so the bucket is the key's id: a client
 * cannot spread its requests over made-up keys, and one busy key does not slow down another.
 */
export function rateLimitPerKey(limit: RateLimit, now?: () => number): RequestHandler {
  const buckets = new TokenBuckets(limit, now);
  return (req, _res, next) => {
    const id = req.identity?.id;
    if (!id) return next();
    const taken = buckets.take(id);
    next(taken.ok ? undefined : tooMany(taken.retryAfterSeconds, 'for this API key'));
  };
}

/** Limits by client address, for the routes anyone may call without a key (unsubscribe links). */
export function rateLimitPerIp(limit: RateLimit, now?: () => number): RequestHandler {
  const buckets = new TokenBuckets(limit, now);
  return (req: Request, _res, next) => {
    const taken = buckets.take(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    next(taken.ok ? undefined : tooMany(taken.retryAfterSeconds, 'from this address'));
  };
}
