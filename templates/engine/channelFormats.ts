/**
 * What the channel formats need to know about what they carry: how many SMS segments a text takes, and where the
 * strings (and the faults) of a JSON document are. Nothing here knows Handlebars.
 */

/** The GSM 03.38 basic character set (without the escape to the extension table): one septet each. */
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** The GSM 03.38 extension table: two septets each (an escape, then the character). */
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

const GSM_SINGLE = 160;
const GSM_PART = 153;
const UCS2_SINGLE = 70;
const UCS2_PART = 67;

/** The most characters one text message may have: Twilio refuses a longer body (it would be over 10 segments). */
export const SMS_MAX_CHARACTERS = 1600;

/** How an SMS carries its text: GSM-7 (160 septets alone, 153 a part) or UCS-2 (70 units alone, 67 a part). */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

/**
 * The size of a text as an SMS: its encoding, its characters (code points), its units (septets for GSM-7, UTF-16
 * units for UCS-2), the segments it is sent (and billed) as, and for UCS-2 the first character that forced it.
 */
export interface SmsSize {
  encoding: SmsEncoding;
  characters: number;
  units: number;
  segments: number;
  nonGsm?: string;
}

/**
 * Counts the segments a text takes as an SMS. A text of GSM 03.38 characters only is GSM-7 (an extension
 * character such as € takes two septets); one other character makes the whole text UCS-2. A text longer than one
 * segment is split into parts of 153 septets or 67 units, and a part never splits an escape sequence or a
 * surrogate pair, as phones and carriers do.
 */
export function smsSize(text: string): SmsSize {
  const characters = [...text];
  const nonGsm = characters.find((c) => !GSM_BASIC.has(c) && !GSM_EXTENSION.has(c));
  if (nonGsm === undefined) {
    const widths = characters.map((c) => (GSM_EXTENSION.has(c) ? 2 : 1));
    return { encoding: 'GSM-7', characters: characters.length, ...sized(widths, GSM_SINGLE, GSM_PART) };
  }
  const widths = characters.map((c) => c.length);
  return { encoding: 'UCS-2', characters: characters.length, ...sized(widths, UCS2_SINGLE, UCS2_PART), nonGsm };
}

function sized(widths: number[], single: number, part: number): { units: number; segments: number } {
  const units = widths.reduce((sum, w) => sum + w, 0);
  if (units <= single) return { units, segments: units === 0 ? 0 : 1 };
  let segments = 1;
  let used = 0;
  for (const width of widths) {
    if (used + width > part) {
      segments++;
      used = 0;
    }
    used += width;
  }
  return { units, segments };
}

/** Where an offset of a source is: its line and column, both from 1 (columns in UTF-16 units, as editors count). */
export function positionAt(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

/** The offset of a line and column (both from 1) in a text; past the end of a line, that line's end. */
export function offsetAt(text: string, line: number, column: number): number {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', start);
    if (next === -1) return text.length;
    start = next + 1;
  }
  const end = text.indexOf('\n', start);
  return Math.min(start + Math.max(column, 1) - 1, end === -1 ? text.length : end);
}

/**
 * A string literal of a JSON document: what it says (escapes decoded), whether it is an object key, where its
 * opening quote is, and the offset in the source of each of its UTF-16 units, then of its closing quote.
 */
export interface JsonString {
  value: string;
  key: boolean;
  start: number;
  offsets: number[];
}

/** Why a source is not JSON, at the offset where it stops being JSON. */
export interface JsonFault {
  offset: number;
  message: string;
}

/** A JSON document's string literals in the order they are written, or the fault that makes it not JSON. */
export type JsonScan = { strings: JsonString[]; error?: undefined } | { strings?: undefined; error: JsonFault };

/** Deeper than this is refused, so that nothing that walks the document can run out of stack. */
const MAX_DEPTH = 64;

/**
 * Reads a JSON document (RFC 8259, as JSON.parse accepts it) for its string literals, or the first fault in it,
 * placed where it is: JSON.parse's own messages name no place on every Node version.
 */
export function scanJson(source: string): JsonScan {
  const scanner = new JsonScanner(source);
  try {
    scanner.document();
    return { strings: scanner.strings };
  } catch (err) {
    if (err instanceof Fault) return { error: { offset: err.offset, message: err.message } };
    throw err;
  }
}

class Fault extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const ESCAPES: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ['\\', '\\'],
  ['/', '/'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const VALUE = 'a value (an object, array, string, number, true, false or null)';

class JsonScanner {
  readonly strings: JsonString[] = [];
  private at = 0;

  constructor(private readonly source: string) {}

  document(): void {
    this.value(0);
    this.space();
    if (this.at < this.source.length) throw new Fault(this.at, 'unexpected text after the JSON value');
  }

  private space(): void {
    while (this.at < this.source.length && ' \t\n\r'.includes(this.source[this.at] as string)) this.at++;
  }

  private expected(what: string): Fault {
    const found = this.source[this.at];
    if (found === undefined) return new Fault(this.at, `the JSON ends too early: expected ${what}`);
    if (this.source.startsWith('{{', this.at)) {
      return new Fault(
        this.at,
        'Handlebars goes only inside a string value: put the expression in quotes, e.g. "{{first_name}}" (it renders as a string)',
      );
    }
    return new Fault(this.at, `expected ${what}, found ${JSON.stringify(found)}`);
  }

  private value(depth: number): void {
    if (depth > MAX_DEPTH) throw new Fault(this.at, `the JSON is nested more than ${MAX_DEPTH} levels deep`);
    this.space();
    const c = this.source[this.at];
    if (c === '{' && !this.source.startsWith('{{', this.at)) return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string(false);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const word of ['true', 'false', 'null']) {
      if (this.source.startsWith(word, this.at)) {
        this.at += word.length;
        return;
      }
    }
    throw this.expected(VALUE);
  }

  private object(depth: number): void {
    this.at++;
    this.space();
    if (this.source[this.at] === '}') {
      this.at++;
      return;
    }
    for (;;) {
      this.space();
      if (this.source[this.at] !== '"') throw this.expected('a property name in double quotes');
      this.string(true);
      this.space();
      if (this.source[this.at] !== ':') throw this.expected("':' after the property name");
      this.at++;
      this.value(depth + 1);
      this.space();
      const next = this.source[this.at];
      if (next === '}') {
        this.at++;
        return;
      }
      if (next !== ',') throw this.expected("',' or '}' after a property value");
      this.at++;
    }
  }

  private array(depth: number): void {
    this.at++;
    this.space();
    if (this.source[this.at] === ']') {
      this.at++;
      return;
    }
    for (;;) {
      this.value(depth + 1);
      this.space();
      const next = this.source[this.at];
      if (next === ']') {
        this.at++;
        return;
      }
      if (next !== ',') throw this.expected("',' or ']' after a value");
      this.at++;
    }
  }

  private number(): void {
    NUMBER.lastIndex = this.at;
    const match = NUMBER.exec(this.source);
    if (!match) throw this.expected(VALUE);
    this.at += match[0].length;
  }

  private string(key: boolean): void {
    const start = this.at;
    const offsets: number[] = [];
    let value = '';
    this.at++;
    for (;;) {
      const c = this.source[this.at];
      if (c === undefined) throw new Fault(this.at, 'the JSON ends inside a string: close it with "');
      if (c === '"') break;
      offsets.push(this.at);
      if (c === '\\') {
        value += this.escape();
        continue;
      }
      if (c < ' ') {
        throw new Fault(
          this.at,
          'a string cannot hold a control character (a line break or a tab) as it is: write it as \\n or \\t',
        );
      }
      value += c;
      this.at++;
    }
    offsets.push(this.at);
    this.at++;
    this.strings.push({ value, key, start, offsets });
  }

  private escape(): string {
    const letter = this.source[this.at + 1] ?? '';
    const simple = ESCAPES.get(letter);
    if (simple !== undefined) {
      this.at += 2;
      return simple;
    }
    if (letter === 'u') {
      const hex = this.source.slice(this.at + 2, this.at + 6);
      if (!HEX4.test(hex)) throw new Fault(this.at, 'invalid escape: \\u needs four hex digits, as in \\u00e9');
      this.at += 6;
      return String.fromCharCode(parseInt(hex, 16));
    }
    throw new Fault(
      this.at,
      `invalid escape \\${letter} in a string (escapes: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`,
    );
  }
}
