import type { SequenceDefinitionInput } from './definition';

// Frozen so that no caller can edit a built-in in place and change it for everyone else in the process.
function frozen<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) frozen(v);
    Object.freeze(value);
  }
  return value;
}

/*
 * The sequences every venture starts with. They rely on one interpreter rule: events are remembered for the
 * life of an enrollment, so a waitFor whose event already arrived since enrollment (and was not used up by an
 * earlier waitFor) completes at once through onEvent. A waitFor with a zero timeout is therefore a question,
 * "has this happened yet?", answered without waiting.
 *
 * Templates read event values as `event.*` (the event that completed the last waitFor) and fall back to
 * `trigger.*` (the event that enrolled the contact), so a discount code or usage figure on the trigger reaches
 * the first email.
 */

/**
 * Onboarding after signup: welcome at once; if the profile is not completed within a day, a tip to create the
 * first item (skipped for anyone who already has); "you're on fire" as soon as the first item exists, even
 * when it was created within that first day.
 */
export const onboardingSequence: SequenceDefinitionInput = frozen({
  key: 'onboarding',
  name: 'Onboarding',
  description: 'Welcome new signups and walk them to their first item, then to inviting their team.',
  category: 'marketing',
  topic: 'onboarding',
  triggers: [{ event: 'signup' }],
  goals: [{ event: 'subscription_started', revenueProperty: 'amount' }],
  reentry: { mode: 'never' },
  exitOnUnsubscribe: true,
  steps: [
    { id: 'welcome', type: 'send', template: 'welcome', subject: 'Welcome to {{product_name}}' },
    {
      id: 'wait_profile',
      type: 'waitFor',
      label: 'Profile completed within a day?',
      event: 'profile_completed',
      timeout: 'PT24H',
      onEvent: 'wait_first_item',
      // A first item during the first day is celebrated at once, and makes the tip pointless.
      otherEvents: [{ event: 'first_item_created', next: 'on_fire' }],
      onTimeout: 'quick_tip',
    },
    { id: 'quick_tip', type: 'send', template: 'first_action', subject: 'Quick tip to get started' },
    {
      id: 'wait_first_item',
      type: 'waitFor',
      event: 'first_item_created',
      timeout: 'P14D',
      onEvent: 'on_fire',
      onTimeout: 'done',
    },
    {
      id: 'on_fire',
      type: 'send',
      template: 'next_steps',
      subject: "You're on fire! Here's what's next",
      next: 'done',
    },
    { id: 'done', type: 'exit', reason: 'onboarding finished' },
  ],
});

/**
 * A weekly educational series for leads who have not signed up: an intro with an A/B-tested subject line, a
 * lesson chosen by company size or role, a case study, best practices and a demo invitation, then round again
 * from the lesson every week until they sign up, book a demo or unsubscribe.
 */
export const nurtureSequence: SequenceDefinitionInput = frozen({
  key: 'nurture',
  name: 'Lead nurture',
  description: 'Weekly lessons for leads who have not activated yet, looping until they sign up or book a demo.',
  category: 'marketing',
  topic: 'newsletter',
  triggers: [{ event: 'lead_captured' }, { event: 'newsletter_subscribed' }],
  goals: [{ event: 'signup' }, { event: 'demo_booked' }],
  reentry: { mode: 'never' },
  quietHours: { start: '21:00', end: '08:00' },
  exitOnUnsubscribe: true,
  steps: [
    {
      id: 'intro_subject',
      type: 'split',
      label: 'Subject line test',
      variants: [
        { key: 'practical', weight: 50, next: 'intro_practical' },
        { key: 'curious', weight: 50, next: 'intro_curious' },
      ],
    },
    {
      id: 'intro_practical',
      type: 'send',
      template: 'nurture_intro',
      subject: 'The 5-minute guide to {{product_name}}',
      next: 'wait_intro',
    },
    {
      id: 'intro_curious',
      type: 'send',
      template: 'nurture_intro',
      subject: '{{#if first_name}}{{first_name}}, what{{else}}What{{/if}} would you do with an extra hour a week?',
      next: 'wait_intro',
    },
    { id: 'wait_intro', type: 'wait', duration: 'P7D' },
    {
      id: 'audience',
      type: 'branch',
      label: 'Team lead or larger company?',
      condition: {
        any: [
          { field: 'traits.company_size', op: 'gte', value: 50 },
          { field: 'traits.role', op: 'in', value: ['manager', 'director', 'vp', 'head', 'founder', 'executive'] },
        ],
      },
      then: 'lesson_team',
      else: 'lesson_solo',
    },
    {
      id: 'lesson_team',
      type: 'send',
      template: 'nurture_team_playbook',
      subject: 'How growing teams run {{product_name}}',
      next: 'wait_lesson',
    },
    {
      id: 'lesson_solo',
      type: 'send',
      template: 'nurture_quick_wins',
      subject: 'Three quick wins you can get today',
      next: 'wait_lesson',
    },
    { id: 'wait_lesson', type: 'wait', duration: 'P7D' },
    { id: 'case_study', type: 'send', template: 'nurture_case_study', subject: 'How one team got their week back' },
    { id: 'wait_case_study', type: 'wait', duration: 'P7D' },
    {
      id: 'best_practices',
      type: 'send',
      template: 'nurture_best_practices',
      subject: 'What the best {{product_name}} users do differently',
    },
    { id: 'wait_best_practices', type: 'wait', duration: 'P7D' },
    { id: 'demo_invite', type: 'send', template: 'nurture_demo_invite', subject: 'Want a 20-minute walkthrough?' },
    { id: 'wait_demo_invite', type: 'wait', duration: 'P7D' },
    { id: 'next_round', type: 'goto', label: 'Every week, round again', target: 'audience' },
  ],
});

/**
 * Win back customers at risk of leaving: an offer (with the discount code from the trigger or the contact's
 * traits), a reminder if they have not logged in three days later, a last chance after a week, and a few
 * days' grace so a late return still counts.
 */
export const winbackSequence: SequenceDefinitionInput = frozen({
  key: 'winback',
  name: 'Win-back',
  description: 'Bring back customers the churn model flags or who have been inactive for 30 days.',
  category: 'marketing',
  topic: 'offers',
  triggers: [{ event: 'churn_risk_high' }, { event: 'inactive_30d' }],
  goals: [{ event: 'login' }, { event: 'subscription_reactivated', revenueProperty: 'amount' }],
  reentry: { mode: 'after', after: 'P90D' },
  quietHours: { start: '21:00', end: '08:00' },
  exitOnUnsubscribe: true,
  steps: [
    {
      id: 'offer',
      type: 'send',
      template: 'winback_offer',
      subject: '{{#if first_name}}{{first_name}}, we{{else}}We{{/if}} saved something for you',
    },
    {
      id: 'wait_login',
      type: 'waitFor',
      label: 'Back within 3 days?',
      event: 'login',
      timeout: 'P3D',
      onEvent: 'returned',
      onTimeout: 'reminder',
    },
    {
      id: 'reminder',
      type: 'send',
      template: 'winback_reminder',
      subject: 'Your {{product_name}} offer is still here',
    },
    {
      id: 'wait_login_again',
      type: 'waitFor',
      event: 'login',
      timeout: 'P4D',
      onEvent: 'returned',
      onTimeout: 'last_chance',
    },
    { id: 'last_chance', type: 'send', template: 'winback_last_chance', subject: 'Last chance: your offer ends soon' },
    { id: 'grace', type: 'wait', label: 'Let a late return still count', duration: 'P3D', next: 'no_response' },
    { id: 'returned', type: 'exit', reason: 'logged in again' },
    { id: 'no_response', type: 'exit', reason: 'no response' },
  ],
});

/**
 * Turn heavy usage into an upgrade: when a usage threshold is reached, an upgrade prompt at 90% or more, usage
 * tips below that, then an invitation to bring the team for anyone still working alone.
 */
export const expansionSequence: SequenceDefinitionInput = frozen({
  key: 'expansion',
  name: 'Expansion',
  description: 'Prompt upgrades and team invites when an account approaches its plan limits.',
  category: 'marketing',
  topic: 'product_updates',
  triggers: [{ event: 'usage_threshold_reached' }],
  goals: [{ event: 'plan_upgraded', revenueProperty: 'amount' }],
  reentry: { mode: 'after', after: 'P30D' },
  quietHours: { start: '21:00', end: '08:00' },
  exitOnUnsubscribe: true,
  steps: [
    {
      id: 'usage_level',
      type: 'branch',
      label: 'At 90% or more of the limit?',
      condition: { field: 'trigger.properties.percent', op: 'gte', value: 90 },
      then: 'upgrade_prompt',
      else: 'usage_tips',
    },
    {
      id: 'upgrade_prompt',
      type: 'send',
      template: 'expansion_upgrade',
      subject: "You're close to your {{product_name}} limit",
      next: 'wait_before_team',
    },
    {
      id: 'usage_tips',
      type: 'send',
      template: 'expansion_usage_tips',
      subject: 'Getting more out of {{product_name}}',
    },
    { id: 'wait_before_team', type: 'wait', duration: 'P3D' },
    {
      id: 'working_alone',
      type: 'branch',
      condition: { field: 'traits.team_size', op: 'eq', value: 1 },
      then: 'invite_team',
      else: 'attribution',
    },
    {
      id: 'invite_team',
      type: 'send',
      template: 'expansion_invite_team',
      subject: '{{product_name}} is better with your team',
    },
    { id: 'attribution', type: 'wait', label: 'Let an upgrade soon after still count', duration: 'P7D' },
    { id: 'done', type: 'exit', reason: 'expansion finished' },
  ],
});

/** The built-in sequences, in the order they are installed. */
export const builtinSequences: readonly SequenceDefinitionInput[] = frozen([
  onboardingSequence,
  nurtureSequence,
  winbackSequence,
  expansionSequence,
]);

/** A built-in sequence by key, or undefined. */
export function builtinSequence(key: string): SequenceDefinitionInput | undefined {
  return builtinSequences.find((s) => s.key === key);
}

/** The onboarding sequence as the product requirements name it. */
export function getOnboardingSequence(): SequenceDefinitionInput {
  return onboardingSequence;
}
