import { chart, clear, fmt, h } from '../ui.js';
import { dayShort, dayWords, money, rangeWords } from './campaignFields.js';

/** A colour per platform, each at least 4.5:1 on white so the legend's text and the lines read. */
const COLOURS = ['#1d4ed8', '#b91c1c', '#15803d', '#7c3aed', '#b45309', '#0f766e'];

/** A platform's days merged over channels: one row per day with its spend, conversions and revenue. */
function daysOf(perf, platform) {
  const byDay = new Map();
  for (const s of perf.series.filter((x) => x.platform === platform)) {
    for (const d of s.days) {
      const row = byDay.get(d.date) || { date: d.date, spend: 0, conversions: 0, revenue: 0 };
      row.spend += d.spend;
      row.conversions += d.conversions;
      row.revenue += d.revenue;
      byDay.set(d.date, row);
    }
  }
  return [...byDay.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
}

/** ROI as the rest of the page counts it: revenue per unit spent; none without spend. */
const roi = (r) => (r.spend > 0 ? r.revenue / r.spend : null);

/**
 * The daily trend: spend (bars, in the campaign's currency), conversions and ROI (lines, each on its own axis) per
 * platform, a platform selector, and the same numbers in words and as a table for those who do not see the chart.
 * Answers the section and `draw`, called once the section is in the page (Chart.js sizes to its box).
 */
export function trendSection(perf, currency) {
  const platforms = [...new Set(perf.series.map((s) => s.platform))].sort();
  const section = h('section', { class: 'panel', id: 'trend', 'aria-labelledby': 'trend-title' });
  const title = h('h2', { id: 'trend-title', text: 'Daily trend' });
  if (!platforms.length) {
    clear(
      section,
      title,
      h('p', {
        class: 'muted',
        id: 'trend-empty',
        text: 'No daily results yet: they arrive with the first metrics sync, an hour after the start by default.',
      }),
    );
    return { section, draw: () => {} };
  }
  const data = Object.fromEntries(platforms.map((p) => [p, daysOf(perf, p)]));
  const picker = h(
    'select',
    { id: 'trend-platform', name: 'platform' },
    h('option', { value: '', text: 'All platforms' }),
    platforms.map((p) => h('option', { value: p, text: p })),
  );
  const box = h('div', { class: 'chart-box', id: 'trend-chart' });
  const summary = h('p', { id: 'trend-summary', 'aria-live': 'polite' });
  const tableWrap = h('div', { id: 'trend-table-wrap', class: 'table-wrap', hidden: true });
  const toggle = h('button', {
    type: 'button',
    id: 'trend-table-toggle',
    'aria-expanded': 'false',
    'aria-controls': 'trend-table-wrap',
    text: 'Show the numbers as a table',
  });
  toggle.addEventListener('click', () => {
    const open = tableWrap.hidden;
    tableWrap.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = open ? 'Hide the table' : 'Show the numbers as a table';
  });
  let drawn = null;
  const draw = () => {
    const shown = picker.value ? [picker.value] : platforms;
    if (drawn) drawn.destroy();
    drawn = drawChart(box, shown, data, platforms, currency);
    summary.textContent = summarise(shown, data, currency);
    clear(tableWrap, table(shown, data, currency));
  };
  picker.addEventListener('change', draw);
  clear(
    section,
    h(
      'div',
      { class: 'spread' },
      title,
      h('div', { class: 'row' }, h('label', { for: 'trend-platform', class: 'inline', text: 'Platform' }), picker),
    ),
    h('p', {
      class: 'muted small',
      text: `Bars: spend a day (${currency}). Lines: conversions a day, and ROI (revenue per unit spent) dashed on its own axis.`,
    }),
    box,
    summary,
    toggle,
    tableWrap,
  );
  return { section, draw };
}

function drawChart(box, shown, data, platforms, currency) {
  const days = [...new Set(shown.flatMap((p) => data[p].map((d) => d.date)))].sort();
  const at = (p, f) =>
    days.map((day) => {
      const row = data[p].find((d) => d.date === day);
      return row ? f(row) : null;
    });
  const colour = (p) => COLOURS[platforms.indexOf(p) % COLOURS.length];
  const datasets = shown.flatMap((p) => [
    {
      type: 'bar',
      label: `${p} spend`,
      data: at(p, (r) => r.spend),
      backgroundColor: `${colour(p)}55`,
      borderColor: colour(p),
      borderWidth: 1,
      yAxisID: 'money',
    },
    {
      type: 'line',
      label: `${p} conversions`,
      data: at(p, (r) => r.conversions),
      borderColor: colour(p),
      backgroundColor: colour(p),
      yAxisID: 'count',
    },
    {
      type: 'line',
      label: `${p} ROI`,
      data: at(p, roi),
      borderColor: colour(p),
      backgroundColor: colour(p),
      borderDash: [6, 4],
      yAxisID: 'roi',
    },
  ]);
  return chart(box, {
    type: 'bar',
    label: `Daily spend, conversions and ROI of ${shown.join(' and ')}; the numbers follow below the chart`,
    data: { labels: days.map(dayShort), datasets },
    options: {
      scales: {
        money: { position: 'left', beginAtZero: true, title: { display: true, text: `spend (${currency})` } },
        count: {
          position: 'right',
          beginAtZero: true,
          grid: { drawOnChartArea: false },
          title: { display: true, text: 'conversions' },
        },
        roi: {
          position: 'right',
          beginAtZero: true,
          grid: { drawOnChartArea: false },
          title: { display: true, text: 'ROI (×)' },
        },
      },
    },
  });
}

/** One sentence per platform over the days shown: what it spent, what it brought, and its ROI. */
function summarise(shown, data, currency) {
  const days = shown.flatMap((p) => data[p].map((d) => d.date)).sort();
  const each = shown.map((p) => {
    const t = data[p].reduce(
      (a, d) => ({
        spend: a.spend + d.spend,
        conversions: a.conversions + d.conversions,
        revenue: a.revenue + d.revenue,
      }),
      { spend: 0, conversions: 0, revenue: 0 },
    );
    const r = roi(t);
    return `${p} spent ${money(round2(t.spend), currency)} for ${fmt.number(t.conversions)} conversions (ROI ${r === null ? 'none without spend' : fmt.times(r)})`;
  });
  return `${rangeWords(days[0], days[days.length - 1])}: ${each.join('; ')}.`;
}

const round2 = (n) => Math.round(n * 100) / 100;

function table(shown, data, currency) {
  const rows = shown
    .flatMap((p) => data[p].map((d) => ({ platform: p, ...d })))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.platform < b.platform ? -1 : 1));
  return h(
    'table',
    { id: 'trend-table' },
    h('caption', { class: 'visually-hidden', text: 'Daily spend, conversions and ROI per platform' }),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Day', 'Platform', 'Spend', 'Conversions', 'ROI'].map((t, i) =>
          h('th', { scope: 'col', class: i >= 2 ? 'num' : undefined, text: t }),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          {},
          h('td', { text: dayWords(r.date) }),
          h('td', { text: r.platform }),
          h('td', { class: 'num', text: money(round2(r.spend), currency) }),
          h('td', { class: 'num', text: fmt.number(r.conversions) }),
          h('td', { class: 'num', text: roi(r) === null ? '–' : fmt.times(roi(r)) }),
        ),
      ),
    ),
  );
}
