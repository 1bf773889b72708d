// The editor of one template: its settings, senders and per-locale content, saved as a new version.
import { api, get, post } from '../api.js';
import { badge, clear, docsLink, h, holds, pageHead, problem, rolesText } from '../ui.js';
import { codeEditor, variablePicker } from './templateCode.js';
import { history, previewPanel, showProblems, testSend } from './templatePreview.js';
import { loadSenders, senderField } from './templateSenders.js';

const WRITERS = ['marketer', 'operator'];
const KINDS = ['email', 'layout', 'partial'];
const FORMATS = ['mjml', 'html', 'text', 'json'];
/** Formats of messages on other channels (text: SMS and push; json: webhooks and push): no layout, no text part. */
const CHANNEL_FORMATS = ['text', 'json'];
/** The fields a 400's problem can name; anything else is listed above the Save button. */
const FIELDS = ['key', 'name', 'kind', 'format', 'layout', 'locale', 'subject', 'body', 'text', 'transactional'];
const SENDER_FIELDS = ['from', 'replyTo'];
const enc = encodeURIComponent;
/** Said once on the next render of the editor (after a save or restore re-renders it). */
let notice = '';

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
  CHANNEL_FORMATS.includes(format)
    ? 'none'
    : format === 'mjml'
      ? 'mjml_base; none for a full <mjml> document'
      : transactional
        ? 'internal'
        : 'base';

/** What the editor needs besides the template: layouts, variables and senders; each degrades to none alone. */
const loadChoices = () =>
  Promise.all([
    get('/v1/templates?kind=layout').then(
      (b) => b.templates,
      () => [],
    ),
    get('/v1/templates/variables').then(
      (b) => b.variables,
      () => [],
    ),
    loadSenders(),
  ]);

/**
 * The editor of one template (key) or a new one (null) into `el`; read-only for a role that may not write. A save
 * sends the settings, the senders and the shown locale's content, then shows the new version.
 */
export async function editor(el, ctx, key) {
  const writer = holds(ctx, WRITERS);
  let template, layouts, variables, senders;
  try {
    [template, [layouts, variables, senders]] = await Promise.all([
      key ? get(`/v1/templates/${enc(key)}`) : null,
      loadChoices(),
    ]);
  } catch (err) {
    return clear(el, backLink(), h('h1', { text: key }), problem(err, `The template ${key}`));
  }
  const said = notice;
  notice = '';
  const reload = async (message) => {
    notice = message;
    await editor(el, ctx, key);
  };
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
      onchange: () => (fillLayouts(), showFormat(), schedule()),
    },
  );
  const transactional = input('transactional', {
    type: 'checkbox',
    checked: !!t.transactional,
    onchange: () => (fillLayouts(), schedule()),
  });
  const layout = h('select', { name: 'layout', disabled: locked, onchange: schedule });
  const localeSelect = h('select', { name: 'locale', onchange: () => switchLocale(localeSelect.value) });
  const newLocale = h('input', {
    name: 'new-locale',
    placeholder: 'e.g. de-DE',
    size: 8,
    disabled: locked,
    'aria-label': 'New locale',
  });
  const subject = input('subject', { placeholder: 'Welcome, {{first_name}}' });
  const text = h('textarea', { name: 'text', rows: 6, disabled: locked, oninput: schedule });
  const from = senderField({
    name: 'from',
    label: 'From',
    allowed: senders.from,
    defaultLabel: senders.default || 'the default sender',
    value: t.from,
    locked,
  });
  const replyTo = senderField({
    name: 'replyTo',
    label: 'Reply-to',
    allowed: senders.replyTo,
    defaultLabel: 'replies go to the sender',
    value: t.replyTo,
    locked,
  });
  const bodyBox = h('div', { id: 'template-body', class: 'code-editor' });
  const problems = h('ul', { id: 'template-problems', class: 'problems', 'aria-live': 'polite' });
  const status = h('p', { id: 'template-status', role: 'status', text: said });
  const emailOnly = h('div', { class: 'email-only row' });
  const sendersRow = h('div', { class: 'email-only row senders' }, from.el, replyTo.el);
  const textField = field('Text part (optional: made from the HTML when empty)', text, 'text');

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
    sendersRow.hidden = kind.value !== 'email' || channel();
    schedule();
  }
  /** A text or json template has no text part besides its body, and no sender. */
  function showFormat() {
    textField.hidden = channel();
    sendersRow.hidden = kind.value !== 'email' || channel();
  }
  const channel = () => CHANNEL_FORMATS.includes(format.value);
  const textValue = () => (channel() ? null : text.value || null);
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
  /** The senders a save sends, or the problems of a typed one that is not complete (reported without saving). */
  const senderSettings = () => {
    const read = { from: from.read(), replyTo: replyTo.read() };
    const problems = SENDER_FIELDS.filter((f) => read[f].problem).map((f) => ({ path: f, message: read[f].problem }));
    if (problems.length) throw Object.assign(new Error('not saved'), { body: { problems } });
    return { from: read.from.value, replyTo: read.replyTo.value };
  };
  /** What a save sends: the settings and this locale's content (key, kind and format only when creating). */
  const saveBody = () => ({
    ...(key ? {} : { key: keyInput.value.trim(), kind: kind.value, format: format.value }),
    name: nameInput.value.trim(),
    locale,
    body: bodyNow(),
    text: textValue(),
    ...(kind.value === 'email' ? { ...emailSettings(), ...(channel() ? {} : senderSettings()) } : {}),
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
    const draft = { format: format.value, locale, body: bodyNow(), text: textValue(), ...settings };
    return post('/v1/templates/preview', { ...draft, subject: written || (channel() ? '' : '(no subject)'), ...as });
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
    sendersRow,
    h('div', { class: 'field-label', id: 'template-body-label', text: 'Body' }),
    bodyBox,
    h('span', { class: 'field-problem', role: 'alert', dataset: { problemFor: 'body' } }),
    problems,
    variablePicker(variables, locked, (name) => code.insert(`{{${name}}}`)),
    textField,
    h('ul', { id: 'template-form-problems', class: 'problems' }),
    locked
      ? h('p', { class: 'muted', text: `Read-only for you: your roles are ${rolesText(ctx)}.` })
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
      const message = `Saved version ${saved.version}.${saved.warnings?.length ? ` ${saved.warnings.length} warning(s).` : ''}`;
      if (key) return await reload(message);
      notice = message;
      location.hash = `#/templates/${enc(saved.key)}`;
    } catch (err) {
      status.textContent = showFieldProblems(form, err, code);
    }
  }

  clear(
    el,
    backLink(),
    heading(key, t, writer),
    key ? usedBy(template) : null,
    h('div', { class: 'template-editor' }, form, previews.panel),
    key && writer && !CHANNEL_FORMATS.includes(t.format) ? testSend(key, previews.previewAs) : null,
    key ? h('section', { class: 'panel', id: 'template-history' }, h('h2', { text: 'Versions' })) : null,
  );
  code = await codeEditor(bodyBox, drafts[locale]?.body || '', { readOnly: locked, onChange: schedule });
  load();
  showKind();
  showFormat();
  if (key) await history(el.querySelector('#template-history'), key, writer, reload);
}

const backLink = () => h('p', {}, h('a', { href: '#/templates', text: '← Templates' }));

/** The page's title: the template's name and key with its version, or "New template"; and what the page does. */
function heading(key, t, writer) {
  const version = key
    ? h(
        'span',
        {},
        h('span', { id: 'template-version', dataset: { version: t.version }, text: `version ${t.version}` }),
        ' ',
        t.builtIn ? badge('built-in', 'built-in') : null,
      )
    : null;
  const help = writer
    ? [
        'Write the body in MJML or HTML (an email), text (an SMS or push) or JSON (a webhook or push) with variables such as {{first_name}}; the previews follow as you type, and Save publishes a new version. ',
        docsLink('Templates in the API reference'),
      ]
    : 'Read-only: the saved version, its previews and its history.';
  return pageHead(key ? `${t.name || key} (${key})` : 'New template', help, version);
}

function usedBy(template) {
  const u = template.usedBy || {};
  const names = [
    ...(u.sequences || []).map((s) => `sequence ${s}`),
    ...(u.broadcasts || []).map((b) => `broadcast ${b}`),
  ];
  return h('p', { class: 'muted small', text: names.length ? `Used by ${names.join(', ')}.` : 'Not used yet.' });
}

function clearFieldProblems(form) {
  for (const s of form.querySelectorAll('.field-problem')) s.textContent = '';
  clear(form.querySelector('#template-form-problems'));
}

/** A 400's problems next to the fields they name (the rest in a list); returns the line for the status. */
function showFieldProblems(form, err, code) {
  const problems = err?.body?.problems;
  if (!problems?.length) return err?.message ?? String(err);
  const named = [...FIELDS, ...SENDER_FIELDS];
  const rest = [];
  for (const p of problems) {
    const name = [...String(p.path).split('.')].reverse().find((s) => named.includes(s));
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
