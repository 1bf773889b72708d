import {
  evaluateCondition,
  eventMatcherOf,
  matchesEvent,
  resolveField,
  type ConditionContext,
  type ConditionEvent,
} from './conditions';
import type { Condition } from './definition';

const ctx: ConditionContext = {
  traits: {
    plan: 'pro',
    company_size: 120,
    team_size: '1',
    seats: 10,
    signed_up_on: '2026-02-01',
    tags: ['beta', 'partner'],
    email_domain: 'example.com',
    cleared: null,
    active: true,
  },
  event: { name: 'usage_threshold_reached', properties: { metric: 'projects', percent: 92 } },
  trigger: { name: 'signup', properties: { source: 'ads' } },
  contact: { id: 'c1', email: 'ada@example.com', timezone: 'Europe/Berlin' },
};

const check = (cond: Condition): boolean => evaluateCondition(cond, ctx);

describe('evaluateCondition', () => {
  it.each<[Condition, boolean]>([
    [{ field: 'traits.plan', op: 'eq', value: 'pro' }, true],
    [{ field: 'traits.plan', op: 'eq', value: 'free' }, false],
    [{ field: 'traits.plan', op: 'neq', value: 'free' }, true],
    [{ field: 'traits.active', op: 'eq', value: true }, true],
    [{ field: 'event.properties.percent', op: 'gte', value: 90 }, true],
    [{ field: 'event.properties.percent', op: 'gt', value: 92 }, false],
    [{ field: 'event.properties.percent', op: 'lte', value: 92 }, true],
    [{ field: 'event.properties.percent', op: 'lt', value: 100 }, true],
    [{ field: 'event.name', op: 'eq', value: 'usage_threshold_reached' }, true],
    [{ field: 'trigger.properties.source', op: 'in', value: ['ads', 'seo'] }, true],
    [{ field: 'trigger.properties.source', op: 'in', value: ['seo'] }, false],
    [{ field: 'contact.timezone', op: 'eq', value: 'Europe/Berlin' }, true],
    [{ field: 'contact.email', op: 'contains', value: '@example.com' }, true],
    [{ field: 'traits.tags', op: 'contains', value: 'beta' }, true],
    [{ field: 'traits.tags', op: 'contains', value: 'vip' }, false],
    [{ field: 'traits.tags', op: 'in', value: ['partner', 'vip'] }, true],
    [{ field: 'traits.plan', op: 'exists' }, true],
    [{ field: 'traits.plan', op: 'notExists' }, false],
  ])('%j is %s', (cond, expected) => {
    expect(check(cond)).toBe(expected);
  });

  it('compares numbers numerically, not as text', () => {
    expect(check({ field: 'traits.seats', op: 'gt', value: 9 })).toBe(true); // '10' < '9' as text
    expect(check({ field: 'traits.company_size', op: 'gte', value: 50 })).toBe(true);
  });

  it('compares a number against text that spells one numerically', () => {
    expect(check({ field: 'traits.team_size', op: 'eq', value: 1 })).toBe(true);
    expect(check({ field: 'traits.team_size', op: 'lt', value: 2 })).toBe(true);
    expect(check({ field: 'traits.seats', op: 'eq', value: '10' })).toBe(true);
    expect(check({ field: 'traits.plan', op: 'gt', value: 1 })).toBe(false);
  });

  it('compares strings as strings, so ISO dates order', () => {
    expect(check({ field: 'traits.signed_up_on', op: 'gte', value: '2026-01-15' })).toBe(true);
    expect(check({ field: 'traits.signed_up_on', op: 'lt', value: '2026-01-15' })).toBe(false);
    expect(check({ field: 'traits.plan', op: 'eq', value: 'Pro' })).toBe(false);
  });

  it('a missing field makes every op false except notExists', () => {
    for (const op of ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists'] as const) {
      expect(check({ field: 'traits.nope', op, value: op === 'in' ? ['x'] : 'x' })).toBe(false);
      expect(check({ field: 'event.properties.nope.deeper', op, value: 1 })).toBe(false);
    }
    expect(check({ field: 'traits.nope', op: 'notExists' })).toBe(true);
  });

  it('treats null as missing', () => {
    expect(check({ field: 'traits.cleared', op: 'exists' })).toBe(false);
    expect(check({ field: 'traits.cleared', op: 'notExists' })).toBe(true);
    expect(check({ field: 'traits.cleared', op: 'neq', value: 'x' })).toBe(false);
  });

  it('with no event in context, event fields are missing', () => {
    const noEvent: ConditionContext = { traits: {}, contact: {} };
    expect(evaluateCondition({ field: 'event.properties.percent', op: 'notExists' }, noEvent)).toBe(true);
    expect(evaluateCondition({ field: 'trigger.name', op: 'exists' }, noEvent)).toBe(false);
  });

  it('does not follow inherited properties', () => {
    expect(check({ field: 'traits.constructor', op: 'exists' })).toBe(false);
    expect(check({ field: 'traits.plan.length', op: 'exists' })).toBe(false);
    expect(check({ field: 'traits.__proto__', op: 'exists' })).toBe(false);
  });

  it('combines with all, any and not', () => {
    expect(
      check({
        all: [
          { field: 'traits.plan', op: 'eq', value: 'pro' },
          {
            any: [
              { field: 'traits.company_size', op: 'gte', value: 500 },
              { field: 'traits.tags', op: 'contains', value: 'partner' },
            ],
          },
          { not: { field: 'traits.nope', op: 'exists' } },
        ],
      }),
    ).toBe(true);
    expect(
      check({
        all: [
          { field: 'traits.plan', op: 'eq', value: 'pro' },
          { field: 'traits.nope', op: 'exists' },
        ],
      }),
    ).toBe(false);
    expect(
      check({
        any: [
          { field: 'traits.nope', op: 'exists' },
          { field: 'traits.plan', op: 'eq', value: 'x' },
        ],
      }),
    ).toBe(false);
    expect(check({ not: { field: 'traits.nope', op: 'eq', value: 1 } })).toBe(true);
  });

  it('in without a list, and contains on a number, are false', () => {
    expect(check({ field: 'traits.plan', op: 'in', value: 'pro' })).toBe(false);
    expect(check({ field: 'traits.seats', op: 'contains', value: 1 })).toBe(false);
  });

  it('compares lists and objects by value', () => {
    expect(check({ field: 'traits.tags', op: 'eq', value: ['beta', 'partner'] })).toBe(true);
    expect(check({ field: 'traits.tags', op: 'eq', value: ['partner', 'beta'] })).toBe(false);
  });
});

describe('resolveField', () => {
  it('walks dotted paths, including list indexes', () => {
    expect(resolveField('traits.tags.1', ctx)).toBe('partner');
    expect(resolveField('event.properties.metric', ctx)).toBe('projects');
    expect(resolveField('traits.tags.5', ctx)).toBeUndefined();
  });
});

describe('matchesEvent', () => {
  const paid = { name: 'plan_upgraded', properties: { plan: 'pro', amount: 49 } };

  it('matches by name', () => {
    expect(matchesEvent({ event: 'plan_upgraded' }, paid)).toBe(true);
    expect(matchesEvent({ event: 'signup' }, paid)).toBe(false);
  });

  it('applies where to the event', () => {
    expect(
      matchesEvent({ event: 'plan_upgraded', where: { field: 'event.properties.plan', op: 'eq', value: 'pro' } }, paid),
    ).toBe(true);
    expect(
      matchesEvent({ event: 'plan_upgraded', where: { field: 'event.properties.amount', op: 'gt', value: 100 } }, paid),
    ).toBe(false);
  });

  it('can look at traits too', () => {
    const where: Condition = { field: 'traits.plan', op: 'eq', value: 'free' };
    expect(matchesEvent({ event: 'plan_upgraded', where }, paid, { traits: { plan: 'free' }, contact: {} })).toBe(true);
    expect(matchesEvent({ event: 'plan_upgraded', where }, paid)).toBe(false);
  });
});

describe('segment triggers and exits', () => {
  const entered = (segment: unknown): ConditionEvent => ({ name: 'segment.entered', properties: { segment } });
  const left = (segment: unknown): ConditionEvent => ({ name: 'segment.left', properties: { segment } });

  it('a segmentEntered trigger matches entering that segment only', () => {
    expect(matchesEvent({ segmentEntered: 'pro-de' }, entered('pro-de'))).toBe(true);
    expect(matchesEvent({ segmentEntered: 'pro-de' }, entered('pro-fr'))).toBe(false);
    expect(matchesEvent({ segmentEntered: 'pro-de' }, left('pro-de'))).toBe(false);
    expect(matchesEvent({ segmentEntered: 'pro-de' }, { name: 'segment.entered', properties: {} })).toBe(false);
  });

  it('a segmentLeft exit matches leaving that segment only', () => {
    expect(matchesEvent({ segmentLeft: 'pro-de' }, left('pro-de'))).toBe(true);
    expect(matchesEvent({ segmentLeft: 'pro-de' }, left('pro-fr'))).toBe(false);
    expect(matchesEvent({ segmentLeft: 'pro-de' }, entered('pro-de'))).toBe(false);
  });

  it('means the segment event with a where on its segment property, and leaves event matchers as written', () => {
    expect(eventMatcherOf({ segmentEntered: 'k' })).toEqual({
      event: 'segment.entered',
      where: { field: 'event.properties.segment', op: 'eq', value: 'k' },
    });
    expect(eventMatcherOf({ segmentLeft: 'k' }).event).toBe('segment.left');
    const matcher = { event: 'signup' };
    expect(eventMatcherOf(matcher)).toBe(matcher);
  });
});
