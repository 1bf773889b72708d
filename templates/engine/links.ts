/**
 * Checks on the links of a compiled email: each must go somewhere a mail client can open safely, and marketing
 * must offer a way out.
 */

const ATTRIBUTE = /\b(href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/gi;
const LONE_EXPRESSION = /^\{\{\{?\s*[^{}]+?\s*\}?\}\}$/;
const ALLOWED_SCHEMES = ['https:', 'http:', 'mailto:', 'tel:'];
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/** One link found in HTML, with the attribute it sits in. */
export interface Link {
  attribute: string;
  value: string;
}

/** The `href` and `src` values of an HTML source, as written (Handlebars expressions included). */
export function linksIn(html: string): Link[] {
  return [...html.matchAll(ATTRIBUTE)].map((m) => ({
    attribute: (m[1] as string).toLowerCase(),
    value: (m[2] ?? m[3] ?? m[4] ?? '').trim(),
  }));
}

/**
 * Why a link is refused, or undefined when it is fine. A link is a Handlebars expression alone (`{{cta_url}}`),
 * an anchor (`#top`), or starts with one of the allowed schemes: a scheme-less `www.example.com` would open as
 * a relative path in the reader's mail client, and `javascript:` must never reach an inbox.
 */
export function linkProblem(link: Link): string | undefined {
  const { value } = link;
  if (LONE_EXPRESSION.test(value) || value.startsWith('#')) return undefined;
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
  const allowed = ALLOWED_SCHEMES.join(', ');
  if (scheme === undefined) {
    return `the link ${link.attribute}="${value}" has no scheme; write it in full (${allowed}) or use a variable such as {{cta_url}}`;
  }
  if (!ALLOWED_SCHEMES.includes(`${scheme}:`)) {
    return `the link ${link.attribute}="${value}" uses ${scheme}:, which is not allowed (allowed: ${allowed})`;
  }
  return undefined;
}

const OPT_OUT = /\{\{\{?\s*preferences_url\s*\}?\}\}/;

/** Whether an assembled source links the contact's preference page, as marketing must. */
export function hasOptOutLink(source: string): boolean {
  return OPT_OUT.test(source);
}
