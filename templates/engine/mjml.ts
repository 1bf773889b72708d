import mjml2html from 'mjml';
import { originOf, type Mapped } from './assemble';
import type { TemplateProblem } from './types';

interface MjmlError {
  line?: unknown;
  message?: unknown;
  tagName?: unknown;
}

const INCLUDE = /<mj-include\b/i;

/**
 * Compiles an assembled MJML document to responsive HTML, once, when a version is saved. Validation is strict, so
 * a document MJML would have to guess at is refused with MJML's reasons, each at the line of the field it came
 * from. No web font is linked (a request to a font host from every opened email), and `mj-include` is refused:
 * it reads files from the server that compiles it.
 */
export async function compileMjml(
  source: Mapped,
  fallbackPath: string,
): Promise<{ html?: string; errors: TemplateProblem[] }> {
  const include = includeProblem(source);
  if (include) return { errors: [include] };
  try {
    const result = await mjml2html(source.text, {
      validationLevel: 'strict',
      fonts: {},
      keepComments: false,
      ignoreIncludes: true,
    });
    if (result.errors.length > 0) return { errors: result.errors.map((e) => located(e, source, fallbackPath)) };
    return { html: result.html, errors: [] };
  } catch (err) {
    const errors = (err as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      return { errors: errors.map((e: MjmlError) => located(e, source, fallbackPath)) };
    }
    const message = err instanceof Error ? err.message : String(err);
    return { errors: [{ path: fallbackPath, message: `MJML could not compile it: ${message}` }] };
  }
}

function includeProblem(source: Mapped): TemplateProblem | undefined {
  const at = INCLUDE.exec(source.text);
  if (!at) return undefined;
  const line = source.text.slice(0, at.index).split('\n').length;
  const origin = originOf(source, line);
  const message = 'mj-include is not allowed; put shared MJML in a partial and include it with {{> key}}';
  return { path: origin?.path ?? 'content', message, ...(origin ? { line: origin.line } : {}) };
}

function located(e: MjmlError, source: Mapped, fallbackPath: string): TemplateProblem {
  const tag = typeof e.tagName === 'string' ? `<${e.tagName}>: ` : '';
  const message = `${tag}${typeof e.message === 'string' ? e.message : 'invalid MJML'}`;
  const origin = typeof e.line === 'number' ? originOf(source, e.line) : undefined;
  return origin ? { path: origin.path, message, line: origin.line } : { path: fallbackPath, message };
}
