/**
 * Our own open and click tracking: the links of an email's HTML are rewritten to `${publicUrl}/t/c/<token>` and an
 * open pixel `${publicUrl}/t/o/<token>.gif` is added; the tokens are signed, so the redirect can only send a reader to
 * a URL that was in an email we sent. Pure: the HTTP routes and the message log use it, it touches neither.
 *
 * Only the HTML part is tracked. The text part is left alone on purpose: its links are shown to the reader as they
 * are, and a rewritten one would show a long tracking URL in place of the address the reader expects to see.
 */

/** What tracking needs of the link signer (infra's `LinkSigner` fits): domain code may not import infra. */
export interface TokenSigner {
  sign(purpose: string, subject: string, ttlMs: number): string;
  verify(purpose: string, token: string): string | undefined;
}

export interface TrackEmailOptions {
  /** The message log's id, named by every token so an open or click lands on the right timeline. */
  messageId: string;
  /** Where our `/t/` and `/u/` routes are served, e.g. `https://mail.example.com`. */
  publicUrl: string;
  signer: TokenSigner;
  /** How long the links keep working (and keep being counted) after sending. */
  ttlMs: number;
}

export interface ClickToken {
  messageId: string;
  /** The 0-based position of the link among the tracked links of the message. */
  link: number;
  /** The link exactly as the reader saw it go, query string and utm_ tags included. */
  url: string;
}

export const CLICK_PURPOSE = 'click';
export const OPEN_PURPOSE = 'open';

/** An `<a>` start tag; quoted attribute values may hold `>`. */
const ANCHOR_TAG = /<a(?=[\s>/])(?:[^>"']|"[^"]*"|'[^']*')*>/gi;
/** One attribute of a tag: name, then an optional double-quoted, single-quoted or bare value. */
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/**
 * Rewrites the web links of an email's HTML to signed click-tracking links and appends the open pixel.
 *
 * @remarks Left as they are: the unsubscribe and preferences links (`${publicUrl}/u/`, `${publicUrl}/p/`, which must
 * work and be recognisable without tracking), links already tracked, `mailto:`, `tel:`, `#anchors`, relative links, anything but http(s), and any
 * `<a>` carrying `data-no-track`. Everything else in the tag and the link's text is kept byte for byte.
 * @returns the new HTML and how many links were rewritten.
 */
export function trackEmail(html: string, opts: TrackEmailOptions): { html: string; links: number } {
  const base = opts.publicUrl.replace(/\/+$/, '');
  const ours = [`${base}/u/`, `${base}/p/`, `${base}/t/`].map((prefix) => prefix.toLowerCase());
  let links = 0;
  const rewritten = html.replace(ANCHOR_TAG, (tag) => {
    const href = findHref(tag);
    if (!href || href.noTrack) return tag;
    const url = decodeEntities(href.value).trim();
    if (!isWebUrl(url) || ours.some((prefix) => url.toLowerCase().startsWith(prefix))) return tag;
    const subject = JSON.stringify([opts.messageId, links, url]);
    links += 1;
    const tracked = `${base}/t/c/${opts.signer.sign(CLICK_PURPOSE, subject, opts.ttlMs)}`;
    const quote = href.quote || '"';
    return `${tag.slice(0, href.start)}${href.name}=${quote}${escapeAttribute(tracked)}${quote}${tag.slice(href.end)}`;
  });
  const token = opts.signer.sign(OPEN_PURPOSE, opts.messageId, opts.ttlMs);
  const pixel = `<img src="${escapeAttribute(`${base}/t/o/${token}.gif`)}" width="1" height="1" alt="" style="display:none">`;
  const bodyEnd = rewritten.toLowerCase().lastIndexOf('</body');
  const withPixel =
    bodyEnd === -1 ? `${rewritten}${pixel}` : `${rewritten.slice(0, bodyEnd)}${pixel}${rewritten.slice(bodyEnd)}`;
  return { html: withPixel, links };
}

/**
 * The message, link and URL a click token was signed for, or undefined when it is forged, expired, for another
 * purpose, or names anything but an absolute http(s) URL: the redirect can only send a reader where one of our emails
 * pointed, and never to a `javascript:` or `data:` URL even if one was somehow signed.
 */
export function readClickToken(signer: TokenSigner, token: string): ClickToken | undefined {
  const subject = signer.verify(CLICK_PURPOSE, token);
  if (subject === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(subject);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
  const [messageId, link, url] = parsed as unknown[];
  if (typeof messageId !== 'string' || typeof url !== 'string') return undefined;
  if (typeof link !== 'number' || !Number.isInteger(link) || link < 0) return undefined;
  return isWebUrl(url) ? { messageId, link, url } : undefined;
}

/** The message id an open pixel's token was signed for; the pixel's URL ends in `.gif`, so the suffix is allowed. */
export function readOpenToken(signer: TokenSigner, token: string): string | undefined {
  return signer.verify(OPEN_PURPOSE, token.replace(/\.gif$/i, ''));
}

/**
 * User agents of link scanners, security gateways, previewers and scripts: an open or click from one of them is not
 * a reader. Checked in order; the first match names the reason. (`bot` can also match a rare phone model name such
 * as "CUBOT"; counting that reader as a machine errs on the side of not inflating engagement.)
 */
export const MACHINE_USER_AGENTS: readonly { name: string; pattern: RegExp }[] = [
  { name: 'bot', pattern: /bot\b/i },
  { name: 'crawler', pattern: /crawler/i },
  { name: 'spider', pattern: /spider/i },
  { name: 'link preview', pattern: /preview/i },
  { name: 'scanner', pattern: /scanner/i },
  { name: 'Barracuda', pattern: /barracuda/i },
  { name: 'Proofpoint', pattern: /proofpoint/i },
  { name: 'Mimecast', pattern: /mimecast/i },
  { name: 'Symantec', pattern: /symantec/i },
  { name: 'Forcepoint', pattern: /forcepoint/i },
  // Office asks whether a link is a document before opening it; a person's click follows as a separate request.
  { name: 'Microsoft Office discovery', pattern: /microsoft office (?:protocol|existence) discovery/i },
  // Headless browsers are what safe-link services render pages with.
  { name: 'headless browser', pattern: /headlesschrome/i },
  { name: 'python-requests', pattern: /python-requests/i },
  { name: 'curl', pattern: /\bcurl\//i },
  { name: 'Go-http-client', pattern: /go-http-client/i },
  { name: 'Wget', pattern: /\bwget\b/i },
];

/** Apple Mail Privacy Protection fetches every image through Apple's own network with this bare user agent. */
const APPLE_PROXY_USER_AGENT = 'Mozilla/5.0';

export interface EngagementInput {
  kind: 'open' | 'click';
  /** The HTTP method of the request. */
  method: string;
  userAgent: string | undefined;
  ip: string | undefined;
  /** When the message was handed to the provider; null when not known. */
  sentAt: Date | null;
  at: Date;
  /** A click sooner than this after sending is a scanner following every link on delivery. */
  scannerWindowMs: number;
}

/**
 * Why an open or click was made by a machine, or undefined when it looks like a person. Machine engagement is still
 * recorded, flagged, so it stays visible without inflating open and click rates or advancing a sequence.
 */
export function machineEngagement(input: EngagementInput): string | undefined {
  if (input.method.toUpperCase() === 'HEAD') return 'head request';
  const userAgent = input.userAgent?.trim() ?? '';
  if (!userAgent) return 'no user agent';
  if (input.kind === 'open') {
    if (userAgent === APPLE_PROXY_USER_AGENT) return 'Apple Mail Privacy Protection (user agent Mozilla/5.0)';
    if (input.ip !== undefined && firstIpv4Octet(input.ip) === 17) {
      return 'Apple Mail Privacy Protection (Apple address 17.0.0.0/8)';
    }
  }
  const scanner = MACHINE_USER_AGENTS.find(({ pattern }) => pattern.test(userAgent));
  if (scanner) return `machine user agent (${scanner.name})`;
  if (input.kind === 'click' && input.sentAt) {
    const elapsed = input.at.getTime() - input.sentAt.getTime();
    // A click stamped before the send (clocks a little apart) is as early as a click can be.
    if (elapsed < input.scannerWindowMs) return `clicked ${Math.max(0, elapsed)} ms after sending`;
  }
  return undefined;
}

/** The first byte of an IPv4 address, plain or IPv4-mapped IPv6 (`::ffff:17.1.2.3`, `::ffff:1101:203`). */
function firstIpv4Octet(ip: string): number | undefined {
  const address = ip.trim().toLowerCase();
  const mapped = address.match(/^(?:0{0,4}:){0,5}:?ffff:(.+)$/)?.[1];
  const candidate = mapped ?? address;
  const dotted = candidate.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  if (dotted) {
    const octets = dotted.slice(1).map(Number);
    return octets.every((octet) => octet <= 255) ? octets[0] : undefined;
  }
  const hex = mapped?.match(/^([0-9a-f]{1,4}):[0-9a-f]{1,4}$/);
  return hex ? parseInt(hex[1]!, 16) >> 8 : undefined;
}

/**
 * An absolute http(s) URL with nothing a browser would silently drop or a header would choke on. The scheme must be
 * followed by `//`: `https:evil.example` parses as a URL but a browser resolves it against the current page.
 */
function isWebUrl(url: string): boolean {
  if (!/^https?:\/\//i.test(url) || /[\u0000-\u0020\u007f]/.test(url)) return false;
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}

interface Href {
  name: string;
  value: string;
  quote: string;
  /** Where the `name=value` text sits in the tag. */
  start: number;
  end: number;
  noTrack: boolean;
}

/** The first href of an `<a>` tag (browsers ignore repeats) and whether the tag opts out of tracking. */
function findHref(tag: string): Href | undefined {
  const attributes = tag.slice(2, -1);
  let href: Omit<Href, 'noTrack'> | undefined;
  let noTrack = false;
  for (const match of attributes.matchAll(ATTRIBUTE)) {
    const name = match[1]!;
    const lower = name.toLowerCase();
    if (lower === 'data-no-track') noTrack = true;
    if (lower !== 'href' || href) continue;
    const [, , double, single, bare] = match;
    const value = double ?? single ?? bare;
    if (value === undefined) continue;
    const start = 2 + match.index;
    href = {
      name,
      value,
      quote: double !== undefined ? '"' : single !== undefined ? "'" : '',
      start,
      end: start + match[0].length,
    };
  }
  return href && { ...href, noTrack };
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>', nbsp: '\u00a0' };

/** The text an attribute value stands for: `&amp;` is `&`. Unknown named entities are kept as written. */
function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? entity;
  });
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/</g, '&lt;');
}
