import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * A phone number that cannot receive a text: not a number, not a valid one for its country, or written in a way
 * only a person could read (letters, an extension, words around it).
 */
export class InvalidPhoneError extends Error {
  constructor(input: string) {
    super(`phone: '${shown(input)}' is not a valid phone number; give it in E.164, e.g. +14155550123`);
    this.name = 'InvalidPhoneError';
  }
}

// Digits and the separators people type between them, with an optional leading +. Letters (vanity numbers,
// "ext."), control characters and anything else are refused before parsing, so no number is fished out of text.
const PHONE_CHARACTERS = /^\+?[\d\s().-]+$/;
// E.164 numbers have at most 15 digits; 40 characters leaves room for generous formatting.
const MAX_PHONE_INPUT = 40;

/**
 * A phone number as E.164 (`+14155550123`), the form SMS providers take and the form to store. A number without
 * a leading + (national, or with an international prefix such as 00) is read as dialled from `defaultCountry`;
 * without one, only numbers starting with + are accepted. Throws InvalidPhoneError for anything else.
 */
export function normalizePhone(input: string, defaultCountry?: CountryCode): string {
  const text = input.trim();
  if (text.length > MAX_PHONE_INPUT || !PHONE_CHARACTERS.test(text)) throw new InvalidPhoneError(input);
  const phone = parsePhoneNumberFromString(text, { ...(defaultCountry ? { defaultCountry } : {}), extract: false });
  if (!phone?.isValid()) throw new InvalidPhoneError(input);
  return phone.number;
}

/** The input as an error message quotes it: control characters replaced, long input cut short. */
function shown(input: string): string {
  const printable = input.replace(/[\u0000-\u001f\u007f]/g, '?');
  return printable.length > 32 ? `${printable.slice(0, 32)}…` : printable;
}

/** Twilio's limit on a message body, in characters; a longer body is refused (error 21617). */
export const SMS_MAX_CHARACTERS = 1600;

/** The most segments one message may take: each is billed, and carriers may not reassemble longer ones. */
export const SMS_MAX_SEGMENTS = 10;

/** The encodings an SMS body travels in: GSM 03.38 7-bit when every character allows it, else UCS-2. */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** How an SMS body is sent and billed. */
export interface SmsSegments {
  encoding: SmsEncoding;
  /** Length in the encoding's units: septets for GSM-7 (an extension character takes two), UTF-16 code units for UCS-2. */
  characters: number;
  /** Segments the message is sent as, each billed as one SMS; 0 for an empty text. */
  segments: number;
}

// The GSM 03.38 basic character set, one septet each.
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
// Its extension table, reached through an escape septet: two septets each.
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

// Units per segment: a single segment, and each part of a multipart message (the rest carries the UDH header).
const LIMITS: Record<SmsEncoding, { single: number; part: number }> = {
  'GSM-7': { single: 160, part: 153 },
  'UCS-2': { single: 70, part: 67 },
};

/**
 * How many segments `text` is sent as, for showing the cost before a send and refusing a body over
 * SMS_MAX_SEGMENTS. One character outside GSM-7 (an emoji, a curly quote, an accented letter GSM-7 lacks) turns the
 * whole message into UCS-2, which fits less than half as much per segment. Parts are filled character by character
 * as phones do: an escaped GSM-7 character or a surrogate pair never straddles two parts, so a part can end one
 * unit short.
 */
export function smsSegments(text: string): SmsSegments {
  const chars = [...text];
  const gsm = chars.every((c) => GSM_BASIC.has(c) || GSM_EXTENSION.has(c));
  const encoding: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';
  const sizes = chars.map((c) => (gsm ? (GSM_EXTENSION.has(c) ? 2 : 1) : c.length));
  const characters = sizes.reduce((sum, size) => sum + size, 0);
  const { single, part } = LIMITS[encoding];
  if (characters === 0) return { encoding, characters, segments: 0 };
  if (characters <= single) return { encoding, characters, segments: 1 };

  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > part) {
      segments++;
      used = 0;
    }
    used += size;
  }
  return { encoding, characters, segments };
}

/** What an inbound keyword asks for: no more messages, messages again, or what this number is. */
export type SmsKeyword = 'stop' | 'start' | 'help';

/** Replies that opt the sender out of every message from the number (CTIA and Twilio Advanced Opt-Out defaults). */
export const STOP_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE'] as const;

/** Replies that opt a sender who had opted out back in. */
export const START_KEYWORDS = ['START', 'YES', 'UNSTOP'] as const;

/** Replies that ask who is sending and how to stop it. */
export const HELP_KEYWORDS = ['HELP', 'INFO'] as const;

const KEYWORDS = new Map<string, SmsKeyword>([
  ...STOP_KEYWORDS.map((k): [string, SmsKeyword] => [k, 'stop']),
  ...START_KEYWORDS.map((k): [string, SmsKeyword] => [k, 'start']),
  ...HELP_KEYWORDS.map((k): [string, SmsKeyword] => [k, 'help']),
]);

/**
 * The keyword an inbound message is, if it is one: the whole body, surrounding whitespace aside, in any letter
 * case. A keyword inside a sentence ("Stop please") is not one, as carriers and Twilio read it.
 */
export function smsKeyword(body: string): SmsKeyword | undefined {
  const word = body.trim();
  // ASCII letters only: toUpperCase would otherwise turn look-alikes such as 'ſ' into S.
  if (!/^[A-Za-z]+$/.test(word)) return undefined;
  return KEYWORDS.get(word.toUpperCase());
}

/**
 * The confirmation to text back after a keyword, naming the brand as carriers require. With a GSM-7 brand of up
 * to 30 characters every reply fits one segment.
 */
export function keywordReply(keyword: SmsKeyword, brand: string): string {
  switch (keyword) {
    case 'stop':
      return `You are unsubscribed from ${brand} messages. No more messages will be sent. Reply START to resubscribe.`;
    case 'start':
      return `You are resubscribed to ${brand} messages. Reply STOP to unsubscribe.`;
    case 'help':
      return `${brand}: reply STOP to unsubscribe, START to resubscribe. Msg&data rates may apply.`;
  }
}
