import { generateKeyPairSync } from 'node:crypto';
import { startFakeFcm, type FakeFcm } from '../../test/harness/fakeFcm';
import { PermanentEmailError } from '../email/types';
import { FcmPush, InvalidDeviceTokenError, parseServiceAccount, type PushMessage } from './fcm';

const deviceToken = 'dQw4w9WgXcQ:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx';
const message: PushMessage = {
  token: deviceToken,
  title: 'Your trial ends Friday',
  body: 'Upgrade to keep your sequences running.',
  data: { sequenceId: 'seq-7', step: '3' },
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

const sendPath = { method: 'POST', path: /messages:send$/ };
const tokenPath = { method: 'POST', path: /^\/token$/ };

describe('FcmPush against a local FCM and token endpoint', () => {
  let clock: number;
  let fake: FakeFcm;
  let push: FcmPush;

  beforeEach(async () => {
    clock = Date.now();
    fake = await startFakeFcm({ now: () => clock });
    push = new FcmPush({ serviceAccount: fake.serviceAccount, baseUrl: fake.url, timeoutMs: 500, now: () => clock });
  });

  afterEach(async () => {
    await fake.close();
  });

  it('sends the documented message with a bearer token and returns the message name', async () => {
    const result = await push.send(message);
    expect(result.providerMessageId).toMatch(/^projects\/gtm-test\/messages\/\S+$/);
    expect(push.name).toBe('fcm');
    expect(fake.sent).toEqual([
      { token: deviceToken, title: message.title, body: message.body, data: { sequenceId: 'seq-7', step: '3' } },
    ]);
    const [req] = fake.server.requestsTo('POST', /^\/v1\/projects\/gtm-test\/messages:send$/);
    expect(req!.headers.authorization).toBe(`Bearer ${fake.accessTokens[0]}`);
    expect(req!.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(req!.body)).toEqual({
      message: {
        token: deviceToken,
        notification: { title: message.title, body: message.body },
        data: { sequenceId: 'seq-7', step: '3' },
      },
    });
  });

  it('sends without data when the message has none', async () => {
    const { data: _data, ...plain } = message;
    await push.send(plain);
    expect(fake.sent[0]).toEqual({ token: deviceToken, title: message.title, body: message.body });
  });

  it('asks for one access token for three sends, and one for three concurrent sends', async () => {
    await push.send(message);
    await push.send(message);
    await push.send(message);
    expect(fake.tokenRequests).toBe(1);

    const fresh = new FcmPush({ serviceAccount: fake.serviceAccount, baseUrl: fake.url, now: () => clock });
    await Promise.all([fresh.send(message), fresh.send(message), fresh.send(message)]);
    expect(fake.tokenRequests).toBe(2);
    expect(fake.sent).toHaveLength(6);
  });

  it('refreshes the access token a minute before it expires', async () => {
    await push.send(message);
    clock += 3_000_000; // 50 minutes: still good
    await push.send(message);
    expect(fake.tokenRequests).toBe(1);
    clock += 541_000; // 59 min 1 s after issue: within the last minute
    await push.send(message);
    expect(fake.tokenRequests).toBe(2);
    clock += 7_200_000; // long expired: the fake would refuse the old token
    await push.send(message);
    expect(fake.tokenRequests).toBe(3);
    expect(fake.sent).toHaveLength(4);
  });

  it('refreshes the token and retries once after a 401', async () => {
    await push.send(message);
    fake.revokeTokens();
    await push.send(message);
    expect(fake.tokenRequests).toBe(2);
    expect(fake.sent).toHaveLength(2);
  });

  it('gives up after a second 401, permanently', async () => {
    fake.server.failNext(2, 401, 'Request had invalid authentication credentials.', sendPath);
    const err = await failure(push.send(message));
    expect(err).toBeInstanceOf(PermanentEmailError);
    expect(err).not.toBeInstanceOf(InvalidDeviceTokenError);
    expect(err.message).toContain('401');
    expect(fake.server.requestsTo('POST', /messages:send$/)).toHaveLength(2);
    expect(fake.tokenRequests).toBe(2);
  });

  it('turns 404 UNREGISTERED into InvalidDeviceTokenError', async () => {
    fake.unregister(deviceToken);
    const err = await failure(push.send(message));
    expect(err).toBeInstanceOf(InvalidDeviceTokenError);
    expect(err).toBeInstanceOf(PermanentEmailError);
    expect((err as PermanentEmailError).recipientRejected).toBe(true);
    expect(err.message).toMatch(/UNREGISTERED|no longer valid/);
  });

  it('turns a 400 about the token itself into InvalidDeviceTokenError', async () => {
    const err = await failure(push.send({ ...message, token: 'not a token' }));
    expect(err).toBeInstanceOf(InvalidDeviceTokenError);
    expect((err as PermanentEmailError).recipientRejected).toBe(true);
    expect(fake.sent).toHaveLength(0);
  });

  it('keeps other 400s and a 404 without UNREGISTERED permanent, but not about the token', async () => {
    const badData = await failure(push.send({ ...message, data: { from: 'me' } }));
    expect(badData).toBeInstanceOf(PermanentEmailError);
    expect(badData).not.toBeInstanceOf(InvalidDeviceTokenError);
    expect((badData as PermanentEmailError).recipientRejected).toBe(false);
    expect(badData.message).toContain('Invalid data payload key: from');

    fake.server.failNext(1, 404, 'Requested entity was not found.', sendPath);
    const notFound = await failure(push.send(message));
    expect(notFound).toBeInstanceOf(PermanentEmailError);
    expect(notFound).not.toBeInstanceOf(InvalidDeviceTokenError);

    const wrongProject = new FcmPush({
      serviceAccount: { ...fake.serviceAccount, project_id: 'someone-else' },
      baseUrl: fake.url,
      now: () => clock,
    });
    const denied = await failure(wrongProject.send(message));
    expect(denied).toBeInstanceOf(PermanentEmailError);
    expect(denied).not.toBeInstanceOf(InvalidDeviceTokenError);
    expect(denied.message).toContain('403');
  });

  it.each([500, 503, 429])('makes a %i retryable', async (status) => {
    fake.server.failNext(1, status, 'The service is currently unavailable.', sendPath);
    const err = await failure(push.send(message));
    expect(err).not.toBeInstanceOf(PermanentEmailError);
    expect(err.message).toContain(String(status));
    await expect(push.send(message)).resolves.toHaveProperty('providerMessageId');
  });

  it('makes a send that gets no answer in time retryable', async () => {
    fake.server.hangNext(1, sendPath);
    const err = await failure(push.send(message));
    expect(err).not.toBeInstanceOf(PermanentEmailError);
    expect(err.message).toMatch(/500 ms/);
  });

  it('makes a token endpoint outage retryable, and a refused assertion permanent', async () => {
    fake.server.failNext(1, 503, 'Backend unavailable', tokenPath);
    const outage = await failure(push.send(message));
    expect(outage).not.toBeInstanceOf(PermanentEmailError);
    expect(outage.message).toMatch(/token/i);

    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = new FcmPush({
      serviceAccount: {
        ...fake.serviceAccount,
        private_key: stranger.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
      baseUrl: fake.url,
      now: () => clock,
    });
    const refused = await failure(forged.send(message));
    expect(refused).toBeInstanceOf(PermanentEmailError);
    expect(refused.message).toContain('invalid_grant');
    expect(refused.message).toContain('Invalid JWT Signature');
  });

  it('never puts the private key or an access token in an error message', async () => {
    const keyLines = fake.serviceAccount.private_key.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
    const errors: Error[] = [];
    await push.send(message);
    fake.server.failNext(1, 500, `backend saw token ${fake.accessTokens[0]}`, sendPath);
    errors.push(await failure(push.send(message)));
    fake.server.failNext(2, 401, `token ${fake.accessTokens[0]} rejected`, sendPath);
    errors.push(await failure(push.send(message)));
    fake.server.hangNext(1, sendPath);
    errors.push(await failure(push.send(message)));
    fake.unregister(deviceToken);
    errors.push(await failure(push.send(message)));
    errors.push(await failure(push.send({ ...message, token: 'bad' })));
    fake.server.replyNext(1, { status: 400, body: { error: 'invalid_grant', error_description: 'nope' } }, tokenPath);
    fake.revokeTokens();
    errors.push(await failure(push.send(message)));
    const unreachable = new FcmPush({
      serviceAccount: { ...fake.serviceAccount, token_uri: 'http://127.0.0.1:1/token' },
      baseUrl: 'http://127.0.0.1:1',
    });
    errors.push(await failure(unreachable.send(message)));
    errors.push(await failure(Promise.resolve().then(() => parseServiceAccount('{"private_key": "' + keyLines[0]))));
    errors.push(
      await failure(
        Promise.resolve().then(() =>
          parseServiceAccount(JSON.stringify({ ...fake.serviceAccount, type: fake.serviceAccount.private_key })),
        ),
      ),
    );
    errors.push(
      await failure(
        Promise.resolve().then(
          () =>
            new FcmPush({
              serviceAccount: { ...fake.serviceAccount, private_key: `${keyLines.join('\n')}\n` },
            }),
        ),
      ),
    );

    expect(errors).toHaveLength(10);
    expect(fake.accessTokens.length).toBeGreaterThan(0);
    for (const err of errors) {
      const text = `${err.message}\n${err.stack ?? ''}`;
      for (const line of keyLines) expect(text).not.toContain(line.slice(0, 24));
      for (const token of fake.accessTokens) expect(text).not.toContain(token);
    }
  });
});

describe('parseServiceAccount', () => {
  const valid = {
    type: 'service_account',
    project_id: 'gtm-prod',
    private_key_id: 'abc123',
    private_key: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n',
    client_email: 'fcm@gtm-prod.iam.gserviceaccount.com',
    token_uri: 'https://oauth2.googleapis.com/token',
  };

  it('reads the fields FcmPush needs', () => {
    expect(parseServiceAccount(JSON.stringify(valid))).toEqual({
      project_id: 'gtm-prod',
      client_email: 'fcm@gtm-prod.iam.gserviceaccount.com',
      private_key: valid.private_key,
      token_uri: 'https://oauth2.googleapis.com/token',
    });
    const { token_uri: _t, ...withoutUri } = valid;
    expect(parseServiceAccount(JSON.stringify(withoutUri))).not.toHaveProperty('token_uri');
  });

  it.each(['project_id', 'client_email', 'private_key'])('names a missing %s', (field) => {
    const { [field as keyof typeof valid]: _gone, ...rest } = valid;
    expect(() => parseServiceAccount(JSON.stringify(rest))).toThrow(field);
  });

  it('names the type field and its one valid value', () => {
    expect(() => parseServiceAccount(JSON.stringify({ ...valid, type: 'authorized_user' }))).toThrow(
      /type.*service_account/,
    );
  });

  it('says a private_key that is not PEM is not, without repeating it', () => {
    const err = (() => {
      try {
        parseServiceAccount(JSON.stringify({ ...valid, private_key: 'MIIEsecretbase64materialXYZ' }));
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err?.message).toContain('private_key');
    expect(err?.message).not.toContain('MIIEsecretbase64materialXYZ');
  });

  it('says invalid JSON is invalid without repeating it', () => {
    expect(() => parseServiceAccount('{"private_key": "MIIEsecret')).toThrow(/not valid JSON/);
    expect(() => parseServiceAccount('{"private_key": "MIIEsecret')).not.toThrow(/MIIEsecret/);
    expect(() => parseServiceAccount('[]')).toThrow(/object/);
  });
});
