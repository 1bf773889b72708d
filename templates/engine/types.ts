/** How a template's body is written: MJML (compiled to responsive HTML when saved) or HTML as it is. */
export type TemplateFormat = 'mjml' | 'html';

/** An email is sent; a layout wraps emails (its body holds `{{{body}}}` once); a partial is included with `{{> key}}`. */
export const TEMPLATE_KINDS = ['email', 'layout', 'partial'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/** What a marketer writes for one locale: Handlebars for the subject, the body and, optionally, the text part. */
export interface LocaleContent {
  subject: string;
  body: string;
  /** The plain-text part; when null or absent it is generated from the rendered HTML for each recipient. */
  text?: string | null;
}

/**
 * One locale of a saved version, compiled once: the layout spliced in and MJML turned into HTML, so that only
 * Handlebars runs per recipient. `partials` holds the HTML partials the body includes, snapshotted so a saved
 * version never changes; a partial's plain-text twin is stored under `text:<key>`.
 */
export interface Artifact {
  subject: string;
  html: string;
  /** Handlebars for the text part, or null to generate the text from the rendered HTML. */
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
