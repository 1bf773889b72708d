import { chart, clear, fmt, h } from '../ui.js';

/** Results per platform (spend, revenue, conversions) and the conversion funnel, from the performance totals. */
export function drawCharts(perf, channelBox, funnelBox) {
  const by = perf.totals.byPlatform || {};
  const names = Object.keys(by);
  if (!names.length) {
    clear(channelBox, h('p', { class: 'muted', text: 'No results reported yet.' }));
    clear(funnelBox, h('p', { class: 'muted', text: 'No results reported yet.' }));
    return;
  }
  chart(channelBox, {
    type: 'bar',
    label: 'Spend, revenue and conversions per platform',
    data: {
      labels: names,
      datasets: [
        { label: 'Spend', data: names.map((n) => by[n].spend), backgroundColor: '#94a3b8', yAxisID: 'money' },
        { label: 'Revenue', data: names.map((n) => by[n].revenue), backgroundColor: '#2f5bea', yAxisID: 'money' },
        {
          label: 'Conversions',
          data: names.map((n) => by[n].conversions),
          backgroundColor: '#16a34a',
          yAxisID: 'count',
        },
      ],
    },
    options: {
      scales: {
        money: { position: 'left', beginAtZero: true, title: { display: true, text: perf.currency } },
        count: {
          position: 'right',
          beginAtZero: true,
          grid: { drawOnChartArea: false },
          title: { display: true, text: 'conversions' },
        },
      },
    },
  });
  const t = perf.totals.total;
  chart(funnelBox, {
    type: 'bar',
    label: 'Conversion funnel',
    data: {
      labels: ['Impressions', 'Clicks', 'Conversions'],
      datasets: [
        {
          label: 'People',
          data: [t.impressions, t.clicks, t.conversions],
          backgroundColor: ['#c7d2fe', '#818cf8', '#4338ca'],
        },
      ],
    },
    options: {
      indexAxis: 'y',
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            afterLabel: (item) =>
              item.dataIndex === 0
                ? ''
                : `${fmt.pct(item.raw / [t.impressions, t.clicks, t.conversions][item.dataIndex - 1], 2)} of the step before`,
          },
        },
      },
      scales: { x: { type: 'logarithmic', title: { display: true, text: 'log scale' } } },
    },
  });
}
