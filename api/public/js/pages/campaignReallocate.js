import { api, get } from '../api.js';
import { clear, h } from '../ui.js';
import { money, openPanel, showProblems } from './campaignFields.js';

/** Shares are typed in percent to one decimal: counted in tenths of a percent, they add up without rounding. */
const tenthsOf = (value) => Math.round((Number(value) || 0) * 10);
const pctOf = (share) => Math.round(share * 1000) / 10;
/** Daily amounts by share, cents rounded down as the run does, so the platforms never get more than is left. */
const amountFor = (daily, share) => Math.floor(daily * share * 100 + 1e-6) / 100;
const conversions = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/**
 * The reallocation panel: the optimiser's suggestion from `GET /v1/campaigns/:id/reallocation` next to the split
 * now, then the split to apply, pre-filled with the suggestion and editable. Kept as suggested, the request carries
 * no split and the run applies the optimiser's own; edited, it carries the marketer's.
 */
export async function openReallocation(view) {
  const c = view.campaign;
  const heading = h('h2', { id: 'reallocation-title', tabindex: '-1', text: 'Reallocate the daily budget' });
  const body = h('div', {}, h('p', { class: 'muted', text: 'Asking the optimiser for a split…' }));
  const { close } = openPanel(
    view,
    'reallocate-open',
    h(
      'div',
      { id: 'reallocation', 'aria-labelledby': 'reallocation-title', role: 'region' },
      heading,
      h('p', {
        class: 'muted small',
        text:
          "The optimiser fits each platform's daily spend and conversions so far and suggests how to split what is " +
          'left of the budget per day. Apply its suggestion, or type a split of your own in percent.',
      }),
      body,
    ),
  );
  heading.focus();

  const stop = (text) => clear(body, h('p', { class: 'notice', text }), closeButton(close));
  let preview;
  try {
    preview = await get(`/v1/campaigns/${c.id}/reallocation`);
  } catch (err) {
    return stop(`No split to show: ${err.message}.`);
  }
  if (!body.isConnected) return undefined;
  if (!(preview.dailyBudget > 0)) return stop(`Nothing to reallocate: ${preview.reason}.`);
  clear(body, splitForm(view, preview, close));
}

const closeButton = (close) => h('button', { type: 'button', onclick: () => close(), text: 'Close' });

/** Where the inputs start: the suggestion, else the split now, else an even split (the last platform rounds). */
function startingTenths(names, preview) {
  const from = preview.suggested || preview.current;
  if (from) return names.map((n) => tenthsOf(pctOf(from[n] || 0)));
  const each = Math.floor(1000 / names.length);
  return names.map((_, i) => (i === names.length - 1 ? 1000 - each * (names.length - 1) : each));
}

/** The typed split as fractions that add up to exactly 1: the last platform takes what the others leave. */
function sharesOf(names, tenths) {
  const shares = {};
  let given = 0;
  names.forEach((n, i) => {
    const t = i === names.length - 1 ? 1000 - given : tenths[i];
    given += t;
    shares[n] = t / 1000;
  });
  return shares;
}

function splitForm(view, preview, close) {
  const c = view.campaign;
  const { suggested, current, dailyBudget: daily } = preview;
  const names = c.platforms.map((p) => p.name);
  const start = startingTenths(names, preview);
  const total = h('output', { id: 'reallocation-total', 'aria-live': 'polite' });
  const note = h('p', { id: 'reallocation-note', class: 'small', 'aria-live': 'polite' });
  const problem = h('p', { id: 'shares-problem', class: 'field-error', dataset: { problem: 'shares' } });
  const apply = h('button', { type: 'submit', class: 'primary', id: 'reallocate-apply' });
  const inputs = names.map((name, i) =>
    h('input', {
      type: 'number',
      id: `share-${name}`,
      name,
      min: 0,
      max: 100,
      step: 0.1,
      required: true,
      value: String(start[i] / 10),
      'aria-describedby': 'reallocation-note shares-problem',
    }),
  );
  const amounts = names.map(() => h('td', { class: 'num' }));
  const typed = () => inputs.map((i) => tenthsOf(i.value));
  const edited = () => !suggested || typed().some((t, i) => t !== start[i]);

  // Amounts follow the inputs; a split that does not add up to 100% is not sent.
  const update = () => {
    const tenths = typed();
    const sum = tenths.reduce((a, b) => a + b, 0);
    total.textContent = String(sum / 10);
    tenths.forEach((t, i) => (amounts[i].textContent = money(amountFor(daily, t / 1000), c.currency)));
    apply.disabled = sum !== 1000;
    apply.textContent = edited() ? 'Apply your split' : 'Apply the suggestion';
    note.textContent = sum === 1000 ? '' : 'The shares must add up to 100%.';
    note.className = `small${note.textContent ? ' notice' : ''}`;
  };
  for (const i of inputs) i.addEventListener('input', update);

  const form = h(
    'form',
    {
      onsubmit: async (e) => {
        e.preventDefault();
        apply.disabled = true;
        const shares = edited() ? sharesOf(names, typed()) : null;
        try {
          const { body: r } = await api('POST', `/v1/campaigns/${c.id}/reallocate`, shares ? { shares } : undefined);
          await view.refresh(answer(r, c.currency, shares || suggested));
        } catch (err) {
          if (err.status !== 400) return view.refresh({ text: err.message, error: true });
          // The split was refused: the reason shows at the inputs, which stay as typed.
          const left = showProblems(form, err);
          if (!problem.textContent) problem.textContent = left.join(' ');
          for (const i of inputs) i.setAttribute('aria-invalid', 'true');
          apply.disabled = false;
          inputs[0].focus();
        }
      },
    },
    summary(preview, c.currency),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'split' },
        h('caption', {
          class: 'visually-hidden',
          text: 'Share of the daily budget per platform: now, suggested, yours',
        }),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Platform', 'Share now', 'Suggested', 'Your split (%)', 'A day'].map((t, i) =>
              h('th', { scope: 'col', class: i === 0 ? undefined : 'num', text: t }),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          names.map((name, i) =>
            h(
              'tr',
              { dataset: { platform: name } },
              h('th', { scope: 'row', text: name }),
              h('td', { class: 'num share-now', text: current ? `${pctOf(current[name] || 0)}%` : '–' }),
              h('td', { class: 'num suggested', text: suggested ? `${pctOf(suggested[name] || 0)}%` : '–' }),
              h(
                'td',
                { class: 'num' },
                h('label', { for: inputs[i].id, class: 'visually-hidden', text: `Your share for ${name}, percent` }),
                inputs[i],
              ),
              amounts[i],
            ),
          ),
        ),
        h(
          'tfoot',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'row', text: 'Total' }),
            h('td'),
            h('td'),
            h('td', { class: 'num' }, total, '%'),
            h('td'),
          ),
        ),
      ),
    ),
    problem,
    note,
    h(
      'div',
      { class: 'row' },
      apply,
      suggested
        ? h('button', {
            type: 'button',
            id: 'reallocation-reset',
            onclick: () => {
              inputs.forEach((input, i) => (input.value = String(start[i] / 10)));
              update();
            },
            text: 'Back to the suggestion',
          })
        : null,
      closeButton(close),
    ),
  );
  update();
  return form;
}

/** The suggestion in words (the daily amount, expected conversions and the optimiser's reason), or why there is none. */
function summary(preview, currency) {
  const daily = money(Math.floor(preview.dailyBudget * 100) / 100, currency);
  if (!preview.suggested) {
    return h('p', {
      class: 'notice',
      text: `No suggestion: ${preview.reason}. You can still split the ${daily} a day yourself.`,
    });
  }
  return h(
    'div',
    {},
    h(
      'p',
      {},
      `Suggested split of ${daily} a day, for `,
      h('strong', {
        id: 'reallocation-expected',
        text:
          preview.expectedConversions === null
            ? 'an unknown number of conversions'
            : `about ${conversions.format(preview.expectedConversions)} conversions a day`,
      }),
      '.',
    ),
    h('p', { class: 'small muted', id: 'reallocation-reason', text: `Why: ${preview.reason}.` }),
  );
}

/** The run's answer in a sentence: the new daily budget of each platform, or why nothing changed. */
function answer(r, currency, expected) {
  if (r.status === 'pending_approval') {
    return {
      text:
        `Sent to the chairman: ${r.reason}. The platforms keep their split until he decides; ` +
        'the proposal is listed under Reallocation proposals.',
      proposal: r.proposal.workflowId,
    };
  }
  if (!r.applied) return { text: `Not reallocated: ${r.reason}.`, error: true };
  const names = Object.keys(r.dailyBudgets);
  const each = names.map((n) => `${n} ${money(r.dailyBudgets[n], currency)} (${pctOf(r.shares[n])}%)`).join(', ');
  // The run fits on the results it has when the request arrives: a sync in between can move its split a little.
  const moved = expected && names.some((n) => Math.abs((expected[n] || 0) - r.shares[n]) > 0.001);
  return {
    text: `New daily budgets: ${each}; ${r.reason}.${moved ? ' The run worked from newer results than the suggestion.' : ''}`,
  };
}
