/**
 * How a template's body is written: MJML (compiled to responsive HTML when saved) or HTML as it is, for email;
 * `text` (Handlebars rendered without HTML escaping) for SMS and push; `json` (a JSON document whose string values
 * are Handlebars) for webhooks and push.
 */
export const TEMPLATE_FORMATS = ['mjml', 'html', 'text', 'json'] as const;
export type TemplateFormat = (typeof TEMPLATE_FORMATS)[number];

/** The formats an email is written in; layouts and partials too. */
export const EMAIL_FORMATS = ['mjml', 'html'] as const satisfies readonly TemplateFormat[];

/** Whether a format is one of an email's (mjml, html) rather than a channel's (text, json). */
export function isEmailFormat(format: TemplateFormat): format is (typeof EMAIL_FORMATS)[number] {
  return (EMAIL_FORMATS as readonly TemplateFormat[]).includes(format);
}

/**
 * An email (or, in the text and json formats, a message on another channel) is sent; a layout wraps emails (its body
 * holds `{{{body}}}` once); a partial is included with `{{> key}}`.
 */
export const TEMPLATE_KINDS = ['email', 'layout', 'partial'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/**
 * What a marketer writes for one locale: Handlebars for the subject, the body and, optionally, the text part. A text
 * or json template has no text part, and its subject (the title of a push) may be empty.
 */
export interface LocaleContent {
  subject: string;
  body: string;
  /** The plain-text part; when null or absent it is generated from the rendered HTML for each recipient. */
  text?: string | null;
}

/**
 * One locale of a saved version, compiled once: the layout spliced in and MJML turned into HTML, so that only
 * Handlebars runs per recipient. `partials` holds the HTML partials the body includes, snapshotted so a saved
 * version never changes; a partial's plain-text twin is stored under `text:<key>`. A text or json template has no
 * HTML and no partials: its body is stored as `text` (for json, the JSON document as written).
 */
export interface Artifact {
  subject: string;
  /** The email's HTML, with Handlebars; empty for a text or json template. */
  html: string;
  /**
   * Handlebars for the text part, or null to generate the text from the rendered HTML; the body of a text or json
   * template.
   */
  text: string | null;
  partials: Record<string, string>;
}

/**
 * Something wrong with a template, located for the editor: `path` names the field (`content.en.body`, `layout`,
 * `partials.button`), `line` and `column` count from 1 within that field when known.
 */
export interface TemplateProblem {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** The current source of another template (a layout or partial) that the one being compiled refers to. */
export interface TemplateRef {
  key: string;
  kind: TemplateKind;
  format: TemplateFormat;
  body: string;
  text?: string | null;
}

/** The key under which a partial's plain-text twin is stored in {@link Artifact.partials}. */
export function textPartialKey(key: string): string {
  return `text:${key}`;
}
