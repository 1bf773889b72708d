import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { PermanentEmailError } from '../email/types';

/**
 * A webhook URL that must never be called: not http or https, credentials in it, or a host that is (or resolves
 * to) an address outside the public internet. Permanent: the same URL is refused on every attempt. The message
 * names the host and the reason, never the path, query or credentials (webhook URLs often carry a secret there).
 */
export class UnsafeWebhookUrlError extends PermanentEmailError {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeWebhookUrlError';
  }
}

/** An address a checked host resolved to, as a connection needs it. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** A webhook URL that passed the guard, with every address its host resolved to at the time of the check. */
export interface CheckedUrl {
  url: URL;
  addresses: ResolvedAddress[];
}

/** How the guard checks: whether private addresses are allowed, and the resolver (all addresses of a host). */
export interface AddressGuardOptions {
  /** Lets loopback, private and other non-public addresses through (local development, tests). */
  allowPrivate: boolean;
  /** Resolves a host name to all its addresses; defaults to the system resolver (node:dns lookup). */
  lookup?: (host: string) => Promise<string[]>;
}

interface Range {
  /** The first address of the range, as an integer of the family's width. */
  start: bigint;
  bits: number;
  reason: string;
}

const IPV4_RANGES: Range[] = [
  v4('0.0.0.0', 8, 'in "this network" (0.0.0.0/8)'),
  v4('10.0.0.0', 8, 'a private address (10.0.0.0/8)'),
  v4('100.64.0.0', 10, 'a carrier-grade NAT address (100.64.0.0/10)'),
  v4('127.0.0.0', 8, 'a loopback address'),
  v4('169.254.0.0', 16, 'a link-local address (169.254.0.0/16, where cloud metadata services live)'),
  v4('172.16.0.0', 12, 'a private address (172.16.0.0/12)'),
  v4('192.0.0.0', 24, 'reserved for IETF protocol assignments (192.0.0.0/24)'),
  v4('192.0.2.0', 24, 'reserved for documentation (192.0.2.0/24)'),
  v4('192.88.99.0', 24, 'reserved (6to4 relay anycast, 192.88.99.0/24)'),
  v4('192.168.0.0', 16, 'a private address (192.168.0.0/16)'),
  v4('198.18.0.0', 15, 'reserved for benchmarking (198.18.0.0/15)'),
  v4('198.51.100.0', 24, 'reserved for documentation (198.51.100.0/24)'),
  v4('203.0.113.0', 24, 'reserved for documentation (203.0.113.0/24)'),
  v4('224.0.0.0', 4, 'a multicast address (224.0.0.0/4)'),
  v4('240.0.0.0', 4, 'reserved (240.0.0.0/4, broadcast included)'),
];

// IPv6 ranges that embed an IPv4 address are handled before these (see ipv6Reason).
const IPV6_RANGES: Range[] = [
  v6('::', 128, 'the unspecified address (::)'),
  v6('::1', 128, 'a loopback address (::1)'),
  v6('::', 8, 'reserved (::/8)'),
  v6('64:ff9b:1::', 48, 'reserved for local NAT64 (64:ff9b:1::/48)'),
  v6('100::', 64, 'a discard-only address (100::/64)'),
  v6('2001::', 23, 'reserved for IETF protocol assignments (2001::/23, Teredo included)'),
  v6('2001:db8::', 32, 'reserved for documentation (2001:db8::/32)'),
  v6('3fff::', 20, 'reserved for documentation (3fff::/20)'),
  v6('fc00::', 7, 'a unique local (private) address (fc00::/7)'),
  v6('fe80::', 10, 'a link-local address (fe80::/10)'),
  v6('fec0::', 10, 'a site-local address (fec0::/10, deprecated)'),
  v6('ff00::', 8, 'a multicast address (ff00::/8)'),
];

// Prefixes whose addresses carry an IPv4 address; `shift` is where its 32 bits start, from the right.
const EMBEDDING_RANGES: Array<{ start: bigint; bits: number; shift: bigint; label: string }> = [
  { start: ipv6ToBigInt('::ffff:0:0')!, bits: 96, shift: 0n, label: 'IPv4-mapped' },
  { start: ipv6ToBigInt('64:ff9b::')!, bits: 96, shift: 0n, label: 'NAT64' },
  { start: ipv6ToBigInt('2002::')!, bits: 16, shift: 80n, label: '6to4' },
];

/**
 * Why a webhook must not be sent to this IP address ("a loopback address", "a private address (10.0.0.0/8)", …),
 * or undefined when it is a public address. Anything that is not an IP address gets a reason too.
 */
export function nonPublicReason(ip: string): string | undefined {
  const address = ip.replace(/%.*$/, ''); // an IPv6 zone (fe80::1%eth0) says nothing about the range
  const family = isIP(address);
  if (family === 4) return ipv4Reason(ipv4ToBigInt(address));
  if (family === 6) {
    const value = ipv6ToBigInt(address);
    if (value !== undefined) return ipv6Reason(value);
  }
  return 'not an IP address';
}

/**
 * Whether a webhook must not be sent to this IP address: loopback, private, link-local (cloud metadata included),
 * carrier-grade NAT, "this network", multicast, reserved or documentation ranges, in IPv4 or IPv6, an IPv4 address
 * embedded in IPv6 (IPv4-mapped, NAT64, 6to4) judged as that IPv4 address. Fails closed: true for anything that is
 * not an IP address.
 */
export function isPrivateAddress(ip: string): boolean {
  return nonPublicReason(ip) !== undefined;
}

/**
 * Checks a webhook URL before anything is sent to it and returns every address its host resolved to, so the
 * connection can go to exactly those (a second DNS answer, a rebinding, is never used). Refuses, with
 * UnsafeWebhookUrlError: a URL that does not parse, a scheme other than http or https, a user name or password in
 * the URL, and, unless `allowPrivate`, a host of which ANY address is not public (see isPrivateAddress). Literal IP
 * hosts are checked in the form the URL parser gives them (it turns `2130706433`, `0x7f.1` and `127.1` into
 * `127.0.0.1`). A host that does not resolve now throws a plain Error, worth retrying.
 */
export async function resolvePublicUrl(raw: string, options: AddressGuardOptions): Promise<CheckedUrl> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeWebhookUrlError('Webhook URL is not a valid absolute URL');
  }
  const host = url.hostname;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UnsafeWebhookUrlError(
      `Webhook URL for host "${host}" uses the scheme "${url.protocol.replace(/:$/, '')}"; valid schemes: http, https`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new UnsafeWebhookUrlError(
      `Webhook URL for host "${host}" carries a user name or password; credentials in the URL are not allowed`,
    );
  }

  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const literal = isIP(bare) !== 0;
  const found = literal ? [bare] : await resolveHost(bare, options.lookup ?? systemLookup);
  const addresses: ResolvedAddress[] = [];
  for (const address of found) {
    const reason = nonPublicReason(address);
    if (reason && (!options.allowPrivate || reason === 'not an IP address')) {
      const where = literal ? `${address} is` : `it resolves to ${address},`;
      throw new UnsafeWebhookUrlError(
        `Webhook URL host "${host}" is refused: ${where} ${reason}, not a public address`,
      );
    }
    addresses.push({ address, family: isIP(address) === 6 ? 6 : 4 });
  }
  return { url, addresses };
}

/**
 * Checks a webhook URL as resolvePublicUrl does and returns it parsed: for checking a URL when it is configured.
 * Sending must use resolvePublicUrl's addresses instead of resolving the host again.
 */
export async function assertPublicUrl(url: string, options: AddressGuardOptions): Promise<URL> {
  return (await resolvePublicUrl(url, options)).url;
}

async function systemLookup(host: string): Promise<string[]> {
  const answers = await dns.lookup(host, { all: true, verbatim: true });
  return answers.map((a) => a.address);
}

async function resolveHost(host: string, lookup: (host: string) => Promise<string[]>): Promise<string[]> {
  let addresses: string[];
  try {
    addresses = await lookup(host);
  } catch (err) {
    const code = err && typeof err === 'object' && 'code' in err ? ` (${String(err.code)})` : '';
    throw new Error(`Webhook host "${host}" could not be resolved${code}; worth retrying`);
  }
  if (addresses.length === 0) throw new Error(`Webhook host "${host}" resolved to no address; worth retrying`);
  return addresses;
}

function ipv4Reason(value: bigint): string | undefined {
  return IPV4_RANGES.find((r) => inRange(value, r.start, r.bits, 32))?.reason;
}

function ipv6Reason(value: bigint): string | undefined {
  for (const embedding of EMBEDDING_RANGES) {
    if (!inRange(value, embedding.start, embedding.bits, 128)) continue;
    const ipv4 = (value >> embedding.shift) & 0xffffffffn;
    const reason = ipv4Reason(ipv4);
    return reason && `${embedding.label} ${bigIntToIpv4(ipv4)}: ${reason}`;
  }
  return IPV6_RANGES.find((r) => inRange(value, r.start, r.bits, 128))?.reason;
}

function inRange(value: bigint, start: bigint, bits: number, width: number): boolean {
  const shift = BigInt(width - bits);
  return value >> shift === start >> shift;
}

function v4(address: string, bits: number, reason: string): Range {
  return { start: ipv4ToBigInt(address), bits, reason };
}

function v6(address: string, bits: number, reason: string): Range {
  return { start: ipv6ToBigInt(address)!, bits, reason };
}

function ipv4ToBigInt(address: string): bigint {
  return address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function bigIntToIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** An IPv6 address as a 128-bit integer; the URL parser first rewrites it in hex groups (no dotted tail). */
function ipv6ToBigInt(address: string): bigint | undefined {
  let canonical: string;
  try {
    canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  const [head, tail] = canonical.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  if (groups.length !== 8) return undefined;
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}
