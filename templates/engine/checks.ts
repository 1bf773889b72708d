import { bodySlots, field, spliceAt, type Mapped } from './assemble';
import { HELPER_NAMES } from './helpers';
import { hasOptOutLink, linkProblem, linksIn } from './links';
import type { PartialSource } from './partials';
import { parseField, unknownHelpers, UsedNames } from './syntax';
import type { TemplateFormat, TemplateProblem, TemplateRef } from './types';

/** The part of a template a check looks at: its problem path and its source. */
export interface SourceField {
  path: string;
  source: string;
}

/** Why a layout's source cannot take a body: it needs `{{{body}}}` exactly once. */
export function slotProblems(source: string, path: string): TemplateProblem[] {
  const slots = bodySlots(source);
  if (slots === 1) return [];
  const message =
    slots === 0
      ? "a layout must contain {{{body}}} where the email's body goes"
      : `a layout must contain {{{body}}} exactly once; this one has it ${slots} times`;
  return [{ path, message }];
}

/**
 * Whether an email can go into its layout (a layout of the same format, with one `{{{body}}}`), and the layout's
 * fields parsed, for the partials they include. Without a layout an MJML body must be a whole `<mjml>` document.
 */
export function layoutProblems(
  layout: TemplateRef | undefined,
  format: TemplateFormat,
  body: SourceField,
): { errors: TemplateProblem[]; sources: PartialSource[] } {
  if (!layout) {
    if (format === 'html' || /<mjml[\s>]/i.test(body.source)) return { errors: [], sources: [] };
    const message =
      'an MJML body without a layout must be a whole <mjml> document; choose a layout such as mjml_base, or wrap it in <mjml><mj-body>...</mj-body></mjml>';
    return { errors: [{ path: body.path, message }], sources: [] };
  }
  if (layout.kind !== 'layout') {
    return { errors: [{ path: 'layout', message: `'${layout.key}' is a ${layout.kind}, not a layout` }], sources: [] };
  }
  if (layout.format !== format) {
    const message = `layout '${layout.key}' is written in ${layout.format}; a ${format} template needs a ${format} layout`;
    return { errors: [{ path: 'layout', message }], sources: [] };
  }
  const errors: TemplateProblem[] = [];
  const sources: PartialSource[] = [];
  const parts: Array<['html' | 'text', string | null | undefined]> = [
    ['html', layout.body],
    ['text', layout.text],
  ];
  for (const [part, source] of parts) {
    if (typeof source !== 'string') continue;
    errors.push(...slotProblems(source, 'layout'));
    const parsed = parseField(source, 'layout');
    if (parsed.problem) {
      errors.push({ ...parsed.problem, message: `layout '${layout.key}': ${parsed.problem.message}` });
      continue;
    }
    errors.push(...unknownHelpers(UsedNames.of(parsed.ast), 'layout', HELPER_NAMES));
    sources.push({ ast: parsed.ast, path: 'layout', part });
  }
  return { errors, sources };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Partials may include partials; the resolver refused cycles, this bounds the depth all the same.
const MAX_SPLICE_ROUNDS = 10;

/** Splices each MJML partial's source in place of its `{{> key}}`, before MJML sees the document. */
export function spliceMjmlPartials(mapped: Mapped, partials: Map<string, TemplateRef>): Mapped {
  let result = mapped;
  for (let round = 0; round < MAX_SPLICE_ROUNDS; round++) {
    let changed = false;
    for (const [key, ref] of partials) {
      const include = new RegExp(`\\{\\{~?>\\s*${escapeRegExp(key)}\\s*~?\\}\\}`);
      for (let m = include.exec(result.text); m; m = include.exec(result.text)) {
        result = spliceAt(result, m.index, m.index + m[0].length, field(ref.body, `partials.${key}`));
        changed = true;
      }
    }
    if (!changed) break;
  }
  return result;
}

/**
 * An error for each link that is not a variable, an anchor or an allowed scheme, found in the compiled HTML and
 * in the HTML partials, and pointed at the field it was written in.
 */
export function linkProblems(
  html: string,
  partials: Array<[string, string]>,
  body: SourceField,
  layout: TemplateRef | undefined,
): TemplateProblem[] {
  const fields: SourceField[] = [body, ...(layout ? [{ path: 'layout', source: layout.body }] : [])];
  const checks: Array<{ source: string; fields: SourceField[] }> = [
    { source: html, fields },
    ...partials.map(([key, source]) => ({ source, fields: [{ path: `partials.${key}`, source }] })),
  ];
  const problems = new Map<string, TemplateProblem>();
  for (const check of checks) {
    for (const link of linksIn(check.source)) {
      const message = linkProblem(link);
      if (message && !problems.has(message)) problems.set(message, { ...locate(link.value, check.fields), message });
    }
  }
  return [...problems.values()];
}

function locate(value: string, fields: SourceField[]): { path: string; line?: number } {
  for (const f of fields) {
    const at = f.source.indexOf(value);
    if (at !== -1) return { path: f.path, line: f.source.slice(0, at).split('\n').length };
  }
  return { path: fields[0]?.path ?? 'content' };
}

/**
 * Marketing must let the reader choose: the assembled email has to link `{{preferences_url}}`, the page where they
 * leave a topic or unsubscribe from everything (its `List-Unsubscribe` header carries the one-click link). Transactional
 * mail is exempt.
 */
export function optOutProblem(transactional: boolean, sources: string[], path: string): TemplateProblem[] {
  if (transactional || sources.some(hasOptOutLink)) return [];
  const message =
    'a marketing email must link {{preferences_url}} (the page to leave a topic or unsubscribe from all); use a layout that does (base, mjml_base) or add the link';
  return [{ path, message }];
}
