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

// A subject or title goes on one line: a newline in a value would start a new mail header.
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

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
    const subject = oneLine(compiled.subject(vars, runtime));
    const context = { ...vars, subject };
    const html = compiled.html(context, runtime);
    const text = compiled.text ? tidyText(compiled.text(context, runtime)) : textFromHtml(html);
    return { subject, html, text };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`email template ${cacheKey} could not be rendered: ${reason}`);
  }
}

/** A rendered text template: the title of a push (empty for most texts) and the text, ready for an SMS or push. */
export interface RenderedText {
  subject: string;
  text: string;
}

/**
 * A rendered json template: the title of a push, the JSON body as sent (`JSON.stringify` of `value`, on one line)
 * and the value itself.
 */
export interface RenderedJson {
  subject: string;
  body: string;
  value: unknown;
}

/** A json template's document with each string value compiled: what renders per recipient. */
type JsonNode =
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'handlebars'; render: HandlebarsTemplateDelegate }
  | { kind: 'array'; items: JsonNode[] }
  | { kind: 'object'; entries: Array<[string, JsonNode]> };

// Text and JSON have no partials and are never HTML-escaped, so every such template shares one environment.
const channelEnv = Handlebars.create();
registerHelpers(channelEnv);
const compileChannel = (source: string) => channelEnv.compile(source, { noEscape: true });

const compiledTexts = new LRUCache<string, { subject: HandlebarsTemplateDelegate; text: HandlebarsTemplateDelegate }>({
  max: 500,
});
const compiledJson = new LRUCache<string, { subject: HandlebarsTemplateDelegate; body: JsonNode }>({ max: 500 });

function cached<T extends object>(cache: LRUCache<string, T>, cacheKey: string, make: () => T): T {
  const found = cache.get(cacheKey);
  if (found) return found;
  const made = make();
  cache.set(cacheKey, made);
  return made;
}

function rendering<T>(what: string, cacheKey: string, render: () => T): T {
  try {
    return render();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`${what} template ${cacheKey} could not be rendered: ${reason}`);
  }
}

/**
 * Renders a saved text template's artifact for one recipient: the subject (a push's title) on one line, the text
 * with no value escaped (`O'Brien & <Co>` stays as it is) and with the blank lines blocks leave behind tidied.
 * `cacheKey` names the artifact, whose compiled form is kept. Throws, naming it, when it cannot render.
 */
export function renderTextArtifact(
  cacheKey: string,
  artifact: Artifact,
  vars: Record<string, unknown>,
  options: { locale?: string } = {},
): RenderedText {
  const runtime = { data: { locale: options.locale ?? 'en' } };
  return rendering('text', cacheKey, () => {
    const compiled = cached(compiledTexts, cacheKey, () => ({
      subject: compileChannel(artifact.subject),
      text: compileChannel(artifact.text ?? ''),
    }));
    const subject = oneLine(compiled.subject(vars, runtime));
    return { subject, text: tidyText(compiled.text({ ...vars, subject }, runtime)) };
  });
}

/**
 * Renders a saved json template's artifact for one recipient: each string value of the document is rendered with
 * no escaping, always to a string (`"{{count}}"` gives `"3"`), keys and other values stay as written, and the result
 * is serialised with JSON.stringify, so a value holding a quote, a brace or a line break stays inside its string.
 * `cacheKey` names the artifact, whose compiled form is kept. Throws, naming it, when it cannot render.
 */
export function renderJsonArtifact(
  cacheKey: string,
  artifact: Artifact,
  vars: Record<string, unknown>,
  options: { locale?: string } = {},
): RenderedJson {
  const runtime = { data: { locale: options.locale ?? 'en' } };
  return rendering('json', cacheKey, () => {
    const compiled = cached(compiledJson, cacheKey, () => ({
      subject: compileChannel(artifact.subject),
      body: jsonNode(JSON.parse(artifact.text ?? 'null')),
    }));
    const subject = oneLine(compiled.subject(vars, runtime));
    const value = renderNode(compiled.body, { ...vars, subject }, runtime);
    return { subject, body: JSON.stringify(value), value };
  });
}

function jsonNode(value: unknown): JsonNode {
  if (Array.isArray(value)) return { kind: 'array', items: value.map(jsonNode) };
  if (value !== null && typeof value === 'object') {
    return { kind: 'object', entries: Object.entries(value).map(([k, v]) => [k, jsonNode(v)]) };
  }
  if (typeof value === 'string' && value.includes('{{')) return { kind: 'handlebars', render: compileChannel(value) };
  return { kind: 'literal', value: value as string | number | boolean | null };
}

function renderNode(node: JsonNode, context: Record<string, unknown>, runtime: Handlebars.RuntimeOptions): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'handlebars':
      return node.render(context, runtime);
    case 'array':
      return node.items.map((item) => renderNode(item, context, runtime));
    case 'object':
      // fromEntries defines each key as data, so a "__proto__" key stays a key.
      return Object.fromEntries(node.entries.map(([k, v]) => [k, renderNode(v, context, runtime)]));
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
