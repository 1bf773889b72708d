/**
 * A typed client for the GTM Strategist API's contacts and events. No runtime dependencies: it uses the global
 * fetch of Node 18 and later.
 */

export interface GtmClientOptions {
  /** The API's base URL, e.g. `https://gtm.example.com`. */
  url: string;
  /** An API key (`gtm_...`) of the marketer or operator role. */
  apiKey: string;
  /** Send the queued events once this many are waiting (at most 1,000, the API's batch size). Default 100. */
  flushAt?: number;
  /** Send the queued events at the latest this long after the first was queued. Default 1,000 ms. */
  flushIntervalMs?: number;
  /** Attempts after the first one on a 429, a 5xx, a timeout or a network error. Default 5. */
  maxRetries?: number;
  /** The first retry waits up to this long, each later one up to twice as long. Default 250 ms. */
  minBackoffMs?: number;
  /** No wait between attempts is longer than this, a Retry-After included. Default 30,000 ms. */
  maxBackoffMs?: number;
  /** One attempt's time limit. Default 10,000 ms. */
  timeoutMs?: number;
  /** Told of each batch that failed for good (its `track` promises reject as well). */
  onError?: (error: Error) => void;
  /** The fetch to use (tests, proxies); the global one by default. */
  fetch?: typeof fetch;
}

export interface Contact {
  /** Your own id for the person. */
  id: string;
  email: string;
  /** An IANA time zone such as `Europe/Berlin`. */
  timezone?: string;
  traits?: Record<string, unknown>;
  ventureId?: string;
}

export interface StoredContact {
  id: string;
  internalId: string;
  ventureId: string | null;
  email: string;
  timezone: string | null;
  traits: Record<string, unknown>;
  unsubscribedAt: string | null;
  createdAt: string;
}

export interface TrackEvent {
  /** The contact's id (your own, as given to `identify`). */
  contactId: string;
  name: string;
  properties?: Record<string, unknown>;
  occurredAt?: Date | string;
  /** Generated when left out; a retried send carries the same key, so the server stores the event once. */
  idempotencyKey?: string;
}

export interface EventOutcome {
  status: 'accepted' | 'duplicate';
  eventId: number;
  /** The sequences this event enrolled the contact in. */
  enrolled: string[];
}

export interface Problem {
  path: string;
  message: string;
}

/** The API refused the request (a 4xx other than 429): sending it again would not help. */
export class GtmApiError extends Error {
  override readonly name = 'GtmApiError';
  constructor(
    readonly status: number,
    message: string,
    /** Each bad field, as the server named it. */
    readonly problems: Problem[] = [],
    /** A stable name for the refusal, when the server gives one. */
    readonly code?: string,
  ) {
    super(problems.length ? `${message}: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}` : message);
  }
}

/** Every attempt failed with something worth retrying (429, 5xx, timeout, network); `cause` is the last one. */
export class GtmUnavailableError extends Error {
  override readonly name = 'GtmUnavailableError';
  constructor(
    message: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface Pending {
  body: Record<string, unknown>;
  resolve: (outcome: EventOutcome) => void;
  reject: (error: Error) => void;
}

interface BatchAnswer {
  rejected: { index: number; problems: Problem[] }[];
  results: (EventOutcome & { index: number })[];
}

const MAX_BATCH = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The answer's JSON object, or an empty one when the body is not JSON (a proxy's HTML error page). */
function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Retry-After as milliseconds: seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * Contacts and events for GTM Strategist. `identify` sends at once; `track` queues the event and sends the queue as
 * one batch when `flushAt` events wait or `flushIntervalMs` has passed. Each event gets an idempotency key when it
 * is queued, so a batch sent again after a lost answer stores nothing twice.
 */
export class GtmClient {
  private readonly base: string;
  private readonly flushAt: number;
  private readonly options: Required<Omit<GtmClientOptions, 'onError' | 'fetch' | 'url' | 'apiKey' | 'flushAt'>>;
  private readonly fetch: typeof fetch;
  private queue: Pending[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly config: GtmClientOptions) {
    if (!config.url) throw new TypeError('GtmClient: url is required');
    if (!config.apiKey) throw new TypeError('GtmClient: apiKey is required');
    this.base = config.url.replace(/\/+$/, '');
    this.flushAt = Math.min(Math.max(1, config.flushAt ?? 100), MAX_BATCH);
    this.options = {
      flushIntervalMs: config.flushIntervalMs ?? 1000,
      maxRetries: config.maxRetries ?? 5,
      minBackoffMs: config.minBackoffMs ?? 250,
      maxBackoffMs: config.maxBackoffMs ?? 30_000,
      timeoutMs: config.timeoutMs ?? 10_000,
    };
    this.fetch = config.fetch ?? globalThis.fetch;
  }

  /** Creates or updates a contact by your id; traits are merged into the stored ones. Retried like a batch. */
  async identify(contact: Contact): Promise<StoredContact> {
    return (await this.send('POST', '/v1/contacts', contact)) as StoredContact;
  }

  /**
   * Queues an event. The promise settles when its batch has been answered: with the outcome, or with a
   * GtmApiError naming the event's problems. Not awaiting it is fine: a failure also goes to `onError`.
   */
  track(event: TrackEvent): Promise<EventOutcome> {
    if (this.closed) return Promise.reject(new Error('GtmClient: closed; create a new client to send more'));
    const body: Record<string, unknown> = {
      contactId: event.contactId,
      name: event.name,
      properties: event.properties ?? {},
      idempotencyKey: event.idempotencyKey ?? globalThis.crypto.randomUUID(),
    };
    if (event.occurredAt !== undefined)
      body.occurredAt = event.occurredAt instanceof Date ? event.occurredAt.toISOString() : event.occurredAt;
    const settled = new Promise<EventOutcome>((resolve, reject) => this.queue.push({ body, resolve, reject }));
    // Handled here so a caller who does not await causes no unhandled rejection; awaiting still sees it.
    settled.catch(() => undefined);
    if (this.queue.length >= this.flushAt) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushIntervalMs);
    return settled;
  }

  /** Sends everything queued and waits for every batch under way to be answered. Never rejects. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.flushAt);
      const sending = this.sendBatch(batch).finally(() => this.inFlight.delete(sending));
      this.inFlight.add(sending);
    }
    await Promise.all([...this.inFlight]);
  }

  /** Flushes, then refuses further events. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private async sendBatch(batch: Pending[]): Promise<void> {
    try {
      const answer = (await this.send('POST', '/v1/events', { events: batch.map((p) => p.body) })) as BatchAnswer;
      const results = new Map(answer.results.map(({ index, ...outcome }) => [index, outcome]));
      const rejected = new Map(answer.rejected.map((r) => [r.index, r.problems]));
      batch.forEach((p, i) => {
        const outcome = results.get(i);
        if (outcome) return p.resolve(outcome);
        const error = new GtmApiError(400, `event ${i} of the batch was refused`, rejected.get(i) ?? []);
        this.config.onError?.(error);
        p.reject(error);
      });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.config.onError?.(error);
      // A 400 for a whole batch names each event's problems as `events.<index>.<field>`: each event gets its own.
      batch.forEach((p, i) => {
        if (!(error instanceof GtmApiError) || error.status !== 400) return p.reject(error);
        const own = error.problems
          .filter((x) => x.path === `events.${i}` || x.path.startsWith(`events.${i}.`))
          .map((x) => ({ ...x, path: x.path.replace(/^events\.\d+\.?/, '') || '(event)' }));
        p.reject(own.length ? new GtmApiError(400, `event ${i} of the batch was refused`, own, error.code) : error);
      });
    }
  }

  /**
   * One request, retried on 429, 5xx, timeouts and network errors with exponential backoff and full jitter (a
   * random wait up to the doubling cap, so many clients do not retry in step), or as long as Retry-After says.
   */
  private async send(method: string, path: string, body: unknown): Promise<unknown> {
    const { maxRetries, minBackoffMs, maxBackoffMs, timeoutMs } = this.options;
    let last: unknown;
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      let wait: number | undefined;
      try {
        const res = await this.fetch(`${this.base}${path}`, {
          method,
          headers: { authorization: `Bearer ${this.config.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await res.text();
        const json = parseJson(text);
        if (res.ok) return json;
        if (res.status !== 429 && res.status < 500) {
          throw new GtmApiError(
            res.status,
            typeof json.error === 'string' ? json.error : `HTTP ${res.status}`,
            Array.isArray(json.problems) ? (json.problems as Problem[]) : [],
            typeof json.code === 'string' ? json.code : undefined,
          );
        }
        last = new Error(`HTTP ${res.status}${typeof json.error === 'string' ? `: ${json.error}` : ''}`);
        wait = retryAfterMs(res.headers.get('retry-after'));
      } catch (err) {
        if (err instanceof GtmApiError) throw err;
        last = err;
      }
      if (attempt === maxRetries) break;
      const cap = Math.min(maxBackoffMs, minBackoffMs * 2 ** attempt);
      await sleep(Math.min(maxBackoffMs, wait ?? Math.random() * cap));
    }
    throw new GtmUnavailableError(`${method} ${path} failed after ${maxRetries + 1} attempts`, maxRetries + 1, {
      cause: last,
    });
  }
}
