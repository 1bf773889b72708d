import type {
  EmailOutcome,
  EngagementCondition,
  EventCondition,
  PropertyCondition,
  Scalar,
  SegmentDefinition,
  SubscriptionCondition,
  TraitCondition,
} from './definition';

/**
 * Compiles a segment definition to one SQL predicate over a row of `contacts`. Every value from the definition
 * (trait and event names included) travels as a binding (`?`, knex's placeholder); the SQL text holds only what
 * this file writes. That is also why no jsonb `?` operator appears: knex would read it as a placeholder.
 */

export interface CompiledPredicate {
  sql: string;
  bindings: unknown[];
}

/**
 * The topic eligibility rule as SQL: a boolean expression, true when the topic lets its mail go to the contact.
 * `contactIdSql` and `topicSql` are SQL this file writes (a column, a `?`), each placed once.
 */
export type MayReceiveSql = (contactIdSql: string, topicSql: string) => string;

export interface CompileOptions {
  /** The alias of the `contacts` row the predicate tests. */
  contact: string;
  /** The instant windows are measured back from; tests pass their own. */
  now: Date;
  /**
   * The topic rule, as the topics' store writes it (`mayReceiveSql`), so sends and segments agree on who may receive
   * a topic's mail. Passed in because this pure layer reads no store; needed only by `subscribed` conditions.
   */
  mayReceive?: MayReceiveSql;
}

const DAY_MS = 86_400_000;
/** Text that is exactly a number, as domain/sequences/conditions.ts reads it (CSV imports arrive as text). */
export const NUMERIC_TEXT = '^-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?$';
const NUMERIC_RE = new RegExp(NUMERIC_TEXT);

/** The message log's column per outcome: fixed here, never taken from the definition. */
const OUTCOME_COLUMNS: Record<EmailOutcome, string> = {
  sent: 'sent_at',
  delivered: 'delivered_at',
  opened: 'opened_at',
  clicked: 'clicked_at',
  bounced: 'bounced_at',
  complained: 'complained_at',
};

class Builder {
  readonly bindings: unknown[] = [];
  private aliases = 0;
  constructor(readonly options: CompileOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(options.contact)) throw new Error(`not an alias: ${options.contact}`);
  }
  bind(value: unknown): string {
    this.bindings.push(value);
    return '?';
  }
  alias(prefix: string): string {
    return `${prefix}${++this.aliases}`;
  }
  since(days: number): Date {
    return new Date(this.options.now.getTime() - days * DAY_MS);
  }
}

/** The definition as one SQL predicate over the `contacts` row `options.contact`, with its bindings in order. */
export function compileSegment(definition: SegmentDefinition, options: CompileOptions): CompiledPredicate {
  const b = new Builder(options);
  const sql = node(definition, b);
  return { sql, bindings: b.bindings };
}

function node(n: SegmentDefinition, b: Builder): string {
  if ('all' in n) return `(${n.all.map((c) => node(c, b)).join(' AND ')})`;
  if ('any' in n) return `(${n.any.map((c) => node(c, b)).join(' OR ')})`;
  // Each leaf is true or false, never NULL (see `truthy`), so NOT means "not in".
  if ('not' in n) return `(NOT ${node(n.not, b)})`;
  if ('trait' in n) return trait(n, b);
  if ('event' in n) return event(n, b);
  if ('subscribed' in n) return subscribed(n, b);
  return engagement(n, b);
}

/**
 * The contact-wide unsubscribe counts as leaving every topic: someone who unsubscribed from everything is
 * subscribed to nothing, so the segment agrees with who a send under the topic would reach.
 */
function subscribed(c: SubscriptionCondition, b: Builder): string {
  const { contact, mayReceive } = b.options;
  if (!mayReceive) throw new Error('a `subscribed` condition needs the topic rule: pass `mayReceive` to compile it');
  return `(${contact}.unsubscribed_at IS NULL AND ${truthy(mayReceive(`${contact}.id`, b.bind(c.subscribed)))})`;
}

/** A comparison that may be NULL (a missing trait) as a plain boolean, so `not` and `neq` mean what they say. */
const truthy = (sql: string) => `coalesce(${sql}, false)`;

function trait(c: TraitCondition, b: Builder): string {
  return test(`${b.options.contact}.traits`, c.trait, c, b);
}

/**
 * A test of one key of a jsonb object. The value is selected once, under an alias, because the test names it
 * several times and a placeholder repeated in the text would need its binding repeated too.
 */
function test(
  object: string,
  key: string,
  c: { op: TraitCondition['op']; value?: TraitCondition['value'] },
  b: Builder,
) {
  const t = b.alias('val');
  const from = `(SELECT (${object} -> ${b.bind(key)}::text) AS v) AS ${t}`;
  return `EXISTS (SELECT 1 FROM ${from} WHERE ${truthy(valueTest(`${t}.v`, c.op, c.value, b))})`;
}

/** A jsonb value as a number: a JSON number, or text that spells one; NULL otherwise (never a cast error). */
function numeric(v: string, b: Builder): string {
  return (
    `(CASE WHEN jsonb_typeof(${v}) = 'number' THEN (${v})::numeric ` +
    `WHEN jsonb_typeof(${v}) = 'string' AND (${v} #>> '{}') ~ ${b.bind(NUMERIC_TEXT)} THEN (${v} #>> '{}')::numeric END)`
  );
}

/** Equality as the sequence conditions define it: numbers numerically (text that spells one too), else exactly. */
function equals(v: string, expected: Scalar, b: Builder): string {
  if (typeof expected === 'number') return `(${numeric(v, b)} = ${b.bind(expected)}::numeric)`;
  if (typeof expected === 'boolean') return `(${v} = to_jsonb(${b.bind(expected)}::boolean))`;
  const exact = `(${v} = to_jsonb(${b.bind(expected)}::text))`;
  if (!NUMERIC_RE.test(expected)) return exact;
  return `(${exact} OR (jsonb_typeof(${v}) = 'number' AND ${numeric(v, b)} = ${b.bind(expected)}::numeric))`;
}

const ORDER: Record<'gt' | 'gte' | 'lt' | 'lte', string> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

/** The elements of an array value, or the value itself as the only element. */
function elements(v: string): string {
  return `jsonb_array_elements(CASE WHEN jsonb_typeof(${v}) = 'array' THEN ${v} ELSE jsonb_build_array(${v}) END)`;
}

/** A test of one jsonb value (a trait, an event property); NULL or false when it is missing. */
function valueTest(v: string, op: TraitCondition['op'], expected: TraitCondition['value'], b: Builder): string {
  const present = `(${v} IS NOT NULL AND jsonb_typeof(${v}) <> 'null')`;
  switch (op) {
    case 'exists':
      return present;
    case 'eq':
      return equals(v, expected as Scalar, b);
    case 'neq':
      return `(${present} AND NOT ${truthy(equals(v, expected as Scalar, b))})`;
    case 'in': {
      const e = b.alias('el');
      const tests = (expected as Scalar[]).map((x) => truthy(equals(`${e}.value`, x, b))).join(' OR ');
      return `EXISTS (SELECT 1 FROM ${elements(v)} AS ${e} WHERE ${tests})`;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const o = ORDER[op];
      if (typeof expected === 'number') return `(${numeric(v, b)} ${o} ${b.bind(expected)}::numeric)`;
      const text = `(jsonb_typeof(${v}) = 'string' AND (${v} #>> '{}') COLLATE "C" ${o} ${b.bind(expected)}::text COLLATE "C")`;
      if (!NUMERIC_RE.test(String(expected))) return text;
      return `(${text} OR (jsonb_typeof(${v}) = 'number' AND ${numeric(v, b)} ${o} ${b.bind(expected)}::numeric))`;
    }
    case 'contains': {
      const e = b.alias('el');
      const inArray =
        `(jsonb_typeof(${v}) = 'array' AND EXISTS (SELECT 1 FROM ` +
        `jsonb_array_elements(CASE WHEN jsonb_typeof(${v}) = 'array' THEN ${v} ELSE '[]'::jsonb END) AS ${e} ` +
        `WHERE ${truthy(equals(`${e}.value`, expected as Scalar, b))}))`;
      if (typeof expected !== 'string') return inArray;
      return `((jsonb_typeof(${v}) = 'string' AND strpos(${v} #>> '{}', ${b.bind(expected)}::text) > 0) OR ${inArray})`;
    }
    case 'withinDays': {
      // A date held as ISO text; one that does not parse is not within any window (segment_try_timestamptz).
      const at = `segment_try_timestamptz(CASE WHEN jsonb_typeof(${v}) = 'string' THEN ${v} #>> '{}' END)`;
      return `(${at} > ${b.bind(b.since(expected as number))}::timestamptz AND ${at} <= ${b.bind(b.options.now)}::timestamptz)`;
    }
  }
}

function property(w: PropertyCondition, alias: string, b: Builder): string {
  return test(`${alias}.properties`, w.property, w, b);
}

/**
 * How many of the contact's events match, compared with the bounds. The subquery reads the index
 * (contact_id, name, occurred_at) and stops counting at the first number that decides the answer.
 */
function event(c: EventCondition, b: Builder): string {
  const e = b.alias('ev');
  const filters = [`${e}.contact_id = ${b.options.contact}.id`, `${e}.name = ${b.bind(c.event)}::text`];
  if (c.withinDays !== undefined) {
    filters.push(`${e}.occurred_at > ${b.bind(b.since(c.withinDays))}::timestamptz`);
    filters.push(`${e}.occurred_at <= ${b.bind(b.options.now)}::timestamptz`);
  }
  for (const w of c.where ?? []) filters.push(property(w, e, b));
  const matching = `SELECT 1 FROM events ${e} WHERE ${filters.join(' AND ')}`;
  const { atLeast, atMost } = c;
  if (atMost === undefined) {
    if (atLeast === undefined || atLeast <= 1) return `EXISTS (${matching})`;
    return `((SELECT count(*) FROM (${matching} LIMIT ${b.bind(atLeast)}::int) ${e}c) >= ${b.bind(atLeast)}::int)`;
  }
  if (atMost === 0 && atLeast === undefined) return `(NOT EXISTS (${matching}))`;
  const limit = Math.max(atMost + 1, atLeast ?? 0);
  const count = `(SELECT count(*) FROM (${matching} LIMIT ${b.bind(limit)}::int) ${e}c)`;
  return atLeast === undefined
    ? `(${count} <= ${b.bind(atMost)}::int)`
    : `(${count} BETWEEN ${b.bind(atLeast)}::int AND ${b.bind(atMost)}::int)`;
}

function engagement(c: EngagementCondition, b: Builder): string {
  const o = b.alias('msg');
  const column = `${o}.${OUTCOME_COLUMNS[c.email]}`;
  const filters = [`${o}.contact_id = ${b.options.contact}.id`, `${column} IS NOT NULL`];
  if (c.withinDays !== undefined) {
    filters.push(`${column} > ${b.bind(b.since(c.withinDays))}::timestamptz`);
    filters.push(`${column} <= ${b.bind(b.options.now)}::timestamptz`);
  }
  return `EXISTS (SELECT 1 FROM email_outbox ${o} WHERE ${filters.join(' AND ')})`;
}
