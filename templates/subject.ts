import { HELPER_NAMES } from './engine/helpers';
import { parseField, unknownHelpers, UsedNames } from './engine/syntax';

/**
 * Why a subject line of a sequence step or a broadcast (a Handlebars string that overrides the template's) could
 * never render, or undefined when it can: a syntax error, an unknown helper, or a partial (a subject is one line of
 * text). Found when the sequence or broadcast is saved, not on some contact's send.
 */
export function subjectProblem(subject: string): string | undefined {
  const parsed = parseField(subject, 'subject');
  if (parsed.problem) return parsed.problem.message;
  const used = UsedNames.of(parsed.ast);
  const helper = unknownHelpers(used, 'subject', HELPER_NAMES)[0];
  if (helper) return helper.message;
  const partial = used.partials[0];
  return partial ? `a subject cannot include a partial ('${partial.name}')` : undefined;
}
