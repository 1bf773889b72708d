import { HELPER_NAMES } from './helpers';
import { lineOf, parseField, unknownHelpers, UsedNames, type PartialUse } from './syntax';
import { textPartialKey, type TemplateFormat, type TemplateProblem, type TemplateRef } from './types';

/** A field that may include partials: its parse tree, its problem path, and which part of the email it renders. */
export interface PartialSource {
  ast: hbs.AST.Program;
  path: string;
  part: 'html' | 'text';
}

/** Where to find partials, and the keys of those that exist (listed in the error for an unknown one). */
export interface PartialLookup {
  format: TemplateFormat;
  lookup: (key: string) => TemplateRef | undefined;
  partialKeys?: readonly string[];
}

/**
 * The partials an email includes, directly or through other partials: HTML partials snapshotted for rendering
 * (text twins under `text:<key>`), MJML partials to splice in before the MJML compile, and the keys in the order
 * first used.
 */
export interface ResolvedPartials {
  snapshot: Record<string, string>;
  mjml: Map<string, TemplateRef>;
  uses: string[];
  errors: TemplateProblem[];
}

/** Finds and checks every partial the sources include; see {@link ResolvedPartials}. */
export function resolvePartials(sources: PartialSource[], where: PartialLookup): ResolvedPartials {
  const resolved: ResolvedPartials = { snapshot: {}, mjml: new Map(), uses: [], errors: [] };
  const done = new Set<string>();
  for (const source of sources) visit(source, [], where, resolved, done);
  return resolved;
}

function visit(
  source: PartialSource,
  stack: string[],
  where: PartialLookup,
  out: ResolvedPartials,
  done: Set<string>,
): void {
  for (const use of UsedNames.of(source.ast).partials) {
    const fail = (message: string) => out.errors.push({ path: source.path, message, ...lineOf(use.node) });
    if (stack.includes(use.name)) {
      fail(`partial '${use.name}' includes itself (${[...stack, use.name].join(' > ')})`);
      continue;
    }
    const ref = where.lookup(use.name);
    const problem = refusal(use, ref, source, where);
    if (problem || !ref) {
      fail(problem ?? `there is no partial '${use.name}'`);
      continue;
    }
    if (!out.uses.includes(ref.key)) out.uses.push(ref.key);
    const seen = `${source.part}:${ref.key}`;
    if (done.has(seen)) continue;
    done.add(seen);
    const nested = include(ref, source.part, out);
    if (nested) visit(nested, [...stack, use.name], where, out, done);
  }
}

// Why a partial cannot be used where it is, or undefined when it can.
function refusal(
  use: PartialUse,
  ref: TemplateRef | undefined,
  source: PartialSource,
  where: PartialLookup,
): string | undefined {
  if (!ref) {
    const known = where.partialKeys ? ` (partials: ${[...where.partialKeys].sort().join(', ') || 'none'})` : '';
    return `there is no partial '${use.name}'${known}`;
  }
  if (ref.kind !== 'partial') return `'${use.name}' is a ${ref.kind}, not a partial`;
  if (ref.format === 'mjml') {
    if (where.format !== 'mjml' || source.part === 'text') {
      return `partial '${use.name}' is written in MJML; only the body of an MJML template can include it`;
    }
    if (use.withParameters) {
      return `MJML partial '${use.name}' is spliced in as written and takes no parameters; remove them, or make it an HTML partial`;
    }
  }
  if (source.part === 'text' && ref.format === 'html' && !ref.text) {
    return `partial '${use.name}' has no text version, which the text part needs`;
  }
  return undefined;
}

// Records the partial for the artifact or the MJML splice and returns its source, parsed, to look inside.
function include(ref: TemplateRef, part: 'html' | 'text', out: ResolvedPartials): PartialSource | undefined {
  const path = `partials.${ref.key}`;
  const source = part === 'text' ? (ref.text ?? '') : ref.body;
  if (ref.format === 'mjml') out.mjml.set(ref.key, ref);
  else out.snapshot[part === 'text' ? textPartialKey(ref.key) : ref.key] = source;
  const parsed = parseField(source, path);
  if (parsed.problem) {
    out.errors.push(parsed.problem);
    return undefined;
  }
  out.errors.push(...unknownHelpers(UsedNames.of(parsed.ast), path, HELPER_NAMES));
  return { ast: parsed.ast, path, part };
}
