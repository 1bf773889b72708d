import { SendGridFake } from '../../test/fakes';
import { createSendGridProvider, parseAddress } from './sendgrid';
import { PermanentEmailError, type EmailMessage, type EmailProvider } from './types';

const apiKey = 'SG.secret-sendgrid-key.abcdef';
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

describe('SendGrid provider against a local Mail Send API', () => {
  let fake: SendGridFake;
  let provider: EmailProvider;

  beforeEach(async () => {
    fake = await SendGridFake.start(apiKey);
    provider = createSendGridProvider({ apiKey, baseUrl: fake.baseUrl, timeoutMs: 5_000 }); // generous: a busy machine must not look like a hung provider
  });

  afterEach(async () => {
    await fake.server.stop();
  });

  it('posts the documented body with the key as a bearer token', async () => {
    await provider.send(message);
    const [req] = fake.server.requestsTo('POST', /^\/v3\/mail\/send$/);
    expect(req?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.body)).toEqual({
      personalizations: [{ to: [{ email: 'ada@example.com' }] }],
      from: { email: 'hello@gtm.example', name: 'GTM Strategist' },
      subject: 'Your trial ends Friday',
      content: [
        { type: 'text/plain', value: 'Plain body' },
        { type: 'text/html', value: '<p>HTML body</p>' },
      ],
      headers: message.headers,
      custom_args: { idempotency_key: 'send-42' },
    });
  });

  it('returns the X-Message-Id of a 202 as the provider message id', async () => {
    const result = await provider.send(message);
    expect(result.providerMessageId).toMatch(/^[\w-]{10,}$/);
    expect(fake.sent).toHaveLength(1);
    expect(provider.name).toBe('sendgrid');
  });

  it("turns a 400 into a PermanentEmailError with SendGrid's messages and without the key", async () => {
    fake.server.replyNext(1, {
      status: 400,
      body: {
        errors: [
          { message: 'Does not contain a valid address.', field: 'personalizations.0.to.0.email', help: null },
          { message: `The key ${apiKey} lacks mail.send`, field: null, help: null },
        ],
      },
    });
    const err = await failure(provider.send(message));
    expect(err).toBeInstanceOf(PermanentEmailError);
    expect(err.message).toContain('Does not contain a valid address. (personalizations.0.to.0.email)');
    expect(err.message).toContain('lacks mail.send');
    expect(err.message).not.toContain(apiKey);
  });

  it('turns a refused key (401), a forbidden sender (403) and an oversized message (413) into permanent errors', async () => {
    const wrongKey = createSendGridProvider({ apiKey: 'SG.wrong', baseUrl: fake.baseUrl });
    await expect(wrongKey.send(message)).rejects.toBeInstanceOf(PermanentEmailError);
    fake.server.failNext(1, 403, 'The from address does not match a verified Sender Identity.');
    await expect(provider.send(message)).rejects.toThrow(/verified Sender Identity/);
    fake.server.failNext(1, 413, 'Payload too large');
    await expect(provider.send(message)).rejects.toBeInstanceOf(PermanentEmailError);
  });

  it('turns a 503 and a 429 into plain, retryable errors', async () => {
    fake.server.failNext(1, 503, 'Service Unavailable');
    const unavailable = await failure(provider.send(message));
    expect(unavailable).not.toBeInstanceOf(PermanentEmailError);
    expect(unavailable.message).toContain('503');

    fake.server.rateLimitNext(1, '1');
    const throttled = await failure(provider.send(message));
    expect(throttled).not.toBeInstanceOf(PermanentEmailError);
    expect(fake.sent).toHaveLength(0);
  });

  it('gives up on a silent server with a retryable error', async () => {
    fake.server.hangNext(1);
    const impatient = createSendGridProvider({ apiKey, baseUrl: fake.baseUrl, timeoutMs: 500 });
    const err = await failure(impatient.send(message));
    expect(err).not.toBeInstanceOf(PermanentEmailError);
    expect(err.message).toMatch(/did not answer within 500 ms/);
  });

  it('sends message after message over kept-alive connections, not a connection each', async () => {
    for (let i = 0; i < 10; i++) await provider.send({ ...message, idempotencyKey: `send-${i}` });
    expect(fake.sent).toHaveLength(10);
    // Node's fetch may open a second connection while the first is being handed back, then reuses both.
    expect(fake.server.connections).toBeLessThanOrEqual(2);
  });

  it('stops a request in flight when the send is stopped, with a retryable error', async () => {
    fake.server.hangNext(1);
    const stop = new AbortController();
    const sending = failure(provider.send(message, stop.signal));
    stop.abort();
    const err = await sending;
    expect(err).not.toBeInstanceOf(PermanentEmailError);
    expect(err.message).toMatch(/stopped/);
  });

  it('leaves out an empty part, and headers when there are none', async () => {
    await provider.send({ ...message, text: '', headers: {} });
    const body = fake.sent[0]!;
    expect(body.content).toEqual([{ type: 'text/html', value: '<p>HTML body</p>' }]);
    expect(body).not.toHaveProperty('headers');
  });
});

describe('parseAddress', () => {
  it('reads the RFC 5322 forms', () => {
    expect(parseAddress('ada@example.com')).toEqual({ email: 'ada@example.com' });
    expect(parseAddress('<ada@example.com>')).toEqual({ email: 'ada@example.com' });
    expect(parseAddress('Ada Lovelace <ada@example.com>')).toEqual({ email: 'ada@example.com', name: 'Ada Lovelace' });
    expect(parseAddress('"Lovelace, Ada" <ada@example.com>')).toEqual({
      email: 'ada@example.com',
      name: 'Lovelace, Ada',
    });
    expect(parseAddress('"Ada \\"A.\\" L" <ada@example.com>')).toEqual({
      email: 'ada@example.com',
      name: 'Ada "A." L',
    });
  });
});
