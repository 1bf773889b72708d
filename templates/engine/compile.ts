import { field, spliceBody, withoutComments, type Mapped } from './assemble';
import { layoutProblems, linkProblems, optOutProblem, slotProblems, spliceMjmlPartials } from './checks';
import { HELPER_NAMES } from './helpers';
import { compileMjml } from './mjml';
import { resolvePartials, type PartialSource } from './partials';
import { parseField, unknownHelpers, UsedNames } from './syntax';
import type { Artifact, LocaleContent, TemplateFormat, TemplateKind, TemplateProblem, TemplateRef } from './types';
import { unknownVariables, type KnownVariables } from './variables';

/** One locale of a template to compile, with the current sources of the layout and partials it may use. */
export interface CompileInput {
  key: string;
  kind: TemplateKind;
  format: TemplateFormat;
  transactional: boolean;
  /** Names the fields in problem paths: `content.<locale>.body`. */
  locale: string;
  content: LocaleContent;
  /** The layout's current source (email kind only). */
  layout?: TemplateRef;
  /** Partials (and layouts) by key. */
  lookup: (key: string) => TemplateRef | undefined;
  /** The keys of the partials that exist, listed in the error for an unknown one. */
  partialKeys?: readonly string[];
  /** Traits and event properties seen so far; a name outside them is a warning. */
  knownVariables?: KnownVariables;
}

/**
 * What compiling gave: the artifact when there is no error, the errors that stop a save, the warnings that do not,
 * and the layout and partial keys the template depends on (a change to one of them re-publishes it).
 */
export interface CompileResult {
  artifact?: Artifact;
  errors: TemplateProblem[];
  warnings: TemplateProblem[];
  uses: string[];
}

interface Field {
  name: 'subject' | 'body' | 'text';
  path: string;
  source: string;
  ast: hbs.AST.Program;
}

/**
 * Compiles one locale of a template as it is saved: checks its syntax, helpers, partials, layout, links and
 * opt-out link, splices it into its layout, runs MJML, and returns the artifact that is stored and rendered per
 * recipient. A layout or partial is only checked for syntax (and a layout for its `{{{body}}}`); its artifact is
 * its source.
 */
export async function compileTemplate(input: CompileInput): Promise<CompileResult> {
  const parsed = parseFields(input);
  if (parsed.errors.length > 0) return { errors: parsed.errors, warnings: [], uses: [] };
  if (input.kind !== 'email') return compileSource(input, parsed.fields);
  return compileEmail(input, parsed.fields);
}

function parseFields(input: CompileInput): { fields: Field[]; errors: TemplateProblem[] } {
  const { subject, body, text } = input.content;
  const wanted: Array<[Field['name'], string | null | undefined]> = [
    ['subject', subject],
    ['body', body],
    ['text', text],
  ];
  const fields: Field[] = [];
  const errors: TemplateProblem[] = [];
  for (const [name, source] of wanted) {
    if (typeof source !== 'string') continue;
    const path = `content.${input.locale}.${name}`;
    const result = parseField(source, path);
    if (result.problem) errors.push(result.problem);
    else fields.push({ name, path, source, ast: result.ast });
  }
  return { fields, errors };
}

function compileSource(input: CompileInput, fields: Field[]): CompileResult {
  const errors =
    input.kind === 'layout'
      ? fields.filter((f) => f.name !== 'subject').flatMap((f) => slotProblems(f.source, f.path))
      : [];
  if (errors.length > 0) return { errors, warnings: [], uses: [] };
  const { subject, body, text } = input.content;
  return { artifact: { subject, html: body, text: text ?? null, partials: {} }, errors: [], warnings: [], uses: [] };
}

async function compileEmail(input: CompileInput, fields: Field[]): Promise<CompileResult> {
  const byName = (name: Field['name']) => fields.find((f) => f.name === name);
  const body = byName('body') as Field;
  const text = byName('text');
  const errors = fields.flatMap((f) => unknownHelpers(UsedNames.of(f.ast), f.path, HELPER_NAMES));
  const layout = layoutProblems(input.layout, input.format, body);
  errors.push(...layout.errors);
  const sources: PartialSource[] = [
    ...fields.map((f) => ({ ast: f.ast, path: f.path, part: f.name === 'body' ? 'html' : 'text' }) as const),
    ...layout.sources,
  ];
  const partials = resolvePartials(sources, input);
  errors.push(...partials.errors);
  if (errors.length > 0) return { errors, warnings: [], uses: [] };

  const html = await assembleHtml(input, body, partials.mjml);
  if (html.errors.length > 0) return { errors: html.errors, warnings: [], uses: [] };
  const htmlSource = html.text as string;
  const partialHtml = Object.entries(partials.snapshot).filter(([key]) => !key.startsWith('text:'));
  const checked = [
    ...linkProblems(htmlSource, partialHtml, body, input.layout),
    ...optOutProblem(input.transactional, [htmlSource, ...partialHtml.map(([, s]) => s)], body.path),
  ];
  if (checked.length > 0) return { errors: checked, warnings: [], uses: [] };

  const warnings = fields.flatMap((f) => unknownVariables(f.ast, f.path, input.knownVariables));
  const artifact: Artifact = {
    subject: input.content.subject,
    html: htmlSource,
    text: text && text.source.trim() !== '' ? assembleText(text.source, input.layout) : null,
    partials: partials.snapshot,
  };
  const uses = [...(input.layout ? [input.layout.key] : []), ...partials.uses];
  return { artifact, errors: [], warnings, uses };
}

async function assembleHtml(
  input: CompileInput,
  body: Field,
  mjmlPartials: Map<string, TemplateRef>,
): Promise<{ text?: string; errors: TemplateProblem[] }> {
  const own = field(input.format === 'html' ? body.source.trim() : body.source, body.path);
  const assembled: Mapped = input.layout ? spliceBody(field(input.layout.body, 'layout'), own) : own;
  if (input.format === 'html') return { text: assembled.text, errors: [] };

  const source = withoutComments(spliceMjmlPartials(assembled, mjmlPartials));
  const compiled = await compileMjml(source, body.path);
  if (!compiled.html) return { errors: compiled.errors };
  // MJML treats text as text; should it ever rewrite a {{...}}, the artifact would fail on every send.
  const reparsed = parseField(compiled.html, body.path);
  if (reparsed.problem) {
    const message = `the HTML MJML produced no longer parses as Handlebars (${reparsed.problem.message})`;
    return { errors: [{ path: body.path, message }] };
  }
  return { text: compiled.html, errors: [] };
}

function assembleText(text: string, layout: TemplateRef | undefined): string {
  if (!layout?.text) return text;
  return spliceBody(field(layout.text, 'layout'), field(text.trim(), 'text')).text;
}

/**
 * Why a subject line given on its own (a sequence step's or a broadcast's) could never render, or undefined when
 * it can: a syntax error, a helper that does not exist, or a partial, which a one-line subject cannot hold.
 */
export function subjectProblem(subject: string): string | undefined {
  const parsed = parseField(subject, 'subject');
  if (parsed.problem) return parsed.problem.message;
  const used = UsedNames.of(parsed.ast);
  const helper = unknownHelpers(used, 'subject', HELPER_NAMES)[0];
  if (helper) return helper.message;
  const partial = used.partials[0];
  if (partial) return `a subject cannot include a partial ('${partial.name}')`;
  return undefined;
}
