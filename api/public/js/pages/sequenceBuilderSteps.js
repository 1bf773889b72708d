// The form of each step type. A form writes straight into its step (the draft the builder publishes) and tells the
// builder what changed: `changed` for words on the card, `rewired` for an edge, `restructured` when the graph's
// shape or the step ids change. Every control has a label and an id, and `data-path` names the field a 400's
// problem path points at (`steps.2.duration` finds the control with data-path="duration" in card 2).
import { h } from '../ui.js';
import { conditionEditor } from './sequenceBuilderCondition.js';
import { durationFields, field, targetSelect, textInput } from './sequenceBuilderFields.js';
import { sendFields } from './sequenceBuilderSend.js';
import { STEP_TYPES, shares } from './sequenceBuilderWords.js';

function waitFields(env, step) {
  const mode = step.until !== undefined ? 'until' : 'duration';
  const radio = (value, text) =>
    h(
      'label',
      { class: 'sb-choice' },
      h('input', {
        type: 'radio',
        name: env.id(step, 'mode'),
        id: env.id(step, `mode-${value}`),
        value,
        checked: mode === value,
        onchange: () => {
          if (value === 'until') {
            delete step.duration;
            step.until = step.until || '09:00';
          } else delete step.until;
          env.restructured(env.id(step, `mode-${value}`));
        },
      }),
      text,
    );
  return [
    h(
      'fieldset',
      { class: 'sb-choices' },
      h('legend', { text: 'Wait' }),
      radio('duration', 'for a while'),
      radio('until', 'until a time of day'),
    ),
    mode === 'duration'
      ? durationFields(env, step, 'duration', 'How long', { 'data-first': true })
      : field(
          'Until (the contact’s time of day)',
          textInput(env, step, 'until', { type: 'time', 'data-first': true, required: true }),
          'The contact goes on at this time on their own clock (their timezone, else UTC).',
        ),
  ];
}

function waitForFields(env, step) {
  const others = step.otherEvents || [];
  return [
    field(
      'Event',
      textInput(env, step, 'event', { placeholder: 'e.g. first_item_created', required: true, 'data-first': true }),
      'The name of an event your product sends (POST /v1/events), or email.opened, email.clicked.',
    ),
    durationFields(env, step, 'timeout', 'Wait at most'),
    conditionEditor(step.where, {
      idBase: env.id(step, 'where'),
      legend: 'Only events where (optional)',
      path: 'where',
      optional: true,
      onChange: (c) => {
        if (c) step.where = c;
        else delete step.where;
        env.changed(step);
      },
    }),
    h(
      'fieldset',
      { class: 'sb-list' },
      h('legend', { text: 'Other events that end the wait (optional)' }),
      others.map((o, i) =>
        h(
          'div',
          { class: 'sb-row' },
          field(
            `Event ${i + 1}`,
            h('input', {
              name: 'other-event',
              id: env.id(step, `otherEvents.${i}.event`),
              'data-path': `otherEvents.${i}.event`,
              value: o.event || '',
              oninput: (e) => {
                o.event = e.target.value.trim();
                env.changed(step);
              },
            }),
          ),
          field(
            `Event ${i + 1} goes to`,
            targetSelect(env, step, {
              name: 'other-next',
              path: `otherEvents.${i}.next`,
              get: () => o.next,
              set: (v) => (o.next = v),
            }),
          ),
          h('button', {
            type: 'button',
            class: 'small danger',
            text: 'Remove',
            'aria-label': `Remove event ${i + 1}`,
            onclick: () => {
              others.splice(i, 1);
              if (!others.length) delete step.otherEvents;
              env.restructured(env.id(step, 'add-other'));
            },
          }),
        ),
      ),
      h('button', {
        type: 'button',
        class: 'small',
        id: env.id(step, 'add-other'),
        text: 'Add another event',
        onclick: () => {
          step.otherEvents = [...others, { event: '' }];
          env.restructured(env.id(step, `otherEvents.${others.length}.event`));
        },
      }),
    ),
  ];
}

function splitFields(env, step) {
  const variants = step.variants;
  const shareEls = [];
  const showShares = () => shares(variants).forEach((s, i) => (shareEls[i].textContent = s.share));
  const rows = variants.map((v, i) => {
    shareEls[i] = h('span', { class: 'split-share', id: env.id(step, `share-${i}`), 'aria-live': 'polite' });
    return h(
      'div',
      { class: 'sb-row', role: 'group', 'aria-label': `Variant ${i + 1}` },
      field(
        `Variant ${i + 1} name`,
        h('input', {
          name: 'variant-key',
          id: env.id(step, `variants.${i}.key`),
          'data-path': `variants.${i}.key`,
          'data-first': i === 0 || undefined,
          value: v.key,
          required: true,
          oninput: (e) => {
            v.key = e.target.value.trim();
            env.changed(step);
          },
        }),
      ),
      field(
        `Weight ${i + 1}`,
        h('input', {
          type: 'number',
          min: 0,
          step: 'any',
          name: 'variant-weight',
          id: env.id(step, `variants.${i}.weight`),
          'data-path': `variants.${i}.weight`,
          value: v.weight,
          'aria-describedby': shareEls[i].id,
          oninput: (e) => {
            v.weight = Number(e.target.value);
            showShares();
            env.changed(step);
          },
        }),
      ),
      h('span', { class: 'sb-share' }, 'Share: ', shareEls[i]),
      field(
        `Variant ${i + 1} goes to`,
        targetSelect(env, step, {
          name: 'variant-next',
          path: `variants.${i}.next`,
          get: () => v.next,
          set: (x) => (v.next = x),
        }),
      ),
      variants.length > 2
        ? h('button', {
            type: 'button',
            class: 'small danger',
            text: 'Remove',
            'aria-label': `Remove variant ${i + 1}`,
            onclick: () => {
              variants.splice(i, 1);
              env.restructured(env.id(step, 'add-variant'));
            },
          })
        : null,
    );
  });
  showShares();
  return [
    h('fieldset', { class: 'sb-list' }, h('legend', { text: 'Variants' }), rows),
    h('button', {
      type: 'button',
      class: 'small',
      id: env.id(step, 'add-variant'),
      text: 'Add a variant',
      onclick: () => {
        variants.push({ key: String.fromCharCode(97 + (variants.length % 26)), weight: 50 });
        env.restructured(env.id(step, `variants.${variants.length - 1}.key`));
      },
    }),
  ];
}

/** The selects of the ways out a type has (the split's and waitFor's other events are in their rows). */
function wayFields(env, step) {
  const select = (name, label, optional) =>
    field(
      label,
      targetSelect(env, step, {
        name,
        path: name,
        get: () => step[name],
        set: (v) => (v ? (step[name] = v) : delete step[name]),
        optional,
      }),
    );
  switch (step.type) {
    case 'send':
    case 'wait':
      return [select('next', 'Then go to', true)];
    case 'waitFor':
      return [select('onEvent', 'If the event happens, go to'), select('onTimeout', 'If time runs out, go to')];
    case 'branch':
      return [select('then', 'If yes, go to'), select('else', 'If no, go to')];
    case 'goto':
      return [select('target', 'Go to')];
    default:
      return [];
  }
}

const TYPE_FIELDS = {
  send: sendFields,
  wait: waitFields,
  waitFor: waitForFields,
  branch: (env, step) => [
    conditionEditor(step.condition, {
      idBase: env.id(step, 'condition'),
      legend: 'Condition',
      path: 'condition',
      onChange: (c) => {
        step.condition = c;
        env.changed(step);
      },
    }),
  ],
  split: splitFields,
  goto: () => [],
  exit: (env, step) => [
    field(
      'Reason (optional)',
      textInput(env, step, 'reason', { placeholder: 'e.g. onboarding finished', 'data-first': true }),
    ),
  ],
};

/** The form of a step: what the type does, its own fields, where it leads, and its id and label. */
export function stepForm(env, step) {
  const idInput = h('input', {
    name: 'id',
    id: env.id(step, 'id'),
    value: step.id,
    'data-path': 'id',
    required: true,
    pattern: '[A-Za-z0-9_\\-]+',
    onchange: (e) => env.renamed(step, e.target.value.trim()),
  });
  return h(
    'div',
    { class: 'step-form' },
    h('p', { class: 'sb-help', text: STEP_TYPES[step.type].help }),
    TYPE_FIELDS[step.type](env, step),
    wayFields(env, step),
    h(
      'div',
      { class: 'sb-row' },
      field('Step id', idInput, 'Letters, digits, _ and -; the stats and messages name the step by it.'),
      field('Label (optional)', textInput(env, step, 'label')),
    ),
  );
}

/** A new step of a type with an id no step has yet: send-1, wait-2 … */
export function newStep(type, steps) {
  const ids = new Set(steps.map((s) => s.id));
  let n = 1;
  while (ids.has(`${type}-${n}`)) n++;
  const step = { id: `${type}-${n}`, type };
  if (type === 'split')
    step.variants = [
      { key: 'a', weight: 50 },
      { key: 'b', weight: 50 },
    ];
  if (type === 'branch') step.condition = { field: 'traits.', op: 'eq', value: '' };
  return step;
}

/** Points every way that led to `from` at `to` instead, so renaming a step keeps the graph as it was. */
export function renameTargets(steps, from, to) {
  for (const s of steps) {
    for (const key of ['next', 'onEvent', 'onTimeout', 'then', 'else', 'target']) if (s[key] === from) s[key] = to;
    for (const list of [s.variants, s.otherEvents]) for (const x of list || []) if (x.next === from) x.next = to;
  }
}
