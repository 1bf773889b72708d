import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeTwilio, type FakeTwilio } from '../../test/harness/fakeTwilio';
import { MESSAGE_STATUSES } from '../../domain/messages';
import { PermanentEmailError } from '../email/types';
import {
  TWILIO_RECIPIENT_REJECTED_CODES,
  TwilioSms,
  twilioSignature,
  twilioStatus,
  verifyTwilioSignature,
  type SmsMessage,
} from './twilio';

const message: SmsMessage = {
  to: '+14155550123',
  body: 'Your trial ends Friday. Reply STOP to unsubscribe.',
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

describe('TwilioSms against a local Programmable Messaging API', () => {
  let fake: FakeTwilio;
  let sms: TwilioSms;
  let secrets: string[];

  beforeEach(async () => {
    fake = await startFakeTwilio();
    sms = new TwilioSms({
      accountSid: fake.accountSid,
      authToken: fake.authToken,
      from: '+15005550006',
      baseUrl: fake.url,
      timeoutMs: 5_000, // generous: a busy machine must not look like a silent Twilio
    });
    secrets = [fake.authToken, Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')];
  });

  afterEach(async () => {
    await fake.close();
  });

  function expectNoSecret(err: Error): void {
    for (const secret of secrets) expect(`${err.message}\n${err.stack ?? ''}`).not.toContain(secret);
  }

  it('sends To, Body and From with Basic auth and returns the message sid', async () => {
    const result = await sms.send(message);
    expect(sms.name).toBe('twilio');
    expect(result.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(fake.messages).toEqual([
      {
        sid: result.providerMessageId,
        to: '+14155550123',
        body: message.body,
        from: '+15005550006',
      },
    ]);
  });

  it('sends through a messaging service with a status callback when configured so', async () => {
    const viaService = new TwilioSms({
      accountSid: fake.accountSid,
      authToken: fake.authToken,
      messagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
      baseUrl: fake.url,
    });
    await viaService.send({
      ...message,
      body: 'Ünïcödé & spaces + plus = ok',
      statusCallback: 'https://gtm.example/sms/status?x=1',
    });
    expect(fake.messages[0]).toMatchObject({
      to: '+14155550123',
      body: 'Ünïcödé & spaces + plus = ok',
      messagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
      statusCallback: 'https://gtm.example/sms/status?x=1',
    });
    expect(fake.messages[0]?.from).toBeUndefined();
  });

  it('needs exactly one of a sender number and a messaging service', () => {
    const base = { accountSid: fake.accountSid, authToken: fake.authToken, baseUrl: fake.url };
    expect(() => new TwilioSms(base)).toThrow(/from.*messagingServiceSid/);
    expect(() => new TwilioSms({ ...base, from: '+15005550006', messagingServiceSid: 'MG1' })).toThrow(
      /from.*messagingServiceSid/,
    );
    expect(() => new TwilioSms({ ...base, accountSid: '', from: '+15005550006' })).toThrow(/accountSid/);
    expect(() => new TwilioSms({ ...base, authToken: '', from: '+15005550006' })).toThrow(/authToken/);
  });

  it("turns an invalid To (400, 21211) into a PermanentEmailError that rejects the recipient, with Twilio's words", async () => {
    const err = await failure(sms.send({ ...message, to: '415-555-0123' }));
    expect(err).toBeInstanceOf(PermanentEmailError);
    expect((err as PermanentEmailError).recipientRejected).toBe(true);
    expect(err.message).toContain('21211');
    expect(err.message).toContain("The 'To' number 415-555-0123 is not a valid phone number.");
    expect(fake.messages).toHaveLength(0);
  });

  it.each([21614, 21610, 21612, 21408])('rejects the recipient on code %i', async (code) => {
    fake.failNext(400, code, `Twilio says ${code}`);
    const err = await failure(sms.send(message));
    expect(err).toBeInstanceOf(PermanentEmailError);
    expect((err as PermanentEmailError).recipientRejected).toBe(true);
    expect(TWILIO_RECIPIENT_REJECTED_CODES).toContain(code);
  });

  it('turns other 4xx answers into permanent errors that do not blame the recipient', async () => {
    fake.failNext(400, 21606, "The 'From' phone number provided is not a valid message-capable Twilio phone number.");
    const badSender = await failure(sms.send(message));
    expect(badSender).toBeInstanceOf(PermanentEmailError);
    expect((badSender as PermanentEmailError).recipientRejected).toBe(false);
    expect(badSender.message).toContain('21606');

    const err = await failure(sms.send({ ...message, body: '' }));
    expect(err).toBeInstanceOf(PermanentEmailError);
    expect(err.message).toContain('21602');
  });

  it('turns a wrong auth token into a permanent error that shows neither token', async () => {
    const wrong = new TwilioSms({
      accountSid: fake.accountSid,
      authToken: 'wrong-token-0123456789',
      from: '+15005550006',
      baseUrl: fake.url,
    });
    const err = await failure(wrong.send(message));
    expect(err).toBeInstanceOf(PermanentEmailError);
    expect(err.message).toContain('20003');
    expect(err.message).not.toContain('wrong-token-0123456789');
    expectNoSecret(err);
  });

  it('turns a 500 and a 429 into plain, retryable errors', async () => {
    fake.failNext(500, 20500, 'Internal Server Error');
    const down = await failure(sms.send(message));
    expect(down).not.toBeInstanceOf(PermanentEmailError);
    expect(down.message).toContain('500');

    fake.failNext(429, 20429, 'Too Many Requests');
    const throttled = await failure(sms.send(message));
    expect(throttled).not.toBeInstanceOf(PermanentEmailError);
    expect(throttled.message).toContain('20429');
    expect(fake.messages).toHaveLength(0);

    await sms.send(message);
    expect(fake.messages).toHaveLength(1);
  });

  it('never puts the auth token or the Authorization header in an error, even when Twilio echoes them', async () => {
    for (const status of [400, 401, 503]) {
      fake.failNext(status, 21211, `echo ${secrets[0]} and Basic ${secrets[1]}`);
      const err = await failure(sms.send(message));
      expect(err.message).toContain('echo');
      expectNoSecret(err);
    }
  });

  it('gives up on a silent Twilio with a retryable error', async () => {
    fake.hangNext();
    const err = await failure(new TwilioSms({ ...optionsOf(fake), timeoutMs: 500 }).send(message));
    expect(err).not.toBeInstanceOf(PermanentEmailError);
    expect(err.message).toMatch(/did not answer within 500 ms/);
  });

  it('stops a request in flight when the send is stopped, with a retryable error', async () => {
    fake.hangNext();
    const stop = new AbortController();
    const sending = failure(new TwilioSms({ ...optionsOf(fake), timeoutMs: 10_000 }).send(message, stop.signal));
    setTimeout(() => stop.abort(), 50);
    const err = await sending;
    expect(err).not.toBeInstanceOf(PermanentEmailError);
    expect(err.message).toMatch(/stopped/);
  });

  it('reports an unreachable Twilio as a retryable error', async () => {
    const closed = await startFakeTwilio();
    await closed.close();
    const err = await failure(new TwilioSms({ ...optionsOf(closed), timeoutMs: 2_000 }).send(message));
    expect(err).not.toBeInstanceOf(PermanentEmailError);
    expect(err.message).toMatch(/could not be reached/);
  });
});

function optionsOf(fake: FakeTwilio) {
  return { accountSid: fake.accountSid, authToken: fake.authToken, from: '+15005550006', baseUrl: fake.url };
}

describe('Twilio request signatures', () => {
  // The worked example of Twilio's webhook security documentation, also in its helper libraries' tests.
  const token = '12345';
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+14158675309',
    Digits: '1234',
    From: '+14158675309',
    To: '+18005551212',
  };
  const documented = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';

  it("reproduces Twilio's documented signature", () => {
    expect(twilioSignature(token, url, params)).toBe(documented);
    expect(verifyTwilioSignature(token, url, params, documented)).toBe(true);
  });

  it('refuses a tampered parameter, an added parameter, another URL or another token', () => {
    expect(verifyTwilioSignature(token, url, { ...params, Digits: '9999' }, documented)).toBe(false);
    expect(verifyTwilioSignature(token, url, { ...params, Extra: '' }, documented)).toBe(false);
    expect(verifyTwilioSignature(token, `${url}&baz=3`, params, documented)).toBe(false);
    expect(verifyTwilioSignature(token, url.replace('https:', 'http:'), params, documented)).toBe(false);
    expect(verifyTwilioSignature('54321', url, params, documented)).toBe(false);
  });

  it('refuses a missing, empty or differently sized signature without throwing', () => {
    expect(verifyTwilioSignature(token, url, params, undefined)).toBe(false);
    expect(verifyTwilioSignature(token, url, params, '')).toBe(false);
    expect(verifyTwilioSignature(token, url, params, 'short')).toBe(false);
    expect(verifyTwilioSignature(token, url, params, `${documented}AAAA`)).toBe(false);
    expect(verifyTwilioSignature(token, url, params, '王'.repeat(28))).toBe(false);
  });
});

describe('twilioStatus', () => {
  it('maps the statuses that change a message and ignores the rest', () => {
    expect(twilioStatus('delivered')).toBe('delivered');
    expect(twilioStatus('undelivered')).toBe('bounced');
    expect(twilioStatus('failed')).toBe('failed');
    expect(twilioStatus('sent')).toBe('sent');
    expect(twilioStatus('read')).toBe('opened');
    for (const status of ['queued', 'accepted', 'sending', 'canceled', 'scheduled', 'receiving', 'received', '']) {
      expect(twilioStatus(status)).toBeUndefined();
    }
    for (const status of ['delivered', 'undelivered', 'failed', 'sent', 'read']) {
      expect(MESSAGE_STATUSES).toContain(twilioStatus(status));
    }
  });
});

describe("the fake's webhooks", () => {
  let fake: FakeTwilio;
  let receiver: http.Server;
  let base: string;
  const received: Array<{ path: string; params: Record<string, string>; signature: string | undefined }> = [];

  beforeAll(async () => {
    fake = await startFakeTwilio();
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
        const signature = req.headers['x-twilio-signature'];
        received.push({
          path: req.url ?? '',
          params,
          signature: typeof signature === 'string' ? signature : undefined,
        });
        const ok = verifyTwilioSignature(fake.authToken, `${base}${req.url ?? ''}`, params, received.at(-1)!.signature);
        res.writeHead(ok ? 204 : 403).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await fake.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('posts a signed status callback to the URL the message was sent with', async () => {
    const sms = new TwilioSms({ ...optionsOf(fake) });
    const { providerMessageId } = await sms.send({ ...message, statusCallback: `${base}/sms/status?tenant=7` });
    const res = await fake.sendStatusCallback(fake.messages[0]!, 'undelivered');
    expect(res.status).toBe(204);
    const hook = received.at(-1)!;
    expect(hook.path).toBe('/sms/status?tenant=7');
    expect(hook.params).toMatchObject({
      MessageSid: providerMessageId,
      MessageStatus: 'undelivered',
      To: '+14155550123',
      From: '+15005550006',
      AccountSid: fake.accountSid,
    });
    expect(hook.params.ErrorCode).toMatch(/^\d+$/);

    await fake.sendStatusCallback(fake.messages[0]!, 'delivered');
    expect(received.at(-1)!.params.ErrorCode).toBeUndefined();
  });

  it('posts a signed inbound message', async () => {
    const res = await fake.sendInbound(`${base}/sms/inbound`, {
      from: '+14155550123',
      to: '+15005550006',
      body: ' Stop ',
    });
    expect(res.status).toBe(204);
    expect(received.at(-1)!.params).toMatchObject({
      From: '+14155550123',
      To: '+15005550006',
      Body: ' Stop ',
      AccountSid: fake.accountSid,
    });
    expect(received.at(-1)!.params.MessageSid).toMatch(/^SM[0-9a-f]{32}$/);
  });

  it('signs with the fake’s auth token, so a receiver with another token refuses it', () => {
    const hook = received.at(-1)!;
    expect(verifyTwilioSignature('other-token', `${base}${hook.path}`, hook.params, hook.signature)).toBe(false);
  });
});
