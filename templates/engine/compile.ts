import Handlebars from 'handlebars';
import { field, spliceBody, withoutComments, type Mapped } from './assemble';
import { offsetAt, positionAt, scanJson, SMS_MAX_CHARACTERS, smsSize, type JsonString } from './channelFormats';
import { layoutProblems, linkProblems, optOutProblem, slotProblems, spliceMjmlPartials } from './checks';
import { HELPER_NAMES } from './helpers';
import { compileMjml } from './mjml';
import { resolvePartials, type PartialSource } from './partials';
import { lineOf, parseField, unknownHelpers, UsedNames } from './syntax';
import {
  EMAIL_FORMATS,
  isEmailFormat,
  type Artifact,
  type LocaleContent,
  type TemplateFormat,
  type TemplateKind,
  type TemplateProblem,
  type TemplateRef,
} from './types';
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
 * its source. A text or json template is checked as {@link compileText} and {@link compileJson} say.
 */
export async function compileTemplate(input: CompileInput): Promise<CompileResult> {
  if (!isEmailFormat(input.format)) return compileChannel(input);
  const parsed = parseFields(input, ['subject', 'body', 'text']);
  if (parsed.errors.length > 0) return failed(parsed.errors);
  if (input.kind !== 'email') return compileSource(input, parsed.fields);
  return compileEmail(input, parsed.fields);
}

const failed = (errors: TemplateProblem[]): CompileResult => ({ errors, warnings: [], uses: [] });

function parseFields(input: CompileInput, names: Field['name'][]): { fields: Field[]; errors: TemplateProblem[] } {
  const wanted = names.map((name) => [name, input.content[name]] as const);
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

/** Why a text or json template cannot have the layout it names: it has none. */
export function channelLayoutProblem(format: TemplateFormat, layout: string): TemplateProblem {
  const why =
    format === 'json'
      ? 'a webhook or a push gets the JSON as written'
      : 'an SMS or a push is sent as written, with no header or footer';
  return {
    path: 'layout',
    message: `a ${format} template has no layout (${why}); leave layout out or set it to null ('${layout}' was given)`,
  };
}

function compileChannel(input: CompileInput): CompileResult {
  const refused: TemplateProblem[] = [];
  if (input.kind !== 'email') {
    refused.push({
      path: 'format',
      message: `a ${input.kind} is written in ${EMAIL_FORMATS.join(', ')}; only a message template (kind email) can be ${input.format}`,
    });
  }
  if (input.layout) refused.push(channelLayoutProblem(input.format, input.layout.key));
  const { text } = input.content;
  if (typeof text === 'string' && text.trim() !== '') {
    refused.push({
      path: `content.${input.locale}.text`,
      message: `a ${input.format} template has no separate text part: its body is what is sent; leave text out`,
    });
  }
  if (refused.length > 0) return failed(refused);
  return input.format === 'json' ? compileJson(input) : compileText(input);
}

/** The helpers, partials and variables of one Handlebars field of a text or json template, with their problems. */
function channelChecks(
  ast: hbs.AST.Program,
  path: string,
  input: CompileInput,
): { errors: TemplateProblem[]; warnings: TemplateProblem[] } {
  const used = UsedNames.of(ast);
  const errors = unknownHelpers(used, path, HELPER_NAMES);
  for (const partial of used.partials) {
    errors.push({
      path,
      message: `a ${input.format} template cannot include partials ('${partial.name}'); write it out in full`,
      ...lineOf(partial.node),
    });
  }
  return { errors, warnings: unknownVariables(ast, path, input.knownVariables) };
}

// What a text renders besides its values: the text of every branch, as Handlebars leaves it after whitespace control.
class StaticText extends Handlebars.Visitor {
  private readonly parts: string[] = [];

  static of(ast: hbs.AST.Program): string {
    const visitor = new StaticText();
    visitor.accept(ast);
    return visitor.parts.join('');
  }

  override ContentStatement(node: hbs.AST.ContentStatement): void {
    this.parts.push(node.value);
  }
}

const STOP = /\bSTOP\b/;

/**
 * A text template (SMS, push): the subject (a push's title, possibly empty) and the body are Handlebars, checked
 * for syntax, helpers and variables as an email's; partials and layouts are refused, and no opt-out link is
 * needed (an SMS is left with the STOP keyword). The body's text without its values is measured as an SMS: more
 * than one segment is a warning, more than 1,600 characters an error; a marketing text that does not mention STOP
 * gets a warning, as carriers expect the way out to be said.
 */
function compileText(input: CompileInput): CompileResult {
  const parsed = parseFields(input, ['subject', 'body']);
  if (parsed.errors.length > 0) return failed(parsed.errors);
  const checks = parsed.fields.map((f) => channelChecks(f.ast, f.path, input));
  const errors = checks.flatMap((c) => c.errors);
  const body = parsed.fields.find((f) => f.name === 'body') as Field;
  const size = smsSize(StaticText.of(body.ast));
  if (size.characters > SMS_MAX_CHARACTERS) {
    errors.push({
      path: body.path,
      message: `the text is ${size.characters} characters before variables; a text message can have at most ${SMS_MAX_CHARACTERS} (Twilio's limit): shorten it`,
    });
  }
  if (errors.length > 0) return failed(errors);
  const warnings = checks.flatMap((c) => c.warnings);
  if (size.segments > 1) {
    const encoding = size.nonGsm === undefined ? size.encoding : `${size.encoding} because of '${size.nonGsm}'`;
    warnings.push({
      path: body.path,
      message: `about ${size.segments} SMS segments (${encoding}, ${size.characters} characters before variables); each segment is billed as a message, and values add to the count`,
    });
  }
  if (!input.transactional && !STOP.test(body.source)) {
    warnings.push({
      path: body.path,
      message: "a marketing text should say how to opt out, e.g. 'Reply STOP to opt out': carriers expect it",
    });
  }
  const artifact: Artifact = { subject: input.content.subject, html: '', text: body.source, partials: {} };
  return { artifact, errors: [], warnings, uses: [] };
}

/**
 * A json template (webhook, push): the body must be JSON, refused with the line and column of its fault. Handlebars
 * lives only in string values, each checked as a field whose problems are placed in the body; keys are not
 * rendered (one holding `{{` is a warning). Every string value renders to a string, even `"{{count}}"`, and the
 * result is serialised again, so no value can break the JSON.
 */
function compileJson(input: CompileInput): CompileResult {
  const parsed = parseFields(input, ['subject']);
  const path = `content.${input.locale}.body`;
  const source = input.content.body;
  const scan = scanJson(source);
  if (scan.error) {
    const { offset, message } = scan.error;
    parsed.errors.push({ path, message: `the body is not valid JSON: ${message}`, ...positionAt(source, offset) });
  }
  if (parsed.errors.length > 0 || !scan.strings) return failed(parsed.errors);
  const checks = parsed.fields.map((f) => channelChecks(f.ast, f.path, input));
  const errors = checks.flatMap((c) => c.errors);
  const warnings = checks.flatMap((c) => c.warnings);
  for (const string of scan.strings.filter((s) => s.value.includes('{{'))) {
    if (string.key) {
      const message = `the key ${JSON.stringify(string.value)} is not rendered: keys stay as written, and Handlebars goes only in string values`;
      warnings.push({ path, message, ...positionAt(source, string.start) });
      continue;
    }
    const value = parseField(string.value, path);
    if (value.problem) {
      errors.push(inBody(value.problem, string, source));
      continue;
    }
    const checked = channelChecks(value.ast, path, input);
    errors.push(...checked.errors.map((p) => inBody(p, string, source)));
    const seen = new Set(warnings.map((w) => w.message));
    warnings.push(...checked.warnings.filter((w) => !seen.has(w.message)).map((p) => inBody(p, string, source)));
  }
  if (errors.length > 0) return failed(errors);
  const artifact: Artifact = { subject: input.content.subject, html: '', text: source, partials: {} };
  return { artifact, errors: [], warnings, uses: [] };
}

// Moves a problem placed in a string's decoded value to its place in the body's source.
function inBody(problem: TemplateProblem, string: JsonString, source: string): TemplateProblem {
  const { line, column, ...rest } = problem;
  const decoded = line === undefined ? undefined : offsetAt(string.value, line, column ?? 1);
  const offset = decoded === undefined ? string.start : (string.offsets[decoded] ?? string.start);
  return { ...rest, ...positionAt(source, offset) };
}
