import { LRUCache } from 'lru-cache';

/** Options of {@link LruCache}. */
export interface LruCacheOptions {
  /** Entries kept at most; the least recently used goes first. */
  maxEntries: number;
  /** How long an entry stays fresh, in milliseconds, counted from when it was stored. */
  ttlMs: number;
  /** The clock, for tests. */
  now?: () => number;
}

type Loader<V> = () => Promise<V | undefined>;

/**
 * A least-recently-used cache whose entries also expire after a time to live, on the `lru-cache` package. This
 * wrapper stays because its callers cache `unknown` values (lru-cache wants non-nullish ones), load through a
 * per-call function, and drop whole groups of keys by prefix (a venture's searches), none of which it offers.
 */
export class LruCache<V> {
  private readonly lru: LRUCache<string, NonNullable<V>, Loader<V>>;

  constructor(options: LruCacheOptions) {
    if (!(options.maxEntries >= 1)) throw new RangeError(`maxEntries must be at least 1, not ${options.maxEntries}`);
    if (!(options.ttlMs > 0)) throw new RangeError(`ttlMs must be positive, not ${options.ttlMs}`);
    this.lru = new LRUCache<string, NonNullable<V>, Loader<V>>({
      max: options.maxEntries,
      ttl: options.ttlMs,
      // Read the clock on every look-up: an entry must not outlive its time to live by the clock's cached reading.
      ttlResolution: 0,
      ...(options.now ? { perf: { now: options.now } } : {}),
      fetchMethod: async (_key, _stale, { context }) => (await context()) ?? undefined,
    });
  }

  get size(): number {
    return this.lru.size;
  }

  get(key: string): V | undefined {
    return this.lru.get(key);
  }

  set(key: string, value: V): void {
    if (value === undefined || value === null) this.lru.delete(key);
    else this.lru.set(key, value as NonNullable<V>);
  }

  /**
   * The cached value, or the loader's (cached unless it is undefined or null). Concurrent calls for one missing key
   * share a single load.
   */
  async getOrLoad(key: string, load: Loader<V>): Promise<V | undefined> {
    return this.lru.fetch(key, { context: load });
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  /** Drops every entry whose key starts with the prefix. */
  deletePrefix(prefix: string): void {
    for (const key of [...this.lru.keys()]) if (key.startsWith(prefix)) this.lru.delete(key);
  }

  clear(): void {
    this.lru.clear();
  }
}
