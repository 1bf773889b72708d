import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GtmApiError, GtmClient, GtmUnavailableError } from '../../clients/node';
import { startTestStack, type TestStack } from '../harness/stack';

let t: TestStack;
let proxy: http.Server;
let proxyUrl: string;

/** What the proxy does with the next requests, in order; once the script is used up, it forwards. */
type Step = 'forward' | 'forward-then-503' | '429' | '503' | 'drop';
let script: Step[] = [];
let seen: { path: string; body: string; at: number }[] = [];

/**
 * A proxy in front of the real product that misbehaves on cue: a 429 with Retry-After, a 503, a dropped
 * connection, or the worst case for duplicates: the request reaches the product and the answer is lost.
 */
async function startProxy(): Promise<void> {
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ path: req.url ?? '', body, at: Date.now() });
      const step = script.shift() ?? 'forward';
      if (step === 'drop') return req.socket.destroy();
      if (step === '429') return res.writeHead(429, { 'retry-after': '1' }).end('{"error":"slow down"}');
      if (step === '503') return res.writeHead(503).end('<html>bad gateway</html>');
      void fetch(`${t.api}${req.url}`, {
        method: req.method,
        headers: { authorization: req.headers.authorization ?? '', 'content-type': 'application/json' },
        body,
      }).then(async (upstream) => {
        const text = await upstream.text();
        if (step === 'forward-then-503') return res.writeHead(503).end('{"error":"answer lost"}');
        res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text);
      });
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  t = await startTestStack();
  await startProxy();
}, 60_000);
afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await t?.stop();
});
beforeEach(() => {
  script = [];
  seen = [];
});

const newClient = (options: Partial<ConstructorParameters<typeof GtmClient>[0]> = {}) =>
  new GtmClient({ url: proxyUrl, apiKey: t.keys.marketer, minBackoffMs: 20, maxBackoffMs: 2_000, ...options });
const eventsOf = async (externalId: string) =>
  t.stack
    .db('events')
    .join('contacts', 'contacts.id', 'events.contact_id')
    .where('contacts.external_id', externalId)
    .orderBy('events.id')
    .select('events.name', 'events.idempotency_key');

test('identify stores the contact; track calls go as one batch at flushAt, and a signup enrolls the contact', async () => {
  const client = newClient({ flushAt: 3, flushIntervalMs: 60_000 });
  const stored = await client.identify({ id: 'nc-ada', email: 'ada@example.com', traits: { plan: 'pro' } });
  expect(stored).toMatchObject({ id: 'nc-ada', email: 'ada@example.com', traits: { plan: 'pro' } });

  const outcomes = await Promise.all([
    client.track({ contactId: 'nc-ada', name: 'signup' }),
    client.track({ contactId: 'nc-ada', name: 'login', properties: { via: 'sso' } }),
    client.track({ contactId: 'nc-ada', name: 'login', occurredAt: new Date('2026-03-02T10:00:00Z') }),
  ]);
  expect(outcomes.map((o) => o.status)).toEqual(['accepted', 'accepted', 'accepted']);
  expect(outcomes[0]!.enrolled).toEqual(['onboarding']);
  expect(seen.map((s) => s.path)).toEqual(['/v1/contacts', '/v1/events']);
  expect((await eventsOf('nc-ada')).map((e) => e.name)).toEqual(['signup', 'login', 'login']);
  await client.close();
});

test('a batch whose answer is lost, then a 429 with Retry-After, is sent again with the same keys and stored once', async () => {
  await newClient().identify({ id: 'nc-bob', email: 'bob@example.com' });
  seen = [];
  script = ['forward-then-503', '429', 'forward'];
  const client = newClient({ flushIntervalMs: 60_000 });
  const first = client.track({ contactId: 'nc-bob', name: 'report_exported', properties: { rows: 1 } });
  const second = client.track({ contactId: 'nc-bob', name: 'report_exported', properties: { rows: 2 } });
  await client.flush();
  // The product stored both on the first attempt; the third attempt finds them by their keys.
  expect((await first).status).toBe('duplicate');
  expect((await second).status).toBe('duplicate');
  expect(seen).toHaveLength(3);
  expect(new Set(seen.map((s) => s.body)).size).toBe(1);
  expect(seen[2]!.at - seen[1]!.at).toBeGreaterThanOrEqual(950);
  const stored = await eventsOf('nc-bob');
  expect(stored).toHaveLength(2);
  const keys = (JSON.parse(seen[0]!.body) as { events: { idempotencyKey: string }[] }).events.map(
    (e) => e.idempotencyKey,
  );
  expect(stored.map((e) => e.idempotency_key).sort()).toEqual([...keys].sort());
});

test('a dropped connection and a 503 are retried with backoff; the timer sends a batch nobody flushed', async () => {
  await newClient().identify({ id: 'nc-cy', email: 'cy@example.com' });
  seen = [];
  script = ['drop', '503'];
  const client = newClient({ flushIntervalMs: 50 });
  const outcome = await client.track({ contactId: 'nc-cy', name: 'login' });
  expect(outcome.status).toBe('accepted');
  expect(seen).toHaveLength(3);
  expect(await eventsOf('nc-cy')).toHaveLength(1);
  await client.close();
  await expect(client.track({ contactId: 'nc-cy', name: 'login' })).rejects.toThrow(/closed/);
});

test('when every attempt fails the events reject with GtmUnavailableError, and onError hears of it', async () => {
  script = ['503', '503', '503'];
  const errors: Error[] = [];
  const client = newClient({ maxRetries: 2, onError: (e) => errors.push(e) });
  const pending = client.track({ contactId: 'nc-cy', name: 'login' });
  await client.flush();
  await expect(pending).rejects.toBeInstanceOf(GtmUnavailableError);
  expect(seen).toHaveLength(3);
  expect(errors).toHaveLength(1);
});

test('4xx answers are typed errors naming the server’s problems, and are not retried', async () => {
  const client = newClient({ flushIntervalMs: 60_000 });
  const bad = await client.identify({ id: 'nc-dee', email: 'not-an-email' }).catch((e: unknown) => e);
  expect(bad).toBeInstanceOf(GtmApiError);
  expect((bad as GtmApiError).status).toBe(400);
  expect((bad as GtmApiError).problems.map((p) => p.path)).toEqual(['email']);
  expect(seen).toHaveLength(1);

  // In a batch, each event gets its own problems: the unknown contact and the bad name fail, the good one passes.
  await client.identify({ id: 'nc-dee', email: 'dee@example.com' });
  const good = client.track({ contactId: 'nc-dee', name: 'login' });
  const unknown = client.track({ contactId: 'nc-nobody', name: 'login' });
  const badName = client.track({ contactId: 'nc-dee', name: 'signed up!' });
  await client.flush();
  expect((await good).status).toBe('accepted');
  await expect(unknown).rejects.toMatchObject({ problems: [{ path: 'contactId' }] });
  await expect(badName).rejects.toMatchObject({ problems: [{ path: 'name' }] });

  // A batch with no valid event is a 400 for the whole batch; each event still gets its own problems.
  const only = client.track({ contactId: 'nc-dee', name: 'bad name' });
  await client.flush();
  await expect(only).rejects.toMatchObject({ status: 400, problems: [{ path: 'name' }] });

  const wrongKey = new GtmClient({ url: proxyUrl, apiKey: 'gtm_wrong', maxRetries: 3 });
  await expect(wrongKey.identify({ id: 'x', email: 'x@example.com' })).rejects.toMatchObject({ status: 401 });
});
