/**
 * Text assembled from several fields (a layout, the body, MJML partials) that remembers where each line came
 * from, so that an error MJML reports at a line of the whole document points at the field the marketer wrote.
 */

/** Where a line of assembled text was written: a field (`content.en.body`, `layout`) and its line from 1. */
export interface Origin {
  path: string;
  line: number;
}

/** Assembled text and the origin of each of its lines. */
export interface Mapped {
  text: string;
  origins: Origin[];
}

/** A field's own text, each line its own origin. */
export function field(text: string, path: string): Mapped {
  return { text, origins: text.split('\n').map((_, i) => ({ path, line: i + 1 })) };
}

function lineIndexAt(text: string, offset: number): number {
  let lines = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}

/**
 * Replaces `outer.text[start, end)` with `inner`. A line that joins text of both keeps the inner origin: an error
 * there is more likely in what was spliced in than in the markup around it.
 */
export function spliceAt(outer: Mapped, start: number, end: number, inner: Mapped): Mapped {
  const first = lineIndexAt(outer.text, start);
  const last = lineIndexAt(outer.text, end);
  return {
    text: outer.text.slice(0, start) + inner.text + outer.text.slice(end),
    origins: [...outer.origins.slice(0, first), ...inner.origins, ...outer.origins.slice(last + 1)],
  };
}

/** The origin of a line (from 1) of assembled text, or undefined when there is no such line. */
export function originOf(mapped: Mapped, line: number): Origin | undefined {
  return mapped.origins[line - 1];
}

const BODY = '{{{body}}}';

/** How many times a layout holds `{{{body}}}`, the place an email's body goes. */
export function bodySlots(layout: string): number {
  return layout.split(BODY).length - 1;
}

/** Splices a body into a layout at its `{{{body}}}`; the layout must hold exactly one (see {@link bodySlots}). */
export function spliceBody(layout: Mapped, body: Mapped): Mapped {
  const at = layout.text.indexOf(BODY);
  if (at === -1) throw new Error('the layout has no {{{body}}}');
  return spliceAt(layout, at, at + BODY.length, body);
}

// {{!-- ... --}} may hold "}}", {{! ... }} may not; both render nothing.
const COMMENT = /\{\{!--[\s\S]*?--\}\}|\{\{![\s\S]*?\}\}/g;

/**
 * Removes Handlebars comments, keeping their line breaks so lines still map: MJML would otherwise see a comment as
 * text outside any tag.
 */
export function withoutComments(mapped: Mapped): Mapped {
  const text = mapped.text.replace(COMMENT, (comment) => comment.replace(/[^\n]/g, ''));
  return { text, origins: mapped.origins };
}
