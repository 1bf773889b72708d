// What the campaign pages share: who may do what (as the routes allow it), dates and times in words, labelled fields.
import { clear, h } from '../ui.js';

/** Roles of the routes that build: POST /v1/ventures, PATCH /v1/ventures/:id, POST /v1/campaigns, budget, resume. */
export const BUILDERS = ['marketer'];
/** Roles that may stop a campaign (pause, cancel): anyone who sees it misbehave, the chairman included. */
export const STOPPERS = ['marketer', 'operator', 'chairman'];

/** The states in which the run takes each request (domain/campaignLifecycle.ts); in any other it answers 409. */
const ALLOWED = {
  pause: ['active'],
  resume: ['paused'],
  cancel: ['planned', 'awaiting_approval', 'scheduled', 'active', 'paused'],
  budget: ['scheduled', 'active', 'paused'],
  reallocate: ['active', 'paused'],
};
const ROLES = { pause: STOPPERS, cancel: STOPPERS, resume: BUILDERS, budget: BUILDERS, reallocate: BUILDERS };

/** Every role the signed-in person holds (a request acts in the first one its route takes). */
const rolesOf = (ctx) => ctx.roles || [];
const holds = (ctx, allowed) => rolesOf(ctx).some((r) => allowed.includes(r));

/** Whether the signed-in person may ask for `action` of a campaign in `state`. */
export function may(ctx, action, state) {
  return holds(ctx, ROLES[action]) && ALLOWED[action].includes(state);
}

export const canBuild = (ctx) => holds(ctx, BUILDERS);

const DAY_MS = 86_400_000;
/** A YYYY-MM-DD day of today or `n` days on (UTC, as the campaign run counts days). */
export const isoDay = (n = 0) => new Date(Date.now() + n * DAY_MS).toISOString().slice(0, 10);

const long = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const short = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const asDate = (d) => new Date(`${d}T00:00:00Z`);

/** A day in words: "3 March 2026". */
export const dayWords = (d) => (d ? long.format(asDate(d)) : '–');
/** A day in a few letters, for a chart's axis: "3 Mar". */
export const dayShort = (d) => short.format(asDate(d));

/** Two days in words: "1 – 30 April 2027", "28 March – 4 April 2027", or "from 1 April 2027" without an end. */
export function rangeWords(from, to) {
  if (!to) return `from ${dayWords(from)}`;
  const [a, b] = [asDate(from), asDate(to)];
  if (from === to) return dayWords(from);
  if (a.getUTCFullYear() !== b.getUTCFullYear()) return `${dayWords(from)} – ${dayWords(to)}`;
  if (a.getUTCMonth() !== b.getUTCMonth()) {
    const head = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', timeZone: 'UTC' }).format(a);
    return `${head} – ${dayWords(to)}`;
  }
  return `${a.getUTCDate()} – ${dayWords(to)}`;
}

const plural = (n, unit) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** How long ago, in words: "just now", "5 minutes ago", "2 hours ago", "3 days ago". */
export function agoWords(date) {
  if (!date) return '–';
  const s = Math.max(0, (Date.now() - new Date(date).getTime()) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${plural(Math.floor(s / 60), 'minute')} ago`;
  if (s < 86400) return `${plural(Math.floor(s / 3600), 'hour')} ago`;
  return `${plural(Math.floor(s / 86400), 'day')} ago`;
}

/** An amount with its currency, cents shown when there are any: "1,200 EUR", "37.50 USD". */
export function money(n, currency) {
  if (n === null || n === undefined) return '–';
  const cents = Number.isInteger(n) ? 0 : 2;
  const amount = new Intl.NumberFormat('en-US', { minimumFractionDigits: cents, maximumFractionDigits: cents });
  return `${amount.format(n)}${currency ? ` ${currency}` : ''}`;
}

/**
 * A labelled field: the label names the control (for/id), the hint describes it (aria-describedby), and a
 * problem the API reports for it shows under it (`data-problem` names the body path it belongs to).
 */
export function field(label, control, hint, path = control.name) {
  const note = hint ? h('small', { class: 'hint', id: `${control.id}-hint`, text: hint }) : null;
  const problem = h('small', { class: 'field-error', id: `${control.id}-problem`, dataset: { problem: path } });
  control.setAttribute('aria-describedby', [note && note.id, problem.id].filter(Boolean).join(' '));
  return h('div', { class: 'field' }, h('label', { for: control.id, text: label }), control, note, problem);
}

/** A group of checkboxes or radios under a legend. */
export function fieldset(legend, hint, ...controls) {
  return h(
    'fieldset',
    { class: 'field' },
    h('legend', { text: legend }),
    hint ? h('small', { class: 'hint', text: hint }) : null,
    h('div', { class: 'choices' }, controls),
  );
}

/**
 * Shows a 400's problems next to their fields (marking them invalid) and answers the ones no field took, so the
 * form's alert can list them. Any other error answers its message.
 */
export function showProblems(form, err) {
  for (const box of form.querySelectorAll('[data-problem]')) box.textContent = '';
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  const problems = (err && err.body && err.body.problems) || [];
  const left = [];
  for (const p of problems) {
    const path = String(p.path || '');
    const box = [...form.querySelectorAll('[data-problem]')].find(
      (b) => b.dataset.problem && (path === b.dataset.problem || path.startsWith(`${b.dataset.problem}.`)),
    );
    if (!box) {
      left.push(`${path || 'request'}: ${p.message}`);
      continue;
    }
    box.textContent = p.message;
    const control = box.parentElement.querySelector('input, select, textarea');
    if (control) control.setAttribute('aria-invalid', 'true');
  }
  if (!problems.length) return [err ? err.message : 'the request failed'];
  return left.length ? left : ['Some fields need a change: see the notes under them.'];
}

/** A comma-separated list typed in a field, as an array of its non-empty items. */
export const listOf = (text) =>
  String(text || '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** A page's heading with the actions beside it, and one line under it saying what the page is for. */
export function pageHead(title, help, ...actions) {
  return h(
    'div',
    { class: 'page-head' },
    h('div', { class: 'spread' }, h('h1', {}, title), actions.length ? h('div', { class: 'row' }, actions) : null),
    help ? h('p', { class: 'page-help' }, help) : null,
  );
}

/** A link styled as a button: it navigates, so it is a link for the keyboard and for screen readers. */
export const linkButton = (href, text, attrs = {}) =>
  h('a', { href, class: `button${attrs.primary ? ' primary' : ''}`, id: attrs.id, text });

/** Opens a panel in place of any other one; Escape closes it and gives the focus back to the button. */
export function openPanel(view, opener, ...children) {
  const close = () => {
    clear(view.panel);
    const again = document.getElementById(opener);
    if (again) again.focus();
  };
  const box = h('section', { class: 'panel action-panel', onkeydown: (e) => e.key === 'Escape' && close() }, children);
  clear(view.panel, box);
  return { box, close };
}
