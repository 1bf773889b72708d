import { api, get, post } from '../api.js';
import { badge, clear, fmt, h, problem } from '../ui.js';

const WRITERS = ['marketer', 'operator'];
const KINDS = ['email', 'layout', 'partial'];
const FORMATS = ['mjml', 'html'];
/** The fields a 400's problem can name; anything else is listed above the Save button. */
const FIELDS = ['key', 'name', 'kind', 'format', 'layout', 'locale', 'subject', 'body', 'text', 'transactional'];
const SAMPLE = { first_name: 'Ada', email: 'ada@example.com' };
const PREVIEW_DELAY_MS = 400;
const NEW = 'new';
const enc = encodeURIComponent;
/** Whose data the previews use, kept while the tab lives so a save or restore does not reset it. */
const previewChoice = { as: 'sample', sample: JSON.stringify(SAMPLE, null, 2), contact: '' };
/** Said once on the next render of the editor (after a save or restore re-renders it). */
let notice = '';

/** Templates: the list with a filter by kind, and an editor with live desktop and phone previews. */
export async function render(el, ctx, [key] = []) {
  if (key) return editor(el, ctx, key === NEW ? null : key);
  const writer = WRITERS.includes(ctx?.meta?.role);
  const table = h('div', { id: 'templates-list' });
  const kind = h(
    'select',
    { id: 'template-kind', onchange: () => listTable(table, kind.value) },
    h('option', { value: '', text: 'All kinds' }),
    KINDS.map((k) => h('option', { value: k, text: k })),
  );
  clear(
    el,
    h(
      'div',
      { class: 'spread' },
      h('h1', { text: 'Templates' }),
      writer
        ? h('button', {
            type: 'button',
            class: 'primary',
            id: 'new-template',
            text: 'New template',
            onclick: () => (location.hash = `#/templates/${NEW}`),
          })
        : null,
    ),
    h('div', { class: 'row' }, h('label', {}, 'Kind', kind)),
    table,
  );
  await listTable(table, '');
}

async function listTable(box, kind) {
  let templates;
  try {
    templates = (await get(`/v1/templates${kind ? `?kind=${enc(kind)}` : ''}`)).templates;
  } catch (err) {
    return clear(box, problem(err, 'The templates'));
  }
  const head = ['Key', 'Name', 'Kind', 'Format', 'Version', 'Locales', ''].map((t) => h('th', { text: t }));
  clear(
    box,
    templates.length === 0
      ? h('p', { class: 'panel muted', text: 'No template of this kind.' })
      : h(
          'table',
          { id: 'templates' },
          h('thead', {}, h('tr', {}, head)),
          h(
            'tbody',
            {},
            templates.map((t) =>
              h(
                'tr',
                { dataset: { key: t.key } },
                h('td', {}, h('a', { href: `#/templates/${enc(t.key)}`, text: t.key })),
                h('td', { text: t.name }),
                h('td', { text: t.kind }),
                h('td', { text: t.format }),
                h('td', { class: 'version', text: String(t.version) }),
                h('td', { text: (t.locales || []).join(', ') }),
                h('td', {}, t.builtIn ? badge('built-in', 'built-in') : null),
              ),
            ),
          ),
        ),
  );
}

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

/** The body's editor: Ace, or a plain textarea when Ace cannot load; the page sees the same few methods. */
async function codeEditor(box, value, { readOnly, onChange }) {
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
    return {
      value: () => editor.getValue(),
      setValue: (v) => editor.setValue(v, -1),
      goTo: (line, column) => (editor.gotoLine(line, Math.max(0, (column || 1) - 1), false), editor.focus()),
      insert: (text) => (editor.insert(text), editor.focus()),
    };
  } catch {
    const area = h('textarea', { name: 'body', rows: 18, readonly: readOnly, oninput: onChange });
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

/** A labelled input with a place under it for the problems a save reports on that field. */
function field(label, input, name, attrs = {}) {
  return h(
    'label',
    { dataset: { field: name }, ...attrs },
    label,
    input,
    h('span', { class: 'field-problem', role: 'alert', dataset: { problemFor: name } }),
  );
}

/** The layout a new email gets when it names none, as the label of the select's first choice says it. */
const defaultLayout = (format, transactional) =>
  format === 'mjml' ? 'mjml_base; none for a full <mjml> document' : transactional ? 'internal' : 'base';

/** The editor of one template (key) or a new one (null); read-only for a role that may not write. */
async function editor(el, ctx, key) {
  const writer = WRITERS.includes(ctx?.meta?.role);
  let template, layouts, variables;
  try {
    [template, layouts, variables] = await Promise.all([
      key ? get(`/v1/templates/${enc(key)}`) : null,
      get('/v1/templates?kind=layout').then(
        (b) => b.templates,
        () => [],
      ),
      get('/v1/templates/variables').then(
        (b) => b.variables,
        () => [],
      ),
    ]);
  } catch (err) {
    return clear(el, backLink(), h('h1', { text: key }), problem(err, `The template ${key}`));
  }
  const said = notice;
  notice = '';
  const t = template || { kind: 'email', format: 'mjml', layout: undefined, transactional: false, name: '' };
  const drafts = structuredClone(template?.content || { en: { subject: '', body: '', text: null } });
  let locale = template?.defaultLocale || Object.keys(drafts)[0];
  const locked = !writer;
  /** The body's editor, once Ace (or the fallback) is ready. */
  let code = null;
  const input = (name, attrs = {}) => h('input', { name, disabled: locked, oninput: schedule, ...attrs });
  const select = (name, options, value, attrs = {}) =>
    h(
      'select',
      { name, disabled: locked, onchange: schedule, ...attrs },
      options.map(([v, text]) => h('option', { value: v, text, selected: v === value })),
    );

  const keyInput = input('key', { required: true, placeholder: 'e.g. spring_launch' });
  const nameInput = input('name', { required: true, value: t.name });
  const kind = select(
    'kind',
    KINDS.map((k) => [k, k]),
    t.kind,
    { disabled: locked || !!key, onchange: showKind },
  );
  const format = select(
    'format',
    FORMATS.map((f) => [f, f]),
    t.format,
    {
      disabled: locked || !!key,
      onchange: () => (fillLayouts(), schedule()),
    },
  );
  const transactional = input('transactional', {
    type: 'checkbox',
    checked: !!t.transactional,
    onchange: () => (fillLayouts(), schedule()),
  });
  const layout = h('select', { name: 'layout', disabled: locked, onchange: schedule });
  const localeSelect = h('select', { name: 'locale', onchange: () => switchLocale(localeSelect.value) });
  const newLocale = h('input', { name: 'new-locale', placeholder: 'e.g. de-DE', size: 8, disabled: locked });
  const subject = input('subject', { placeholder: 'Welcome, {{first_name}}' });
  const text = h('textarea', { name: 'text', rows: 6, disabled: locked, oninput: schedule });
  const bodyBox = h('div', { id: 'template-body', class: 'code-editor' });
  const problems = h('ul', { id: 'template-problems', class: 'problems', 'aria-live': 'polite' });
  const status = h('p', { id: 'template-status', role: 'status', text: said });
  const emailOnly = h('div', { class: 'email-only row' });

  function fillLayouts() {
    const current = layout.value || (key ? (t.layout ?? 'none') : '');
    const keys = layouts.filter((l) => l.format === format.value).map((l) => l.key);
    if (key && t.layout && !keys.includes(t.layout)) keys.push(t.layout);
    const options = [
      ...(key ? [] : [['', `Default (${defaultLayout(format.value, transactional.checked)})`]]),
      ['none', 'None'],
      ...keys.map((k) => [k, k]),
    ];
    clear(
      layout,
      options.map(([v, label]) => h('option', { value: v, text: label, selected: v === current })),
    );
  }
  function fillLocales() {
    clear(
      localeSelect,
      Object.keys(drafts).map((l) => h('option', { value: l, text: l, selected: l === locale })),
    );
  }
  function load() {
    const c = drafts[locale] || { subject: '', body: '', text: null };
    subject.value = c.subject || '';
    text.value = c.text || '';
    code?.setValue(c.body || '');
  }
  function stash() {
    drafts[locale] = { subject: subject.value, body: bodyNow(), text: text.value || null };
  }
  function switchLocale(next) {
    stash();
    drafts[next] ??= { ...drafts[locale] };
    locale = next;
    fillLocales();
    load();
    schedule();
  }
  function showKind() {
    emailOnly.hidden = kind.value !== 'email';
    schedule();
  }
  const bodyNow = () => (code ? code.value() : (drafts[locale]?.body ?? ''));
  const layoutValue = () => (layout.value === '' ? undefined : layout.value === 'none' ? null : layout.value);
  const emailSettings = () => {
    const chosen = layoutValue();
    return {
      subject: subject.value,
      transactional: transactional.checked,
      ...(chosen === undefined ? {} : { layout: chosen }),
    };
  };
  /** What a save sends: the settings and this locale's content (key, kind and format only when creating). */
  const saveBody = () => ({
    ...(key ? {} : { key: keyInput.value.trim(), kind: kind.value, format: format.value }),
    name: nameInput.value.trim(),
    locale,
    body: bodyNow(),
    text: text.value || null,
    ...(kind.value === 'email' ? emailSettings() : {}),
  });
  /** What the preview shows: the unsaved draft to a writer, the saved version to a reader (who cannot change it). */
  const ask = (as) => {
    if (kind.value !== 'email') return { skip: 'Previews show email templates; a layout or partial shows inside one.' };
    if (!writer) {
      if (!key) return { skip: 'Nothing saved to show.' };
      return post(`/v1/templates/${enc(key)}/preview`, { locale, ...as }).then((r) => ({ ...r, warnings: t.warnings }));
    }
    if (!bodyNow().trim()) return { skip: 'Write a body to see the preview.' };
    const { subject: written, ...settings } = emailSettings();
    const draft = { format: format.value, locale, body: bodyNow(), text: text.value || null, ...settings };
    return post('/v1/templates/preview', { ...draft, subject: written || '(no subject)', ...as });
  };

  const previews = previewPanel(ask, (list) => showProblems(problems, list, code));
  function schedule() {
    previews.schedule();
  }

  fillLayouts();
  fillLocales();
  clear(
    emailOnly,
    field('Layout', layout, 'layout'),
    field('Subject', subject, 'subject', { class: 'grow' }),
    h('label', { class: 'check' }, transactional, 'Transactional (no unsubscribe needed)'),
  );
  const form = h(
    'form',
    { id: 'template-form', class: 'panel', onsubmit: (e) => e.preventDefault() },
    h(
      'div',
      { class: 'row' },
      key ? null : field('Key', keyInput, 'key'),
      field('Name', nameInput, 'name', { class: 'grow' }),
      field('Kind', kind, 'kind'),
      field('Format', format, 'format'),
    ),
    h(
      'div',
      { class: 'row' },
      field('Locale', localeSelect, 'locale'),
      locked
        ? null
        : h(
            'div',
            { class: 'row add-locale' },
            newLocale,
            h('button', { type: 'button', text: 'Add locale', onclick: addLocale }),
          ),
    ),
    emailOnly,
    h('div', { class: 'field-label', text: 'Body' }),
    bodyBox,
    h('span', { class: 'field-problem', role: 'alert', dataset: { problemFor: 'body' } }),
    problems,
    variablePicker(variables, locked, (name) => code.insert(`{{${name}}}`)),
    field('Text part (optional: made from the HTML when empty)', text, 'text'),
    h('ul', { id: 'template-form-problems', class: 'problems' }),
    locked
      ? h('p', { class: 'muted', text: `Read-only: your key has the ${ctx?.meta?.role ?? 'unknown'} role.` })
      : h('button', { type: 'button', class: 'primary', id: 'template-save', text: 'Save', onclick: save }),
    status,
  );
  function addLocale() {
    const next = newLocale.value.trim();
    if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(next)) {
      status.textContent = 'locale: a BCP 47 tag such as de or de-DE';
      return;
    }
    newLocale.value = '';
    switchLocale(next);
  }
  async function save() {
    stash();
    clearFieldProblems(form);
    status.textContent = 'Saving…';
    try {
      const saved = (await api(key ? 'PUT' : 'POST', `/v1/templates${key ? `/${enc(key)}` : ''}`, saveBody())).body;
      notice = `Saved version ${saved.version}.${saved.warnings?.length ? ` ${saved.warnings.length} warning(s).` : ''}`;
      if (key) await editor(el, ctx, key);
      else location.hash = `#/templates/${enc(saved.key)}`;
    } catch (err) {
      status.textContent = showFieldProblems(form, err, code);
    }
  }

  clear(
    el,
    backLink(),
    h(
      'div',
      { class: 'spread' },
      h('h1', { text: key ? `${t.name || key} (${key})` : 'New template' }),
      key
        ? h(
            'span',
            {},
            h('span', { id: 'template-version', dataset: { version: t.version }, text: `version ${t.version}` }),
            ' ',
            t.builtIn ? badge('built-in', 'built-in') : null,
          )
        : null,
    ),
    key ? usedBy(template) : null,
    h('div', { class: 'template-editor' }, form, previews.panel),
    key && writer ? testSend(key, previews.previewAs) : null,
    key ? h('section', { class: 'panel', id: 'template-history' }, h('h2', { text: 'Versions' })) : null,
  );
  code = await codeEditor(bodyBox, drafts[locale]?.body || '', { readOnly: locked, onChange: schedule });
  load();
  showKind();
  if (key) await history(el.querySelector('#template-history'), key, writer, () => editor(el, ctx, key));
}

const backLink = () => h('p', {}, h('a', { href: '#/templates', text: '← Templates' }));

function usedBy(template) {
  const u = template.usedBy || {};
  const names = [
    ...(u.sequences || []).map((s) => `sequence ${s}`),
    ...(u.broadcasts || []).map((b) => `broadcast ${b}`),
  ];
  return h('p', { class: 'muted small', text: names.length ? `Used by ${names.join(', ')}.` : 'Not used yet.' });
}

/** Variables a template may use; a click writes `{{name}}` where the cursor is. */
function variablePicker(variables, locked, insert) {
  if (!variables.length) return null;
  return h(
    'details',
    { id: 'template-variables', class: 'variables' },
    h('summary', { text: 'Insert a variable' }),
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

/**
 * The live preview of the unsaved draft: subject, desktop (600 px) and phone (375 px) frames and the text part,
 * rendered with sample variables or a contact's. Frames are sandboxed with no allowances: no script in an email runs.
 */
function previewPanel(ask, onProblems) {
  const as = h(
    'select',
    { id: 'preview-as', onchange: () => (toggle(), schedule()) },
    h('option', { value: 'sample', text: 'Sample variables' }),
    h('option', { value: 'contact', text: 'A contact' }),
  );
  const sample = h('textarea', { id: 'preview-variables', rows: 4, spellcheck: 'false', oninput: () => schedule() });
  const contact = h('input', { id: 'preview-contact', placeholder: 'contact id', oninput: () => schedule() });
  as.value = previewChoice.as;
  sample.value = previewChoice.sample;
  contact.value = previewChoice.contact;
  const subject = h('p', { id: 'preview-subject', class: 'preview-subject' });
  const frame = (id, width, label) =>
    h(
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
  const desktop = frame('preview-desktop', 600, 'Desktop, 600 px');
  const phone = frame('preview-phone', 375, 'Phone, 375 px');
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
  let timer;
  let asked = 0;
  const run = async () => {
    const mine = ++asked;
    try {
      const res = await ask(previewAs());
      if (mine !== asked) return;
      if (res.skip) {
        state.textContent = res.skip;
        return onProblems([]);
      }
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
      onProblems([
        ...(res.errors || []).map((p) => ({ ...p, level: 'error' })),
        ...(res.warnings || []).map((p) => ({ ...p, level: 'warning' })),
      ]);
    } catch (err) {
      if (mine !== asked) return;
      const listed = err?.body?.problems;
      onProblems(
        listed?.length
          ? listed.map((p) => ({ ...p, level: 'error' }))
          : [{ path: '', message: err.message, level: 'error' }],
      );
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
    h('div', { class: 'row' }, h('label', {}, 'Preview as', as), sample, contact),
    subject,
    h('div', { class: 'preview-frames' }, desktop, phone),
    h('details', {}, h('summary', { text: 'Text part' }), textPart),
    state,
  );
  return { panel, schedule, previewAs };
}

/** Compile errors and warnings; one with a line moves the editor's cursor there when clicked. */
function showProblems(box, list, code) {
  clear(
    box,
    list.map((p) => {
      const where = p.line ? `${p.line}:${p.column ?? 1}` : '';
      const inBody = p.line && (!p.path || /body$/.test(p.path));
      return h(
        'li',
        { class: `problem ${p.level}`, dataset: { line: p.line, column: p.column, path: p.path } },
        badge(p.level, p.level === 'error' ? 'bad' : 'warn'),
        ' ',
        inBody
          ? h('button', {
              type: 'button',
              class: 'link-button',
              text: where,
              onclick: () => code.goTo(p.line, p.column),
            })
          : where
            ? h('span', { text: `${p.path} ${where}` })
            : p.path
              ? h('span', { text: p.path })
              : null,
        ` ${p.message}`,
      );
    }),
  );
}

function clearFieldProblems(form) {
  for (const s of form.querySelectorAll('.field-problem')) s.textContent = '';
  clear(form.querySelector('#template-form-problems'));
}

/** A 400's problems next to the fields they name (the rest in a list); returns the line for the status. */
function showFieldProblems(form, err, code) {
  const problems = err?.body?.problems;
  if (!problems?.length) return err?.message ?? String(err);
  const rest = [];
  for (const p of problems) {
    const name = [...String(p.path).split('.')].reverse().find((s) => FIELDS.includes(s));
    const slot = name && form.querySelector(`[data-problem-for="${name}"]`);
    const where = p.line ? ` (line ${p.line}:${p.column ?? 1})` : '';
    if (slot) slot.textContent = `${slot.textContent ? `${slot.textContent} ` : ''}${p.message}${where}`;
    else rest.push(p);
  }
  showProblems(
    form.querySelector('#template-form-problems'),
    rest.map((p) => ({ ...p, level: 'error' })),
    code,
  );
  return `Not saved: ${problems.length} problem${problems.length === 1 ? '' : 's'}.`;
}

/** A copy of the saved version to one address, marked [Test] and never counted. */
function testSend(key, previewAs) {
  const email = h('input', {
    type: 'email',
    id: 'test-email',
    name: 'email',
    required: true,
    placeholder: 'me@example.com',
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
    h('div', { class: 'row' }, email, h('button', { type: 'submit', id: 'test-send', text: 'Send a test' })),
    result,
  );
}

/** The versions, newest first; an older one can be restored, which saves it again as the newest. */
async function history(box, key, writer, reload) {
  let versions;
  try {
    versions = (await get(`/v1/templates/${enc(key)}/versions`)).versions;
  } catch (err) {
    return box.append(problem(err, 'The versions'));
  }
  const restore = async (v, status) => {
    try {
      const r = await post(`/v1/templates/${enc(key)}/versions/${v}/restore`);
      notice = `Restored version ${v} as version ${r.version}.`;
      await reload();
    } catch (err) {
      status.textContent = err.message;
    }
  };
  const head = ['Version', 'Source', 'By', 'When', ''].map((t) => h('th', { text: t }));
  const rows = [...versions]
    .sort((a, b) => b.version - a.version)
    .map((v) => {
      const status = h('span', { class: 'small', role: 'alert' });
      return h(
        'tr',
        { dataset: { version: v.version } },
        h('td', { text: String(v.version) }),
        h('td', { text: `${fmt.label(v.source)}${v.restoredFrom ? ` of version ${v.restoredFrom}` : ''}` }),
        h('td', { text: v.createdBy ?? '–' }),
        h('td', { text: fmt.date(v.createdAt) }),
        h(
          'td',
          {},
          v.current
            ? badge('current', 'ok')
            : writer
              ? h('button', {
                  type: 'button',
                  class: 'restore',
                  text: 'Restore',
                  onclick: () => restore(v.version, status),
                })
              : null,
          status,
        ),
      );
    });
  box.append(h('table', { id: 'template-versions' }, h('thead', {}, h('tr', {}, head)), h('tbody', {}, rows)));
}
