import type { Db } from '../db/knex';
import { TemplateStore, type TemplateRecord, type TemplateVersion } from '../db/stores/templates';
import {
  pickLocale,
  renderArtifact,
  renderJsonArtifact,
  renderTextArtifact,
  type RenderedEmail,
  type RenderedJson,
  type RenderedText,
} from './engine/render';
import type { Artifact, TemplateFormat } from './engine/types';

/**
 * One version of a message template, ready to render for any recipient: with {@link renderTemplate} for an email
 * (mjml, html), {@link renderText} for a text template, {@link renderJson} for a json one.
 */
export interface ResolvedTemplate {
  key: string;
  version: number;
  format: TemplateFormat;
  transactional: boolean;
  from: string | null;
  replyTo: string | null;
  /** The call to action the template's button stands for (`cta_url`'s utm_content); the key when none. */
  cta: string;
  defaultLocale: string;
  artifacts: Record<string, Artifact>;
}

/** Versions are immutable, so a resolved one is kept; this bounds the memory a worker spends on them. */
const CACHE_LIMIT = 500;

/** The template that renders each message: the pinned version, or the current one. */
export class TemplateLibrary {
  private readonly store: TemplateStore;
  private readonly cache = new Map<string, ResolvedTemplate>();

  constructor(db: Db) {
    this.store = new TemplateStore(db);
  }

  /**
   * A message template (kind email, in any format) at a version (by default the current one), or undefined if there
   * is no such template or version.
   */
  async resolve(key: string, version?: number): Promise<ResolvedTemplate | undefined> {
    const template = await this.store.get(key);
    if (!template || template.kind !== 'email') return undefined;
    const wanted = version ?? template.currentVersion;
    const cacheKey = `${key}@${wanted}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return { ...cached, ...settingsOf(template) };
    const found = await this.store.getVersion(key, wanted);
    if (!found) return undefined;
    const resolved = toResolved(template, found);
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(cacheKey, resolved);
    return resolved;
  }
}

/** Settings read fresh with each resolve: a sender or a transactional flag applies from the next message on. */
function settingsOf(t: TemplateRecord) {
  return { transactional: t.transactional, from: t.from, replyTo: t.replyTo, cta: t.cta ?? t.key };
}

function toResolved(t: TemplateRecord, v: TemplateVersion): ResolvedTemplate {
  return {
    key: t.key,
    version: v.version,
    format: t.format,
    ...settingsOf(t),
    defaultLocale: v.defaultLocale,
    artifacts: v.artifacts,
  };
}

/**
 * The subject line (a Handlebars string) a message goes out with, as the outbox records it: the step's or broadcast's
 * own when it gives one, else the template's in its default locale.
 */
export function subjectLine(t: ResolvedTemplate, override?: string | null): string {
  return override ?? t.artifacts[t.defaultLocale]?.subject ?? '';
}

type Renderer = 'renderTemplate' | 'renderText' | 'renderJson';

const rendererOf = (format: TemplateFormat): Renderer =>
  format === 'text' ? 'renderText' : format === 'json' ? 'renderJson' : 'renderTemplate';

function checkFormat(t: ResolvedTemplate, renderer: Renderer): void {
  const right = rendererOf(t.format);
  if (right !== renderer) {
    throw new Error(`${renderer} cannot render template '${t.key}', which is written in ${t.format}: use ${right}`);
  }
}

function checkProductName(t: ResolvedTemplate, vars: Record<string, unknown>, what: string): void {
  if (typeof vars.product_name !== 'string' || vars.product_name.trim() === '') {
    throw new Error(`${what} template '${t.key}' needs product_name`);
  }
}

/** The artifact of the locale a recipient gets, with the step's or broadcast's own subject, and its cache key. */
function artifactFor(t: ResolvedTemplate, options: { locale?: string; subject?: string }) {
  const locale = pickLocale(Object.keys(t.artifacts), t.defaultLocale, options.locale);
  const artifact = t.artifacts[locale] as Artifact;
  const withSubject = options.subject ? { ...artifact, subject: options.subject } : artifact;
  const cacheKey = `${t.key}@${t.version}:${locale}${options.subject ? `:${options.subject}` : ''}`;
  return { locale, artifact: withSubject, cacheKey };
}

/**
 * Renders an email template (mjml, html) for one recipient in their locale (exact, then language, then the
 * template's default). The subject is the step's or broadcast's own when it gives one, else the template's. Throws
 * when it cannot render, or without `product_name`, or for marketing without `unsubscribe_url` (such a message must
 * not go out), so the message is recorded as failed with the reason; and for a text or json template, naming the
 * function that renders it.
 */
export function renderTemplate(
  t: ResolvedTemplate,
  vars: Record<string, unknown>,
  options: { locale?: string; subject?: string } = {},
): RenderedEmail & { locale: string } {
  checkFormat(t, 'renderTemplate');
  checkProductName(t, vars, 'email');
  if (!t.transactional && (typeof vars.unsubscribe_url !== 'string' || vars.unsubscribe_url === '')) {
    throw new Error(`marketing email template '${t.key}' needs unsubscribe_url`);
  }
  const { locale, artifact, cacheKey } = artifactFor(t, options);
  return { ...renderArtifact(cacheKey, artifact, vars, { locale }), locale };
}

/**
 * Renders a text template (SMS, push) for one recipient in their locale, as {@link renderTemplate} chooses it: the
 * subject (a push's title; the given one when there is one) on one line, and the text with no value escaped.
 * Throws without `product_name`, when it cannot render, or for a template of another format; no unsubscribe link
 * is needed (an SMS is left with STOP).
 */
export function renderText(
  t: ResolvedTemplate,
  vars: Record<string, unknown>,
  options: { locale?: string; subject?: string } = {},
): RenderedText & { locale: string } {
  checkFormat(t, 'renderText');
  checkProductName(t, vars, 'text');
  const { locale, artifact, cacheKey } = artifactFor(t, options);
  return { ...renderTextArtifact(cacheKey, artifact, vars, { locale }), locale };
}

/**
 * Renders a json template (webhook, push) for one recipient in their locale, as {@link renderTemplate} chooses it:
 * every string value rendered to a string with no escaping, the document serialised again (`body`, always valid
 * JSON whatever the values hold) and as a value. Throws without `product_name`, when it cannot render, or for a
 * template of another format.
 */
export function renderJson(
  t: ResolvedTemplate,
  vars: Record<string, unknown>,
  options: { locale?: string; subject?: string } = {},
): RenderedJson & { locale: string } {
  checkFormat(t, 'renderJson');
  checkProductName(t, vars, 'json');
  const { locale, artifact, cacheKey } = artifactFor(t, options);
  return { ...renderJsonArtifact(cacheKey, artifact, vars, { locale }), locale };
}
