import { HELPER_NAMES } from './helpers';
import { lineOf } from './syntax';
import type { TemplateProblem } from './types';

/**
 * The variables the product provides to every email, listed by the API for the editor. A name ending in `.*`
 * stands for an object whose fields a template reads (`traits.company`).
 */
export const PRODUCT_VARIABLES: readonly { name: string; description: string }[] = [
  { name: 'first_name', description: "The contact's first name, when known." },
  { name: 'email', description: "The contact's email address." },
  { name: 'locale', description: "The contact's locale (BCP 47, e.g. de or de-DE), when known." },
  { name: 'product_name', description: 'The name of the product the email is about.' },
  { name: 'venture_name', description: 'The name of the company that sends the email.' },
  { name: 'company_address', description: "The sender's postal address, for the footer." },
  { name: 'cta_url', description: "The link behind the template's call to action." },
  { name: 'unsubscribe_url', description: 'The link that unsubscribes the contact; marketing email must carry it.' },
  { name: 'preferences_url', description: "The link to the contact's email preferences." },
  { name: 'subject', description: 'The rendered subject line of this email.' },
  { name: 'reason', description: 'Why the contact gets this email, replacing the default footer line.' },
  { name: 'sender_name', description: 'The person the email is signed by.' },
  { name: 'topic_name', description: 'The topic a confirmation email asks the contact to confirm.' },
  { name: 'confirm_url', description: 'The link that confirms a subscription to a topic.' },
  { name: 'set_password_url', description: 'The signed, single-use link that sets a password (account email).' },
  { name: 'expires_in', description: 'How long the set-password link works, in words (account email).' },
  { name: 'invited', description: 'True when the account email gives someone their first password.' },
  { name: 'traits.*', description: "The contact's traits, e.g. traits.company." },
  { name: 'event.*', description: 'Properties of the event that last moved the enrollment on.' },
  { name: 'trigger.*', description: 'Properties of the event that enrolled the contact.' },
  { name: 'approval.*', description: 'Internal notifications: the approval asked for (title, amount, expires_at...).' },
  { name: 'budget.*', description: 'Internal notifications: the campaign budget (name, spent, limit, percent...).' },
  { name: 'campaign.*', description: 'Internal notifications: the campaign the notification is about.' },
  { name: 'account.*', description: 'Internal notifications: the customer account (name, plan, mrr...).' },
  { name: 'customer.*', description: 'Internal notifications: the customer the notification is about.' },
  { name: 'churn.*', description: 'Internal notifications: the churn risk (probability, reasons, winback).' },
  {
    name: 'credential.*',
    description:
      'Internal notifications: an ad platform credential (platform, setting, valid, expires_on, days_left, detail).',
  },
];

const KNOWN_ROOTS = new Set(PRODUCT_VARIABLES.map((v) => v.name.replace(/\.\*$/, '')));

/** Trait names and event property names seen so far; a list that is absent means "do not check". */
export interface KnownVariables {
  traits?: string[];
  eventProperties?: string[];
}

interface Scope {
  // How many enclosing blocks changed the context (each, with, a section over an object).
  contextDepth: number;
  locals: ReadonlySet<string>;
}

const CONTEXT_CHANGING = new Set(['each', 'with']);
const HELPERS = new Set(HELPER_NAMES);

/**
 * Warnings for the names a field uses that nothing provides: they render empty, which may be meant (a trait only
 * some contacts have) or a typo, so the marketer is told and the template is still saved. Names inside `each` and
 * `with` blocks are relative to the item and are not checked.
 */
export function unknownVariables(ast: hbs.AST.Program, path: string, known: KnownVariables = {}): TemplateProblem[] {
  const found = new Map<string, TemplateProblem>();
  const report = (node: hbs.AST.PathExpression, parts: string[]) => {
    const unknown = unknownName(parts, known);
    if (unknown && !found.has(unknown.name))
      found.set(unknown.name, { path, message: unknown.message, ...lineOf(node) });
  };
  walkProgram(ast, { contextDepth: 0, locals: new Set() }, report);
  return [...found.values()];
}

function unknownName(parts: string[], known: KnownVariables): { name: string; message: string } | undefined {
  const [root, field] = parts;
  if (root === undefined) return undefined;
  if (root === 'traits' || root === 'event' || root === 'trigger') {
    const seen = root === 'traits' ? known.traits : known.eventProperties;
    if (field === undefined || !seen || seen.includes(field)) return undefined;
    const name = `${root}.${field}`;
    const what = root === 'traits' ? 'no contact has the trait' : 'no event seen so far has the property';
    return { name, message: `${name}: ${what} '${field}', so it renders empty until one does` };
  }
  if (KNOWN_ROOTS.has(root)) return undefined;
  const name = parts.join('.');
  const roots = [...KNOWN_ROOTS].join(', ');
  return { name, message: `${name} is not a variable the product provides (${roots}); it renders empty` };
}

type Report = (node: hbs.AST.PathExpression, parts: string[]) => void;

function walkProgram(program: hbs.AST.Program | undefined, scope: Scope, report: Report): void {
  for (const statement of program?.body ?? []) walkStatement(statement, scope, report);
}

function walkStatement(node: hbs.AST.Statement, scope: Scope, report: Report): void {
  switch (node.type) {
    case 'MustacheStatement': {
      const m = node as hbs.AST.MustacheStatement;
      if (isCall(m)) walkArguments(m, scope, report);
      else if (!isHelperName(m.path)) walkExpression(m.path, scope, report);
      return;
    }
    case 'BlockStatement':
      return walkBlock(node as hbs.AST.BlockStatement, scope, report);
    case 'PartialStatement':
    case 'PartialBlockStatement': {
      const p = node as hbs.AST.PartialStatement;
      walkArguments(p, scope, report);
      if (node.type === 'PartialBlockStatement')
        walkProgram((node as hbs.AST.PartialBlockStatement).program, scope, report);
      return;
    }
    default:
      return;
  }
}

function walkBlock(block: hbs.AST.BlockStatement, scope: Scope, report: Report): void {
  const helper = block.path.type === 'PathExpression' ? (block.path as hbs.AST.PathExpression).original : '';
  const call = isCall(block);
  if (call) walkArguments(block, scope, report);
  else walkExpression(block.path, scope, report);
  // A section over a value ({{#traits}}) and each/with make names inside relative to something else.
  const changes = !call || CONTEXT_CHANGING.has(helper);
  const params = block.program.blockParams ?? [];
  const inner: Scope = changes
    ? { contextDepth: scope.contextDepth + 1, locals: new Set([...scope.locals, ...params]) }
    : { contextDepth: scope.contextDepth, locals: new Set([...scope.locals, ...params]) };
  walkProgram(block.program, inner, report);
  walkProgram(block.inverse, scope, report);
}

function walkArguments(
  node: { params: hbs.AST.Expression[]; hash?: hbs.AST.Hash },
  scope: Scope,
  report: Report,
): void {
  for (const param of node.params) walkExpression(param, scope, report);
  for (const pair of node.hash?.pairs ?? []) walkExpression(pair.value, scope, report);
}

function walkExpression(expr: hbs.AST.Expression, scope: Scope, report: Report): void {
  if (expr.type === 'SubExpression') return walkArguments(expr as hbs.AST.SubExpression, scope, report);
  if (expr.type !== 'PathExpression') return;
  const path = expr as hbs.AST.PathExpression;
  const parts = rootParts(path, scope);
  if (parts && parts.length > 0) report(path, parts);
}

// The parts of a path read from the template's own context, or undefined for data (@index), `this` and names
// relative to an item or a block parameter.
function rootParts(path: hbs.AST.PathExpression, scope: Scope): string[] | undefined {
  if (path.data) return path.parts[0] === 'root' ? path.parts.slice(1) : undefined;
  if (scope.contextDepth - path.depth > 0) return undefined;
  if (path.depth === 0 && path.parts[0] !== undefined && scope.locals.has(path.parts[0])) return undefined;
  return path.parts;
}

function isCall(node: { params: unknown[]; hash?: unknown }): boolean {
  return node.params.length > 0 || node.hash !== undefined;
}

function isHelperName(expr: hbs.AST.Expression): boolean {
  return expr.type === 'PathExpression' && HELPERS.has((expr as hbs.AST.PathExpression).original);
}
