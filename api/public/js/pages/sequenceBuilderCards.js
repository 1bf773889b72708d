// One step as a card of the graph: its kind (a send step's names its channel) and id, what it does in words, where
// it leads, its numbers, the tools to move, remove and edit it, and (for a writer) its form, folded until opened. A
// problem found on publishing is written on the card it belongs to.
import { h } from '../ui.js';
import { waysWords } from './sequenceBuilderGraph.js';
import { stepForm } from './sequenceBuilderSteps.js';
import { channelOf, stepKind, stepSummary } from './sequenceBuilderWords.js';

/**
 * The card of steps[index]. `env` is the forms' environment (sequenceBuilderSteps.js) plus the builder's own:
 * `writer`, `expanded` (a Set of the ids of open cards), `stat(stepId)` (a line of numbers or ''), `move`,
 * `remove`, and `openMessages` (null when the sequence has no messages to show yet).
 */
export function stepCard(env, index) {
  const step = env.steps[index];
  const cardId = env.id(step, 'card');
  const formId = env.id(step, 'form');
  const open = env.expanded.has(cardId);
  const stat = env.stat(step.id);
  const formBox = env.writer ? h('div', { id: formId, class: 'step-form-box', hidden: !open }) : null;
  if (formBox && open) formBox.append(stepForm(env, step));
  // The visible word says what a press does; the step's id, hidden, tells a screen reader which step.
  const toggleWord = h('span', { text: open ? 'Done' : 'Edit' });
  const toggle = env.writer
    ? h(
        'button',
        {
          type: 'button',
          class: 'small step-edit-toggle',
          id: env.id(step, 'edit'),
          'aria-expanded': String(open),
          'aria-controls': formId,
          onclick: () => setOpen(!env.expanded.has(cardId)),
        },
        toggleWord,
        h('span', { class: 'visually-hidden', text: ` step ${step.id}` }),
      )
    : null;
  const setOpen = (yes) => {
    if (!formBox) return;
    if (yes) env.expanded.add(cardId);
    else env.expanded.delete(cardId);
    if (yes && !formBox.firstChild) formBox.append(stepForm(env, step));
    formBox.hidden = !yes;
    toggle.setAttribute('aria-expanded', String(yes));
    toggleWord.textContent = yes ? 'Done' : 'Edit';
  };
  const tool = (name, text, label, onclick, disabled) =>
    h('button', {
      type: 'button',
      class: 'small',
      id: env.id(step, name),
      text,
      'aria-label': label,
      disabled,
      onclick,
    });
  const card = h(
    'li',
    {
      class: `step ${step.type}`,
      id: cardId,
      'data-step': step.id,
      'data-channel': step.type === 'send' ? channelOf(step) : undefined,
      'data-index': index,
      'aria-labelledby': env.id(step, 'title'),
    },
    h(
      'div',
      { class: 'step-head' },
      h(
        'h3',
        { id: env.id(step, 'title') },
        h('span', { class: 'step-kind', text: stepKind(step) }),
        ' ',
        h('code', { text: step.id }),
        step.label ? h('span', { class: 'step-label', text: ` · ${step.label}` }) : null,
      ),
      h('p', { class: 'step-summary', text: stepSummary(step, env.templates) }),
      h('p', { class: 'step-ways small', text: waysWords(env.steps, index) }),
      stat ? h('p', { class: 'node-stats small', text: stat }) : null,
      h('ul', { class: 'step-problems', id: env.id(step, 'problems'), hidden: true }),
    ),
    h(
      'div',
      { class: 'step-tools' },
      toggle,
      env.writer
        ? [
            tool('up', 'Up', `Move step ${step.id} up`, () => env.move(step, -1), index === 0),
            tool('down', 'Down', `Move step ${step.id} down`, () => env.move(step, 1), index === env.steps.length - 1),
            h('button', {
              type: 'button',
              class: 'small danger',
              id: env.id(step, 'remove'),
              text: 'Remove',
              'aria-label': `Remove step ${step.id}`,
              onclick: () => env.remove(step),
            }),
          ]
        : null,
      step.type === 'send' && env.openMessages
        ? h('button', {
            type: 'button',
            class: 'link-button small',
            'data-step-messages': step.id,
            'aria-label': `Messages of step ${step.id}`,
            text: 'Messages',
            onclick: () => env.openMessages(step.id),
          })
        : null,
    ),
    formBox,
  );
  card.open = setOpen;
  return card;
}

/** Refreshes a card's words after its form changed, without rebuilding it (the focus stays where it is). */
export function refreshCard(env, card, index) {
  const step = env.steps[index];
  card.querySelector('.step-summary').textContent = stepSummary(step, env.templates);
  card.querySelector('.step-ways').textContent = waysWords(env.steps, index);
  const label = card.querySelector('h3 .step-label');
  if (label) label.textContent = step.label ? ` · ${step.label}` : '';
}

// A problem's path below a step, then shorter and shorter ('condition.all.0.value', 'condition.all.0', …), until
// a control says it holds that field.
function controlFor(card, rest) {
  const parts = rest ? rest.split('.') : [];
  for (let n = parts.length; n > 0; n--) {
    const found = card.querySelector(`[data-path="${parts.slice(0, n).join('.')}"]`);
    if (found) return found.matches('fieldset') ? found.querySelector('input, select, textarea') || found : found;
  }
  return card.querySelector('.step-form [data-first]') || card.querySelector('.step-form input, .step-form select');
}

/** Writes a problem on the card: the error style, the message, the form opened; answers the control to focus. */
export function markCard(card, rest, message) {
  card.classList.add('has-problem');
  card.open(true);
  const list = card.querySelector('.step-problems');
  list.hidden = false;
  list.append(h('li', { text: message }));
  const control = controlFor(card, rest);
  if (control) {
    control.setAttribute('aria-invalid', 'true');
    const described = control.getAttribute('aria-describedby') || '';
    if (!described.includes(list.id)) control.setAttribute('aria-describedby', `${list.id} ${described}`.trim());
  }
  return control || card.querySelector('h3');
}

/** Takes every problem off the cards. */
export function clearCards(list) {
  for (const card of list.querySelectorAll('li.step.has-problem')) {
    card.classList.remove('has-problem');
    const problems = card.querySelector('.step-problems');
    problems.replaceChildren();
    problems.hidden = true;
  }
  for (const el of list.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}
