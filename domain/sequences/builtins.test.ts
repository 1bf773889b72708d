import { builtinTemplates } from '../../templates/builtins';
import { builtinSequence, builtinSequences, getOnboardingSequence } from './builtins';
import { evaluateCondition, eventMatcherOf } from './conditions';
import type { SequenceDefinition, Step } from './definition';
import { stepEdges } from './graph';
import { validateSequence } from './validate';

const known = new Set(builtinTemplates().flatMap((t) => (t.kind === 'email' ? [t.key] : [])));

function valid(key: string): SequenceDefinition {
  const input = builtinSequence(key);
  if (!input) throw new Error(`no built-in ${key}`);
  const result = validateSequence(input, known);
  if (!result.ok) throw new Error(JSON.stringify(result.problems, null, 2));
  return result.definition;
}

function step(def: SequenceDefinition, id: string): Step {
  const s = def.steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id}`);
  return s;
}

/** Follows the graph from `from`, taking `choose[id]` at a fork (else its first way out), until the end or 50 steps. */
function walk(def: SequenceDefinition, from: string, choose: Record<string, string> = {}): string[] {
  const path: string[] = [];
  let id: string | undefined = from;
  while (id !== undefined && path.length < 50) {
    path.push(id);
    const index = def.steps.findIndex((s) => s.id === id);
    const edges = stepEdges(def.steps, index);
    id = choose[id] ?? edges[0]?.to;
  }
  return path;
}

const sends = (def: SequenceDefinition, path: string[]): string[] =>
  path.flatMap((id) => {
    const s = step(def, id);
    return s.type === 'send' ? [s.template] : [];
  });

describe('built-in sequences', () => {
  it('are the four, with distinct keys', () => {
    expect(builtinSequences.map((s) => s.key)).toEqual(['onboarding', 'nurture', 'winback', 'expansion']);
  });

  it.each(['onboarding', 'nurture', 'winback', 'expansion'])(
    '%s validates against the shipped email templates with no warnings',
    (key) => {
      const result = validateSequence(builtinSequence(key), known);
      expect(result).toMatchObject({ ok: true, warnings: [] });
    },
  );

  it('cannot be changed in place', () => {
    const onboarding = getOnboardingSequence();
    expect(() => {
      (onboarding.steps[0] as { subject: string }).subject = 'changed';
    }).toThrow(TypeError);
    expect(Object.isFrozen(builtinSequences)).toBe(true);
  });

  it('all have goals and, except onboarding, quiet hours', () => {
    for (const s of builtinSequences) {
      expect(s.goals?.length).toBeGreaterThan(0);
      if (s.key !== 'onboarding') expect(s.quietHours).toEqual({ start: '21:00', end: '08:00' });
    }
  });
});

describe('onboarding', () => {
  const def = valid('onboarding');

  it('is triggered by signup and converts on subscription_started with revenue', () => {
    expect(def.triggers).toEqual([{ event: 'signup' }]);
    expect(def.goals).toEqual([{ event: 'subscription_started', revenueProperty: 'amount' }]);
  });

  it('sends the welcome at once, with the requirements subject', () => {
    expect(def.steps[0]).toMatchObject({ type: 'send', template: 'welcome', subject: 'Welcome to {{product_name}}' });
  });

  it('profile completed within 24h: no tip, then "You\'re on fire" on the first item', () => {
    const path = walk(def, 'welcome', { wait_profile: 'wait_first_item', wait_first_item: 'on_fire' });
    expect(sends(def, path)).toEqual(['welcome', 'next_steps']);
    expect(step(def, 'wait_profile')).toMatchObject({ event: 'profile_completed', timeout: 'PT24H' });
  });

  it('no profile and no item in 24h: the tip, then "You\'re on fire" when the item comes within 14 days', () => {
    const path = walk(def, 'welcome', { wait_profile: 'quick_tip', wait_first_item: 'on_fire' });
    expect(sends(def, path)).toEqual(['welcome', 'first_action', 'next_steps']);
    expect(step(def, 'quick_tip')).toMatchObject({ subject: 'Quick tip to get started' });
    expect(step(def, 'wait_first_item')).toMatchObject({ event: 'first_item_created', timeout: 'P14D' });
    expect(step(def, 'on_fire')).toMatchObject({ subject: "You're on fire! Here's what's next" });
  });

  it('first item created in the first day without a profile: "You\'re on fire" at once, no tip', () => {
    expect(step(def, 'wait_profile')).toMatchObject({
      otherEvents: [{ event: 'first_item_created', next: 'on_fire' }],
    });
    const path = walk(def, 'welcome', { wait_profile: 'on_fire' });
    expect(sends(def, path)).toEqual(['welcome', 'next_steps']);
  });

  it('nothing for 15 days: welcome and tip only', () => {
    const path = walk(def, 'welcome', { wait_profile: 'quick_tip', wait_first_item: 'done' });
    expect(sends(def, path)).toEqual(['welcome', 'first_action']);
  });
});

describe('nurture', () => {
  const def = valid('nurture');

  it('splits the intro subject 50/50 between two subjects of the same template', () => {
    const split = step(def, 'intro_subject');
    expect(split.type === 'split' && split.variants.map((v) => v.weight)).toEqual([50, 50]);
    const a = step(def, 'intro_practical');
    const b = step(def, 'intro_curious');
    expect(a.type === 'send' && b.type === 'send' && a.template === b.template && a.subject !== b.subject).toBe(true);
  });

  it('chooses the lesson by company size or role', () => {
    const branch = step(def, 'audience');
    if (branch.type !== 'branch') throw new Error('audience is not a branch');
    const big = { traits: { company_size: 200 }, contact: {} };
    const manager = { traits: { company_size: 5, role: 'manager' }, contact: {} };
    const solo = { traits: { company_size: '3' }, contact: {} };
    expect(evaluateCondition(branch.condition, big)).toBe(true);
    expect(evaluateCondition(branch.condition, manager)).toBe(true);
    expect(evaluateCondition(branch.condition, solo)).toBe(false);
    expect(evaluateCondition(branch.condition, { traits: {}, contact: {} })).toBe(false);
  });

  it('sends weekly and loops back, with a 7-day wait between every two sends', () => {
    const path = walk(def, 'intro_subject', { intro_subject: 'intro_practical', audience: 'lesson_solo' });
    // Two rounds of the loop.
    expect(path.filter((id) => id === 'audience').length).toBeGreaterThanOrEqual(2);
    const kinds = path.map((id) => step(def, id)).filter((s) => s.type === 'send' || s.type === 'wait');
    for (let i = 0; i + 1 < kinds.length; i++) {
      if (kinds[i]?.type === 'send') expect(kinds[i + 1]).toMatchObject({ type: 'wait', duration: 'P7D' });
    }
    expect(step(def, 'next_round')).toMatchObject({ type: 'goto', target: 'audience' });
  });

  it('ends on signup or a booked demo', () => {
    expect(def.goals.map((g) => g.event)).toEqual(['signup', 'demo_booked']);
  });
});

describe('winback', () => {
  const def = valid('winback');

  it('is triggered by the churn model or inactivity and may re-enter after 90 days', () => {
    expect(def.triggers.map((t) => eventMatcherOf(t).event)).toEqual(['churn_risk_high', 'inactive_30d']);
    expect(def.reentry).toEqual({ mode: 'after', after: 'P90D' });
    expect(def.goals).toContainEqual({ event: 'subscription_reactivated', revenueProperty: 'amount' });
  });

  it('offer, reminder after 3 days without login, last chance, grace', () => {
    const path = walk(def, 'offer', { wait_login: 'reminder', wait_login_again: 'last_chance' });
    expect(sends(def, path)).toEqual(['winback_offer', 'winback_reminder', 'winback_last_chance']);
    expect(step(def, 'wait_login')).toMatchObject({ event: 'login', timeout: 'P3D' });
    expect(path[path.length - 1]).toBe('no_response');
  });

  it('stops after the offer when they log in', () => {
    const path = walk(def, 'offer', { wait_login: 'returned' });
    expect(sends(def, path)).toEqual(['winback_offer']);
  });
});

describe('expansion', () => {
  const def = valid('expansion');
  const branch = (id: string): Extract<Step, { type: 'branch' }> => {
    const s = step(def, id);
    if (s.type !== 'branch') throw new Error(`${id} is not a branch`);
    return s;
  };
  const trigger = (percent: number) => ({
    traits: {},
    contact: {},
    trigger: { name: 'usage_threshold_reached', properties: { metric: 'projects', percent } },
  });

  it('upgrade prompt at 90% or more, usage tips below', () => {
    expect(evaluateCondition(branch('usage_level').condition, trigger(90))).toBe(true);
    expect(evaluateCondition(branch('usage_level').condition, trigger(89.9))).toBe(false);
    expect(branch('usage_level')).toMatchObject({ then: 'upgrade_prompt', else: 'usage_tips' });
  });

  it('invites the team only when team_size is 1', () => {
    const alone = branch('working_alone').condition;
    expect(evaluateCondition(alone, { traits: { team_size: 1 }, contact: {} })).toBe(true);
    expect(evaluateCondition(alone, { traits: { team_size: '1' }, contact: {} })).toBe(true);
    expect(evaluateCondition(alone, { traits: { team_size: 4 }, contact: {} })).toBe(false);
    expect(evaluateCondition(alone, { traits: {}, contact: {} })).toBe(false);
    const path = walk(def, 'usage_level', { usage_level: 'upgrade_prompt', working_alone: 'invite_team' });
    expect(sends(def, path)).toEqual(['expansion_upgrade', 'expansion_invite_team']);
    const tips = walk(def, 'usage_level', { usage_level: 'usage_tips', working_alone: 'attribution' });
    expect(sends(def, tips)).toEqual(['expansion_usage_tips']);
  });

  it('converts on plan_upgraded with revenue and may re-enter after 30 days', () => {
    expect(def.goals).toEqual([{ event: 'plan_upgraded', revenueProperty: 'amount' }]);
    expect(def.reentry).toEqual({ mode: 'after', after: 'P30D' });
  });
});
