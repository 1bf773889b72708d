/** A sender as a step or the configuration writes it: an address, with the display name if there is one. */
export interface Mailbox {
  name?: string;
  address: string;
}

/*
 * A deliberately narrow reading of an RFC 5322 mailbox: `addr`, `Name <addr>` or `"Quoted, Name" <addr>`, with an
 * ASCII dot-atom address. Mail libraries parse leniently (several addresses, comments, groups, line breaks), which
 * is right for reading mail and wrong for deciding who mail comes from, so this refuses what they would guess at.
 */
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
const LOCAL_PART = `${ATEXT}+(?:\\.${ATEXT}+)*`;
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const DOMAIN = `${LABEL}(?:\\.${LABEL})*`;
const ADDRESS = new RegExp(`^${LOCAL_PART}@${DOMAIN}$`);
const ALLOWED_ENTRY = new RegExp(`^(?:${LOCAL_PART})?@${DOMAIN}$`);
/** Letters of any script, digits, spaces and the atom characters: what a display name may hold unquoted. */
const PLAIN_NAME = /^[\p{L}\p{M}\p{N} .!#$%&'*+/=?^_`{|}~-]+$/u;
const QUOTED_NAME = /^"((?:[^"\\]|\\.)*)"$/;
// Line breaks would start a new header or SMTP command; no other control character belongs in a sender either.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const MAX_ADDRESS = 254;

/** The mailbox a sender string names, or undefined unless it is exactly one well-formed mailbox. */
export function parseMailbox(value: string): Mailbox | undefined {
  if (CONTROL.test(value)) return undefined;
  const text = value.trim();
  const angle = /^([^<>]*?)\s*<([^<>]+)>$/.exec(text);
  const address = angle ? (angle[2] as string) : text;
  if (address.length > MAX_ADDRESS || !ADDRESS.test(address)) return undefined;
  if (!angle) return { address };
  const rawName = (angle[1] as string).trim();
  if (rawName === '') return { address };
  const quoted = QUOTED_NAME.exec(rawName);
  const name = quoted ? (quoted[1] as string).replace(/\\(.)/g, '$1').trim() : rawName.replace(/\s+/g, ' ');
  if (!quoted && !PLAIN_NAME.test(rawName)) return undefined;
  // A name that reads as an address ("ceo@bank.example" <hello@acme.example>) would show the reader another sender.
  if (name.includes('@')) return undefined;
  return name === '' ? { address } : { name, address };
}

/**
 * Reads a comma-separated list of allowed senders: whole addresses (`hello@example.com`) and whole domains
 * (`@example.com`, any address at exactly that domain). Entries come back lower-cased; an entry that is neither
 * is returned among `invalid`.
 */
export function parseAllowedSenders(value: string): { allowed: string[]; invalid: string[] } {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  return {
    allowed: [...new Set(entries.filter((e) => ALLOWED_ENTRY.test(e)).map((e) => e.toLowerCase()))],
    invalid: entries.filter((e) => !ALLOWED_ENTRY.test(e)),
  };
}

/** The default sender's address, then the configured entries, without repeats. */
export function allowedSenders(defaultFrom: string, configured: readonly string[] = []): string[] {
  const own = parseMailbox(defaultFrom)?.address.toLowerCase();
  return [...new Set([...(own ? [own] : []), ...configured])];
}

/** Whether an address is on the list, as itself or by its domain; letter case never matters in a domain. */
export function senderAllowed(address: string, allowed: readonly string[]): boolean {
  const lower = address.toLowerCase();
  const domain = lower.slice(lower.lastIndexOf('@'));
  return allowed.includes(lower) || allowed.includes(domain);
}

/** Why a step's `from` cannot be used, or undefined when it can. */
export function senderProblem(from: string, allowed: readonly string[]): string | undefined {
  const list = allowed.length > 0 ? allowed.join(', ') : 'none: leave from out to use the default sender';
  const mailbox = parseMailbox(from);
  if (!mailbox) {
    return `must be one address with an optional display name, like "Acme <hello@acme.example>", without line breaks or other control characters (allowed: ${list})`;
  }
  if (!senderAllowed(mailbox.address, allowed)) return `${mailbox.address} is not an allowed sender (allowed: ${list})`;
  return undefined;
}
