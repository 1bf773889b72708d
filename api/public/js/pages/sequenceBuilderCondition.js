// The condition editor: comparisons on a contact's traits or an event's properties, matched all or any, read back
// as a sentence. A condition the rows cannot show (a `not`, or groups inside groups) is edited as JSON instead, so
// nothing the API accepts is lost by opening it here.
import { clear, h } from '../ui.js';
import { FIELD_SOURCES, OPS, conditionWords, splitField } from './sequenceBuilderWords.js';

/** A comparison's value as typed: numbers and true/false become themselves, a list splits at commas. */
export function parseValue(text, op) {
  if (op === 'in')
    return String(text)
      .split(',')
      .map((x) => parseValue(x.trim(), 'eq'))
      .filter((x) => x !== '');
  const t = String(text ?? '').trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (t === 'true' || t === 'false') return t === 'true';
  return t;
}

const valueText = (v) => (Array.isArray(v) ? v.join(', ') : v === undefined || v === null ? '' : String(v));

const isComparison = (c) => c && typeof c === 'object' && typeof c.field === 'string' && typeof c.op === 'string';

/** The rows and the join a condition shows as, or null when it needs the JSON editor. */
function rowsOf(cond) {
  if (cond === undefined) return { join: 'all', rows: [] };
  if (isComparison(cond)) return { join: 'all', rows: [{ ...cond }] };
  for (const join of ['all', 'any']) {
    if (Array.isArray(cond[join]) && cond[join].every(isComparison))
      return { join, rows: cond[join].map((c) => ({ ...c })) };
  }
  return null;
}

function conditionOf(join, rows) {
  const list = rows.map((r) => {
    const op = OPS.find((o) => o.op === r.op);
    return op && op.valueless ? { field: r.field, op: r.op } : { field: r.field, op: r.op, value: r.value };
  });
  if (list.length === 0) return undefined;
  return list.length === 1 ? list[0] : { [join]: list };
}

/**
 * The editor of a condition, with ids under `idBase`. `onChange` gets the new condition on every keystroke
 * (undefined when `optional` and every row is gone). `legend` names the fieldset for a screen reader; `path` is the
 * field a problem names (`condition`, `where`).
 */
export function conditionEditor(cond, { idBase, legend, path, optional = false, onChange }) {
  const box = h('fieldset', { class: 'sb-condition', 'data-path': path }, h('legend', { text: legend }));
  const shown = rowsOf(cond);
  if (!shown) return jsonEditor(box, cond, idBase, onChange);
  let { join, rows } = shown;
  if (rows.length === 0 && !optional) rows = [{ field: 'traits.', op: 'eq', value: '' }];
  const emit = () => onChange(conditionOf(join, rows));
  const body = h('div');

  const draw = (focusRow) => {
    const joinSelect =
      rows.length > 1
        ? h(
            'label',
            { class: 'sb-inline' },
            'Match',
            h(
              'select',
              {
                name: 'condition-join',
                id: `${idBase}-join`,
                onchange: (e) => {
                  join = e.target.value;
                  emit();
                },
              },
              h('option', { value: 'all', text: 'all of these', selected: join === 'all' }),
              h('option', { value: 'any', text: 'any of these', selected: join === 'any' }),
            ),
          )
        : null;
    clear(
      body,
      ...[joinSelect, ...rows.map((row, i) => rowEditor(row, i))].filter(Boolean),
      h('button', {
        type: 'button',
        class: 'small',
        id: `${idBase}-add`,
        text: rows.length ? 'Add a comparison' : 'Add a condition',
        onclick: () => {
          rows.push({ field: 'traits.', op: 'eq', value: '' });
          draw(rows.length - 1);
          emit();
        },
      }),
    );
    if (focusRow !== undefined) document.getElementById(`${idBase}-${focusRow}-name`)?.focus();
  };

  const rowEditor = (row, i) => {
    const id = `${idBase}-${i}`;
    const { source, name } = splitField(row.field);
    const nth = rows.length > 1 ? ` ${i + 1}` : '';
    const value = h('input', {
      name: 'condition-value',
      id: `${id}-value`,
      value: valueText(row.value),
      placeholder: row.op === 'in' ? 'pro, team' : 'pro',
      oninput: (e) => {
        row.value = parseValue(e.target.value, row.op);
        emit();
      },
    });
    const valueLabel = h('label', { hidden: OPS.find((o) => o.op === row.op)?.valueless }, `Value${nth}`, value);
    const nameInput = h('input', {
      name: 'condition-name',
      id: `${id}-name`,
      value: name,
      placeholder: 'plan',
      required: true,
      oninput: (e) => {
        row.field = splitField(row.field).source.prefix + e.target.value.trim();
        emit();
      },
    });
    return h(
      'div',
      { class: 'sb-cond-row', role: 'group', 'aria-label': `Comparison${nth || ' 1'}` },
      h(
        'label',
        {},
        `Look at${nth}`,
        h(
          'select',
          {
            name: 'condition-source',
            id: `${id}-source`,
            onchange: (e) => {
              row.field = e.target.value + nameInput.value.trim();
              emit();
            },
          },
          FIELD_SOURCES.map((s) =>
            h('option', { value: s.prefix, text: s.label, selected: s.prefix === source.prefix }),
          ),
        ),
      ),
      h('label', {}, `Name${nth}`, nameInput),
      h(
        'label',
        {},
        `Comparison${nth}`,
        h(
          'select',
          {
            name: 'condition-op',
            id: `${id}-op`,
            onchange: (e) => {
              row.op = e.target.value;
              row.value = parseValue(value.value, row.op);
              valueLabel.hidden = !!OPS.find((o) => o.op === row.op)?.valueless;
              emit();
            },
          },
          OPS.map((o) => h('option', { value: o.op, text: o.words, selected: o.op === row.op })),
        ),
      ),
      valueLabel,
      rows.length > 1 || optional
        ? h('button', {
            type: 'button',
            class: 'small danger',
            'aria-label': `Remove comparison${nth || ' 1'}`,
            text: 'Remove',
            onclick: () => {
              rows.splice(i, 1);
              draw();
              emit();
              document.getElementById(`${idBase}-add`)?.focus();
            },
          })
        : null,
    );
  };

  draw();
  box.append(body);
  return box;
}

function jsonEditor(box, cond, idBase, onChange) {
  const note = h('p', { class: 'small muted', id: `${idBase}-json-note` });
  const say = (c) => (note.textContent = `Reads: ${conditionWords(c)}.`);
  say(cond);
  box.append(
    h('p', {
      class: 'small',
      text: 'This condition nests groups, so it is edited as JSON: {"field": "traits.plan", "op": "eq", "value": "pro"}, combined with {"all": [...]}, {"any": [...]} and {"not": ...}.',
    }),
    h(
      'label',
      {},
      'Condition as JSON',
      h('textarea', {
        name: 'condition-json',
        id: `${idBase}-json`,
        rows: 4,
        'aria-describedby': `${idBase}-json-note`,
        text: JSON.stringify(cond, null, 1),
        oninput: (e) => {
          try {
            const parsed = JSON.parse(e.target.value);
            say(parsed);
            onChange(parsed);
          } catch {
            note.textContent = 'Not JSON yet: the last valid condition is kept.';
          }
        },
      }),
    ),
    note,
  );
  return box;
}
