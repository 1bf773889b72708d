import Handlebars from 'handlebars';
import type { TemplateProblem } from './types';

/** A parsed Handlebars source, or the problem that stops it from parsing, located for the editor. */
export type Parsed = { ast: hbs.AST.Program; problem?: undefined } | { ast?: undefined; problem: TemplateProblem };

interface Location {
  first_line: number;
  first_column: number;
}

/**
 * Parses one field of a template. A syntax error keeps the line and column the parser stopped at (columns from 1),
 * and only the first and last line of Handlebars' message: the middle lines are a caret drawing that the editor
 * replaces by pointing at the place itself.
 */
export function parseField(source: string, path: string): Parsed {
  try {
    return { ast: Handlebars.parse(source) };
  } catch (err) {
    return { problem: { path, ...located(err) } };
  }
}

function located(err: unknown): Omit<TemplateProblem, 'path'> {
  const message = err instanceof Error ? err.message : String(err);
  const lines = message.split('\n');
  const short = lines.length > 1 ? `${lines[0]} ${lines.at(-1)}` : message;
  // A mismatched block ("if doesn't match each") is a Handlebars exception that carries its own place.
  const exception = err as { lineNumber?: unknown; column?: unknown };
  if (typeof exception.lineNumber === 'number') {
    const column = typeof exception.column === 'number' ? exception.column + 1 : undefined;
    return { message: short, line: exception.lineNumber, ...(column !== undefined ? { column } : {}) };
  }
  const at = parserLocation();
  if (at) return { message: short, line: at.first_line, column: at.first_column + 1 };
  const line = /line (\d+)/.exec(message)?.[1];
  return { message: short, ...(line ? { line: Number(line) } : {}) };
}

// The parser's error carries no location object, but parsing is synchronous and its lexer still holds the place of
// the token it refused (the `loc` jison hands to its error hook).
function parserLocation(): Location | undefined {
  const parser = (Handlebars as unknown as { Parser?: { lexer?: { yylloc?: Partial<Location> } } }).Parser;
  const loc = parser?.lexer?.yylloc;
  if (typeof loc?.first_line !== 'number' || typeof loc.first_column !== 'number') return undefined;
  return { first_line: loc.first_line, first_column: loc.first_column };
}

/** Where in its field a node starts, for problems found in the tree. */
export function lineOf(node: hbs.AST.Node): { line: number; column: number } {
  return { line: node.loc.start.line, column: node.loc.start.column + 1 };
}

/** A partial included by a template: its name, whether it is given parameters, and where. */
export interface PartialUse {
  name: string;
  withParameters: boolean;
  node: hbs.AST.PartialStatement | hbs.AST.PartialBlockStatement;
}

/** The helpers (with the node that calls each) and the partials a template uses. */
export class UsedNames extends Handlebars.Visitor {
  readonly helpers: Array<{ name: string; node: hbs.AST.Node }> = [];
  readonly partials: PartialUse[] = [];

  /** The names used in one parsed field. */
  static of(ast: hbs.AST.Program): UsedNames {
    const used = new UsedNames();
    used.accept(ast);
    return used;
  }

  private call(node: hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression, always: boolean) {
    const called = always || node.params.length > 0 || node.hash !== undefined;
    if (called && node.path.type === 'PathExpression') {
      this.helpers.push({ name: (node.path as hbs.AST.PathExpression).original, node });
    }
  }

  override MustacheStatement(node: hbs.AST.MustacheStatement): void {
    this.call(node, false);
    super.MustacheStatement(node);
  }

  override BlockStatement(node: hbs.AST.BlockStatement): void {
    this.call(node, false);
    super.BlockStatement(node);
  }

  override SubExpression(node: hbs.AST.SubExpression): void {
    this.call(node, true);
    super.SubExpression(node);
  }

  override PartialStatement(node: hbs.AST.PartialStatement): void {
    this.partial(node, node.params.length > 0 || node.hash !== undefined);
    super.PartialStatement(node);
  }

  // `{{#> name}}fallback{{/name}}` passes a block, which only Handlebars can render: it counts as parameters.
  override PartialBlockStatement(node: hbs.AST.PartialBlockStatement): void {
    this.partial(node, true);
    super.PartialBlockStatement(node);
  }

  private partial(node: hbs.AST.PartialStatement | hbs.AST.PartialBlockStatement, withParameters: boolean) {
    if (node.name.type === 'PathExpression') {
      this.partials.push({ name: (node.name as hbs.AST.PathExpression).original, withParameters, node });
    }
  }
}

/**
 * An error for each call of a helper that does not exist, listing those that do: found when the template is
 * saved, not on some contact's send.
 */
export function unknownHelpers(used: UsedNames, path: string, known: readonly string[]): TemplateProblem[] {
  return used.helpers
    .filter((h) => !known.includes(h.name))
    .map((h) => ({
      path,
      message: `there is no helper '${h.name}' (helpers: ${known.join(', ')})`,
      ...lineOf(h.node),
    }));
}
