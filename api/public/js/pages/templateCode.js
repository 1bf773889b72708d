// The body of a template as code: the Ace editor (or a textarea) and the picker of variables to insert.
import { clear, h } from '../ui.js';

let aceLoading = null;
/** Ace, loaded on first use from this origin; its modes load from the same place, its web worker never. */
function loadAce() {
  aceLoading ??= new Promise((resolve, reject) => {
    if (window.ace) return resolve(window.ace);
    const script = h('script', { src: '/vendor/ace/ace.js' });
    script.addEventListener('load', () => {
      window.ace.config.set('basePath', '/vendor/ace');
      resolve(window.ace);
    });
    script.addEventListener('error', () => {
      aceLoading = null;
      reject(new Error('the code editor did not load'));
    });
    document.head.append(script);
  });
  return aceLoading;
}

/**
 * The body's editor in `box`: Ace, or a plain textarea when Ace cannot load. Either answers the same few methods
 * (`value`, `setValue`, `goTo(line, column)`, `insert(text)`), so the page never knows which it has.
 */
export async function codeEditor(box, value, { readOnly, onChange, label = 'Body' }) {
  try {
    const ace = await loadAce();
    // useWorker first: the syntax-check worker would be a blob script, which the page's CSP refuses.
    const editor = ace.edit(box, {
      useWorker: false,
      mode: 'ace/mode/handlebars',
      value,
      readOnly,
      fontSize: 13,
      showPrintMargin: false,
      wrap: true,
    });
    editor.clearSelection();
    editor.session.on('change', onChange);
    // Ace types into a textarea of its own: it needs the field's name for a screen reader.
    editor.textInput.getElement().setAttribute('aria-label', label);
    return {
      value: () => editor.getValue(),
      setValue: (v) => editor.setValue(v, -1),
      goTo: (line, column) => (editor.gotoLine(line, Math.max(0, (column || 1) - 1), false), editor.focus()),
      insert: (text) => (editor.insert(text), editor.focus()),
    };
  } catch {
    const area = h('textarea', { name: 'body', rows: 18, readonly: readOnly, oninput: onChange, 'aria-label': label });
    area.value = value;
    clear(box, area);
    box.classList.add('fallback');
    return {
      value: () => area.value,
      setValue: (v) => (area.value = v),
      goTo: () => area.focus(),
      insert: (text) => area.setRangeText(text, area.selectionStart, area.selectionEnd, 'end'),
    };
  }
}

/** Variables a template may use, as buttons; a click calls `insert(name)` to write it where the cursor is. */
export function variablePicker(variables, locked, insert) {
  if (!variables.length) return null;
  return h(
    'details',
    { id: 'template-variables', class: 'variables' },
    h('summary', { text: 'Insert a variable' }),
    h('p', {
      class: 'small muted',
      text: 'Each goes in where the cursor is in the body; hover one to read what it holds.',
    }),
    h(
      'div',
      { class: 'tags' },
      variables.map((v) =>
        h('button', {
          type: 'button',
          class: `tag ${v.source}`,
          dataset: { name: v.name },
          title: v.description,
          disabled: locked,
          text: v.name,
          onclick: () => insert(v.name.replace(/\.\*$/, '.')),
        }),
      ),
    ),
  );
}
