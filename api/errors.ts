import type { ErrorRequestHandler } from 'express';
import { type z } from 'zod';
import type { Logger } from '../infra/logger';

export interface Problem {
  path: string;
  message: string;
}

/** An error with an HTTP status that is safe to show the client as it is. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems?: Problem[],
    readonly headers?: Record<string, string>,
    /** A stable name for the refusal (e.g. `BudgetChangePending`) that a client can branch on. */
    readonly code?: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, problems?: Problem[]) => new HttpError(400, message, problems);
export const notFound = (what: string) => new HttpError(404, `${what} not found`);
export const conflict = (message: string, code?: string) => new HttpError(409, message, undefined, undefined, code);
export const forbidden = (message: string) => new HttpError(403, message);

export function problemsFromZod(error: z.ZodError, prefix: string[] = []): Problem[] {
  return error.issues.map((i) => ({
    path: [...prefix, ...i.path.map(String)].join('.') || '(body)',
    message: i.message,
  }));
}

/** Parses with the schema, or throws a 400 that lists every bad field. */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, where = 'body'): z.infer<T> {
  let parsed: z.ZodSafeParseResult<z.infer<T>>;
  try {
    parsed = schema.safeParse(value);
  } catch {
    // A refinement that throws on a value it did not expect (zod runs refinements even after a field's format
    // check failed) has still found the value invalid: the client's mistake, not a server error.
    throw badRequest(`invalid request ${where}`, [{ path: `(${where})`, message: 'holds a value that is not valid' }]);
  }
  if (!parsed.success) throw badRequest(`invalid request ${where}`, problemsFromZod(parsed.error));
  return parsed.data;
}

const DB_DOWN = new Set(['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '08001', 'ETIMEDOUT']);

/** True for errors that mean a dependency is unreachable, which the client should retry (503), not a bug. */
export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; name?: string; message?: string };
  return (
    (e.code !== undefined && DB_DOWN.has(e.code)) ||
    e.name === 'KnexTimeoutError' ||
    e.name === 'ServiceError' ||
    /Connection terminated|timeout exceeded when trying to connect/i.test(e.message ?? '')
  );
}

/**
 * PostgreSQL's data exceptions that only a value from the request can cause: a NUL character (22021, 22P05), text
 * where a uuid or number belongs (22P02), a number or date out of range (22003, 22008, 22007), text too long
 * (22001). They mean a route let a value through unchecked; the client still gets a 400, not a 500.
 */
const BAD_VALUE = new Set(['22021', '22P05', '22P02', '22003', '22008', '22007', '22001']);

/** True for database errors caused by a value in the request rather than by the server. */
export function isBadValue(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && BAD_VALUE.has(code);
}

/** The last middleware: every error becomes a JSON answer without a stack trace. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const e = err as { status?: number; type?: string; expose?: boolean; message?: string };
    if (err instanceof HttpError) {
      if (err.headers) res.set(err.headers);
      res.status(err.status).json({
        error: err.message,
        ...(err.code ? { code: err.code } : {}),
        ...(err.problems ? { problems: err.problems } : {}),
      });
      return;
    }
    // Errors from the body parser carry their own status (400 bad JSON, 413 too large, 415 charset); so does the
    // router's URIError for a path segment with broken percent-encoding (400), which is not marked to expose.
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && (e.expose || err instanceof URIError)) {
      const message = e.type === 'entity.parse.failed' ? 'the body is not valid JSON' : (e.message ?? 'bad request');
      res.status(e.status).json({ error: message });
      return;
    }
    if (isBadValue(err)) {
      // Logged so that the route can learn to check this value itself; the SQL and the value stay out of the log.
      log.warn(
        { code: (err as { code?: string }).code, path: req.path, method: req.method },
        'value refused by the database',
      );
      const error = 'a value in the request cannot be stored or looked up (a NUL character, or a number out of range)';
      res.status(400).json({ error });
      return;
    }
    if (isUnavailable(err)) {
      log.warn(
        { err: { name: (err as Error).name, code: (err as { code?: string }).code }, path: req.path },
        'dependency unavailable',
      );
      res.status(503).set('Retry-After', '5').json({ error: 'a dependency is unavailable; retry shortly' });
      return;
    }
    log.error({ err, path: req.path, method: req.method }, 'unhandled error');
    res.status(500).json({ error: 'internal error' });
  };
}
