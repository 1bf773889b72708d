import { z } from 'zod';
import { FakeHttpServer } from '../../test/fakes';
import { HttpClient, parseRetryAfter, redact, tokenProvider } from './http';
import { AdPlatformError } from './types';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-28T12:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1500);
  });

  it('reads an HTTP date, never below zero', () => {
    expect(parseRetryAfter('Sat, 28 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 28 Nov 2026 11:00:00 GMT', now)).toBe(0);
  });

  it('gives up on anything else', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('HttpClient', () => {
  let server: FakeHttpServer;
  const client = (overrides: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}): HttpClient =>
    new HttpClient({
      platform: 'google',
      baseUrl: `${server.baseUrl}/api`,
      token: tokenProvider('tok/en+with=odd&chars', 'TEST_TOKEN'),
      timeoutMs: 5_000, // generous: a busy machine must not look like a hanging platform
      ...overrides,
    });

  beforeEach(async () => {
    server = await new FakeHttpServer((status, message) => ({ message: `${status} ${message}` }))
      .route('GET', /^\/api\/thing$/, () => ({ status: 200, body: { ok: true } }))
      .route('GET', /^\/api\/moved$/, () => ({ status: 302, headers: { location: 'http://127.0.0.2/steal' } }))
      .start();
  });

  afterEach(async () => {
    await server.stop();
  });

  it('makes one attempt: throttling without a Retry-After is retryable with no wait of its own', async () => {
    server.replyNext(1, { status: 429 });
    const err = await client()
      .request({ method: 'GET', path: 'thing' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: true, status: 429, retryAfterMs: undefined });
    expect((err as Error).message).not.toContain('retry after');
    expect(server.requests).toHaveLength(1);
    // The next call (the activity's retry) goes through.
    const { data } = await client().requestJson({ method: 'GET', path: 'thing' }, z.object({ ok: z.boolean() }));
    expect(data).toEqual({ ok: true });
  });

  it('refuses a 2xx body of the wrong shape as not retryable', async () => {
    const err = await client()
      .requestJson({ method: 'GET', path: 'thing' }, z.object({ ok: z.string() }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdPlatformError);
    expect(err).toMatchObject({ retryable: false });
    expect((err as Error).message).toContain('ok:');
  });

  it('never follows a redirect, nor a pagination link to another origin', async () => {
    await expect(client().request({ method: 'GET', path: 'moved' })).rejects.toBeInstanceOf(AdPlatformError);
    await expect(client().request({ method: 'GET', path: 'http://127.0.0.2:1/api/thing' })).rejects.toMatchObject({
      retryable: false,
    });
    expect(server.requests.every((r) => r.path !== '/steal')).toBe(true);
  });

  it('reports an unreachable platform as retryable', async () => {
    const closed = client({ baseUrl: 'http://127.0.0.1:1' });
    await expect(closed.request({ method: 'GET', path: 'thing' })).rejects.toMatchObject({ retryable: true });
  });

  it('redacts a secret in plain and URL-encoded form', () => {
    const secret = 'tok/en+with=odd&chars';
    expect(redact(`a ${secret} b ${encodeURIComponent(secret)} c`, [secret])).toBe('a [redacted] b [redacted] c');
  });

  it('asks the token provider for a token per request', async () => {
    let n = 0;
    const rotating = client({
      token: { setting: 'TEST_TOKEN', token: async () => `token-${++n}`, invalidate: () => false },
    });
    await rotating.request({ method: 'GET', path: 'thing' });
    await rotating.request({ method: 'GET', path: 'thing' });
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });
});
