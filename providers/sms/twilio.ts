import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { MessageStatus } from '../../domain/messages';
import { callProviderApi, refusalDetail } from '../email/httpApi';
import { PermanentEmailError } from '../email/types';

/** One text message to send. */
export interface SmsMessage {
  /** The recipient in E.164, e.g. +14155550123 (see normalizePhone). */
  to: string;
  body: string;
  /** Stable per send; stands in for the provider's id when an accepted send comes back without one. */
  idempotencyKey: string;
  /** Where the provider posts the message's delivery statuses. */
  statusCallback?: string;
}

/**
 * One way to deliver a text message. `send` resolves once the provider accepted the message, throws
 * PermanentEmailError when it never will (with `recipientRejected` when the number itself cannot take it), and
 * throws anything else for a failure worth retrying. Aborting `signal` stops a send in flight.
 */
export interface SmsProvider {
  readonly name: string;
  send(message: SmsMessage, signal?: AbortSignal): Promise<{ providerMessageId: string }>;
}

/** Options of the Twilio SMS provider: exactly one of `from` and `messagingServiceSid`. */
export interface TwilioSmsOptions {
  /** The account's SID, AC followed by 32 hex digits. */
  accountSid: string;
  authToken: string;
  /** The sending number in E.164. */
  from?: string;
  /** A Messaging Service (MG...) that picks the sending number from its pool. */
  messagingServiceSid?: string;
  /** Defaults to https://api.twilio.com; tests point it at a local fake. */
  baseUrl?: string;
  /** Per request, including reading the answer; defaults to 10 000. */
  timeoutMs?: number;
}

/**
 * Twilio error codes that mean this number cannot be texted from here, so retrying or resending is pointless until
 * the recipient or the account changes: treat the recipient like a hard bounce.
 */
export const TWILIO_RECIPIENT_REJECTED_CODES: readonly number[] = [
  21211, // invalid 'To' phone number
  21408, // permission to send to the region of the 'To' number is not enabled
  21610, // the recipient replied STOP: Twilio blocks messages to them
  21612, // the 'To' number cannot be reached from the sending number (unsupported route or carrier)
  21614, // the 'To' number is not a mobile number
];

// Statuses after which the same request can succeed: a timeout and rate limiting. The rest of 4xx is final.
const RETRYABLE_4XX = new Set([408, 429]);

const errorBody = z.looseObject({
  code: z.number().int().optional().catch(undefined),
  message: z.string().optional().catch(undefined),
  more_info: z.string().optional().catch(undefined),
});
const acceptedBody = z.looseObject({ sid: z.string().min(1) });

/**
 * Sends text messages through Twilio's Programmable Messaging API (Messages.json) over fetch. Twilio has no
 * request-level deduplication: a timeout after Twilio accepted a message can, on retry, send it twice.
 */
export class TwilioSms implements SmsProvider {
  readonly name = 'twilio';
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly sender: Record<string, string>;
  private readonly authorization: string;
  private readonly scrub: (text: string) => string;

  constructor(options: TwilioSmsOptions) {
    if (!options.accountSid) throw new Error('accountSid is required: the AC... SID of the Twilio account');
    if (!options.authToken) throw new Error('authToken is required: the auth token of the Twilio account');
    if (!options.from === !options.messagingServiceSid) {
      throw new Error('give exactly one of from (a sending number) and messagingServiceSid (an MG... SID)');
    }
    const baseUrl = (options.baseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
    this.url = `${baseUrl}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.sender = options.from ? { From: options.from } : { MessagingServiceSid: options.messagingServiceSid! };
    const credentials = Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64');
    this.authorization = `Basic ${credentials}`;
    // The token can surface as itself in an echoed message, or Basic-encoded in an echoed header.
    const secrets = [options.authToken, credentials];
    this.scrub = (text) => secrets.reduce((t, secret) => t.split(secret).join('[redacted]'), text);
  }

  /** Asks Twilio to send `message`; resolves with the message's SID (SM...). */
  async send(message: SmsMessage, signal?: AbortSignal): Promise<{ providerMessageId: string }> {
    const form = new URLSearchParams({
      To: message.to,
      Body: message.body,
      ...this.sender,
      ...(message.statusCallback ? { StatusCallback: message.statusCallback } : {}),
    });
    const { status, text } = await callProviderApi(
      'Twilio',
      this.url,
      {
        headers: { authorization: this.authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      },
      { timeoutMs: this.timeoutMs, fetch, scrub: this.scrub, ...(signal ? { signal } : {}) },
    );
    if (status >= 200 && status < 300) {
      // Accepted without a SID should not happen; retrying would send it again, so the key stands in for the id.
      return { providerMessageId: acceptedSid(text) ?? `idempotency:${message.idempotencyKey}` };
    }
    throw this.refusal(status, text);
  }

  /** The error a non-2xx answer is: permanent for a 4xx that no retry can fix, otherwise worth retrying. */
  private refusal(status: number, text: string): Error {
    const code = errorCode(text);
    const detail = this.scrub(refusalDetail(status, text, twilioMessage));
    const what = code === undefined ? `${status}` : `${status}, code ${code}`;
    if (status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)) {
      const rejected = code !== undefined && TWILIO_RECIPIENT_REJECTED_CODES.includes(code);
      return new PermanentEmailError(`Twilio refused the message (${what}): ${detail}`, rejected);
    }
    return new Error(`Twilio failed (${what}), worth retrying: ${detail}`);
  }
}

/** Twilio's error body is `{ code, message, more_info, status }`: the message, with where it is explained. */
function twilioMessage(json: unknown): string | undefined {
  const parsed = errorBody.safeParse(json);
  if (!parsed.success) return undefined;
  const { message, more_info: moreInfo } = parsed.data;
  return [message, moreInfo && `(${moreInfo})`].filter((w) => !!w).join(' ') || undefined;
}

/** The Twilio error code of an error answer, or undefined if it has none. */
function errorCode(text: string): number | undefined {
  const parsed = errorBody.safeParse(parseJson(text));
  return parsed.success ? parsed.data.code : undefined;
}

/** The JSON value of `text`, or undefined when it is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The SID of a 2xx answer, or undefined if it has none. */
function acceptedSid(text: string): string | undefined {
  const parsed = acceptedBody.safeParse(parseJson(text));
  return parsed.success ? parsed.data.sid : undefined;
}

/**
 * The X-Twilio-Signature Twilio sends with a webhook: base64 of the HMAC-SHA1, keyed with the auth token, of the
 * full URL followed by each POST parameter's name and value, in order of name.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const names = Object.keys(params).sort();
  const signed = names.reduce((text, name) => text + name + params[name], url);
  return createHmac('sha1', authToken).update(signed, 'utf8').digest('base64');
}

/**
 * Whether a webhook came from Twilio: `signature` (the X-Twilio-Signature header) matches the auth token, the URL
 * Twilio requested (exactly as configured with Twilio: scheme, host, port, path and query) and the POST parameters.
 * A missing or malformed signature is false, never an exception.
 */
export function verifyTwilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string>,
  signature: string | undefined,
): boolean {
  if (!signature) return false;
  const expected = Buffer.from(twilioSignature(authToken, url, params));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const STATUSES: Partial<Record<string, MessageStatus>> = {
  sent: 'sent',
  delivered: 'delivered',
  undelivered: 'bounced',
  failed: 'failed',
  read: 'opened',
};

/**
 * The message status a Twilio MessageStatus (from a status callback) records, or undefined for the steps before
 * the carrier has it (queued, accepted, sending, scheduled, canceled), which change nothing worth recording.
 */
export function twilioStatus(status: string): MessageStatus | undefined {
  return Object.hasOwn(STATUSES, status) ? STATUSES[status] : undefined;
}
