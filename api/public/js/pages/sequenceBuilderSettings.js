// The sequence as a whole: key, name, category, topic, and who enters it (triggers), what converts (goals) and
// what ends it early (exits). Editable for a writer, words for everyone else. Settings the form does not edit
// (quiet hours, re-entry, holdout, tracking) are kept as they are and said in a line.
import { clear, h } from '../ui.js';
import { durationWords, matcherWords } from './sequenceBuilderWords.js';

/** The three lists of event matchers; each row is an event, or for triggers and exits a segment. */
const LISTS = [
  {
    list: 'triggers',
    title: 'Enrolls a contact when',
    add: 'Add a trigger',
    kinds: [
      ['event', 'this event happens'],
      ['segmentEntered', 'they enter the segment'],
    ],
    help: 'The event your product sends (POST /v1/events), such as trial_started. With none, contacts are enrolled by hand.',
  },
  {
    list: 'goals',
    title: 'Counts as converted when',
    add: 'Add a goal',
    kinds: [['event', 'this event happens']],
    help: 'A goal ends the enrollment at once as converted, wherever the contact is.',
  },
  {
    list: 'exits',
    title: 'Ends early when',
    add: 'Add an exit',
    kinds: [
      ['event', 'this event happens'],
      ['segmentLeft', 'they leave the segment'],
    ],
    help: 'An exit ends the enrollment at once; nothing more is sent.',
  },
];

const kindOf = (m, kinds) => kinds.find(([k]) => m[k] !== undefined)?.[0] || kinds[0][0];

/** The settings nobody edits here, in words: quiet hours, re-entry, holdout, tracking. */
export function otherSettingsWords(def) {
  const r = def.reentry || { mode: 'never' };
  return [
    def.quietHours ? `No email between ${def.quietHours.start} and ${def.quietHours.end} (the contact’s time)` : null,
    r.mode === 'after'
      ? `Enrolls the same contact again ${durationWords(r.after)} after the last time`
      : r.mode === 'always'
        ? 'Enrolls the same contact again after each enrollment ends'
        : 'Enrolls each contact once',
    def.holdout ? `Holds out ${Math.round(def.holdout * 100)}% as a control group` : null,
    def.tracking === false ? 'No open or click tracking' : null,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** Who enters and what ends it, for a reader. */
export function settingsWords(def) {
  const list = (items, none) => (items && items.length ? items.map(matcherWords).join(', ') : none);
  return h(
    'dl',
    { class: 'sb-facts', id: 'sb-facts' },
    h('dt', { text: 'Enrolls when' }),
    h('dd', { text: list(def.triggers, 'enrolled by hand only') }),
    h('dt', { text: 'Converts when' }),
    h('dd', { text: list(def.goals, 'no goal') }),
    h('dt', { text: 'Ends early when' }),
    h('dd', { text: list(def.exits, 'only the steps end it (or unsubscribing)') }),
    h('dt', { text: 'Mail' }),
    h('dd', { text: `${def.category || 'marketing'}${def.topic ? `, under the topic ${def.topic}` : ''}` }),
    h('dt', { text: 'Also' }),
    h('dd', { text: otherSettingsWords(def) }),
  );
}

function field(text, control, help) {
  const helpEl = help ? h('span', { class: 'sb-help', id: `${control.id}-help`, text: help }) : null;
  if (helpEl) control.setAttribute('aria-describedby', helpEl.id);
  return h('label', { class: 'sb-field' }, text, control, helpEl);
}

/** A text input bound to draft[key]. */
function bound(draft, key, attrs, onChange) {
  return h('input', {
    id: `sb-${key}`,
    name: key,
    'data-path': key,
    value: draft[key] ?? '',
    oninput: (e) => {
      draft[key] = e.target.value.trim();
      if (onChange) onChange();
    },
    ...attrs,
  });
}

/**
 * The settings form of `draft`. `topics` come from GET /v1/topics; `onCategory` runs when the category changes
 * (the send steps' template choices depend on it); `onName` when the name does.
 */
export function settingsForm(draft, { isNew, topics, onCategory, onName }) {
  const topic = h(
    'select',
    {
      id: 'sb-topic',
      name: 'topic',
      'data-path': 'topic',
      onchange: (e) => {
        if (e.target.value) draft.topic = e.target.value;
        else delete draft.topic;
      },
    },
    h('option', { value: '', text: 'Choose a topic…' }),
    draft.topic && !topics.some((t) => t.key === draft.topic)
      ? h('option', { value: draft.topic, text: `${draft.topic} (no such topic)`, selected: true })
      : null,
    topics.map((t) => h('option', { value: t.key, text: `${t.name} (${t.key})`, selected: t.key === draft.topic })),
  );
  const category = h(
    'select',
    {
      id: 'sb-category',
      name: 'category',
      'data-path': 'category',
      onchange: (e) => {
        draft.category = e.target.value;
        onCategory();
      },
    },
    ['marketing', 'transactional'].map((c) => h('option', { value: c, text: c, selected: c === draft.category })),
  );
  return h(
    'div',
    { id: 'sb-settings', class: 'sb-settings' },
    h(
      'div',
      { class: 'sb-grid' },
      isNew
        ? field(
            'Key',
            bound(draft, 'key', { required: true, placeholder: 'e.g. trial-welcome', autocomplete: 'off' }),
            'Lowercase letters, digits and -; it names the sequence in links and in the API, and cannot change later.',
          )
        : null,
      field('Name', bound(draft, 'name', { required: true, placeholder: 'e.g. Trial welcome' }, onName)),
      field(
        'Category',
        category,
        'Marketing mail carries an unsubscribe link and counts towards the frequency cap; transactional mail does neither.',
      ),
      field(
        'Topic',
        topic,
        'What the email is about (GET /v1/topics): someone who left the topic gets none of it. Marketing needs one.',
      ),
      field('Description (optional)', bound(draft, 'description', { placeholder: 'What this sequence is for' })),
    ),
    LISTS.map((spec) => matcherList(draft, spec)),
    h('p', { class: 'small muted', text: `Kept as they are: ${otherSettingsWords(draft)}.` }),
  );
}

/** A list of triggers, goals or exits, one row each, redrawn in place when a row comes or goes. */
function matcherList(draft, spec) {
  const { list, kinds } = spec;
  const box = h('fieldset', { class: 'sb-list', id: `sb-${list}` });
  const draw = (focusId) => {
    const items = (draft[list] = draft[list] || []);
    clear(
      box,
      h('legend', { text: spec.title }),
      h('p', { class: 'sb-help', text: spec.help }),
      items.map((m, i) => {
        const kind = kindOf(m, kinds);
        const name = h('input', {
          id: `sb-${list}-${i}-name`,
          name: `${list}-name`,
          'data-path': `${list}.${i}.${kind}`,
          value: m[kind] ?? '',
          placeholder: kind === 'event' ? 'e.g. trial_started' : 'segment key',
          oninput: (e) => (m[kindOf(m, kinds)] = e.target.value.trim()),
        });
        return h(
          'div',
          { class: 'sb-row' },
          kinds.length > 1
            ? field(
                `${spec.title} (${i + 1})`,
                h(
                  'select',
                  {
                    id: `sb-${list}-${i}-kind`,
                    name: `${list}-kind`,
                    onchange: (e) => {
                      const value = m[kindOf(m, kinds)] ?? '';
                      for (const [k] of kinds) delete m[k];
                      delete m.where;
                      m[e.target.value] = value;
                      draw(`sb-${list}-${i}-kind`);
                    },
                  },
                  kinds.map(([k, text]) => h('option', { value: k, text, selected: k === kind })),
                ),
              )
            : null,
          field(kind === 'event' ? `Event (${i + 1})` : `Segment (${i + 1})`, name),
          m.where ? h('span', { class: 'sb-help', text: matcherWords(m).replace(/^[^(]*/, '') }) : null,
          h('button', {
            type: 'button',
            class: 'small danger',
            text: 'Remove',
            'aria-label': `Remove ${spec.list.replace(/s$/, '')} ${i + 1}`,
            onclick: () => {
              items.splice(i, 1);
              draw(`sb-${list}-add`);
            },
          }),
        );
      }),
      h('button', {
        type: 'button',
        class: 'small',
        id: `sb-${list}-add`,
        text: spec.add,
        onclick: () => {
          items.push({ [kinds[0][0]]: '' });
          draw(`sb-${list}-${items.length - 1}-name`);
        },
      }),
    );
    if (focusId) document.getElementById(focusId)?.focus();
  };
  draw();
  return box;
}
