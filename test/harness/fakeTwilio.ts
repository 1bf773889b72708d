import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { smsSegments, SMS_MAX_CHARACTERS } from '../../domain/sms';
import { twilioSignature } from '../../providers/sms/twilio';

/** A message the fake accepted, as its form fields carried it. */
export interface FakeTwilioMessage {
  /** The SID the fake answered with. */
  sid: string;
  to: string;
  body: string;
  from?: string;
  messagingServiceSid?: string;
  statusCallback?: string;
}

/** Options of startFakeTwilio. */
export interface FakeTwilioOptions {
  /** Defaults to a random AC... SID. */
  accountSid?: string;
  /** Defaults to a random 32-hex-digit token. */
  authToken?: string;
}

/** A running fake of Twilio's Messages API, and the webhooks Twilio would post. */
export interface FakeTwilio {
  /** Base URL to give the client as its baseUrl. */
  url: string;
  accountSid: string;
  authToken: string;
  /** Every message accepted, in order. */
  messages: FakeTwilioMessage[];
  /** Answers the next `times` (default 1) message requests with this status and Twilio error body. */
  failNext(status: number, code: number, message: string, times?: number): void;
  /** Leaves the next `times` (default 1) message requests without an answer until close. */
  hangNext(times?: number): void;
  /**
   * Posts a signed status callback for `message` to `callbackUrl`, else to the message's own StatusCallback. A
   * failed or undelivered status carries an ErrorCode.
   */
  sendStatusCallback(message: FakeTwilioMessage, status: string, callbackUrl?: string): Promise<Response>;
  /** Posts a signed inbound message webhook, as Twilio does when someone texts the number `to`. */
  sendInbound(url: string, message: { from: string; to: string; body: string }): Promise<Response>;
  close(): Promise<void>;
}

// The number Twilio's Messaging Services are pictured sending from, for callbacks of messages sent through one.
const SERVICE_NUMBER = '+15005550006';
const E164 = /^\+[1-9]\d{1,14}$/;
// Twilio's ErrorCode for an undelivered message (unreachable handset) and for a failed one (unknown error).
const CALLBACK_ERROR_CODES: Record<string, string> = { undelivered: '30003', failed: '30008' };

type Fault = { kind: 'error'; status: number; code: number; message: string } | { kind: 'hang' };

/**
 * A loopback HTTP server speaking the documented request and answer shapes of Twilio's
 * `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`: Basic auth with the account SID and auth token, a
 * form-encoded body, a 201 with the message resource, and Twilio's error body `{ code, message, more_info, status }`
 * for the refusals it imitates (20003 bad credentials, 20404 another account, 21211 To not E.164, 21602 no Body,
 * 21603 no sender, 21617 body too long).
 */
export async function startFakeTwilio(options: FakeTwilioOptions = {}): Promise<FakeTwilio> {
  const accountSid = options.accountSid ?? `AC${randomBytes(16).toString('hex')}`;
  const authToken = options.authToken ?? randomBytes(16).toString('hex');
  const messages: FakeTwilioMessage[] = [];
  const faults: Fault[] = [];
  const path = `/2010-04-01/Accounts/${accountSid}/Messages.json`;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      const refuse = (status: number, code: number, message: string): void =>
        reply(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

      const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return refuse(401, 20003, 'Authenticate');
      if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://fake').pathname !== path) {
        return refuse(404, 20404, `The requested resource ${req.url ?? ''} was not found`);
      }
      const fault = faults.shift();
      if (fault?.kind === 'hang') return;
      if (fault) return refuse(fault.status, fault.code, fault.message);

      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const to = form.get('To') ?? '';
      const body = form.get('Body') ?? '';
      const from = form.get('From') ?? undefined;
      const messagingServiceSid = form.get('MessagingServiceSid') ?? undefined;
      const statusCallback = form.get('StatusCallback') ?? undefined;
      if (!E164.test(to)) return refuse(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      if (!body) return refuse(400, 21602, 'Message body is required.');
      if (body.length > SMS_MAX_CHARACTERS) {
        return refuse(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
      }
      if (!from && !messagingServiceSid) return refuse(400, 21603, "A 'From' phone number is required.");

      const sid = `SM${randomBytes(16).toString('hex')}`;
      messages.push({
        sid,
        to,
        body,
        ...(from ? { from } : {}),
        ...(messagingServiceSid ? { messagingServiceSid } : {}),
        ...(statusCallback ? { statusCallback } : {}),
      });
      const now = new Date().toUTCString().replace('GMT', '+0000');
      reply(201, {
        account_sid: accountSid,
        api_version: '2010-04-01',
        body,
        date_created: now,
        date_sent: null,
        date_updated: now,
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        // Through a Messaging Service the sender is chosen later, and the message starts as accepted.
        from: from ?? null,
        messaging_service_sid: messagingServiceSid ?? null,
        num_media: '0',
        num_segments: String(smsSegments(body).segments),
        price: null,
        price_unit: 'USD',
        sid,
        status: from ? 'queued' : 'accepted',
        subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
        to,
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const post = (target: string, params: Record<string, string>): Promise<Response> =>
    fetch(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': 'TwilioProxy/1.1',
        'x-twilio-signature': twilioSignature(authToken, target, params),
      },
      body: new URLSearchParams(params).toString(),
    });

  return {
    url,
    accountSid,
    authToken,
    messages,
    failNext(status, code, message, times = 1) {
      for (let i = 0; i < times; i++) faults.push({ kind: 'error', status, code, message });
    },
    hangNext(times = 1) {
      for (let i = 0; i < times; i++) faults.push({ kind: 'hang' });
    },
    sendStatusCallback(message, status, callbackUrl) {
      const target = callbackUrl ?? message.statusCallback;
      if (!target) throw new Error(`message ${message.sid} has no statusCallback: pass callbackUrl`);
      const errorCode = CALLBACK_ERROR_CODES[status];
      return post(target, {
        AccountSid: accountSid,
        ApiVersion: '2010-04-01',
        From: message.from ?? SERVICE_NUMBER,
        MessageSid: message.sid,
        MessageStatus: status,
        SmsSid: message.sid,
        SmsStatus: status,
        To: message.to,
        ...(message.messagingServiceSid ? { MessagingServiceSid: message.messagingServiceSid } : {}),
        ...(errorCode ? { ErrorCode: errorCode } : {}),
      });
    },
    sendInbound(target, { from, to, body }) {
      const sid = `SM${randomBytes(16).toString('hex')}`;
      return post(target, {
        AccountSid: accountSid,
        ApiVersion: '2010-04-01',
        Body: body,
        From: from,
        MessageSid: sid,
        NumMedia: '0',
        NumSegments: String(Math.max(1, smsSegments(body).segments)),
        SmsMessageSid: sid,
        SmsSid: sid,
        SmsStatus: 'received',
        To: to,
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
