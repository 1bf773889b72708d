import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the fake received it. */
export interface RecordedRequest {
  method: string;
  url: URL;
  /** The path without the query. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** When it arrived (epoch ms, the wall clock). */
  at: number;
}

/** What a route answers; a non-string body is sent as JSON. */
export interface FakeReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Handles a routed request; `params` are the pattern's capture groups. */
export type RouteHandler = (req: RecordedRequest, params: string[]) => FakeReply | Promise<FakeReply>;

/** Limits a fault to requests of one method whose path matches; without it a fault takes the next request. */
export interface FaultTarget {
  method: string;
  path: RegExp;
}

type Fault = ({ kind: 'reply'; reply: FakeReply } | { kind: 'hang' }) & { where?: FaultTarget };

/**
 * A loopback HTTP server for adapter tests: routes by method and path pattern, records every request, and can be
 * told to answer the next N requests with a 429 and Retry-After, an error status, or nothing at all (a hang).
 */
export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  /** TCP connections clients opened: a keep-alive client opens one for many requests. */
  connections = 0;
  baseUrl = '';
  private readonly routes: Array<{ method: string; pattern: RegExp; handler: RouteHandler }> = [];
  private readonly faults: Fault[] = [];
  private readonly server: http.Server;

  /** `errorBody` shapes fault replies the way the imitated API shapes its errors. */
  constructor(private readonly errorBody: (status: number, message: string) => unknown) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.handle(req, res, Buffer.concat(chunks).toString('utf8'));
      });
    });
    this.server.on('connection', () => this.connections++);
  }

  /** Adds a route; the first matching route answers. */
  route(method: string, pattern: RegExp, handler: RouteHandler): this {
    this.routes.push({ method, pattern, handler });
    return this;
  }

  /** Listens on an ephemeral port of 127.0.0.1. */
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
    return this;
  }

  /** Stops listening and drops every open connection, hanging ones included. */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `n` requests (to `where`, if given) get a 429 with this Retry-After (seconds or an HTTP date). */
  rateLimitNext(n: number, retryAfter: string, where?: FaultTarget): this {
    return this.replyNext(
      n,
      { status: 429, headers: { 'retry-after': retryAfter }, body: this.errorBody(429, 'Too many requests') },
      where,
    );
  }

  /** The next `n` requests (to `where`, if given) fail with this status and message, in the API's error shape. */
  failNext(n: number, status: number, message: string, where?: FaultTarget): this {
    return this.replyNext(n, { status, body: this.errorBody(status, message) }, where);
  }

  /** The next `n` requests (to `where`, if given) get exactly this reply. */
  replyNext(n: number, reply: FakeReply, where?: FaultTarget): this {
    for (let i = 0; i < n; i++) this.faults.push({ kind: 'reply', reply, where });
    return this;
  }

  /** The next `n` requests (to `where`, if given) are read and never answered. */
  hangNext(n: number, where?: FaultTarget): this {
    for (let i = 0; i < n; i++) this.faults.push({ kind: 'hang', where });
    return this;
  }

  /** Requests whose method matches and whose path matches the pattern. */
  requestsTo(method: string, pattern: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && pattern.test(r.path));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      url,
      path: url.pathname,
      headers: req.headers,
      body,
      at: Date.now(),
    };
    this.requests.push(recorded);
    const at = this.faults.findIndex(
      (f) => !f.where || (f.where.method === recorded.method && f.where.path.test(recorded.path)),
    );
    const fault = at >= 0 ? this.faults.splice(at, 1)[0] : undefined;
    if (fault?.kind === 'hang') return;
    let reply: FakeReply;
    if (fault) {
      reply = fault.reply;
    } else {
      const route = this.routes.find((r) => r.method === recorded.method && r.pattern.test(recorded.path));
      const match = route ? route.pattern.exec(recorded.path) : null;
      try {
        reply =
          route && match
            ? await route.handler(
                recorded,
                match.slice(1).map((p) => decodeURIComponent(p)),
              )
            : { status: 404, body: this.errorBody(404, `no route for ${recorded.method} ${recorded.path}`) };
      } catch (err) {
        reply = { status: 500, body: this.errorBody(500, `fake failed: ${(err as Error).message}`) };
      }
    }
    const headers: Record<string, string> = { ...reply.headers };
    let payload = '';
    if (reply.body !== undefined) {
      payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      headers['content-type'] ??= 'application/json';
    }
    res.writeHead(reply.status, headers);
    res.end(payload);
  }
}

/** The bearer token of a request, if any. */
export function bearerOf(req: RecordedRequest): string | undefined {
  const value = req.headers.authorization;
  return typeof value === 'string' && value.startsWith('Bearer ') ? value.slice('Bearer '.length) : undefined;
}

/** The body of a request parsed as JSON, or as a form when it is url-encoded. */
export function bodyOf(req: RecordedRequest): Record<string, unknown> {
  if (!req.body) return {};
  if (String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(req.body));
  }
  return JSON.parse(req.body) as Record<string, unknown>;
}
