import { createHmac } from 'node:crypto';
import { createTokenMemory, parseMailgunEvent, verifyMailgunSignature } from './mailgunWebhook';

const signingKey = 'whsec-mailgun-signing-key-0123456789';
const now = 1_700_000_100_000; // ms, 100 s after the signatures' timestamp
const timestamp = '1700000000';
const token = 'e0b5477167110d68991efc6b9f89f0a11066af27834600e123';

function sign(ts: string, tok: string, key = signingKey): string {
  return createHmac('sha256', key)
    .update(ts + tok)
    .digest('hex');
}

const signed = { timestamp, token, signature: sign(timestamp, token) };

describe('verifyMailgunSignature', () => {
  it('accepts a signature made with the signing key over timestamp + token', () => {
    expect(verifyMailgunSignature({ signingKey, signature: signed, now })).toEqual({ ok: true });
  });

  it('accepts a hex signature in upper case, and a numeric timestamp', () => {
    const upper = { ...signed, signature: signed.signature.toUpperCase(), timestamp: Number(timestamp) };
    expect(verifyMailgunSignature({ signingKey, signature: upper, now })).toEqual({ ok: true });
  });

  it('refuses with 403 when the timestamp or the token was changed', () => {
    const later = verifyMailgunSignature({ signingKey, signature: { ...signed, timestamp: '1700000050' }, now });
    expect(later).toEqual({ ok: false, status: 403, reason: expect.stringMatching(/does not match/) });
    const otherToken = verifyMailgunSignature({ signingKey, signature: { ...signed, token: `${token}x` }, now });
    expect(otherToken).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses with 403 a signature made with another key', () => {
    const forged = { timestamp, token, signature: sign(timestamp, token, 'another-key') };
    expect(verifyMailgunSignature({ signingKey, signature: forged, now })).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses with 403 a signature that is not 64 hex digits', () => {
    for (const signature of ['zz'.repeat(32), signed.signature.slice(0, 62), `${signed.signature}00`]) {
      const check = verifyMailgunSignature({ signingKey, signature: { ...signed, signature }, now });
      expect(check).toEqual({ ok: false, status: 403, reason: expect.stringMatching(/hex/) });
    }
  });

  it('refuses with 403 a well-signed timestamp older or newer than the tolerance', () => {
    const old = verifyMailgunSignature({ signingKey, signature: signed, now: now + 301_000 });
    expect(old).toEqual({ ok: false, status: 403, reason: expect.stringMatching(/timestamp/) });
    const future = verifyMailgunSignature({ signingKey, signature: signed, now: 1_700_000_000_000 - 301_000 });
    expect(future).toMatchObject({ ok: false, status: 403 });
    const lenient = verifyMailgunSignature({
      signingKey,
      signature: signed,
      now: now + 301_000,
      toleranceSeconds: 900,
    });
    expect(lenient).toEqual({ ok: true });
  });

  it('refuses with 403 a token seen before, and remembers only tokens of valid signatures', () => {
    const seenToken = createTokenMemory();
    const forged = { ...signed, signature: sign(timestamp, token, 'another-key') };
    expect(verifyMailgunSignature({ signingKey, signature: forged, now, seenToken })).toMatchObject({ status: 403 });
    // The forged request did not use up the genuine token.
    expect(verifyMailgunSignature({ signingKey, signature: signed, now, seenToken })).toEqual({ ok: true });
    expect(verifyMailgunSignature({ signingKey, signature: signed, now, seenToken })).toEqual({
      ok: false,
      status: 403,
      reason: expect.stringMatching(/replay/),
    });
  });

  it('refuses with 401 when the signature object or one of its fields is missing', () => {
    for (const signature of [
      undefined,
      null,
      'a string',
      {},
      { token, signature: signed.signature },
      { timestamp, signature: signed.signature },
      { timestamp, token },
      { timestamp, token, signature: '' },
    ]) {
      expect(verifyMailgunSignature({ signingKey, signature, now })).toMatchObject({ ok: false, status: 401 });
    }
  });

  it("accepts a subaccount's event by its parent-signature when the key is the primary account's", () => {
    const subaccount = {
      ...signed,
      signature: sign(timestamp, token, 'subaccount-key'),
      'parent-signature': sign(timestamp, token),
    };
    expect(verifyMailgunSignature({ signingKey, signature: subaccount, now })).toEqual({ ok: true });
    const bothWrong = { ...subaccount, 'parent-signature': sign(timestamp, token, 'yet-another-key') };
    expect(verifyMailgunSignature({ signingKey, signature: bothWrong, now })).toMatchObject({ ok: false, status: 403 });
  });
});

describe('createTokenMemory', () => {
  it('answers false the first time a token is seen and true after', () => {
    const seen = createTokenMemory();
    expect(seen('a')).toBe(false);
    expect(seen('a')).toBe(true);
    expect(seen('b')).toBe(false);
  });

  it('stays within its bound by forgetting the least recently seen tokens', () => {
    const seen = createTokenMemory(2);
    seen('a');
    seen('b');
    seen('c');
    expect(seen('c')).toBe(true);
    expect(seen('b')).toBe(true);
    expect(seen('a')).toBe(false); // forgotten to make room for c
  });
});

// Event payloads in the shape of the samples in Mailgun's documentation.
const signature = signed;
const headers = {
  to: 'Ada Lovelace <Ada@Example.com>',
  'message-id': '20261202093012.5c1b2a7f3e9d4c10@mg.gtm.example',
  from: 'GTM Strategist <hello@gtm.example>',
  subject: 'Your trial ends Friday',
};
const common = {
  timestamp: 1700000000.123456,
  recipient: 'Ada@Example.com',
  'recipient-domain': 'example.com',
  tags: [],
  campaigns: [],
  'user-variables': { idempotency_key: 'send-42' },
  flags: { 'is-routed': false, 'is-authenticated': true, 'is-system-test': false, 'is-test-mode': false },
  message: { headers, attachments: [], size: 2471 },
};
const clientInfo = {
  'client-name': 'Thunderbird',
  'client-os': 'Linux',
  'client-type': 'mobile browser',
  'device-type': 'desktop',
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.0',
};
const geolocation = { country: 'US', region: 'CA', city: 'San Francisco' };

const webhook = (data: Record<string, unknown>) => ({ signature, 'event-data': { ...common, ...data } });
const engagement = { 'log-level': 'info', ip: '50.56.129.169', geolocation, 'client-info': clientInfo };

const delivered = webhook({
  id: 'CPgfbmQMTCKtHW6uIWtuVe',
  event: 'delivered',
  'log-level': 'info',
  envelope: { transport: 'smtp', sender: 'bounce@mg.gtm.example', 'sending-ip': '209.61.154.250' },
  'delivery-status': {
    tls: true,
    'mx-host': 'smtp-in.example.com',
    code: 250,
    description: '',
    'session-seconds': 0.433,
    'attempt-no': 1,
    message: 'OK',
    'certificate-verified': true,
  },
});

const permanentFailure = webhook({
  id: 'G9Bn5sl1TC6nu79C8C0bwg',
  event: 'failed',
  'log-level': 'error',
  severity: 'permanent',
  reason: 'bounce',
  'delivery-status': {
    'attempt-no': 1,
    message: '',
    code: 550,
    description:
      "5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos",
    'session-seconds': 0.0,
  },
});

const temporaryFailure = webhook({
  id: 'Fs7-5t81S2ueuUi0tQBVQw',
  event: 'failed',
  'log-level': 'warn',
  severity: 'temporary',
  reason: 'generic',
  'delivery-status': {
    'mx-host': 'mx1.example.com',
    'attempt-no': 2,
    description: null,
    'retry-seconds': 900,
    code: 452,
    message: '452 4.2.2 The email account that you tried to reach is over quota.',
  },
});

const suppressed = webhook({
  id: 'aKc3FtRcQ8i3bXh-rQ7vPw',
  event: 'failed',
  'log-level': 'error',
  severity: 'permanent',
  reason: 'suppress-bounce',
  'delivery-status': {
    'attempt-no': 1,
    message: '',
    code: 605,
    description: 'Not delivering to previously bounced address',
  },
});

const complained = webhook({ id: '-Agny091SquKnsrW2NEKUA', event: 'complained', 'log-level': 'warn' });
const opened = webhook({ ...engagement, id: 'Ase7i2zsRYeDXztHGENqRA', event: 'opened' });
const clicked = webhook({
  ...engagement,
  id: 'Ase7i2zsRYeDXztHGENqRB',
  event: 'clicked',
  url: 'https://gtm.example/pricing?utm_source=email',
});
const unsubscribed = webhook({ ...engagement, id: 'Ase7i2zsRYeDXztHGENqRC', event: 'unsubscribed' });

const matching = {
  provider: 'mailgun',
  email: 'ada@example.com',
  idempotencyKey: 'send-42',
  providerMessageId: '20261202093012.5c1b2a7f3e9d4c10@mg.gtm.example',
  occurredAt: new Date(1700000000123),
};

describe('parseMailgunEvent', () => {
  it('reads a delivery, with the ids that match it to our message', () => {
    expect(parseMailgunEvent(delivered)).toEqual({
      event: { ...matching, eventId: 'CPgfbmQMTCKtHW6uIWtuVe', status: 'delivered' },
    });
  });

  it("reads a permanent failure as a hard bounce with the receiving server's words", () => {
    expect(parseMailgunEvent(permanentFailure).event).toEqual({
      ...matching,
      eventId: 'G9Bn5sl1TC6nu79C8C0bwg',
      status: 'bounced',
      bounceType: 'hard',
      reason: expect.stringContaining('5.1.1 The email account that you tried to reach does not exist'),
    });
  });

  it('reads a temporary failure as a deferral', () => {
    expect(parseMailgunEvent(temporaryFailure).event).toEqual({
      ...matching,
      eventId: 'Fs7-5t81S2ueuUi0tQBVQw',
      status: 'deferred',
      reason: '452 4.2.2 The email account that you tried to reach is over quota.',
    });
  });

  it('reads a send Mailgun refused for its own suppression list as dropped, not as a new bounce', () => {
    expect(parseMailgunEvent(suppressed).event).toMatchObject({
      status: 'dropped',
      reason: 'Not delivering to previously bounced address',
    });
    expect(parseMailgunEvent(suppressed).event).not.toHaveProperty('bounceType');
  });

  it('falls back to the failure reason when the delivery status says nothing', () => {
    const bare = {
      ...permanentFailure,
      'event-data': {
        ...permanentFailure['event-data'],
        'delivery-status': { code: 550, message: '', description: '' },
      },
    };
    expect(parseMailgunEvent(bare).event?.reason).toBe('bounce');
  });

  it('reads a complaint and an unsubscribe', () => {
    expect(parseMailgunEvent(complained).event).toEqual({
      ...matching,
      eventId: '-Agny091SquKnsrW2NEKUA',
      status: 'complained',
    });
    expect(parseMailgunEvent(unsubscribed).event).toMatchObject({
      ...matching,
      eventId: 'Ase7i2zsRYeDXztHGENqRC',
      status: 'unsubscribed',
    });
  });

  it('reads an open by a person, with its client and address', () => {
    expect(parseMailgunEvent(opened).event).toEqual({
      ...matching,
      eventId: 'Ase7i2zsRYeDXztHGENqRA',
      status: 'opened',
      userAgent: clientInfo['user-agent'],
      ip: '50.56.129.169',
      machine: false,
    });
  });

  it('reads a click with its link', () => {
    expect(parseMailgunEvent(clicked).event).toEqual({
      ...matching,
      eventId: 'Ase7i2zsRYeDXztHGENqRB',
      status: 'clicked',
      url: 'https://gtm.example/pricing?utm_source=email',
      userAgent: clientInfo['user-agent'],
      ip: '50.56.129.169',
      machine: false,
    });
  });

  it("marks opens and clicks Mailgun's bot detection attributes to a machine", () => {
    const withClient = (payload: typeof opened, info: Record<string, unknown>) => ({
      ...payload,
      'event-data': { ...payload['event-data'], 'client-info': { ...clientInfo, ...info } },
    });
    expect(parseMailgunEvent(withClient(opened, { bot: 'apple', 'client-name': 'unknown' })).event?.machine).toBe(true);
    expect(parseMailgunEvent(withClient(clicked, { bot: 'generic' })).event?.machine).toBe(true);
    expect(parseMailgunEvent(withClient(clicked, { bot: '' })).event?.machine).toBe(false);
    expect(
      parseMailgunEvent(withClient(opened, { 'client-name': 'Apple Mail Privacy Protection' })).event?.machine,
    ).toBe(true);
  });

  it('keeps angle brackets off a message id that carries them', () => {
    const bracketed = {
      ...delivered,
      'event-data': {
        ...delivered['event-data'],
        message: { headers: { ...headers, 'message-id': `<${headers['message-id']}>` } },
      },
    };
    expect(parseMailgunEvent(bracketed).event?.providerMessageId).toBe(headers['message-id']);
  });

  it('reads an event without our variables, which then matches by message id alone', () => {
    const foreign = { ...delivered, 'event-data': { ...delivered['event-data'], 'user-variables': {} } };
    const { event } = parseMailgunEvent(foreign);
    expect(event).not.toHaveProperty('idempotencyKey');
    expect(event?.providerMessageId).toBe(headers['message-id']);
  });

  it('ignores events that say nothing about delivery or engagement', () => {
    for (const kind of ['accepted', 'stored', 'rejected', 'list_member_uploaded']) {
      const other = { signature, 'event-data': { ...common, id: `id-${kind}`, event: kind } };
      const parsed = parseMailgunEvent(other);
      expect(parsed.event).toBeUndefined();
      expect(parsed.ignored).toContain(kind);
    }
  });

  it('calls a body without event-data, or without its id, kind or time, invalid', () => {
    const data = delivered['event-data'];
    for (const body of [
      undefined,
      'delivered',
      { signature },
      { signature, 'event-data': { ...data, id: undefined } },
      { signature, 'event-data': { ...data, event: 42 } },
      { signature, 'event-data': { ...data, timestamp: 'yesterday' } },
      { signature, 'event-data': { ...data, severity: undefined, event: 'failed' } },
    ]) {
      const parsed = parseMailgunEvent(body);
      expect(parsed.event).toBeUndefined();
      expect(parsed.invalid).toEqual(expect.any(String));
    }
  });

  it('drops a malformed optional field instead of the whole event', () => {
    const odd = { ...opened, 'event-data': { ...opened['event-data'], ip: 12345, 'client-info': 'n/a' } };
    expect(parseMailgunEvent(odd).event).toEqual({
      ...matching,
      eventId: 'Ase7i2zsRYeDXztHGENqRA',
      status: 'opened',
      machine: false,
    });
  });
});
