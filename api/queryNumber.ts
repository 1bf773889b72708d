import { z } from 'zod';

/** What a number in the query string must be, and how to say so when it is not. */
export interface QueryNumberRule {
  /** What the number means, said when it is missing, e.g. 'the amount to split across channels'. */
  what: string;
  /** A valid value, shown in the messages as `?field=example`. */
  example: number;
  int?: boolean;
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound. */
  gt?: number;
  /** Inclusive upper bound. */
  max?: number;
}

type NumberIssue = z.core.$ZodRawIssue & { input?: unknown; inclusive?: boolean; minimum?: unknown; maximum?: unknown };

/** The message for one issue: every problem names what the field wants rather than zod's "received NaN". */
function describeIssue(field: string, rule: QueryNumberRule) {
  const eg = `e.g. ?${field}=${rule.example}`;
  return (issue: NumberIssue): string => {
    if (issue.input === undefined) return `required: ${rule.what}, ${eg}`;
    if (Array.isArray(issue.input)) return `give ${field} once, ${eg}`;
    if (issue.code === 'too_small') return `must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}`;
    if (issue.code === 'too_big') return `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}`;
    return `must be ${rule.int ? 'a whole number' : 'a number'}, ${eg}`;
  };
}

/** Query values arrive as text; a blank one stays blank so that it is refused instead of read as 0. */
const fromText = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value);

/**
 * A number read from the query string, for a route's `query` schema. `z.coerce.number()` would answer a missing
 * value with "expected number, received NaN" and take `?limit=` for 0; this names what the field wants instead.
 * Chain `.optional()` or `.default()` for a number that may be left out.
 */
export function queryNumber(field: string, rule: QueryNumberRule) {
  let schema = z.number({ error: describeIssue(field, rule) });
  if (rule.int) schema = schema.int();
  if (rule.min !== undefined) schema = schema.min(rule.min);
  if (rule.gt !== undefined) schema = schema.gt(rule.gt);
  if (rule.max !== undefined) schema = schema.max(rule.max);
  return z.preprocess(fromText, schema).describe(rule.what);
}
