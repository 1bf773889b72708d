import { z } from 'zod';
import { TOPIC_KEY } from '../preferenceLinks';

/**
 * The segment language: a tree of `all` / `any` / `not` over trait, event, engagement and subscription conditions.
 * Definitions are checked here by hand rather than by a zod union, so that every refusal names the exact path and
 * lists what would have been accepted there.
 */

export const TRAIT_OPS = ['eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte', 'exists', 'contains', 'withinDays'] as const;
export type TraitOp = (typeof TRAIT_OPS)[number];
/** What an event's `where` may test on its properties: the trait ops except dates. */
export const PROPERTY_OPS = ['eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte', 'exists', 'contains'] as const;
export type PropertyOp = (typeof PROPERTY_OPS)[number];
/** The message log's outcomes, each a column `<outcome>_at` of email_outbox. */
export const EMAIL_OUTCOMES = ['sent', 'delivered', 'opened', 'clicked', 'bounced', 'complained'] as const;
export type EmailOutcome = (typeof EMAIL_OUTCOMES)[number];

export type Scalar = string | number | boolean;

export interface TraitCondition {
  trait: string;
  op: TraitOp;
  value?: Scalar | Scalar[];
}
export interface PropertyCondition {
  property: string;
  op: PropertyOp;
  value?: Scalar | Scalar[];
}
export interface EventCondition {
  event: string;
  atLeast?: number;
  atMost?: number;
  withinDays?: number;
  /** Every listed property condition must hold for an event to count. */
  where?: PropertyCondition[];
}
export interface EngagementCondition {
  email: EmailOutcome;
  withinDays?: number;
}
/**
 * The contact may receive marketing mail under the topic now: not unsubscribed from everything, and the topic lets
 * it through (an opt-out topic until left, an opt-in one once confirmed). Under `not`: may not.
 */
export interface SubscriptionCondition {
  subscribed: string;
}
export type SegmentCondition = TraitCondition | EventCondition | EngagementCondition | SubscriptionCondition;
export type SegmentDefinition =
  { all: SegmentDefinition[] } | { any: SegmentDefinition[] } | { not: SegmentDefinition } | SegmentCondition;

export const SEGMENT_LIMITS = {
  depth: 6,
  conditions: 50,
  children: 50,
  inValues: 100,
  nameLength: 200,
  stringLength: 1000,
  maxDays: 3650,
  maxCount: 1_000_000,
  whereConditions: 10,
} as const;

export interface DefinitionProblem {
  path: string;
  message: string;
}

/** What a definition is checked against besides its shape: what exists now, read by the caller. */
export interface DefinitionOptions {
  /**
   * The keys of the topics in use: a `subscribed` condition must name one. Without it only a key's shape is
   * checked, as by the request schema, which cannot read what exists.
   */
  topics?: readonly string[];
}

/** A definition refused for what it names (a topic that does not exist), with every problem at its path. */
export class SegmentDefinitionError extends Error {
  constructor(readonly problems: DefinitionProblem[]) {
    super(`invalid segment definition: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`);
  }
}

const NODE_KINDS = '`all`, `any`, `not`, or a condition with `trait`, `event`, `email` or `subscribed`';
const list = (xs: readonly string[]) => xs.join(', ');
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isScalar = (v: unknown): v is Scalar =>
  typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string';

/**
 * Checks a definition; the problems, each with its path from `prefix`, or the typed definition. Topic keys are
 * checked against `options.topics` when it lists them.
 */
export function checkDefinition(
  value: unknown,
  prefix = 'definition',
  options: DefinitionOptions = {},
): { ok: true; definition: SegmentDefinition } | { ok: false; problems: DefinitionProblem[] } {
  const problems: DefinitionProblem[] = [];
  const walk: Walk = { conditions: 0, topics: options.topics };
  const definition = checkNode(value, prefix, 1, problems, walk);
  if (walk.conditions > SEGMENT_LIMITS.conditions) {
    problems.push({
      path: prefix,
      message: `has ${walk.conditions} conditions; at most ${SEGMENT_LIMITS.conditions} are allowed`,
    });
  }
  return problems.length === 0 && definition ? { ok: true, definition } : { ok: false, problems };
}

/**
 * The definition, checked against what exists (`options`); SegmentDefinitionError listing every problem. For a
 * definition that already passed the request schema, so its paths start at `prefix` as the schema's do.
 */
export function requireDefinition(
  value: unknown,
  options: DefinitionOptions,
  prefix = 'definition',
): SegmentDefinition {
  const checked = checkDefinition(value, prefix, options);
  if (!checked.ok) throw new SegmentDefinitionError(checked.problems);
  return checked.definition;
}

/** What the walk over a definition carries: the conditions counted so far, and the topics to check keys against. */
interface Walk {
  conditions: number;
  topics: readonly string[] | undefined;
}

function checkNode(
  v: unknown,
  path: string,
  depth: number,
  problems: DefinitionProblem[],
  walk: Walk,
): SegmentDefinition | undefined {
  const bad = (message: string, at = path) => {
    problems.push({ path: at, message });
    return undefined;
  };
  if (!isObject(v)) return bad(`must be an object: ${NODE_KINDS}`);
  if (depth > SEGMENT_LIMITS.depth) return bad(`nests deeper than ${SEGMENT_LIMITS.depth} levels`);
  for (const group of ['all', 'any'] as const) {
    if (!(group in v)) continue;
    if (!only(v, [group], path, problems)) return undefined;
    const children = v[group];
    if (!Array.isArray(children) || children.length === 0)
      return bad('must be a non-empty array of conditions', `${path}.${group}`);
    if (children.length > SEGMENT_LIMITS.children)
      return bad(`has more than ${SEGMENT_LIMITS.children} entries`, `${path}.${group}`);
    const checked = children.map((c, i) => checkNode(c, `${path}.${group}.${i}`, depth + 1, problems, walk));
    if (checked.some((c) => c === undefined)) return undefined;
    return (group === 'all' ? { all: checked } : { any: checked }) as SegmentDefinition;
  }
  if ('not' in v) {
    if (!only(v, ['not'], path, problems)) return undefined;
    const inner = checkNode(v['not'], `${path}.not`, depth + 1, problems, walk);
    return inner && { not: inner };
  }
  walk.conditions++;
  if ('trait' in v) return checkTrait(v, path, problems);
  if ('event' in v) return checkEvent(v, path, problems);
  if ('email' in v) return checkEngagement(v, path, problems);
  if ('subscribed' in v) return checkSubscription(v, path, problems, walk.topics);
  return bad(`is not a segment node: expected ${NODE_KINDS}; got the fields ${list(Object.keys(v)) || 'none'}`);
}

/** Refuses fields a node does not have, listing the ones it does. */
function only(v: Record<string, unknown>, allowed: string[], path: string, problems: DefinitionProblem[]): boolean {
  const extra = Object.keys(v).filter((k) => !allowed.includes(k));
  for (const k of extra) {
    problems.push({ path: `${path}.${k}`, message: `is not a field here; the fields are ${list(allowed)}` });
  }
  return extra.length === 0;
}

function checkName(v: unknown, path: string, problems: DefinitionProblem[]): v is string {
  if (typeof v === 'string' && v.length > 0 && v.length <= SEGMENT_LIMITS.nameLength) return true;
  problems.push({ path, message: `must be a string of 1 to ${SEGMENT_LIMITS.nameLength} characters` });
  return false;
}

function checkDays(v: unknown, path: string, problems: DefinitionProblem[]): boolean {
  if (v === undefined) return true;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= SEGMENT_LIMITS.maxDays) return true;
  problems.push({ path, message: `must be a whole number of days from 1 to ${SEGMENT_LIMITS.maxDays}` });
  return false;
}

function checkCount(v: unknown, min: number, path: string, problems: DefinitionProblem[]): boolean {
  if (v === undefined) return true;
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= SEGMENT_LIMITS.maxCount) return true;
  problems.push({ path, message: `must be a whole number from ${min} to ${SEGMENT_LIMITS.maxCount}` });
  return false;
}

/** The value an op takes: none, a scalar, a list of scalars, or a number of days. */
function checkValue(op: string, value: unknown, path: string, problems: DefinitionProblem[]): boolean {
  const bad = (message: string) => {
    problems.push({ path: `${path}.value`, message });
    return false;
  };
  const tooLong = (s: Scalar) => typeof s === 'string' && s.length > SEGMENT_LIMITS.stringLength;
  switch (op) {
    case 'exists':
      return value === undefined || bad('`exists` takes no value');
    case 'withinDays':
      return checkDays(value, `${path}.value`, problems);
    case 'in':
      if (
        !Array.isArray(value) ||
        value.length === 0 ||
        value.length > SEGMENT_LIMITS.inValues ||
        !value.every(isScalar)
      )
        return bad(`\`in\` takes a list of 1 to ${SEGMENT_LIMITS.inValues} strings, numbers or booleans`);
      return !value.some(tooLong) || bad(`strings may be at most ${SEGMENT_LIMITS.stringLength} characters`);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (typeof value !== 'string' && (typeof value !== 'number' || !Number.isFinite(value)))
        return bad(`\`${op}\` compares with a number or a string (an ISO date orders as text)`);
      return !tooLong(value) || bad(`may be at most ${SEGMENT_LIMITS.stringLength} characters`);
    default:
      if (!isScalar(value)) return bad(`\`${op}\` takes a string, a number or a boolean`);
      return !tooLong(value) || bad(`may be at most ${SEGMENT_LIMITS.stringLength} characters`);
  }
}

function checkTrait(v: Record<string, unknown>, path: string, problems: DefinitionProblem[]) {
  if (!only(v, ['trait', 'op', 'value'], path, problems)) return undefined;
  const nameOk = checkName(v['trait'], `${path}.trait`, problems);
  if (typeof v['op'] !== 'string' || !(TRAIT_OPS as readonly string[]).includes(v['op'])) {
    problems.push({ path: `${path}.op`, message: `must be one of ${list(TRAIT_OPS)}` });
    return undefined;
  }
  if (!checkValue(v['op'], v['value'], path, problems) || !nameOk) return undefined;
  return v as unknown as TraitCondition;
}

function checkEvent(v: Record<string, unknown>, path: string, problems: DefinitionProblem[]) {
  if (!only(v, ['event', 'atLeast', 'atMost', 'withinDays', 'where'], path, problems)) return undefined;
  let ok = checkName(v['event'], `${path}.event`, problems);
  ok = checkCount(v['atLeast'], 1, `${path}.atLeast`, problems) && ok;
  ok = checkCount(v['atMost'], 0, `${path}.atMost`, problems) && ok;
  ok = checkDays(v['withinDays'], `${path}.withinDays`, problems) && ok;
  if (typeof v['atLeast'] === 'number' && typeof v['atMost'] === 'number' && v['atLeast'] > v['atMost']) {
    problems.push({ path: `${path}.atMost`, message: 'must not be less than atLeast' });
    ok = false;
  }
  let where: PropertyCondition[] | undefined;
  if (v['where'] !== undefined) {
    const raw = Array.isArray(v['where']) ? v['where'] : [v['where']];
    if (raw.length === 0 || raw.length > SEGMENT_LIMITS.whereConditions) {
      problems.push({
        path: `${path}.where`,
        message: `must be one property condition or a list of 1 to ${SEGMENT_LIMITS.whereConditions}`,
      });
      return undefined;
    }
    where = [];
    for (const [i, w] of raw.entries()) {
      const at = Array.isArray(v['where']) ? `${path}.where.${i}` : `${path}.where`;
      if (!isObject(w)) {
        problems.push({ path: at, message: 'must be an object { property, op, value }' });
        ok = false;
        continue;
      }
      if (!only(w, ['property', 'op', 'value'], at, problems)) {
        ok = false;
        continue;
      }
      ok = checkName(w['property'], `${at}.property`, problems) && ok;
      if (typeof w['op'] !== 'string' || !(PROPERTY_OPS as readonly string[]).includes(w['op'])) {
        problems.push({ path: `${at}.op`, message: `must be one of ${list(PROPERTY_OPS)}` });
        ok = false;
        continue;
      }
      ok = checkValue(w['op'], w['value'], at, problems) && ok;
      where.push(w as unknown as PropertyCondition);
    }
  }
  if (!ok) return undefined;
  const { where: _raw, ...rest } = v;
  return { ...(rest as unknown as EventCondition), ...(where ? { where } : {}) };
}

function checkEngagement(v: Record<string, unknown>, path: string, problems: DefinitionProblem[]) {
  if (!only(v, ['email', 'withinDays'], path, problems)) return undefined;
  if (typeof v['email'] !== 'string' || !(EMAIL_OUTCOMES as readonly string[]).includes(v['email'])) {
    problems.push({ path: `${path}.email`, message: `must be one of ${list(EMAIL_OUTCOMES)}` });
    return undefined;
  }
  if (!checkDays(v['withinDays'], `${path}.withinDays`, problems)) return undefined;
  return v as unknown as EngagementCondition;
}

function checkSubscription(
  v: Record<string, unknown>,
  path: string,
  problems: DefinitionProblem[],
  topics: readonly string[] | undefined,
) {
  if (!only(v, ['subscribed'], path, problems)) return undefined;
  const key = v['subscribed'];
  const bad = (message: string) => {
    problems.push({ path: `${path}.subscribed`, message });
    return undefined;
  };
  if (typeof key !== 'string' || !TOPIC_KEY.test(key))
    return bad('must be a topic key: lowercase letters, digits, _ and -, starting with a letter or digit');
  if (topics && !topics.includes(key)) {
    const choices = topics.length > 0 ? `the topics are: ${list(topics)}` : 'there is no topic yet (POST /v1/topics)';
    return bad(`there is no topic '${key}'; ${choices}`);
  }
  return v as unknown as SubscriptionCondition;
}

/**
 * The definition as a zod schema for request bodies: the same checks, each problem at its own path, except whether
 * a named topic exists (a schema cannot read that; the service checks it with `requireDefinition`).
 */
export const segmentDefinitionSchema = z.unknown().transform((value, ctx): SegmentDefinition => {
  const checked = checkDefinition(value, '');
  if (checked.ok) return checked.definition;
  for (const p of checked.problems) {
    ctx.addIssue({ code: 'custom', message: p.message, path: p.path.split('.').filter(Boolean) });
  }
  return z.NEVER;
});

/** What a definition reads, so only the segments an event or a trait change can affect are evaluated again. */
export interface SegmentReads {
  traits: boolean;
  events: string[];
  engagement: boolean;
  /**
   * The topics its `subscribed` conditions name: a change to one of them, or to the contact-wide unsubscribe (which
   * counts for every topic), can change membership.
   */
  topics: string[];
  /** Whether time alone can change membership (a `withinDays` anywhere): such segments are refreshed on a schedule. */
  windowed: boolean;
}

/** What a definition reads (see SegmentReads). */
export function readsOf(definition: SegmentDefinition): SegmentReads {
  const reads: SegmentReads = { traits: false, events: [], engagement: false, topics: [], windowed: false };
  const walk = (node: SegmentDefinition) => {
    if ('all' in node) node.all.forEach(walk);
    else if ('any' in node) node.any.forEach(walk);
    else if ('not' in node) walk(node.not);
    else if ('trait' in node) {
      reads.traits = true;
      if (node.op === 'withinDays') reads.windowed = true;
    } else if ('event' in node) {
      if (!reads.events.includes(node.event)) reads.events.push(node.event);
      if (node.withinDays !== undefined) reads.windowed = true;
    } else if ('subscribed' in node) {
      if (!reads.topics.includes(node.subscribed)) reads.topics.push(node.subscribed);
    } else {
      reads.engagement = true;
      if (node.withinDays !== undefined) reads.windowed = true;
    }
  };
  walk(definition);
  return reads;
}
