import { MailgunFake } from '../../test/fakes/mailgunFake';
import { createMailgunProvider } from './mailgun';
import { PermanentEmailError, type EmailMessage, type EmailProvider } from './types';

const apiKey = 'key-0123456789abcdef-secret-mailgun';
const domain = 'mg.gtm.example';
const message: EmailMessage = {
  from: 'GTM Strategist <hello@gtm.example>',
  to: 'ada@example.com',
  subject: 'Your trial ends Friday',
  text: 'Plain body',
  html: '<p>HTML body</p>',
  headers: {
    'List-Unsubscribe': '<https://gtm.example/u/abc>, <mailto:unsubscribe@gtm.example>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  },
  idempotencyKey: 'send-42',
};

async function failure(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

describe('Mailgun provider against a local Messages API', () => {
  let fake: MailgunFake;
  let provider: EmailProvider;

  beforeEach(async () => {
    fake = await MailgunFake.start(apiKey, domain);
    provider = createMailgunProvider({ apiKey, domain, baseUrl: fake.baseUrl, timeoutMs: 5_000 }); // generous: a busy machine must not look like a hung provider
  });

  afterEach(async () => {
    await fake.server.stop();
  });

  it('posts a multipart form to the domain with Basic auth, the headers as h: and the key as v:idempotency_key', async () => {
    await provider.send(message);
    const [req] = fake.server.requestsTo('POST', /^\/v3\/mg\.gtm\.example\/messages$/);
    expect(req?.headers.authorization).toBe(`Basic ${Buffer.from(`api:${apiKey}`).toString('base64')}`);
    expect(req?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]!.fields).toEqual({
      from: ['GTM Strategist <hello@gtm.example>'],
      to: ['ada@example.com'],
      subject: ['Your trial ends Friday'],
      text: ['Plain body'],
      html: ['<p>HTML body</p>'],
      'h:List-Unsubscribe': ['<https://gtm.example/u/abc>, <mailto:unsubscribe@gtm.example>'],
      'h:List-Unsubscribe-Post': ['List-Unsubscribe=One-Click'],
      'v:idempotency_key': ['send-42'],
    });
  });

  it('returns the id Mailgun answered, without its angle brackets', async () => {
    const result = await provider.send(message);
    expect(fake.sent[0]!.id).toMatch(/^<.+@mg\.gtm\.example>$/);
    expect(result.providerMessageId).toBe(fake.sent[0]!.id.slice(1, -1));
    expect(provider.name).toBe('mailgun');
  });

  it('leaves out an empty part and sends no h: fields when there are no headers', async () => {
    await provider.send({ ...message, html: '', headers: {} });
    const { fields } = fake.sent[0]!;
    expect(fields.text).toEqual(['Plain body']);
    expect(fields).not.toHaveProperty('html');
    expect(Object.keys(fields).filter((name) => name.startsWith('h:'))).toEqual([]);
  });

  it("turns a 400 into a PermanentEmailError carrying Mailgun's message", async () => {
    const err = await failure(provider.send({ ...message, to: 'not an address' }));
    expect(err).toBeInstanceOf(PermanentEmailError);
    expect(err.message).toContain('400');
    expect(err.message).toContain('to parameter is not a valid address. please check documentation');
  });

  it('turns a wrong key (401), an unknown domain (404) and an oversized message (413) into permanent errors', async () => {
    const wrongKey = createMailgunProvider({ apiKey: 'key-wrong', domain, baseUrl: fake.baseUrl });
    const refused = await failure(wrongKey.send(message));
    expect(refused).toBeInstanceOf(PermanentEmailError);
    expect(refused.message).toContain('Forbidden');

    const otherDomain = createMailgunProvider({ apiKey, domain: 'mg.other.example', baseUrl: fake.baseUrl });
    const unknown = await failure(otherDomain.send(message));
    expect(unknown).toBeInstanceOf(PermanentEmailError);
    expect(unknown.message).toContain('Domain not found: mg.other.example');

    fake.server.failNext(1, 413, 'Request entity too large');
    await expect(provider.send(message)).rejects.toBeInstanceOf(PermanentEmailError);
    expect(fake.sent).toHaveLength(0);
  });

  it('turns a 500, a 503 and a 429 into plain, retryable errors', async () => {
    fake.server.failNext(1, 500, 'Internal Server Error');
    const broken = await failure(provider.send(message));
    expect(broken).not.toBeInstanceOf(PermanentEmailError);
    expect(broken.message).toContain('500');

    fake.server.failNext(1, 503, 'Service Unavailable');
    await expect(provider.send(message)).rejects.not.toBeInstanceOf(PermanentEmailError);

    fake.server.rateLimitNext(1, '2');
    const throttled = await failure(provider.send(message));
    expect(throttled).not.toBeInstanceOf(PermanentEmailError);
    expect(throttled.message).toContain('429');
    expect(fake.sent).toHaveLength(0);
  });

  it('never puts the key, plain or Basic-encoded, in an error', async () => {
    const basic = Buffer.from(`api:${apiKey}`).toString('base64');
    fake.server.failNext(1, 400, `Key ${apiKey} (${basic}) may not send from this domain`);
    const refused = await failure(provider.send(message));
    expect(refused).toBeInstanceOf(PermanentEmailError);
    expect(refused.message).toContain('may not send from this domain');
    expect(refused.message).not.toContain(apiKey);
    expect(refused.message).not.toContain(basic);

    fake.server.failNext(1, 502, `upstream said ${apiKey}`);
    expect((await failure(provider.send(message))).message).not.toContain(apiKey);

    const unreachable = createMailgunProvider({ apiKey, domain, baseUrl: 'http://127.0.0.1:1' });
    const down = await failure(unreachable.send(message));
    expect(down).not.toBeInstanceOf(PermanentEmailError);
    expect(down.message).toMatch(/could not be reached/);
    expect(down.message).not.toContain(apiKey);
  });

  it('gives up on a silent server with a retryable error', async () => {
    fake.server.hangNext(1);
    const impatient = createMailgunProvider({ apiKey, domain, baseUrl: fake.baseUrl, timeoutMs: 500 });
    const err = await failure(impatient.send(message));
    expect(err).not.toBeInstanceOf(PermanentEmailError);
    expect(err.message).toMatch(/did not answer within 500 ms/);
  });

  it('stops a request in flight when the send is stopped, with a retryable error', async () => {
    fake.server.hangNext(1);
    const stop = new AbortController();
    const started = Date.now();
    const sending = failure(provider.send(message, stop.signal));
    setTimeout(() => stop.abort(), 50);
    const err = await sending;
    expect(Date.now() - started).toBeLessThan(4_000); // well before the 5 s deadline
    expect(err).not.toBeInstanceOf(PermanentEmailError);
    expect(err.message).toMatch(/stopped/);
  });

  it('sends message after message over kept-alive connections, not a connection each', async () => {
    for (let i = 0; i < 10; i++) await provider.send({ ...message, idempotencyKey: `send-${i}` });
    expect(fake.sent.map((m) => m.field('v:idempotency_key'))).toEqual(
      Array.from({ length: 10 }, (_, i) => `send-${i}`),
    );
    expect(fake.server.connections).toBeLessThanOrEqual(2);
  });

  it("defaults to Mailgun's US endpoint", async () => {
    const urls: string[] = [];
    // Carries the request to the fake instead of the internet, so the URL the provider built can be read.
    const toFake: typeof fetch = (input, init) => {
      const url = String(input);
      urls.push(url);
      return fetch(url.replace('https://api.mailgun.net', fake.baseUrl), init);
    };
    await createMailgunProvider({ apiKey, domain, fetch: toFake }).send(message);
    expect(urls).toEqual(['https://api.mailgun.net/v3/mg.gtm.example/messages']);
    expect(fake.sent).toHaveLength(1);
  });
});
