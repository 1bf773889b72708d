import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { formatDateTime, formatMoney } from '../domain/format';
import { templateMetadata, type TemplateMetadata } from './templateMetadata';

/**
 * Marketing mail carries the unsubscribe footer and header, honours unsubscribes and counts towards the frequency
 * cap; transactional mail (declared per template in templateMetadata) does none of these.
 */
export type TemplateCategory = 'marketing' | 'transactional';

/** What the sender needs to know about a template besides its text. */
export interface TemplateInfo {
  id: string;
  category: TemplateCategory;
  /** The call to action the template's button stands for; the sender turns it into `cta_url`. */
  cta?: string;
}

/**
 * Values a template can use. Everything but `product_name` is optional, except `unsubscribe_url`, which every
 * marketing email needs. Templates may read further keys (e.g. `approval`, `budget`) documented at their top.
 */
export interface EmailVars {
  product_name: string;
  first_name?: string;
  venture_name?: string;
  cta_url?: string;
  unsubscribe_url?: string;
  preferences_url?: string;
  /** The sender's postal address, which marketing law asks for in the footer. */
  company_address?: string;
  /** Overrides the footer's "why you get this" line. */
  reason?: string;
  sender_name?: string;
  traits?: Record<string, unknown>;
  /** Properties of the event that last moved the enrollment (a waitFor's event); templates fall back to `trigger`. */
  event?: Record<string, unknown>;
  /** Properties of the event that enrolled the contact. */
  trigger?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A rendered email, ready for an EmailProvider. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** A template's declared metadata; marketing with no call to action unless templateMetadata says otherwise. */
function metadataOf(id: string): TemplateMetadata {
  return Object.hasOwn(templateMetadata, id) ? (templateMetadata[id] as TemplateMetadata) : {};
}

function categoryOf(id: string): TemplateCategory {
  return metadataOf(id).transactional ? 'transactional' : 'marketing';
}

interface Compiled {
  html: HandlebarsTemplateDelegate;
  text: HandlebarsTemplateDelegate;
}

interface Loaded {
  templates: Map<string, Compiled>;
  layouts: Record<TemplateCategory, Compiled>;
  textEnv: typeof Handlebars;
}

let loaded: Loaded | undefined;
const subjects = new Map<string, HandlebarsTemplateDelegate>();
const SUBJECT_CACHE_LIMIT = 1000;

// Next to this file when run from source; from a build under dist/, the .hbs files stay in the source tree.
function emailDir(): string {
  const candidates = [path.join(__dirname, 'email'), path.resolve(__dirname, '..', '..', 'templates', 'email')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'layouts', 'base.html.hbs')));
  if (!found) throw new Error(`email templates not found in ${candidates.join(' or ')}`);
  return found;
}

function environment(): typeof Handlebars {
  const env = Handlebars.create();
  // The first value that is set, for things that may come from the event or from the contact.
  env.registerHelper('or', (...args: unknown[]) =>
    args.slice(0, -1).find((v) => v !== undefined && v !== null && v !== ''),
  );
  env.registerHelper('humanize', (v: unknown) => (typeof v === 'string' ? v.replace(/_/g, ' ') : v));
  // Amounts and instants arrive as workflows recorded them ("12000.00", ISO timestamps): the reader gets "$12,000.00"
  // and "2 December 2026, 09:00 UTC". Formatted here, at render time, so recorded workflow histories stay as they are.
  env.registerHelper('money', (amount: unknown, currency: unknown) =>
    typeof amount === 'number' || typeof amount === 'string'
      ? formatMoney(amount, typeof currency === 'string' ? currency : undefined)
      : amount,
  );
  env.registerHelper('utcDateTime', (v: unknown) =>
    typeof v === 'string' || v instanceof Date ? formatDateTime(v) : v,
  );
  return env;
}

function load(): Loaded {
  if (loaded) return loaded;
  const dir = emailDir();
  // HTML escapes every {{value}}; plain text must not, or "O'Brien" would arrive as "O&#x27;Brien".
  const htmlEnv = environment();
  const textEnv = environment();
  // handlebars compiles lazily; parsing up front makes a broken template fail at load, not on some contact's send.
  const read = (file: string): string => {
    const source = fs.readFileSync(path.join(dir, file), 'utf8');
    Handlebars.parse(source);
    return source;
  };
  const compile = (file: string): Compiled => ({
    html: htmlEnv.compile(read(`${file}.html.hbs`), { strict: false }),
    text: textEnv.compile(read(`${file}.text.hbs`), { noEscape: true }),
  });

  for (const file of fs.readdirSync(path.join(dir, 'partials'))) {
    const m = /^(.+)\.(html|text)\.hbs$/.exec(file);
    if (!m) continue;
    (m[2] === 'html' ? htmlEnv : textEnv).registerPartial(m[1] as string, read(path.join('partials', file)));
  }

  const templates = new Map<string, Compiled>();
  for (const file of fs.readdirSync(dir).sort()) {
    const m = /^([a-z0-9_]+)\.html\.hbs$/.exec(file);
    if (!m) continue;
    const id = m[1] as string;
    if (!fs.existsSync(path.join(dir, `${id}.text.hbs`))) throw new Error(`template ${id} has no ${id}.text.hbs`);
    templates.set(id, compile(id));
  }
  const layouts = { marketing: compile('layouts/base'), transactional: compile('layouts/internal') };
  loaded = { templates, layouts, textEnv };
  return loaded;
}

/** Ids of every email template, sorted. */
export function templateIds(): string[] {
  return [...load().templates.keys()];
}

/** Whether an email template with this id exists. */
export function hasTemplate(id: string): boolean {
  return load().templates.has(id);
}

/**
 * Why a subject line (a handlebars string) could never render, or undefined when it can: a syntax error, or a
 * helper or partial that does not exist. Found when a sequence is defined, not on some contact's send.
 */
export function subjectProblem(subject: string): string | undefined {
  let ast: hbs.AST.Program;
  try {
    ast = Handlebars.parse(subject);
  } catch (err) {
    // "Parse error on line 1:", the source, a caret line, then what was expected: keep the first and the last.
    const lines = (err as Error).message.split('\n');
    return lines.length > 1 ? `${lines[0]} ${lines.at(-1)}` : lines[0];
  }
  const { textEnv } = load();
  const used = new UsedNames();
  used.accept(ast);
  const helpers = [...used.helpers].filter((name) => !(name in textEnv.helpers));
  if (helpers.length > 0) {
    const known = Object.keys(textEnv.helpers)
      .filter((name) => !name.endsWith('Missing'))
      .sort()
      .join(', ');
    return `there is no helper ${helpers.map((h) => `'${h}'`).join(', ')} (helpers: ${known})`;
  }
  const partials = [...used.partials].filter((name) => !(name in textEnv.partials));
  if (partials.length > 0) return `there is no partial ${partials.map((p) => `'${p}'`).join(', ')}`;
  return undefined;
}

/** The names a template calls as helpers (with arguments, or as sub-expressions) and as partials. */
class UsedNames extends Handlebars.Visitor {
  readonly helpers = new Set<string>();
  readonly partials = new Set<string>();
  private call(node: { path: hbs.AST.PathExpression | hbs.AST.Literal; params: unknown[]; hash?: unknown }) {
    if ((node.params.length > 0 || node.hash) && node.path.type === 'PathExpression') {
      this.helpers.add((node.path as hbs.AST.PathExpression).original);
    }
  }
  override MustacheStatement(node: hbs.AST.MustacheStatement): void {
    this.call(node);
    super.MustacheStatement(node);
  }
  override BlockStatement(node: hbs.AST.BlockStatement): void {
    this.call(node);
    super.BlockStatement(node);
  }
  override SubExpression(node: hbs.AST.SubExpression): void {
    if (node.path.type === 'PathExpression') this.helpers.add(node.path.original);
    super.SubExpression(node);
  }
  override PartialStatement(node: hbs.AST.PartialStatement): void {
    if (node.name.type === 'PathExpression') this.partials.add((node.name as hbs.AST.PathExpression).original);
    super.PartialStatement(node);
  }
}

/** Ids of the templates declared transactional, sorted: the only ones a transactional sequence may send. */
export function transactionalTemplateIds(): string[] {
  return templateIds().filter((id) => categoryOf(id) === 'transactional');
}

/** The templates a sequence may name, which of them are transactional, and the check of its subject lines. */
export const templateCatalogue = {
  ids: templateIds,
  has: (id: string) => hasTemplate(id),
  subjectProblem,
  transactional: transactionalTemplateIds,
};

/** Category and call to action of a template, or undefined when there is no such template. */
export function templateInfo(id: string): TemplateInfo | undefined {
  if (!hasTemplate(id)) return undefined;
  const { cta } = metadataOf(id);
  return { id, category: categoryOf(id), ...(cta ? { cta } : {}) };
}

/**
 * Renders a template in its layout. `subject` is a handlebars string too (sequence steps carry their own), rendered
 * against the same vars as plain text on one line. Throws for an unknown template, without `product_name`, and for
 * marketing without `unsubscribe_url`, since such a message must not go out.
 */
export function renderEmail(id: string, input: { subject: string; vars: EmailVars }): RenderedEmail {
  const { templates, layouts, textEnv } = load();
  const template = templates.get(id);
  if (!template) throw new Error(`no email template '${id}'`);
  const { vars } = input;
  if (typeof vars.product_name !== 'string' || vars.product_name.trim() === '') {
    throw new Error(`email template '${id}' needs product_name`);
  }
  const category = categoryOf(id);
  if (category === 'marketing' && (typeof vars.unsubscribe_url !== 'string' || vars.unsubscribe_url === '')) {
    throw new Error(`marketing email template '${id}' needs unsubscribe_url`);
  }

  let subjectTemplate = subjects.get(input.subject);
  if (!subjectTemplate) {
    if (subjects.size >= SUBJECT_CACHE_LIMIT) subjects.clear();
    subjectTemplate = textEnv.compile(input.subject, { noEscape: true });
    subjects.set(input.subject, subjectTemplate);
  }
  // A header must be one line: a newline in a value would otherwise start a new header.
  const subject = subjectTemplate(vars).replace(/\s+/g, ' ').trim();

  const context = { ...vars, subject };
  const layout = layouts[category];
  const html = layout.html({ ...context, body: template.html(context).trim() });
  const text = tidyText(layout.text({ ...context, body: tidyText(template.text(context)) }));
  return { subject, html, text };
}

function tidyText(s: string): string {
  return s
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
