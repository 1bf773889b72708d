import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PermanentEmailError } from '../email/types';
import { UnsafeWebhookUrlError } from './addressGuard';
import { WebhookSender, verifyWebhookSignature, webhookSignature } from './webhookSender';

interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  url: string;
  requests: Received[];
  /** How the next requests are answered; default 200. */
  answer: (res: http.ServerResponse) => void;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    requests: [],
    answer: (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      receiver.answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

const secret = 'whsec_test_0123456789abcdef';
const body = JSON.stringify({ event: 'trial.ending', contact: { email: 'ada@example.com' } });
const delivery = { body, messageId: 'msg-42', idempotencyKey: 'send-42' };

describe('WebhookSender against a local receiver', () => {
  let receiver: Receiver;
  let sender: WebhookSender;

  beforeEach(async () => {
    receiver = await startReceiver();
    // Generous: a busy machine must not look like a silent receiver (the timeout test has its own sender).
    sender = new WebhookSender({ signingSecret: secret, allowPrivate: true, timeoutMs: 5_000 });
  });

  afterEach(async () => {
    await receiver.close();
  });

  it('posts the body with the documented headers and a signature the receiver can verify', async () => {
    const before = Math.floor(Date.now() / 1000);
    const result = await sender.send({ ...delivery, url: `${receiver.url}/hooks/in?team=7` });
    expect(result).toEqual({ providerMessageId: 'msg-42' });
    expect(sender.name).toBe('webhook');

    expect(receiver.requests).toHaveLength(1);
    const [req] = receiver.requests;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe('/hooks/in?team=7');
    expect(req!.body).toBe(body);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['user-agent']).toBe('GTM-Strategist-Webhooks/1');
    expect(req!.headers['x-gtm-message-id']).toBe('msg-42');
    expect(req!.headers['x-gtm-idempotency-key']).toBe('send-42');

    const header = String(req!.headers['x-gtm-signature']);
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    expect(match).not.toBeNull();
    const t = Number(match![1]);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(match![2]).toBe(webhookSignature(secret, t, body));
    expect(verifyWebhookSignature(secret, header, req!.body)).toBe(true);
  });

  it('fails verification for a tampered body, another secret, or an old timestamp', async () => {
    await sender.send({ ...delivery, url: `${receiver.url}/in` });
    const header = String(receiver.requests[0]!.headers['x-gtm-signature']);
    expect(verifyWebhookSignature(secret, header, body.replace('ada', 'eve'))).toBe(false);
    expect(verifyWebhookSignature('whsec_other', header, body)).toBe(false);

    const old = Math.floor(Date.now() / 1000) - 301;
    const oldHeader = `t=${old},v1=${webhookSignature(secret, old, body)}`;
    expect(verifyWebhookSignature(secret, oldHeader, body)).toBe(false);
    expect(verifyWebhookSignature(secret, oldHeader, body, { toleranceSeconds: 600 })).toBe(true);
    expect(verifyWebhookSignature(secret, oldHeader, body, { now: () => (old + 10) * 1000 })).toBe(true);
  });

  it('rejects malformed signature headers', () => {
    const t = Math.floor(Date.now() / 1000);
    const good = webhookSignature(secret, t, body);
    for (const header of ['', 'garbage', `v1=${good}`, `t=${t}`, `t=abc,v1=${good}`, `t=${t},v1=${good.slice(2)}`]) {
      expect(verifyWebhookSignature(secret, header, body)).toBe(false);
    }
    expect(verifyWebhookSignature(secret, `t=${t},v0=zz,v1=${good}`, body)).toBe(true);
  });

  it.each([500, 503, 408, 429])('makes a %i retryable', async (status) => {
    receiver.answer = (res) => res.writeHead(status).end('{"error":"receiver-secret-detail"}');
    const err = await failure(sender.send({ ...delivery, url: `${receiver.url}/in` }));
    expect(err).not.toBeInstanceOf(PermanentEmailError);
    expect(err.message).toContain(String(status));
    expect(err.message).not.toContain('receiver-secret-detail');
  });

  it.each([400, 404, 410])('makes a %i permanent, naming the status', async (status) => {
    receiver.answer = (res) => res.writeHead(status).end('nope');
    const err = await failure(sender.send({ ...delivery, url: `${receiver.url}/in` }));
    expect(err).toBeInstanceOf(PermanentEmailError);
    expect(err.message).toContain(String(status));
  });

  it('does not follow a redirect, and says so', async () => {
    const elsewhere = await startReceiver();
    try {
      receiver.answer = (res) => res.writeHead(302, { location: `${elsewhere.url}/stolen` }).end();
      const err = await failure(sender.send({ ...delivery, url: `${receiver.url}/in` }));
      expect(err).toBeInstanceOf(PermanentEmailError);
      expect(err.message).toMatch(/redirect/i);
      expect(err.message).toContain('302');
      expect(receiver.requests).toHaveLength(1);
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('refuses the same loopback URL before any request when private addresses are not allowed', async () => {
    const strict = new WebhookSender({ signingSecret: secret, allowPrivate: false, timeoutMs: 1_000 });
    const err = await failure(strict.send({ ...delivery, url: `${receiver.url}/in` }));
    expect(err).toBeInstanceOf(UnsafeWebhookUrlError);
    expect(err).toBeInstanceOf(PermanentEmailError);
    expect(receiver.requests).toHaveLength(0);
  });

  it('connects to the address the guard checked, not to a second answer of DNS', async () => {
    const port = new URL(receiver.url).port;
    const answers = [['127.0.0.1'], ['127.0.0.2']];
    let lookups = 0;
    const rebinding = new WebhookSender({
      signingSecret: secret,
      allowPrivate: true,
      timeoutMs: 1_000,
      lookup: async () => answers[Math.min(lookups++, answers.length - 1)]!,
    });
    await rebinding.send({ ...delivery, url: `http://hooks.rebind.test:${port}/in` });
    expect(lookups).toBe(1);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.headers.host).toBe(`hooks.rebind.test:${port}`);
  });

  it('checks the URL on every send', async () => {
    const port = new URL(receiver.url).port;
    let lookups = 0;
    const lookup = async (): Promise<string[]> => {
      lookups++;
      return ['127.0.0.1'];
    };
    const lenient = new WebhookSender({ signingSecret: secret, allowPrivate: true, timeoutMs: 1_000, lookup });
    await lenient.send({ ...delivery, url: `http://hooks.example.test:${port}/in` });
    await lenient.send({ ...delivery, url: `http://hooks.example.test:${port}/in` });
    expect(lookups).toBe(2);
    expect(receiver.requests).toHaveLength(2);

    const strict = new WebhookSender({ signingSecret: secret, allowPrivate: false, timeoutMs: 1_000, lookup });
    await expect(strict.send({ ...delivery, url: `http://hooks.example.test:${port}/in` })).rejects.toBeInstanceOf(
      UnsafeWebhookUrlError,
    );
    expect(lookups).toBe(3);
    expect(receiver.requests).toHaveLength(2);
  });

  it('makes a receiver that does not answer in time retryable', async () => {
    receiver.answer = () => undefined;
    const impatient = new WebhookSender({ signingSecret: secret, allowPrivate: true, timeoutMs: 1_000 });
    const err = await failure(impatient.send({ ...delivery, url: `${receiver.url}/in` }));
    expect(err).not.toBeInstanceOf(PermanentEmailError);
    expect(err.message).toMatch(/1000 ms/);
  });

  it('makes a refused connection retryable, naming the host but not the path', async () => {
    const url = `${receiver.url}/services/T0/XXsecretpathXX`;
    await receiver.close();
    const err = await failure(sender.send({ ...delivery, url }));
    expect(err).not.toBeInstanceOf(PermanentEmailError);
    expect(err.message).toContain('127.0.0.1');
    expect(err.message).not.toContain('XXsecretpathXX');
    receiver.close = async () => undefined;
  });

  it('stops reading an endless answer after 64 KB and still succeeds', async () => {
    receiver.answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'x'.repeat(16 * 1024);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('error', () => undefined);
      pump();
    };
    await expect(sender.send({ ...delivery, url: `${receiver.url}/in` })).resolves.toEqual({
      providerMessageId: 'msg-42',
    });
  });

  it('stops a send when the signal aborts, as a retryable error', async () => {
    receiver.answer = () => undefined;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await failure(sender.send({ ...delivery, url: `${receiver.url}/in` }, controller.signal));
    expect(err).not.toBeInstanceOf(PermanentEmailError);
    expect(err.message).toMatch(/stopped/);
  });

  it('refuses an empty signing secret, naming the field', () => {
    expect(() => new WebhookSender({ signingSecret: '', allowPrivate: false })).toThrow(/signingSecret/);
  });

  it('refuses a header value with a line break as permanent, naming the field', async () => {
    const err = await failure(sender.send({ ...delivery, messageId: 'a\r\nX-Evil: 1', url: `${receiver.url}/in` }));
    expect(err).toBeInstanceOf(PermanentEmailError);
    expect(err.message).toContain('messageId');
    expect(receiver.requests).toHaveLength(0);
  });
});
