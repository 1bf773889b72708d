// The sequence builder: the settings, the steps as a graph of cards joined by lines, the control that adds a step,
// and Publish, which stores the draft as the next version (POST for a new sequence, PUT for the next version).
// A reader (the chairman) gets the same graph with no control that changes anything.
import { api, get } from '../api.js';
import { clear, h } from '../ui.js';
import { clearCards, markCard, refreshCard, stepCard } from './sequenceBuilderCards.js';
import { definitionOf, localProblems } from './sequenceBuilderChecks.js';
import { keepDrawn } from './sequenceBuilderGraph.js';
import { settingsForm, settingsWords } from './sequenceBuilderSettings.js';
import { newStep, renameTargets } from './sequenceBuilderSteps.js';
import { STEP_TYPES, matcherWords, stepSummary } from './sequenceBuilderWords.js';

const enc = encodeURIComponent;

/** A new sequence's draft: marketing, one empty trigger row, no step yet. */
const emptyDraft = () => ({
  key: '',
  name: '',
  category: 'marketing',
  triggers: [{ event: '' }],
  goals: [],
  steps: [],
});

/** Every step object gets a number of its own, so ids of controls survive renaming and moving the step. */
const uids = new WeakMap();
let lastUid = 0;
const uidOf = (step) => uids.get(step) ?? (uids.set(step, ++lastUid), lastUid);

/** Template subjects, looked up once each, for the subject field's placeholder. */
const subjects = new Map();
function subjectOf(key) {
  if (!subjects.has(key))
    subjects.set(
      key,
      get(`/v1/templates/${enc(key)}`).then(
        (t) => t.content?.[t.defaultLocale]?.subject,
        () => undefined,
      ),
    );
  return subjects.get(key);
}

/**
 * Renders the builder of `sequence` (a GET /v1/sequences answer, or null for a new one) into `el`.
 * `stats` is GET …/stats or null; `onPublished(key, message)` shows the stored sequence after a publish;
 * `openMessages(stepId)` opens a send step's messages (null for a new sequence).
 */
export function builder(el, { sequence, templates, topics, stats, writer, onPublished, openMessages, notice }) {
  const isNew = !sequence;
  const draft = sequence ? structuredClone(sequence.definition) : emptyDraft();
  const steps = draft.steps;
  const byStep = new Map((stats?.steps || []).map((s) => [s.stepId, s]));
  const expanded = new Set();
  const title = h('h2', { id: 'sb-title' });
  const showTitle = () => {
    clear(
      title,
      draft.name || (isNew ? 'New sequence' : sequence.key),
      ' ',
      h('span', {
        class: 'muted small',
        text: isNew ? 'not published yet' : `version ${sequence.version} · ${draft.category}`,
      }),
    );
  };
  showTitle();

  const list = h('ol', { id: 'flow', class: 'sb-flow', 'aria-label': 'Steps, in the order they are listed' });
  const startStats = h('p', { class: 'node-stats small' });
  const start = h(
    'div',
    { id: 'sb-start', class: 'sb-terminal' },
    h('strong', { text: 'Start' }),
    ' ',
    h('span', { class: 'sb-start-words' }),
    startStats,
  );
  const end = h(
    'div',
    { id: 'sb-end', class: 'sb-terminal' },
    h('strong', { text: 'End' }),
    ' of the sequence: the enrollment is completed.',
  );
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('id', 'sb-edges');
  svg.setAttribute('aria-hidden', 'true');
  const graph = h('div', { class: 'sb-graph', id: 'sb-graph' }, svg, start, list, end);
  const redraw = keepDrawn({ svg, graph, list, start, end, steps });

  const env = {
    steps,
    templates,
    writer,
    expanded,
    category: () => draft.category,
    id: (step, name) => `sb-${uidOf(step)}-${name.replace(/\./g, '-')}`,
    subjectOf,
    openMessages,
    stat: (stepId) => (byStep.has(stepId) ? sentLine(byStep.get(stepId)) : ''),
    changed: (step) => {
      const i = steps.indexOf(step);
      if (list.children[i]) refreshCard(env, list.children[i], i);
      // Other cards name this step in their selects: keep those words current too.
      for (const option of list.querySelectorAll(`option[value="${CSS.escape(step.id)}"]`))
        option.textContent = `${step.id}: ${stepSummary(step, templates)}`;
      redraw();
    },
    rewired: () => {
      steps.forEach((_, i) => list.children[i] && refreshCard(env, list.children[i], i));
      redraw();
    },
    restructured: (focusId) => drawSteps(focusId),
    renamed: (step, id) => {
      if (!id || id === step.id) return;
      renameTargets(steps, step.id, id);
      step.id = id;
      drawSteps(env.id(step, 'id'));
    },
    move: (step, by) => {
      const i = steps.indexOf(step);
      steps.splice(i, 1);
      steps.splice(i + by, 0, step);
      const edge = i + by === 0 || i + by === steps.length - 1;
      drawSteps(env.id(step, edge ? (by < 0 ? 'down' : 'up') : by < 0 ? 'up' : 'down'));
    },
    remove: (step) => {
      const i = steps.indexOf(step);
      steps.splice(i, 1);
      // Ways that led to it are unchosen now (a send or wait then falls through); publishing asks for the rest.
      renameTargets(steps, step.id, undefined);
      const near = steps[i] || steps[i - 1];
      drawSteps(near ? env.id(near, writer ? 'edit' : 'title') : 'sb-add-type');
    },
  };

  const addType = h(
    'select',
    { id: 'sb-add-type', name: 'add-type', 'aria-describedby': 'sb-add-help', onchange: () => showAddHelp() },
    Object.entries(STEP_TYPES).map(([type, t]) => h('option', { value: type, text: t.name })),
  );
  const addAfter = h('select', { id: 'sb-add-after', name: 'add-after' });
  const addHelp = h('p', { class: 'sb-help', id: 'sb-add-help', 'aria-live': 'polite' });
  const showAddHelp = () => (addHelp.textContent = STEP_TYPES[addType.value].help);
  showAddHelp();
  const add = () => {
    const step = newStep(addType.value, steps);
    const after = addAfter.value === '' ? steps.length - 1 : Number(addAfter.value);
    steps.splice(after + 1, 0, step);
    expanded.add(env.id(step, 'card'));
    drawSteps();
    const card = document.getElementById(env.id(step, 'card'));
    (
      card.querySelector('.step-form [data-first]') || card.querySelector('.step-form input, .step-form select')
    )?.focus();
  };
  const adder = writer
    ? h(
        'div',
        { class: 'sb-adder', role: 'group', 'aria-labelledby': 'sb-add-title' },
        h('h3', { id: 'sb-add-title', text: 'Add a step' }),
        h(
          'div',
          { class: 'sb-row' },
          h('label', { class: 'sb-field' }, 'Type of step', addType),
          h('label', { class: 'sb-field' }, 'Put it after', addAfter),
          h('button', { type: 'button', id: 'sb-add-step', class: 'primary', text: 'Add step', onclick: add }),
        ),
        addHelp,
      )
    : null;

  function drawSteps(focusId) {
    list.replaceChildren(...steps.map((_, i) => stepCard(env, i)));
    clear(
      addAfter,
      h('option', { value: '', text: steps.length ? 'the last step' : '(the start)' }),
      steps
        .slice(0, -1)
        .map((s, i) => h('option', { value: String(i), text: `${s.id}: ${stepSummary(s, templates)}` })),
    );
    start.querySelector('.sb-start-words').textContent = startWords(draft);
    end.hidden = !steps.length;
    redraw();
    if (focusId) document.getElementById(focusId)?.focus();
  }

  const e = (stats && stats.overall && stats.overall.enrollments) || null;
  startStats.textContent = e ? `${e.total} enrolled · ${e.active} active · ${stats.overall.conversions} converted` : '';
  startStats.hidden = !e;

  const status = h('p', { id: 'sb-status', role: 'status' });
  const problemsBox = h('ul', { id: 'sb-problems', class: 'sb-problems', tabindex: '-1', hidden: true });
  const say = (text) => (status.textContent = text);
  const publishButton = h('button', {
    type: 'button',
    class: 'primary',
    id: 'sb-publish',
    text: isNew ? 'Publish version 1' : `Publish version ${sequence.version + 1}`,
    onclick: () => publish(),
  });

  const settings = writer
    ? settingsForm(draft, { isNew, topics, onCategory: () => drawSteps(), onName: showTitle })
    : settingsWords(draft);
  // The start node says what enrolls, as the trigger rows are typed.
  settings.addEventListener('input', () => (start.querySelector('.sb-start-words').textContent = startWords(draft)));
  settings.addEventListener('click', () => (start.querySelector('.sb-start-words').textContent = startWords(draft)));

  function clearProblems() {
    clearCards(list);
    problemsBox.replaceChildren();
    problemsBox.hidden = true;
    for (const p of settings.querySelectorAll('.sb-problem')) p.remove();
    for (const c of settings.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  }

  /** Each problem where it belongs: a step's on its card, a setting's under its field, the rest above Publish. */
  function showProblems(problems) {
    let first = null;
    for (const p of problems) {
      const m = /^steps\.(\d+)(?:\.(.+))?$/.exec(p.path);
      let target = null;
      if (m && list.children[Number(m[1])]) target = markCard(list.children[Number(m[1])], m[2], p.message);
      else target = markSetting(p);
      if (!target) {
        problemsBox.hidden = false;
        problemsBox.append(h('li', { text: p.path ? `${p.path}: ${p.message}` : p.message }));
        target = problemsBox;
      }
      first = first || target;
    }
    first?.focus();
  }

  function markSetting(p) {
    const parts = p.path.split('.');
    for (let n = parts.length; n > 0; n--) {
      const control = settings.querySelector(`[data-path="${parts.slice(0, n).join('.')}"]`);
      if (!control) continue;
      control.setAttribute('aria-invalid', 'true');
      const note = h('span', { class: 'sb-problem', id: `${control.id}-problem`, text: p.message });
      control.closest('label').append(note);
      control.setAttribute('aria-describedby', `${note.id} ${control.getAttribute('aria-describedby') || ''}`.trim());
      return control;
    }
    return null;
  }

  async function publish() {
    clearProblems();
    const definition = definitionOf(draft);
    const local = localProblems(definition, { isNew });
    if (local.length) {
      say(`Not published: ${count(local.length)} to fix, shown where each is.`);
      return showProblems(local);
    }
    publishButton.disabled = true;
    say('Publishing…');
    try {
      const { body } = isNew
        ? await api('POST', '/v1/sequences', definition)
        : await api('PUT', `/v1/sequences/${enc(sequence.key)}`, definition);
      const warnings = (body.warnings || []).map((w) => w.message);
      await onPublished(
        body.key,
        `Published version ${body.version}.${warnings.length ? ` Worth a look: ${warnings.join('; ')}.` : ''}`,
      );
    } catch (err) {
      publishButton.disabled = false;
      const problems =
        err.status === 400 && Array.isArray(err.body?.problems)
          ? err.body.problems
          : err.status === 409
            ? [{ path: 'key', message: err.message }]
            : null;
      say(
        problems
          ? `Not published: ${count(problems.length)} to fix, shown where each is.`
          : `Not published: ${err.message}`,
      );
      if (problems) showProblems(problems);
    }
  }

  drawSteps();
  clear(
    el,
    h(
      'section',
      { class: 'panel sb-head', 'aria-labelledby': 'sb-title' },
      title,
      sequence?.description ? h('p', { class: 'muted', text: sequence.description }) : null,
      settings,
    ),
    h(
      'section',
      { class: 'panel sb-steps', 'aria-labelledby': 'sb-steps-title' },
      h('h2', { id: 'sb-steps-title', text: 'Steps' }),
      h(
        'p',
        { class: 'small muted' },
        writer
          ? 'Each card is a step and the lines show where a contact goes next. Edit opens a card; Publish stores the whole sequence as the next version. '
          : 'Each card is a step and the lines show where a contact goes next. Read-only: your role may look, not change. ',
        'The step types are described in docs/sequences.md.',
      ),
      graph,
      adder,
      writer
        ? h(
            'div',
            { class: 'sb-publish' },
            problemsBox,
            h(
              'div',
              { class: 'sb-row' },
              publishButton,
              isNew
                ? null
                : h('button', {
                    type: 'button',
                    id: 'sb-discard',
                    text: 'Discard changes',
                    onclick: () => onPublished(sequence.key, 'Changes discarded.'),
                  }),
            ),
            status,
          )
        : null,
    ),
  );
  redraw();
  // Said after the region exists, so a screen reader announces it.
  if (notice) setTimeout(() => say(notice), 50);
}

const count = (n) => `${n} ${n === 1 ? 'thing' : 'things'}`;

/** A send step's numbers: how many went out, were delivered and opened. */
function sentLine(st) {
  const f = st.funnel || {};
  return [
    `${f.sent ?? 0} sent`,
    f.delivered ? `${f.delivered} delivered` : null,
    f.opened ? `${f.opened} opened` : null,
    f.clicked ? `${f.clicked} clicked` : null,
  ]
    .filter(Boolean)
    .join(' · ');
}

function startWords(def) {
  const triggers = (def.triggers || []).filter((t) => Object.values(t).some((v) => typeof v === 'string' && v));
  return triggers.length ? `when ${triggers.map(matcherWords).join(' or ')}` : 'when a contact is enrolled by hand';
}
