import Handlebars from 'handlebars';
import { LRUCache } from 'lru-cache';
import { registerHelpers } from './helpers';
import { textFromHtml, tidyText } from './text';
import { textPartialKey, type Artifact } from './types';

/** A rendered email, ready for an email provider. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

interface Compiled {
  subject: HandlebarsTemplateDelegate;
  html: HandlebarsTemplateDelegate;
  text: HandlebarsTemplateDelegate | null;
}

// Saved versions are immutable, so a compiled artifact never goes stale; the bound only caps memory.
const compiledArtifacts = new LRUCache<string, Compiled>({ max: 500 });

const TEXT_PREFIX = textPartialKey('');

/**
 * Each artifact gets its own pair of environments: its partials are a snapshot that must not leak into another
 * artifact, and Handlebars caches a partial compiled for the first template that calls it, so HTML (escaped) and
 * text (not escaped) cannot share one.
 */
function compile(artifact: Artifact): Compiled {
  const htmlEnv = Handlebars.create();
  const textEnv = Handlebars.create();
  registerHelpers(htmlEnv);
  registerHelpers(textEnv);
  for (const [key, source] of Object.entries(artifact.partials)) {
    if (key.startsWith(TEXT_PREFIX)) textEnv.registerPartial(key.slice(TEXT_PREFIX.length), source);
    else htmlEnv.registerPartial(key, source);
  }
  return {
    subject: textEnv.compile(artifact.subject, { noEscape: true }),
    html: htmlEnv.compile(artifact.html),
    // Plain text must not be escaped, or "O'Brien" would arrive as "O&#x27;Brien".
    text: artifact.text === null ? null : textEnv.compile(artifact.text, { noEscape: true }),
  };
}

function compiledFor(cacheKey: string, artifact: Artifact): Compiled {
  const cached = compiledArtifacts.get(cacheKey);
  if (cached) return cached;
  const compiled = compile(artifact);
  compiledArtifacts.set(cacheKey, compiled);
  return compiled;
}

/**
 * Renders a saved artifact for one recipient: the subject as text on one line (a newline in a value would start a
 * new mail header), the HTML with every value escaped, the text part unescaped, or generated from the HTML when
 * the artifact has none. `cacheKey` names the artifact (template, version and locale), whose compiled form is
 * kept. Helpers format for `options.locale` (English when absent). Throws when the template cannot render, so
 * the message is recorded as failed rather than sent broken.
 */
export function renderArtifact(
  cacheKey: string,
  artifact: Artifact,
  vars: Record<string, unknown>,
  options: { locale?: string } = {},
): RenderedEmail {
  const runtime = { data: { locale: options.locale ?? 'en' } };
  try {
    const compiled = compiledFor(cacheKey, artifact);
    const subject = compiled.subject(vars, runtime).replace(/\s+/g, ' ').trim();
    const context = { ...vars, subject };
    const html = compiled.html(context, runtime);
    const text = compiled.text ? tidyText(compiled.text(context, runtime)) : textFromHtml(html);
    return { subject, html, text };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`email template ${cacheKey} could not be rendered: ${reason}`);
  }
}

function normalised(locale: string): string {
  return locale.trim().replace(/_/g, '-').toLowerCase();
}

const language = (locale: string) => normalised(locale).split('-')[0] ?? '';

/**
 * The locale of a version to send to a contact who wants `wanted` (their `traits.locale`): the same locale, else
 * one of the same language (`de-AT` gets `de`, `fr` gets `fr-CA`), else the version's default.
 */
export function pickLocale(available: string[], defaultLocale: string, wanted?: string): string {
  if (!wanted || wanted.trim() === '') return defaultLocale;
  const exact = available.find((l) => normalised(l) === normalised(wanted));
  if (exact) return exact;
  const sameLanguage = available.filter((l) => language(l) === language(wanted));
  return sameLanguage.find((l) => normalised(l) === language(wanted)) ?? sameLanguage[0] ?? defaultLocale;
}
