import { get } from '../api.js';
import { badge, clear, fmt, h, metric, problem } from '../ui.js';
import { dayWords, money } from './campaignFields.js';

/** Pacing badge colours: spending too fast is the costly mistake, too slow the lesser one. */
const PACING_KIND = { over: 'bad', under: 'warn', on: 'ok' };
const PACING_WORDS = {
  over: 'Spending faster than an even spread of the budget',
  under: 'Spending slower than an even spread of the budget',
  on: 'Spending about evenly over the campaign',
};

/** Money rounded to the cent, so a projection of 2,999.9999 reads 3,000. */
const cents = (n, currency) => money(n === null || n === undefined ? n : Math.round(n * 100) / 100, currency);
const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * The forecast panel of a campaign page (`GET /v1/campaigns/:id/forecast`): projected spend at the end against the
 * budget, the day the budget runs out at the recent pace, a pacing badge, and conversions with their 90% interval.
 * Answers the section at once and fills it when the forecast arrives.
 */
export function forecastSection(campaignId) {
  const title = h('h2', { id: 'forecast-title', text: 'Forecast to the end date' });
  const section = h(
    'section',
    { class: 'panel', id: 'campaign-forecast', 'aria-labelledby': 'forecast-title', style: { marginTop: '1rem' } },
    title,
    h('p', { class: 'muted', text: 'Working out the forecast…' }),
  );
  get(`/v1/campaigns/${campaignId}/forecast`).then(
    (f) => clear(section, title, ...forecastBody(f)),
    (err) => clear(section, title, problem(err, 'The forecast')),
  );
  return section;
}

function forecastBody(f) {
  const c = f.currency;
  const pace = f.pace
    ? `${cents(f.pace.perDay, c)} a day over the last ${f.pace.days} day${f.pace.days === 1 ? '' : 's'}`
    : 'no days to measure a pace on yet';
  const conversions = f.conversions.atEnd;
  return [
    f.pacing
      ? h(
          'p',
          { id: 'forecast-pacing' },
          badge(`${f.pacing} pace`, PACING_KIND[f.pacing]),
          ' ',
          `${PACING_WORDS[f.pacing]}: ${cents(f.spentBeforeToday, c)} spent by ` +
            `yesterday against ${cents(f.evenSpendToDate, c)} (${fmt.times(f.pacingRatio)}; within ±` +
            `${Math.round(f.pacingBand * 100)}% is on pace).`,
        )
      : null,
    f.budgetRunsOut
      ? h('p', {
          class: 'notice',
          id: 'forecast-runs-out',
          text:
            `At this pace the budget runs out on ${dayWords(f.budgetRunsOut.date)}, ` +
            `${f.budgetRunsOut.daysBeforeEnd} day${f.budgetRunsOut.daysBeforeEnd === 1 ? '' : 's'} before the end.`,
        })
      : null,
    h(
      'div',
      { class: 'cards', id: 'forecast-metrics' },
      metric(
        'Spend at the end, recent pace',
        cents(f.projectedSpend.atRecentPace, c),
        `of ${cents(f.budget, c)}; ${pace}`,
      ),
      metric(
        'Spend at the end, daily budget',
        cents(f.projectedSpend.atDailyBudget, c),
        `of ${cents(f.budget, c)}; ${cents(f.dailyBudget, c)} a day` +
          (f.dailyBudgetSource === 'even_spread' ? ' if what is left is spread evenly' : ' as the platforms have it'),
      ),
      metric(
        'Budget runs out',
        f.runsOutOn ? dayWords(f.runsOutOn) : f.phase === 'ended' ? '–' : 'lasts to the end',
        f.runsOutOn
          ? `${f.daysBeforeEnd} days before the end on ${dayWords(f.endDate)}`
          : `ends ${dayWords(f.endDate)}`,
      ),
      metric(
        'Conversions at the end',
        conversions ? count.format(conversions.value) : '–',
        conversions
          ? `${count.format(conversions.low)}–${count.format(conversions.high)} (90% interval); ` +
              `${count.format(f.conversions.soFar)} so far`
          : `${count.format(f.conversions.soFar)} so far; no rate to project from yet`,
      ),
    ),
    f.notes.length
      ? h(
          'ul',
          { class: 'list small', id: 'forecast-notes' },
          f.notes.map((n) => h('li', { text: n })),
        )
      : null,
  ];
}
