import { api } from '../api.js';
import { clear, fmt, h } from '../ui.js';
import { isoDay, money, openPanel } from './campaignFields.js';

const DAY_MS = 86_400_000;

/**
 * The optimiser's limits for a campaign on `n` platforms, as the run relaxes them (domain/campaignBudget.ts,
 * channelMixLimits): its defaults need four channels, so three may take half each and two 70% each.
 */
function limits(n) {
  if (n >= 4) return { maxShare: 0.3, minChannels: 3 };
  if (n === 3) return { maxShare: 0.5, minChannels: 3 };
  if (n === 2) return { maxShare: 0.7, minChannels: 2 };
  return { maxShare: 1, minChannels: 1 };
}

/**
 * The curve the run starts a platform's fit from (activities/campaignActivities.ts, priorCurve): diminishing
 * returns through its average day. Asking the optimiser with the same inputs as the run gives the split it applies.
 */
function priorCurve(history, fallbackSpend) {
  const spend = history.reduce((a, p) => a + p.spend, 0);
  const conversions = history.reduce((a, p) => a + p.conversions, 0);
  const days = history.length;
  const avgSpend = days > 0 && spend > 0 ? spend / days : Math.max(fallbackSpend, 0.01);
  return { maxConversions: days > 0 ? (2 * conversions) / days : 0, halfSaturation: avgSpend, shape: 1 };
}

/** A platform's days with spend, oldest first: what the run fits its curve on. */
const historyOf = (perf, platform) =>
  (perf ? perf.series : [])
    .filter((s) => s.platform === platform)
    .flatMap((s) => s.days)
    .filter((d) => d.spend > 0)
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))
    .map((d) => ({ spend: d.spend, conversions: d.conversions }));

/** What is left of the budget per day, today included, as the run spreads it. */
function dailyLeft(c, live) {
  const budget = live ? live.budget : c.budget;
  const spent = live ? live.spent : c.spent;
  const days = Math.max(
    1,
    Math.round((Date.parse(`${c.endDate}T00:00:00Z`) + DAY_MS - Date.parse(`${isoDay(0)}T00:00:00Z`)) / DAY_MS),
  );
  return Math.max(0, budget - spent) / days;
}

/** Daily amounts by share, cents rounded down as the run does, so the platforms never get more than is left. */
const amountFor = (daily, share) => Math.floor(daily * share * 100 + 1e-6) / 100;
const pct = (share) => Math.round(share * 1000) / 10;

/**
 * The reallocation panel: the optimiser's suggested split first (per-platform shares in inputs, with the daily
 * amount each gets), then the request that applies it.
 */
export async function openReallocation(view) {
  const c = view.campaign;
  const heading = h('h2', { id: 'reallocation-title', tabindex: '-1', text: 'Reallocate the daily budget' });
  const body = h('div', {}, h('p', { class: 'muted', text: 'Working out the suggested split…' }));
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
          'left of the budget per day (with two platforms at most 70% each, with three 50%, with four or more 30%).',
      }),
      body,
    ),
  );
  heading.focus();

  const platforms = view.live && view.live.platforms ? view.live.platforms : c.platforms.map((p) => ({ name: p.name }));
  const daily = dailyLeft(c, view.live);
  const channels = platforms.map((p) => {
    const history = historyOf(view.perf, p.name);
    return { name: p.name, history, curve: priorCurve(history, daily / platforms.length) };
  });
  const stop = (text) => clear(body, h('p', { class: 'notice', text }), closeButton(close));
  if (!(daily > 0)) return stop('No budget is left to reallocate.');
  if (channels.every((ch) => ch.history.length === 0)) {
    return stop('No platform has spent yet: there is nothing to learn from. Reallocate once the first results are in.');
  }
  let mix;
  try {
    ({ body: mix } = await api('POST', '/v1/channel-mix/optimize', {
      budget: daily,
      channels,
      ...limits(platforms.length),
    }));
  } catch (err) {
    return stop(`No split to suggest: ${err.message}.`);
  }
  clear(body, splitForm(view, platforms, mix, daily, close));
}

const closeButton = (close) => h('button', { type: 'button', onclick: () => close(), text: 'Close' });

function splitForm(view, platforms, mix, daily, close) {
  const c = view.campaign;
  const suggested = Object.fromEntries(mix.channels.map((ch) => [ch.name, ch]));
  const total = h('output', { id: 'reallocation-total', 'aria-live': 'polite' });
  const note = h('p', { id: 'reallocation-note', class: 'small', 'aria-live': 'polite' });
  const apply = h('button', { type: 'submit', class: 'primary', id: 'reallocate-apply', text: 'Apply this split' });
  const inputs = platforms.map((p) =>
    h('input', {
      type: 'number',
      id: `share-${p.name}`,
      name: p.name,
      min: 0,
      max: 100,
      step: 0.1,
      value: String(pct(suggested[p.name] ? suggested[p.name].share : 0)),
    }),
  );
  const amounts = platforms.map(() => h('td', { class: 'num' }));

  // Amounts follow the inputs; only the suggestion itself can be applied (see the note), and only if it adds up.
  const update = () => {
    const shares = inputs.map((i) => Number(i.value) || 0);
    const sum = shares.reduce((a, b) => a + b, 0);
    total.textContent = String(Math.round(sum * 10) / 10);
    shares.forEach((s, i) => (amounts[i].textContent = money(amountFor(daily, s / 100), c.currency)));
    const edited = inputs.some((i) => Number(i.value) !== pct(suggested[i.name] ? suggested[i.name].share : 0));
    const addsUp = Math.abs(sum - 100) < 0.05;
    apply.disabled = edited || !addsUp;
    note.textContent = !addsUp
      ? 'The shares must add up to 100%.'
      : edited
        ? 'The reallocation request takes no split of its own yet: the run applies the optimiser’s. Go back to ' +
          'the suggestion to apply it.'
        : '';
    note.className = `small${note.textContent ? ' notice' : ''}`;
  };
  for (const i of inputs) i.addEventListener('input', update);

  const form = h(
    'form',
    {
      onsubmit: async (e) => {
        e.preventDefault();
        apply.disabled = true;
        try {
          const { body: r } = await api('POST', `/v1/campaigns/${c.id}/reallocate`);
          await view.refresh(answer(r, c.currency, suggested));
        } catch (err) {
          await view.refresh({ text: err.message, error: true });
        }
      },
    },
    h('p', {
      text:
        `Suggested split of ${money(Math.floor(daily * 100) / 100, c.currency)} a day, for about ` +
        `${fmt.number(mix.totalExpectedConversions)} expected conversions a day:`,
    }),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'split' },
        h('caption', { class: 'visually-hidden', text: 'Share of the daily budget per platform, now and suggested' }),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Platform', 'Share now', 'Suggested share (%)', 'A day', 'Expected conversions a day'].map((t, i) =>
              h('th', { scope: 'col', class: i === 0 ? undefined : 'num', text: t }),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          platforms.map((p, i) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row', text: p.name }),
              h('td', { class: 'num', text: p.share === undefined ? '–' : `${pct(p.share)}%` }),
              h(
                'td',
                { class: 'num' },
                h('label', {
                  for: inputs[i].id,
                  class: 'visually-hidden',
                  text: `Suggested share for ${p.name}, percent`,
                }),
                inputs[i],
              ),
              amounts[i],
              h('td', {
                class: 'num',
                text: suggested[p.name] ? suggested[p.name].expectedConversions.toFixed(1) : '–',
              }),
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
            h('td', { class: 'num' }, total, '%'),
            h('td'),
            h('td'),
          ),
        ),
      ),
    ),
    note,
    h(
      'div',
      { class: 'row' },
      apply,
      h('button', {
        type: 'button',
        id: 'reallocation-reset',
        onclick: () => {
          for (const i of inputs) i.value = String(pct(suggested[i.name] ? suggested[i.name].share : 0));
          update();
        },
        text: 'Back to the suggestion',
      }),
      closeButton(close),
    ),
  );
  update();
  return form;
}

/** The run's answer in a sentence: the new daily budget of each platform, or why nothing changed. */
function answer(r, currency, suggested) {
  if (!r.applied) return { text: `Not reallocated: ${r.reason}.`, error: true };
  const names = Object.keys(r.dailyBudgets);
  const each = names.map((n) => `${n} ${money(r.dailyBudgets[n], currency)} (${pct(r.shares[n])}%)`).join(', ');
  // The run fits on the results it has when the request arrives: a sync in between can move the split a little.
  const moved = names.some((n) => suggested[n] && Math.abs(suggested[n].share - r.shares[n]) > 0.001);
  return {
    text: `New daily budgets: ${each}; ${r.reason}.${moved ? ' The run worked from newer results than the suggestion.' : ''}`,
  };
}
