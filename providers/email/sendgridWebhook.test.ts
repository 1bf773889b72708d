import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { parseSendGridEvents, parseSendGridPublicKey, verifySendGridRequest } from './sendgridWebhook';

/** A key pair as SendGrid holds it: the public half shown in its settings as base64 DER SPKI. */
function sendGridKeys(): { privateKey: KeyObject; publicKeyBase64: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicKeyBase64: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') };
}

/** Signs as SendGrid does: ECDSA P-256 over SHA-256 of timestamp + raw body, DER signature in base64. */
function signRequest(privateKey: KeyObject, timestamp: string, rawBody: Buffer): string {
  return sign('sha256', Buffer.concat([Buffer.from(timestamp, 'utf8'), rawBody]), privateKey).toString('base64');
}

describe('verifySendGridRequest', () => {
  const sendGrid = sendGridKeys();
  const key = parseSendGridPublicKey(sendGrid.publicKeyBase64);
  const now = Date.UTC(2025, 5, 2, 9, 30, 0);
  const timestamp = String(Math.floor(now / 1000));
  const rawBody = Buffer.from(
    JSON.stringify([
      { email: 'ada@example.com', event: 'delivered', sg_event_id: 'ev-1', timestamp: Math.floor(now / 1000) },
    ]),
  );

  it('accepts a request SendGrid signed', () => {
    const signature = signRequest(sendGrid.privateKey, timestamp, rawBody);
    expect(verifySendGridRequest({ key, signature, timestamp, rawBody, now })).toEqual({ ok: true });
  });

  it('accepts a timestamp within the tolerance either side of now', () => {
    const early = String(Math.floor(now / 1000) - 299);
    const late = String(Math.floor(now / 1000) + 299);
    for (const ts of [early, late]) {
      const signature = signRequest(sendGrid.privateKey, ts, rawBody);
      expect(verifySendGridRequest({ key, signature, timestamp: ts, rawBody, now })).toEqual({ ok: true });
    }
  });

  it('refuses a body changed after signing with 403', () => {
    const signature = signRequest(sendGrid.privateKey, timestamp, rawBody);
    const tampered = Buffer.from(rawBody.toString('utf8').replace('delivered', 'bounce'));
    const result = verifySendGridRequest({ key, signature, timestamp, rawBody: tampered, now });
    expect(result).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses a signature whose timestamp header was swapped with 403', () => {
    const signature = signRequest(sendGrid.privateKey, timestamp, rawBody);
    const other = String(Math.floor(now / 1000) - 10);
    expect(verifySendGridRequest({ key, signature, timestamp: other, rawBody, now })).toMatchObject({
      ok: false,
      status: 403,
    });
  });

  it('refuses a signature made with another key with 403', () => {
    const impostor = sendGridKeys();
    const signature = signRequest(impostor.privateKey, timestamp, rawBody);
    const result = verifySendGridRequest({ key, signature, timestamp, rawBody, now });
    expect(result).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses a correctly signed request whose timestamp is ten minutes old with 403', () => {
    const stale = String(Math.floor(now / 1000) - 600);
    const signature = signRequest(sendGrid.privateKey, stale, rawBody);
    const result = verifySendGridRequest({ key, signature, timestamp: stale, rawBody, now });
    expect(result).toMatchObject({ ok: false, status: 403 });
    if (!result.ok) expect(result.reason).toMatch(/timestamp/i);
  });

  it('refuses a timestamp ten minutes in the future with 403', () => {
    const future = String(Math.floor(now / 1000) + 600);
    const signature = signRequest(sendGrid.privateKey, future, rawBody);
    expect(verifySendGridRequest({ key, signature, timestamp: future, rawBody, now })).toMatchObject({
      ok: false,
      status: 403,
    });
  });

  it('honours a custom tolerance', () => {
    const old = String(Math.floor(now / 1000) - 600);
    const signature = signRequest(sendGrid.privateKey, old, rawBody);
    expect(verifySendGridRequest({ key, signature, timestamp: old, rawBody, now, toleranceSeconds: 900 })).toEqual({
      ok: true,
    });
  });

  it('refuses a request without the signature or timestamp header with 401', () => {
    const signature = signRequest(sendGrid.privateKey, timestamp, rawBody);
    for (const headers of [
      { signature: undefined, timestamp },
      { signature, timestamp: undefined },
      { signature: undefined, timestamp: undefined },
      { signature: '', timestamp },
    ]) {
      const result = verifySendGridRequest({ key, ...headers, rawBody, now });
      expect(result).toMatchObject({ ok: false, status: 401 });
    }
  });

  it('refuses a malformed timestamp with 403', () => {
    for (const bad of ['yesterday', '1.7e9', '-1', ' 1748856600']) {
      const signature = signRequest(sendGrid.privateKey, bad, rawBody);
      expect(verifySendGridRequest({ key, signature, timestamp: bad, rawBody, now })).toMatchObject({
        ok: false,
        status: 403,
      });
    }
  });

  it('refuses a garbage signature with 403 without throwing', () => {
    for (const garbage of ['not-a-signature!!', 'AAAA', Buffer.from('hello').toString('base64'), '====']) {
      const result = verifySendGridRequest({ key, signature: garbage, timestamp, rawBody, now });
      expect(result).toMatchObject({ ok: false, status: 403 });
    }
  });

  it('never echoes the body in its reason', () => {
    const secretBody = Buffer.from('[{"email":"private-person@example.com"}]');
    const signature = signRequest(sendGrid.privateKey, timestamp, rawBody);
    const result = verifySendGridRequest({ key, signature, timestamp, rawBody: secretBody, now });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).not.toContain('private-person');
  });
});

describe('parseSendGridPublicKey', () => {
  it('reads the key SendGrid shows, with stray whitespace from copy and paste', () => {
    const { publicKeyBase64 } = sendGridKeys();
    const key = parseSendGridPublicKey(`  ${publicKeyBase64}\n`);
    expect(key.type).toBe('public');
    expect(key.asymmetricKeyType).toBe('ec');
  });

  it.each([
    ['an empty value', ''],
    ['a value that is not base64', 'this is not a key!'],
    ['base64 that is not a key', Buffer.from('hello world').toString('base64')],
    [
      'a key on another curve',
      generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
        .publicKey.export({ format: 'der', type: 'spki' })
        .toString('base64'),
    ],
    [
      'an RSA key',
      generateKeyPairSync('rsa', { modulusLength: 1024 })
        .publicKey.export({ format: 'der', type: 'spki' })
        .toString('base64'),
    ],
  ])('refuses %s with an error that names the variable and what it expects', (_label, value) => {
    expect(() => parseSendGridPublicKey(value)).toThrow(/SENDGRID_WEBHOOK_PUBLIC_KEY/);
    expect(() => parseSendGridPublicKey(value)).toThrow(/P-256/);
  });
});

describe('parseSendGridEvents', () => {
  // Today's X-Message-Id as Mail Send returns it, and as the webhook reports it with a filter suffix.
  const messageId = 'W86EgYT6SQKk0lRflfLRsA';
  const sgMessageId = `${messageId}.filterdrecv-p3las1-5bf99c48d-zbfv2-18-5D7A8C1C-C.0`;
  const base = {
    email: 'Example@Test.com ',
    timestamp: 1513299569,
    'smtp-id': '<14c5d75ce93.dfd.64b469@ismtpd-555>',
    category: 'cat facts',
    sg_message_id: sgMessageId,
    idempotency_key: 'send-42',
  };
  const batch = [
    { ...base, event: 'processed', sg_event_id: 'rbtnWrG1DVDGGGFHFyun0A==' },
    {
      ...base,
      event: 'deferred',
      sg_event_id: 'qK1MxfAaE_ukyyNsjxTpkw==',
      response: '400 try again later',
      attempt: '5',
    },
    { ...base, event: 'delivered', sg_event_id: 'hqFbp3HH9WxIM0R2-x2M1Q==', response: '250 OK', ip: '168.1.1.1' },
    {
      ...base,
      event: 'open',
      sg_event_id: 'FOTFFO0ecsBE-zxFXfs6WA==',
      sg_machine_open: true,
      useragent: 'Mozilla/4.0 (compatible; MSIE 6.1; Windows XP; .NET CLR 1.1.4322; .NET CLR 2.0.50727)',
      ip: '255.255.255.255',
    },
    {
      ...base,
      event: 'click',
      sg_event_id: 'kCAi1KttyQdEKHhdC-nuEA==',
      useragent: 'Mozilla/5.0 (Windows NT 5.1) AppleWebKit/537.36',
      ip: '255.255.255.255',
      url: 'http://www.sendgrid.com/',
    },
    {
      ...base,
      event: 'bounce',
      sg_event_id: '6g4ZI7SA-xmRDv57GoPIPw==',
      reason: '500 unknown recipient',
      status: '5.0.0',
      type: 'bounce',
      bounce_classification: 'Invalid Address',
    },
    {
      ...base,
      event: 'bounce',
      sg_event_id: 'Bb7W8bK2T0GIfVmYmvLYoA==',
      reason: '550 5.7.1 blocked by policy',
      status: '5.7.1',
      type: 'blocked',
      bounce_classification: 'Reputation',
    },
    {
      ...base,
      event: 'dropped',
      sg_event_id: 'zmzJhfJgAfUSOW80yEbPyw==',
      reason: 'Bounced Address',
      status: '5.0.0',
    },
    { ...base, event: 'spamreport', sg_event_id: '37nvH5QBz858KGVYCM4uOA==' },
    {
      ...base,
      event: 'unsubscribe',
      sg_event_id: 'zz_BjPgU_5pS-J8vlfB1sg==',
    },
    { ...base, event: 'group_unsubscribe', sg_event_id: 'ahSCB7xYcXFb-hEaawsPRw==', asm_group_id: 10 },
    { ...base, event: 'group_resubscribe', sg_event_id: 'w_u0vJhLT-OFfprar5N93g==', asm_group_id: 10 },
  ];

  it('maps a batch of SendGrid events to the statuses of our message log', () => {
    const result = parseSendGridEvents(batch);
    expect(result.invalid).toEqual([]);
    expect(result.ignored).toBe(2); // processed, group_resubscribe
    expect(result.events.map((e) => e.status)).toEqual([
      'deferred',
      'delivered',
      'opened',
      'clicked',
      'bounced',
      'bounced',
      'dropped',
      'complained',
      'unsubscribed',
      'unsubscribed',
    ]);
    for (const event of result.events) {
      expect(event).toMatchObject({
        provider: 'sendgrid',
        email: 'example@test.com',
        idempotencyKey: 'send-42',
        providerMessageId: messageId,
        occurredAt: new Date('2017-12-15T00:59:29.000Z'),
      });
    }
    expect(result.events.map((e) => e.eventId)).toEqual(
      batch.filter((e) => !['processed', 'group_resubscribe'].includes(e.event)).map((e) => e.sg_event_id),
    );
  });

  it('carries the fields each kind of event needs', () => {
    const [deferred, delivered, open, click, hard, soft, dropped] = parseSendGridEvents(batch).events;
    expect(deferred!.reason).toBe('400 try again later');
    expect(delivered!.reason).toBeUndefined();
    expect(delivered!.ip).toBeUndefined();
    expect(open).toMatchObject({ machine: true, ip: '255.255.255.255', userAgent: expect.stringMatching(/^Mozilla/) });
    expect(click).toMatchObject({ url: 'http://www.sendgrid.com/', ip: '255.255.255.255' });
    expect(click!.machine).toBeUndefined(); // SendGrid flags machine opens only; a click it does not judge
    expect(hard).toMatchObject({ bounceType: 'hard', reason: '500 unknown recipient' });
    expect(soft).toMatchObject({ bounceType: 'soft', reason: '550 5.7.1 blocked by policy' });
    expect(dropped).toMatchObject({ reason: 'Bounced Address' });
    expect(dropped!.bounceType).toBeUndefined();
  });

  it('treats an open without sg_machine_open as a human open, and a bounce without type as hard', () => {
    const { events } = parseSendGridEvents([
      { email: 'a@example.com', timestamp: 1700000000, event: 'open', sg_event_id: 'o1' },
      { email: 'a@example.com', timestamp: 1700000000, event: 'bounce', sg_event_id: 'b1', reason: 'gone' },
    ]);
    expect(events[0]).toMatchObject({ status: 'opened', machine: false });
    expect(events[1]).toMatchObject({ status: 'bounced', bounceType: 'hard', reason: 'gone' });
    expect(events[0]!.providerMessageId).toBeUndefined();
    expect(events[0]!.idempotencyKey).toBeUndefined();
  });

  it('keeps a message id that has no filter suffix as it is', () => {
    const { events } = parseSendGridEvents([
      { email: 'a@example.com', timestamp: 1700000000, event: 'delivered', sg_event_id: 'd1', sg_message_id: 'abc' },
    ]);
    expect(events[0]!.providerMessageId).toBe('abc');
  });

  it('counts event names it does not know as ignored', () => {
    const result = parseSendGridEvents([
      { email: 'a@example.com', timestamp: 1700000000, event: 'account_status_change', sg_event_id: 'x1' },
    ]);
    expect(result).toEqual({ events: [], ignored: 1, invalid: [] });
  });

  it('sets a malformed element aside with its index and the field at fault, and parses the rest', () => {
    const [first, second] = batch.filter((e) => e.event === 'delivered' || e.event === 'click');
    const result = parseSendGridEvents([
      first,
      { ...base, event: 'delivered', timestamp: '1513299569' }, // no sg_event_id, timestamp as a string
      'not an event',
      second,
    ]);
    expect(result.events.map((e) => e.status)).toEqual(['delivered', 'clicked']);
    expect(result.invalid).toHaveLength(2);
    expect(result.invalid[0]!.index).toBe(1);
    expect(result.invalid[0]!.error).toMatch(/sg_event_id/);
    expect(result.invalid[0]!.error).toMatch(/timestamp/);
    expect(result.invalid[1]!.index).toBe(2);
    expect(result.ignored).toBe(0);
  });

  it('refuses a body that is not an array', () => {
    expect(() => parseSendGridEvents({ event: 'delivered' })).toThrow(/array/);
    expect(() => parseSendGridEvents(null)).toThrow(/array/);
    expect(() => parseSendGridEvents('[]')).toThrow(/array/);
  });

  it('accepts an empty batch', () => {
    expect(parseSendGridEvents([])).toEqual({ events: [], ignored: 0, invalid: [] });
  });
});
