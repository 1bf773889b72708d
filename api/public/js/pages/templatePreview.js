// The template editor's side panels: the live preview, the list of compile problems, a test send and the versions.
import { get, post } from '../api.js';
import { badge, clear, fmt, h, hiddenText, problem } from '../ui.js';

const SAMPLE = { first_name: 'Ada', email: 'ada@example.com' };
const PREVIEW_DELAY_MS = 400;
const enc = encodeURIComponent;
/** Whose data the previews use, kept while the tab lives so a save or restore does not reset it. */
const previewChoice = { as: 'sample', sample: JSON.stringify(SAMPLE, null, 2), contact: '' };

/** A frame that shows an email: sandboxed with no allowances, so no script in an email runs. */
function previewFrame(id, width, label) {
  return h(
    'figure',
    { class: 'preview-frame' },
    h('figcaption', { class: 'muted small', text: label }),
    h('iframe', {
      id,
      sandbox: '',
      referrerpolicy: 'no-referrer',
      title: label,
      width,
      style: { width: `${width}px` },
    }),
  );
}

/** Problems of a preview answer: compile errors first, then warnings. */
const answerProblems = (res) => [
  ...(res.errors || []).map((p) => ({ ...p, level: 'error' })),
  ...(res.warnings || []).map((p) => ({ ...p, level: 'warning' })),
];

/** Problems of a refused preview request: the 400's list, or the failure itself. */
const refusalProblems = (err) => {
  const listed = err?.body?.problems;
  return listed?.length
    ? listed.map((p) => ({ ...p, level: 'error' }))
    : [{ path: '', message: err.message, level: 'error' }];
};

/**
 * The live preview of the unsaved draft: subject, desktop (600 px) and phone (375 px) frames and the text part,
 * rendered with sample variables or a contact's. `ask(as)` answers a preview, or `{ skip }` saying why there is none;
 * `onProblems` gets its errors and warnings. Returns the panel, `schedule()` to re-render after a pause in typing,
 * and `previewAs()` (whose data fills the preview), which a test send reuses.
 */
export function previewPanel(ask, onProblems) {
  const as = h(
    'select',
    { id: 'preview-as', onchange: () => (toggle(), schedule()) },
    h('option', { value: 'sample', text: 'Sample variables' }),
    h('option', { value: 'contact', text: 'A contact' }),
  );
  const sample = h('textarea', {
    id: 'preview-variables',
    rows: 4,
    spellcheck: 'false',
    'aria-label': 'Sample variables, as JSON',
    oninput: () => schedule(),
  });
  const contact = h('input', {
    id: 'preview-contact',
    placeholder: 'contact id',
    'aria-label': 'Contact id',
    oninput: () => schedule(),
  });
  as.value = previewChoice.as;
  sample.value = previewChoice.sample;
  contact.value = previewChoice.contact;
  const subject = h('p', { id: 'preview-subject', class: 'preview-subject' });
  const desktop = previewFrame('preview-desktop', 600, 'Desktop, 600 px');
  const phone = previewFrame('preview-phone', 375, 'Phone, 375 px');
  const textPart = h('pre', { id: 'preview-text', class: 'preview-text' });
  const state = h('p', { class: 'muted small', id: 'preview-state' });
  const toggle = () => {
    sample.hidden = as.value !== 'sample';
    contact.hidden = as.value !== 'contact';
  };
  toggle();
  /** Whose data fills the preview and a test send: `{ variables }` or `{ contactId }`; throws on bad JSON. */
  const previewAs = () => {
    Object.assign(previewChoice, { as: as.value, sample: sample.value, contact: contact.value });
    if (as.value === 'contact') return contact.value.trim() ? { contactId: contact.value.trim() } : {};
    try {
      return { variables: JSON.parse(sample.value || '{}') };
    } catch {
      throw new Error('sample variables: not valid JSON');
    }
  };
  const show = (res) => {
    const broken = (res.errors || []).length > 0 && !res.html;
    // While a draft does not compile, the last preview that did stays up rather than a blank frame.
    if (!broken) {
      subject.textContent = res.subject ?? '';
      for (const f of [desktop, phone]) f.querySelector('iframe').srcdoc = res.html ?? '';
      textPart.textContent = res.text ?? '';
    }
    state.textContent = broken
      ? 'The draft does not compile: showing the last preview that did.'
      : `Rendered for locale ${res.locale}.`;
    onProblems(answerProblems(res));
  };
  let timer;
  let asked = 0;
  const run = async () => {
    const mine = ++asked;
    try {
      const res = await ask(previewAs());
      if (mine !== asked) return;
      if (!res.skip) return show(res);
      state.textContent = res.skip;
      onProblems([]);
    } catch (err) {
      if (mine === asked) onProblems(refusalProblems(err));
    }
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(run, PREVIEW_DELAY_MS);
  };
  const panel = h(
    'section',
    { class: 'panel template-preview', id: 'template-preview' },
    h('h2', { text: 'Preview' }),
    h('p', {
      class: 'small muted',
      text: 'The unsaved draft, filled with sample variables or with a real contact’s data. No script in an email runs here.',
    }),
    h('div', { class: 'row' }, h('label', {}, 'Preview as', as), sample, contact),
    subject,
    // The frames are wider than the panel: the box scrolls, and takes the focus so a keyboard can scroll it too.
    h(
      'div',
      { class: 'preview-frames', tabindex: 0, role: 'group', 'aria-label': 'Desktop and phone previews' },
      desktop,
      phone,
    ),
    h('details', {}, h('summary', { text: 'Text part' }), textPart),
    state,
  );
  return { panel, schedule, previewAs };
}

/** Where a problem is: a button that moves the body's cursor to its line, or the path and line as text. */
function problemPlace(p, code) {
  const where = p.line ? `${p.line}:${p.column ?? 1}` : '';
  const inBody = p.line && (!p.path || /body$/.test(p.path));
  if (inBody) {
    return h('button', {
      type: 'button',
      class: 'link-button',
      text: where,
      'aria-label': `${where}: move the cursor to line ${p.line} of the body`,
      onclick: () => code.goTo(p.line, p.column),
    });
  }
  if (where) return h('span', { text: `${p.path} ${where}` });
  return p.path ? h('span', { text: p.path }) : null;
}

/** Compile errors and warnings into `box`; one with a line in the body moves the editor's cursor there when clicked. */
export function showProblems(box, list, code) {
  clear(
    box,
    list.map((p) =>
      h(
        'li',
        { class: `problem ${p.level}`, dataset: { line: p.line, column: p.column, path: p.path } },
        badge(p.level, p.level === 'error' ? 'bad' : 'warn'),
        ' ',
        problemPlace(p, code),
        ` ${p.message}`,
      ),
    ),
  );
}

/** A form that sends a copy of the saved version to one address, marked [Test] and never counted. */
export function testSend(key, previewAs) {
  const email = h('input', {
    type: 'email',
    id: 'test-email',
    name: 'email',
    required: true,
    placeholder: 'me@example.com',
    'aria-label': 'Email address',
  });
  const result = h('p', { id: 'test-result', role: 'status' });
  const send = async (e) => {
    e.preventDefault();
    result.textContent = 'Sending…';
    try {
      const r = await post(`/v1/templates/${enc(key)}/test`, { email: email.value, ...previewAs() });
      result.textContent = `Test ${r.status}${r.reason ? ` (${r.reason})` : ''} to ${email.value}, from the saved version.`;
    } catch (err) {
      const problems = err?.body?.problems;
      result.textContent = problems?.length ? problems.map((p) => `${p.path}: ${p.message}`).join('; ') : err.message;
    }
  };
  return h(
    'form',
    { class: 'panel', id: 'template-test', onsubmit: send },
    h('h2', { text: 'Send a test' }),
    h('p', { class: 'small muted', text: 'One copy of the saved version, marked [Test] and not counted anywhere.' }),
    h('div', { class: 'row' }, email, h('button', { type: 'submit', id: 'test-send', text: 'Send a test' })),
    result,
  );
}

/**
 * The versions into `box`, newest first; a writer can restore an older one, which saves it again as the newest and
 * then calls `restored(message)` so the page can reload and say so.
 */
export async function history(box, key, writer, restored) {
  let versions;
  try {
    versions = (await get(`/v1/templates/${enc(key)}/versions`)).versions;
  } catch (err) {
    return box.append(problem(err, 'The versions'));
  }
  const restore = async (v, status) => {
    try {
      const r = await post(`/v1/templates/${enc(key)}/versions/${v}/restore`);
      await restored(`Restored version ${v} as version ${r.version}.`);
    } catch (err) {
      status.textContent = err.message;
    }
  };
  const head = ['Version', 'Source', 'By', 'When'].map((t) => h('th', { text: t }));
  head.push(h('th', {}, hiddenText('Restore')));
  const rows = [...versions].sort((a, b) => b.version - a.version).map((v) => versionRow(v, writer, restore));
  box.append(h('table', { id: 'template-versions' }, h('thead', {}, h('tr', {}, head)), h('tbody', {}, rows)));
}

/** One version's row: the current one is marked, an older one has a Restore button for a writer. */
function versionRow(v, writer, restore) {
  const status = h('span', { class: 'small', role: 'alert' });
  const action = v.current
    ? badge('current', 'ok')
    : writer
      ? h('button', {
          type: 'button',
          class: 'restore',
          text: 'Restore',
          'aria-label': `Restore version ${v.version}`,
          onclick: () => restore(v.version, status),
        })
      : null;
  return h(
    'tr',
    { dataset: { version: v.version } },
    h('td', { text: String(v.version) }),
    h('td', { text: `${fmt.label(v.source)}${v.restoredFrom ? ` of version ${v.restoredFrom}` : ''}` }),
    h('td', { text: v.createdBy ?? '–' }),
    h('td', { text: fmt.date(v.createdAt) }),
    h('td', {}, action, status),
  );
}
