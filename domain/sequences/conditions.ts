import type { Condition, EventMatcher } from './definition';

/** An event as conditions see it. */
export interface ConditionEvent {
  name: string;
  properties: Record<string, unknown>;
}

/** What a condition's `field` paths resolve against: `traits.x`, `event.properties.x`, `trigger.name`, `contact.x`. */
export interface ConditionContext {
  traits: Record<string, unknown>;
  /** The event being matched (a waitFor's or a goal's), or the one that last moved the enrollment. */
  event?: ConditionEvent;
  /** The event that enrolled the contact. */
  trigger?: ConditionEvent;
  contact: { id?: string; email?: string; timezone?: string; [key: string]: unknown };
}

/**
 * Evaluates a condition. A missing field (absent, or null) makes every comparison false, `neq` included, and only
 * `notExists` true. Two numbers compare numerically, two strings by code unit (so ISO dates order correctly), and
 * a number against a string that spells a number numerically, since traits imported from CSV arrive as text.
 */
export function evaluateCondition(cond: Condition, ctx: ConditionContext): boolean {
  if ('all' in cond) return cond.all.every((c) => evaluateCondition(c, ctx));
  if ('any' in cond) return cond.any.some((c) => evaluateCondition(c, ctx));
  if ('not' in cond) return !evaluateCondition(cond.not, ctx);

  const actual = resolveField(cond.field, ctx);
  if (cond.op === 'notExists') return actual === undefined;
  if (actual === undefined) return false;
  const expected = cond.value;
  switch (cond.op) {
    case 'exists':
      return true;
    case 'eq':
      return valuesEqual(actual, expected);
    case 'neq':
      return expected !== undefined && !valuesEqual(actual, expected);
    case 'gt':
      return compare(actual, expected, (c) => c > 0);
    case 'gte':
      return compare(actual, expected, (c) => c >= 0);
    case 'lt':
      return compare(actual, expected, (c) => c < 0);
    case 'lte':
      return compare(actual, expected, (c) => c <= 0);
    case 'in': {
      if (!Array.isArray(expected)) return false;
      const actuals = Array.isArray(actual) ? actual : [actual];
      return actuals.some((a) => expected.some((e) => valuesEqual(a, e)));
    }
    case 'contains':
      if (typeof actual === 'string') return typeof expected === 'string' && actual.includes(expected);
      if (Array.isArray(actual)) return actual.some((a) => valuesEqual(a, expected));
      return false;
  }
}

/** The events the audience sends when a contact enters or leaves a segment; `properties.segment` is its key. */
export const SEGMENT_ENTERED_EVENT = 'segment.entered';
export const SEGMENT_LEFT_EVENT = 'segment.left';

/** Anything that picks out events: a trigger, an exit, a goal or a waitFor route. */
export type EventSelector =
  Pick<EventMatcher, 'event' | 'where'> | { segmentEntered: string } | { segmentLeft: string };

/**
 * The event matcher a trigger or exit means: entering a segment is the `segment.entered` event whose
 * `properties.segment` is its key, leaving one `segment.left`. Every place that matches triggers or exits (or
 * lists the event names they need) goes through this, so the stored definition keeps what the author wrote.
 */
export function eventMatcherOf(selector: EventSelector): Pick<EventMatcher, 'event' | 'where'> {
  if ('segmentEntered' in selector) return segmentMatcher(SEGMENT_ENTERED_EVENT, selector.segmentEntered);
  if ('segmentLeft' in selector) return segmentMatcher(SEGMENT_LEFT_EVENT, selector.segmentLeft);
  return selector;
}

function segmentMatcher(event: string, key: string): Pick<EventMatcher, 'event' | 'where'> {
  return { event, where: { field: 'event.properties.segment', op: 'eq', value: key } };
}

/**
 * Whether `event` satisfies a trigger, exit, goal or waitFor route: same name, and its `where` holds with `event` in
 * context. A segment trigger or exit is first read as the segment event it means (see `eventMatcherOf`).
 */
export function matchesEvent(
  selector: EventSelector,
  event: ConditionEvent,
  context: Omit<ConditionContext, 'event'> = { traits: {}, contact: {} },
): boolean {
  const matcher = eventMatcherOf(selector);
  if (matcher.event !== event.name) return false;
  return matcher.where === undefined || evaluateCondition(matcher.where, { ...context, event });
}

/**
 * The value at a dotted path such as `traits.plan` or `event.properties.amount`; undefined when any part is
 * missing or null. Only own properties are followed, so `traits.constructor` is missing, not Object's constructor.
 */
export function resolveField(field: string, ctx: ConditionContext): unknown {
  let current: unknown = ctx;
  for (const key of field.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current === null ? undefined : current;
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  // Only text that is exactly a number; Number('') is 0 and Number(' 1') is 1, neither of which we want.
  if (typeof v === 'string' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v)) return Number(v);
  return undefined;
}

function compare(actual: unknown, expected: unknown, test: (c: number) => boolean): boolean {
  if (typeof actual === 'string' && typeof expected === 'string') {
    return test(actual < expected ? -1 : actual > expected ? 1 : 0);
  }
  if (typeof actual !== 'number' && typeof expected !== 'number') return false;
  const a = asNumber(actual);
  const e = asNumber(expected);
  if (a === undefined || e === undefined) return false;
  return test(a - e);
}

function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' || typeof b === 'number') {
    if (typeof a === 'object' || typeof b === 'object') return false;
    const x = asNumber(a);
    const y = asNumber(b);
    return x !== undefined && y !== undefined && x === y;
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => valuesEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && valuesEqual(a[k], b[k]))
    );
  }
  return false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
