// Small DOM helpers: elements are built with textContent, never innerHTML, so no data can become markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const nf = new Intl.NumberFormat('en-US');
export const fmt = {
  number: (n) => (n === null || n === undefined ? '–' : nf.format(Math.round(n))),
  compact: (n) =>
    n === null || n === undefined
      ? '–'
      : new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(n),
  pct: (v, digits = 1) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(digits)}%`),
  times: (v) => (v === null || v === undefined ? '–' : `${Number(v).toFixed(2)}x`),
  money: (n, currency) =>
    n === null || n === undefined
      ? '–'
      : `${new Intl.NumberFormat('en-US', { maximumFractionDigits: Math.abs(n) >= 100 ? 0 : 2 }).format(n)}${currency ? ` ${currency}` : ''}`,
  ago(date) {
    if (!date) return '–';
    const s = Math.max(0, (Date.now() - new Date(date).getTime()) / 1000);
    if (s < 60) return 'just now';
    if (s < 3600) return `${Math.floor(s / 60)} min ago`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
    return `${Math.floor(s / 86400)} d ago`;
  },
  date: (d) => (d ? new Date(d).toLocaleString() : '–'),
  label: (s) => String(s ?? '').replace(/_/g, ' '),
};

export function metric(label, value, hint) {
  return h(
    'div',
    { class: 'metric' },
    h('div', { class: 'label', text: label }),
    h('div', { class: 'value', text: value }),
    hint ? h('div', { class: 'hint', text: hint }) : null,
  );
}

export function badge(text, kind = text) {
  return h('span', { class: `badge ${kind}`, text: fmt.label(text) });
}

/** What a page shows when an endpoint it needs is not on this server, or failed. */
export function problem(err, what) {
  if (err && err.missing) {
    return h(
      'div',
      { class: 'notice' },
      h('strong', { text: `${what} is not available on this server yet. ` }),
      h('span', { class: 'muted', text: `(${err.method} ${err.path.split('?')[0]} is not there.)` }),
    );
  }
  if (err && err.status === 403) return h('div', { class: 'notice', text: err.message });
  return h('div', { class: 'error-box' }, h('strong', { text: `${what}: ` }), err ? err.message : 'failed');
}

/** A 400's problems, path by path, or the error's message. */
export function explain(err) {
  const problems = err?.body?.problems;
  return problems?.length ? problems.map((p) => `${p.path}: ${p.message}`).join('; ') : String(err?.message ?? err);
}

/** A link to the API reference, which opens beside the dashboard rather than in its place. */
export function docsLink(text = 'API reference') {
  return h('a', { href: '/docs', target: '_blank', rel: 'noopener', text });
}

/**
 * A page's heading, the buttons beside it, and one line under it saying what the page is for. `help` is a string or
 * a list of strings and elements (a link to the docs, say).
 */
export function pageHead(title, help, ...actions) {
  return h(
    'div',
    { class: 'page-head' },
    h('div', { class: 'spread' }, h('h1', { text: title }), ...actions),
    help ? h('p', { class: 'page-help' }, help) : null,
  );
}

/** What an empty list says: what to do next in a sentence, and the buttons or links that do it. */
export function emptyState(id, text, ...actions) {
  const doing = actions.flat().filter(Boolean);
  return h(
    'div',
    { class: 'panel empty-state', id },
    h('p', { text }),
    doing.length ? h('div', { class: 'row' }, doing) : null,
  );
}

/**
 * A button that asks once more before it acts (the second press acts), and says on itself when the act failed.
 * `act` may return a promise; the button is disabled while it runs.
 */
export function confirmButton(attrs, label, ask, act) {
  const button = h('button', { type: 'button', ...attrs, text: label });
  button.addEventListener('click', async () => {
    if (button.dataset.armed !== 'yes') {
      button.dataset.armed = 'yes';
      button.textContent = ask;
      return;
    }
    button.disabled = true;
    try {
      await act();
      button.dataset.armed = '';
      button.textContent = label;
    } catch (err) {
      button.dataset.armed = '';
      button.textContent = `${label} (${err.message})`;
    }
    button.disabled = false;
  });
  return button;
}

/**
 * A button that opens the file chooser (the file input itself stays hidden: a button is easier to reach and read);
 * `onFile(file)` gets the chosen file, and the input is emptied after so the same file can be chosen again.
 */
export function filePicker({ id, label, accept, name }, onFile) {
  const file = h('input', { type: 'file', accept, hidden: true, 'aria-label': name, id: id && `${id}-file` });
  file.addEventListener('change', async () => {
    if (file.files[0]) await onFile(file.files[0]);
    file.value = '';
  });
  const button = h('button', { type: 'button', id, text: label, onclick: () => file.click() });
  return { button, file };
}

/** Text for screen readers only: a table's unnamed column, say. */
export const hiddenText = (text) => h('span', { class: 'visually-hidden', text });

export function temporalLink(meta, workflowId, text = 'Open in Temporal UI') {
  if (!meta || !meta.temporalUiUrl || !workflowId) return null;
  const href = `${meta.temporalUiUrl}/namespaces/${encodeURIComponent(meta.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return h('a', { href, target: '_blank', rel: 'noopener', class: 'small', text, 'data-temporal': workflowId });
}

/** A Chart.js chart in a fixed-height box; the previous chart on the same canvas is destroyed first. */
export function chart(box, config) {
  const canvas = h('canvas', { role: 'img', 'aria-label': config.label || 'chart' });
  clear(box, canvas);
  if (!window.Chart) {
    clear(box, h('p', { class: 'muted', text: 'Charts are not available (Chart.js did not load).' }));
    return null;
  }
  return new window.Chart(canvas, {
    ...config,
    options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options },
  });
}

export function initials(name) {
  return String(name || '?')
    .split(/\s+/)
    .map((w) => w[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();
}

/** Whether the signed-in person holds any of these roles (a person may hold several). */
export const holds = (ctx, roles) => ((ctx && ctx.roles) || []).some((r) => roles.includes(r));

/** The person's roles in words, e.g. "marketer and chairman". */
export function rolesText(ctx) {
  const roles = (ctx && ctx.roles) || [];
  return roles.length > 1 ? `${roles.slice(0, -1).join(', ')} and ${roles[roles.length - 1]}` : roles[0] || 'none';
}
