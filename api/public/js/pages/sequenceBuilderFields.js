// The controls the step forms are made of: a labelled field, a text input bound to a step, the select of the step a
// way leads to, and a duration typed as an amount and a unit. Each control has an id from the builder (env.id) and
// a `data-path` naming the field of the step it edits, which is how a problem from the server finds it.
import { h } from '../ui.js';
import { UNITS, durationParts, isoDuration, stepSummary } from './sequenceBuilderWords.js';

/** A labelled control with an optional line of help read out with it. */
export function field(text, control, help) {
  const helpEl = help ? h('span', { class: 'sb-help', id: `${control.id}-help`, text: help }) : null;
  if (helpEl) control.setAttribute('aria-describedby', helpEl.id);
  return h('label', { class: 'sb-field' }, text, control, helpEl);
}

/** A text input bound to `step[key]`: an empty value removes the key, so optional fields are not sent empty. */
export function textInput(env, step, key, attrs = {}) {
  return h('input', {
    name: key,
    id: env.id(step, key),
    value: step[key] ?? '',
    'data-path': key,
    oninput: (e) => {
      const v = e.target.value.trim();
      if (v) step[key] = v;
      else delete step[key];
      env.changed(step);
    },
    ...attrs,
  });
}

/**
 * A select of the step a way leads to. `optional` offers falling through to the next step in the list (or the
 * end); otherwise the author must choose one.
 */
export function targetSelect(env, step, { name, path, get, set, optional }) {
  const steps = env.steps;
  const index = steps.indexOf(step);
  const following = steps[index + 1];
  const current = get();
  const first = optional
    ? following
      ? `The next step in the list (${following.id})`
      : 'The end of the sequence'
    : 'Choose a step…';
  const known = steps.some((s) => s.id === current);
  return h(
    'select',
    {
      name,
      id: env.id(step, path),
      'data-path': path,
      required: !optional,
      onchange: (e) => {
        set(e.target.value || undefined);
        env.rewired(step);
      },
    },
    h('option', { value: '', text: first }),
    current && !known ? h('option', { value: current, text: `${current} (no such step)`, selected: true }) : null,
    steps
      .filter((s) => s.id)
      .map((s) =>
        h('option', { value: s.id, text: `${s.id}: ${stepSummary(s, env.templates)}`, selected: s.id === current }),
      ),
  );
}

/** Amount and unit of a duration bound to `step[key]`, shown as words ("2 days") and stored as ISO (P2D). */
export function durationFields(env, step, key, text, attrs = {}) {
  const parts = durationParts(step[key]);
  const units = UNITS.filter((u) => u.unit !== 'seconds' || parts.unit === 'seconds');
  const amount = h('input', {
    type: 'number',
    min: 0,
    step: 1,
    name: key === 'duration' ? 'amount' : `${key}-amount`,
    id: env.id(step, key),
    value: parts.amount,
    'data-path': key,
    required: true,
    oninput: () => update(),
    ...attrs,
  });
  const unit = h(
    'select',
    { name: key === 'duration' ? 'unit' : `${key}-unit`, id: env.id(step, `${key}-unit`), onchange: () => update() },
    units.map((u) => h('option', { value: u.unit, text: u.unit, selected: u.unit === parts.unit })),
  );
  const update = () => {
    const iso = isoDuration(amount.value, unit.value);
    if (iso) step[key] = iso;
    else delete step[key];
    env.changed(step);
  };
  return h('div', { class: 'sb-duration' }, field(text, amount), field('Unit', unit));
}
