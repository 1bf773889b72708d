import fs from 'node:fs';
import path from 'node:path';
import type { TemplateMeta } from '../db/stores/templates';
import { builtinSequences } from '../domain/sequences/builtins';
import { compileTemplate } from './engine/compile';
import type { Artifact, LocaleContent, TemplateFormat, TemplateKind, TemplateRef } from './engine/types';
import { templateMetadata, type TemplateMetadata } from './templateMetadata';

/**
 * A template the product ships, as the row that seeds it (version 1 of each, editable and restorable): a template's
 * settings, with no sender of its own, and its English content.
 */
export interface BuiltinTemplate extends Omit<TemplateMeta, 'from' | 'replyTo'> {
  content: LocaleContent;
}

const LAYOUTS: ReadonlyArray<{ key: string; name: string; format: TemplateFormat }> = [
  { key: 'base', name: 'Marketing layout', format: 'html' },
  { key: 'internal', name: 'Notification layout', format: 'html' },
  { key: 'mjml_base', name: 'Marketing layout (MJML)', format: 'mjml' },
];

const PARTIAL_NAMES: Readonly<Record<string, string>> = { button: 'Button', greeting: 'Greeting', signoff: 'Sign-off' };

// Next to this file when run from source; from a build under dist/, the .hbs files stay in the source tree.
function emailDir(): string {
  const candidates = [path.join(__dirname, 'email'), path.resolve(__dirname, '..', '..', 'templates', 'email')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'layouts', 'base.html.hbs')));
  if (!found) throw new Error(`email templates not found in ${candidates.join(' or ')}`);
  return found;
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
const readIfThere = (dir: string, file: string) => (fs.existsSync(path.join(dir, file)) ? read(dir, file) : null);

function humanized(key: string): string {
  const words = key.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The templates under templates/email as rows: every `.html.hbs` with its `.text.hbs` an email (HTML, in the
 * `base` layout, or `internal` when transactional), the layouts `base`, `internal` and `mjml_base`, and the
 * partials. Subjects come from the metadata, else from the first built-in sequence step that sends the template,
 * else from its name.
 */
export function builtinTemplates(): BuiltinTemplate[] {
  const dir = emailDir();
  return [...emails(dir), ...layouts(dir), ...partials(dir)];
}

function emails(dir: string): BuiltinTemplate[] {
  const subjects = sequenceSubjects();
  const keys = fs
    .readdirSync(dir)
    .map((file) => /^([a-z0-9_]+)\.html\.hbs$/.exec(file)?.[1])
    .filter((key): key is string => key !== undefined)
    .sort();
  return keys.map((key) => {
    const meta: TemplateMetadata = Object.hasOwn(templateMetadata, key) ? (templateMetadata[key] ?? {}) : {};
    const transactional = meta.transactional === true;
    const text = readIfThere(dir, `${key}.text.hbs`);
    if (text === null) throw new Error(`template ${key} has no ${key}.text.hbs`);
    return {
      key,
      name: humanized(key),
      kind: 'email',
      format: 'html',
      transactional,
      layout: transactional ? 'internal' : 'base',
      cta: meta.cta ?? null,
      content: {
        subject: meta.subject ?? subjects.get(key) ?? humanized(key),
        body: read(dir, `${key}.html.hbs`),
        text,
      },
    };
  });
}

function layouts(dir: string): BuiltinTemplate[] {
  return LAYOUTS.map(({ key, name, format }) => {
    const base = path.join('layouts', key);
    const body = format === 'mjml' ? read(dir, `${base}.mjml.hbs`) : read(dir, `${base}.html.hbs`);
    const text = format === 'mjml' ? null : read(dir, `${base}.text.hbs`);
    return { ...fixed(key, name, 'layout', format), content: { subject: '', body, text } };
  });
}

function partials(dir: string): BuiltinTemplate[] {
  const partialDir = path.join(dir, 'partials');
  const keys = [
    ...new Set(
      fs
        .readdirSync(partialDir)
        .map((file) => /^([a-z0-9_]+)\.html\.hbs$/.exec(file)?.[1])
        .filter((key): key is string => key !== undefined),
    ),
  ].sort();
  return keys.map((key) => ({
    ...fixed(key, PARTIAL_NAMES[key] ?? humanized(key), 'partial', 'html'),
    content: {
      subject: '',
      body: read(partialDir, `${key}.html.hbs`),
      text: readIfThere(partialDir, `${key}.text.hbs`),
    },
  }));
}

function fixed(key: string, name: string, kind: TemplateKind, format: TemplateFormat) {
  return { key, name, kind, format, transactional: false, layout: null, cta: null };
}

/** The subject of the first step of a built-in sequence that sends each template. */
function sequenceSubjects(): Map<string, string> {
  const subjects = new Map<string, string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    const step = value as { type?: unknown; template?: unknown; subject?: unknown };
    if (step.type === 'send' && typeof step.template === 'string' && typeof step.subject === 'string') {
      if (!subjects.has(step.template)) subjects.set(step.template, step.subject);
    }
    Object.values(value).forEach(visit);
  };
  builtinSequences.forEach((sequence) => visit(sequence.steps));
  return subjects;
}

/** A shipped template and what it compiles to: version 1 of it, as the seed stores it. */
export interface CompiledBuiltin {
  template: BuiltinTemplate;
  artifact: Artifact;
  uses: string[];
}

/**
 * Every shipped template compiled as a marketer's save would compile it (layouts and partials from the shipped
 * ones). Throws for one that does not compile: it would fail every message it sends.
 */
export async function compiledBuiltins(): Promise<CompiledBuiltin[]> {
  const builtins = builtinTemplates();
  const refs = new Map<string, TemplateRef>(
    builtins.map((b) => [
      b.key,
      { key: b.key, kind: b.kind, format: b.format, body: b.content.body, text: b.content.text ?? null },
    ]),
  );
  const compiled: CompiledBuiltin[] = [];
  for (const b of builtins) {
    const layout = b.layout ? refs.get(b.layout) : undefined;
    const result = await compileTemplate({
      key: b.key,
      kind: b.kind,
      format: b.format,
      transactional: b.transactional,
      locale: 'en',
      content: b.content,
      ...(layout ? { layout } : {}),
      lookup: (key) => refs.get(key),
    });
    if (!result.artifact || result.errors.length > 0) {
      const problems = result.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
      throw new Error(`shipped template '${b.key}' does not compile: ${problems}`);
    }
    compiled.push({ template: b, artifact: result.artifact, uses: result.uses });
  }
  return compiled;
}
