import { api, get } from '../api.js';
import { badge, chart, clear, fmt, h, metric, problem, temporalLink } from '../ui.js';

export async function render(el, ctx, [id]) {
  return id ? detail(el, ctx, id) : list(el, ctx);
}

async function list(el, ctx) {
  const q = ctx.ventureId ? `?ventureId=${encodeURIComponent(ctx.ventureId)}` : '';
  let campaigns;
  try {
    campaigns = (await get(`/v1/campaigns${q}`)).campaigns;
  } catch (err) {
    return clear(el, h('h1', { text: 'Campaigns' }), problem(err, 'Campaigns'));
  }
  if (!campaigns.length)
    return clear(el, h('h1', { text: 'Campaigns' }), h('p', { class: 'panel muted', text: 'No campaigns yet.' }));
  clear(
    el,
    h('h1', { text: 'Campaigns' }),
    h(
      'div',
      { class: 'panel table-wrap' },
      h(
        'table',
        { id: 'campaigns' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Campaign', 'Status', 'Channel', 'Dates', 'Budget', 'Spent'].map((t, i) =>
              h('th', { class: i >= 4 ? 'num' : undefined, text: t }),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          campaigns.map((c) =>
            h(
              'tr',
              { class: 'link', onclick: () => (location.hash = `#/campaigns/${c.id}`) },
              h(
                'td',
                {},
                h('a', { href: `#/campaigns/${c.id}`, text: c.name }),
                c.sandbox ? h('span', { class: 'muted small', text: ' · sandbox' }) : null,
              ),
              h('td', {}, badge(c.status)),
              h('td', { text: fmt.label(c.channel) }),
              h('td', { class: 'small', text: `${c.startDate} → ${c.endDate}` }),
              h('td', { class: 'num', text: fmt.money(c.budget, c.currency) }),
              h('td', { class: 'num', text: fmt.money(c.spent, c.currency) }),
            ),
          ),
        ),
      ),
    ),
  );
}

async function detail(el, ctx, id) {
  const [campaign, perf, infl] = await Promise.allSettled([
    get(`/v1/campaigns/${id}`),
    get(`/v1/campaigns/${id}/performance`),
    get(`/v1/campaigns/${id}/influencers`),
  ]);
  if (campaign.status === 'rejected')
    return clear(el, h('h1', { text: 'Campaign' }), problem(campaign.reason, 'This campaign'));
  const c = campaign.value;
  const live = c.live;
  const state = live ? live.state : c.status;
  const totals = perf.status === 'fulfilled' ? perf.value.totals.total : c.totals;
  const channelBox = h('div', { class: 'chart-box', id: 'channel-chart' });
  const funnelBox = h('div', { class: 'chart-box', id: 'funnel-chart' });
  const message = h('p', { class: 'small', role: 'status' });
  clear(
    el,
    h('p', { class: 'small' }, h('a', { href: '#/campaigns', text: '← Campaigns' })),
    h(
      'div',
      { class: 'spread' },
      h('h1', {}, `${c.name} `, badge(state)),
      h('div', { class: 'row' }, controls(ctx, c, state, message), temporalLink(ctx.meta, c.workflowId)),
    ),
    message,
    h(
      'div',
      { class: 'cards', id: 'campaign-metrics' },
      metric('Total reach', fmt.compact(totals && totals.impressions), 'impressions'),
      metric('Engagement rate', fmt.pct(totals && totals.ctr, 2), 'clicks per impression'),
      metric('Conversion rate', fmt.pct(totals && totals.cvr, 2), 'conversions per click'),
      metric('ROI', fmt.times(totals && totals.roas), 'revenue per unit spent'),
    ),
    h('section', { class: 'panel', style: { marginTop: '1rem' } }, h('h2', { text: 'Live state' }), liveState(c, live)),
    h(
      'div',
      { class: 'two', style: { marginTop: '1rem' } },
      h(
        'section',
        { class: 'panel' },
        h('h2', { text: 'Channel performance' }),
        perf.status === 'fulfilled' ? channelBox : problem(perf.reason, 'Performance'),
      ),
      h(
        'section',
        { class: 'panel' },
        h('h2', { text: 'Conversion funnel' }),
        perf.status === 'fulfilled' ? funnelBox : problem(perf.reason, 'Performance'),
        totals && totals.impressions
          ? h('p', {
              class: 'small muted',
              id: 'funnel-rates',
              text: `${fmt.number(totals.impressions)} impressions → ${fmt.number(totals.clicks)} clicks (${fmt.pct(totals.ctr, 2)}) → ${fmt.number(totals.conversions)} conversions (${fmt.pct(totals.cvr, 2)} of clicks)`,
            })
          : null,
      ),
    ),
    h(
      'section',
      { class: 'panel', style: { marginTop: '1rem' } },
      h('h2', { text: 'Influencer performance' }),
      infl.status === 'fulfilled'
        ? influencerTable(infl.value.influencers)
        : problem(infl.reason, 'Campaign influencers'),
    ),
  );
  if (perf.status === 'fulfilled') drawCharts(perf.value, channelBox, funnelBox);
}

function controls(ctx, c, state, message) {
  const role = ctx.meta.role;
  const act = (action) => async (e) => {
    e.target.disabled = true;
    message.textContent = `${action === 'pause' ? 'Pausing' : 'Resuming'}…`;
    try {
      const { body } = await api('POST', `/v1/campaigns/${c.id}/${action}`, {});
      message.textContent = `Campaign is now ${body.state}.`;
      setTimeout(() => window.dispatchEvent(new HashChangeEvent('hashchange')), 300);
    } catch (err) {
      message.textContent = err.message;
      e.target.disabled = false;
    }
  };
  const buttons = [];
  if (state === 'active' && ['marketer', 'operator', 'chairman'].includes(role))
    buttons.push(h('button', { id: 'pause', onclick: act('pause'), text: 'Pause' }));
  if (state === 'paused' && role === 'marketer')
    buttons.push(h('button', { id: 'resume', class: 'primary', onclick: act('resume'), text: 'Resume' }));
  return buttons;
}

function liveState(c, live) {
  // The run learns its spend at each metrics sync; before its first one the stored figure is the better one.
  const spent = live && live.lastSync ? live.spent : c.spent;
  const budget = live ? live.budget : c.budget;
  const share = budget > 0 ? Math.min(1, spent / budget) : 0;
  const bar = h('div', { class: 'progress' }, h('div', { style: { width: `${(share * 100).toFixed(1)}%` } }));
  return h(
    'div',
    { class: 'grid' },
    h(
      'div',
      { class: 'spread' },
      h('span', {
        text: `Spent ${fmt.money(spent, c.currency)} of ${fmt.money(budget, c.currency)} (${fmt.pct(share, 0)})`,
      }),
      h('span', { class: 'muted small', text: `${c.startDate} → ${c.endDate}` }),
    ),
    bar,
    live
      ? h(
          'div',
          { class: 'small' },
          live.pendingApproval
            ? h('p', {
                class: 'notice',
                text: `Waiting for the chairman: ${fmt.label(live.pendingApproval.kind)} of ${fmt.money(live.pendingApproval.amount, c.currency)} since ${fmt.ago(live.pendingApproval.requestedAt)}.`,
              })
            : null,
          live.stateReason ? h('p', { text: `Reason: ${live.stateReason}` }) : null,
          h('p', {
            text: `Platforms: ${(live.platforms || []).map((p) => `${p.name}${p.paused ? ' (paused)' : ''}${p.sandbox ? ' (sandbox)' : ''}`).join(', ') || '–'}`,
          }),
          live.lastSync
            ? h('p', { class: 'muted', text: `Last metrics sync: ${fmt.ago(live.lastSync.at || live.lastSync)}` })
            : null,
        )
      : h('p', { class: 'muted small', text: 'The run is over or not answering; this is the stored state.' }),
  );
}

function drawCharts(perf, channelBox, funnelBox) {
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

function influencerTable(list) {
  if (!list.length)
    return h(
      'p',
      { class: 'muted' },
      'No influencers on this campaign yet. ',
      h('a', { href: '#/influencers', text: 'Find some' }),
    );
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { id: 'campaign-influencers' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          [
            'Influencer',
            'Platform',
            'Followers',
            'Engagement',
            'Score',
            'Est. reach',
            'Est. cost',
            'Est. ROI',
            'Risks',
          ].map((t, i) => h('th', { class: i >= 2 && i <= 7 ? 'num' : undefined, text: t })),
        ),
      ),
      h(
        'tbody',
        {},
        list.map((i) =>
          h(
            'tr',
            {},
            h('td', {}, h('strong', { text: i.name }), h('div', { class: 'muted small', text: `@${i.handle}` })),
            h('td', { text: i.platform }),
            h('td', { class: 'num', text: fmt.compact(i.followersCount) }),
            h('td', { class: 'num', text: fmt.pct(i.engagementRate, 1) }),
            h('td', { class: 'num', text: i.compositeScore === null ? '–' : Math.round(i.compositeScore) }),
            h('td', { class: 'num', text: fmt.compact(i.estimatedReach) }),
            h('td', { class: 'num', text: fmt.money(i.estimatedCost) }),
            h('td', { class: 'num', text: fmt.times(i.estimatedRoi) }),
            h(
              'td',
              {},
              i.riskFactors.length
                ? i.riskFactors.map((r) => h('span', { class: 'tag', text: fmt.label(r) }))
                : h('span', { class: 'muted', text: 'none' }),
            ),
          ),
        ),
      ),
    ),
  );
}
