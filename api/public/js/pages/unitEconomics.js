import { get } from '../api.js';
import { clear, fmt, h, metric, problem } from '../ui.js';

/** The periods offered, in days back from today; 90 is the API's default. */
const PERIODS = [30, 90, 365];
const DAY_MS = 86_400_000;
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const one = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const amount = (n, currency) => (n === null || n === undefined ? '–' : fmt.money(n, currency));

/** A target badge: met, missed, or no verdict when a figure or the target is missing. */
function verdict(meets) {
  if (meets === null || meets === undefined) return h('span', { class: 'badge', text: 'no verdict' });
  return h('span', { class: `badge ${meets ? 'ok' : 'bad'}`, text: meets ? 'meets target' : 'misses target' });
}

/**
 * The unit-economics panel of the venture overview (`GET /v1/ventures/:id/unit-economics`): CAC, LTV and LTV/CAC
 * against the venture's targets over a period the reader picks, the counts they come from, and what was assumed or
 * missing. Answers the section at once and fills it when the figures arrive.
 */
export function unitEconomicsSection(ventureId) {
  const title = h('h2', { id: 'unit-economics-title', text: 'Unit economics' });
  const picker = h(
    'select',
    { id: 'unit-economics-period', name: 'period', 'aria-label': 'Period' },
    PERIODS.map((d) => h('option', { value: String(d), selected: d === 90, text: `Last ${d} days` })),
  );
  const body = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted', text: 'Counting…' }));
  const section = h(
    'section',
    { class: 'panel', id: 'unit-economics', 'aria-labelledby': 'unit-economics-title', style: { marginTop: '1rem' } },
    h('div', { class: 'spread' }, title, picker),
    body,
  );
  const load = () => {
    const days = Number(picker.value);
    const to = isoDay(Date.now());
    const from = isoDay(Date.now() - (days - 1) * DAY_MS);
    get(`/v1/ventures/${ventureId}/unit-economics?from=${from}&to=${to}`).then(
      (u) => clear(body, ...figures(u)),
      (err) => clear(body, problem(err, 'Unit economics')),
    );
  };
  picker.addEventListener('change', load);
  load();
  return section;
}

function figures(u) {
  const c = u.currency;
  const n = u.counts;
  return [
    h(
      'div',
      { class: 'cards' },
      metric(
        'CAC',
        amount(u.cac, c),
        `${amount(n.spend, c)} spent / ${fmt.number(n.newCustomers)} new customers` +
          (u.targets.cac === null ? '; no CAC target' : `; target at most ${amount(u.targets.cac, c)}`),
      ),
      metric(
        'LTV',
        amount(u.ltv, c),
        u.arpuMonthly === null
          ? 'no customers in the period'
          : `${amount(u.arpuMonthly, c)} a month × ${u.grossMargin === null ? '100% (no margin known)' : `${fmt.pct(u.grossMargin, 0)} margin`}` +
              ` × ${one.format(u.lifetimeMonths)} months`,
      ),
      metric(
        'LTV/CAC',
        u.ltvCacRatio === null ? '–' : fmt.times(u.ltvCacRatio),
        `target at least ${fmt.times(u.targets.ltvCacRatio)}`,
      ),
    ),
    h(
      'p',
      { id: 'unit-economics-verdicts' },
      'CAC: ',
      verdict(u.meetsTarget.cac),
      ' · LTV/CAC: ',
      verdict(u.meetsTarget.ltvCacRatio),
    ),
    h('p', {
      class: 'small muted',
      text:
        `${u.from} to ${u.to}: ${fmt.number(n.activeCustomers)} customers over ${one.format(n.customerMonths)} ` +
        `customer-months, ${fmt.number(n.cancellations)} cancelled (churn ${fmt.pct(u.monthlyChurnRate, 1)} a month); ` +
        `revenue ${amount(n.revenue, c)} from ${fmt.number(n.revenueEvents)} conversion events; spend from ` +
        `${fmt.number(n.performanceRows)} daily campaign rows.`,
    }),
    u.missing.length
      ? h(
          'div',
          { class: 'notice', id: 'unit-economics-missing' },
          h('strong', { text: 'Not enough data for every figure: ' }),
          u.missing.join('; '),
          '.',
        )
      : null,
    u.assumptions.length
      ? h(
          'div',
          { id: 'unit-economics-assumptions' },
          h('h3', { text: 'Assumptions' }),
          h(
            'ul',
            { class: 'list small' },
            u.assumptions.map((a) => h('li', { text: a })),
          ),
        )
      : null,
  ];
}
