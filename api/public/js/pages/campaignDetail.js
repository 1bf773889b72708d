import { get } from '../api.js';
import { badge, clear, fmt, h, metric, problem, temporalLink } from '../ui.js';
import { controls } from './campaignActions.js';
import { drawCharts } from './campaignCharts.js';
import { agoWords, money, pageHead, rangeWords } from './campaignFields.js';
import { influencerTable } from './campaignInfluencers.js';
import { forecastSection } from './campaignForecast.js';
import { proposalsSection } from './campaignProposals.js';
import { trendSection } from './campaignTrend.js';

/**
 * One campaign: its state and what may be done to it, its budget and platforms, its daily trend and results.
 * `flash` is the answer of the action that drew the page again ({ text, error }).
 */
export async function renderDetail(el, ctx, id, flash) {
  const [campaign, perf, infl] = await Promise.allSettled([
    get(`/v1/campaigns/${id}`),
    get(`/v1/campaigns/${id}/performance`),
    get(`/v1/campaigns/${id}/influencers`),
  ]);
  const back = h('p', { class: 'small' }, h('a', { href: '#/campaigns', text: '← Campaigns' }));
  if (campaign.status === 'rejected')
    return clear(el, back, h('h1', { text: 'Campaign' }), problem(campaign.reason, 'This campaign'));
  const c = campaign.value;
  const live = c.live;
  const state = live ? live.state : c.status;
  const performance = perf.status === 'fulfilled' ? perf.value : null;
  const totals = performance ? performance.totals.total : c.totals;
  const message = h('p', { id: 'campaign-message', role: 'status', tabindex: '-1' });
  const view = {
    campaign: c,
    live,
    state,
    perf: performance,
    message,
    panel: h('div', { id: 'campaign-panel' }),
    refresh: (next) => renderDetail(el, ctx, id, next),
  };
  const channelBox = h('div', { class: 'chart-box', id: 'channel-chart' });
  const funnelBox = h('div', { class: 'chart-box', id: 'funnel-chart' });
  const trend = performance ? trendSection(performance, c.currency) : null;
  clear(
    el,
    back,
    pageHead(
      [`${c.name} `, badge(state)],
      `${sentence(fmt.label(c.type))} campaign on ${fmt.label(c.channel)}, ${rangeWords(c.startDate, c.endDate)}` +
        `${c.createdBy ? `, created by ${c.createdBy}` : ''}.${c.sandbox ? ' Simulated platforms: no money moves.' : ''}`,
      h(
        'div',
        { class: 'row', id: 'campaign-controls', role: 'group', 'aria-label': 'Campaign actions' },
        controls(ctx, view),
      ),
      temporalLink(ctx.meta, c.workflowId),
    ),
    message,
    view.panel,
    h(
      'div',
      { class: 'cards', id: 'campaign-metrics' },
      metric('Total reach', fmt.compact(totals && totals.impressions), 'impressions'),
      metric('Engagement rate', fmt.pct(totals && totals.ctr, 2), 'clicks per impression'),
      metric('Conversion rate', fmt.pct(totals && totals.cvr, 2), 'conversions per click'),
      metric('ROI', fmt.times(totals && totals.roas), 'revenue per unit spent'),
    ),
    h('section', { class: 'panel', id: 'campaign-live' }, h('h2', { text: 'Budget and state' }), liveState(c, live)),
    forecastSection(c.id),
    c.platforms.length >= 2 ? proposalsSection(ctx, c, flash && flash.proposal) : null,
    trend ? trend.section : problem(perf.reason, 'Performance'),
    h(
      'div',
      { class: 'two' },
      h(
        'section',
        { class: 'panel' },
        h('h2', { text: 'Channel performance' }),
        performance ? channelBox : problem(perf.reason, 'Performance'),
      ),
      h(
        'section',
        { class: 'panel' },
        h('h2', { text: 'Conversion funnel' }),
        performance ? funnelBox : problem(perf.reason, 'Performance'),
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
      { class: 'panel' },
      h('h2', { text: 'Influencer performance' }),
      infl.status === 'fulfilled'
        ? influencerTable(infl.value.influencers)
        : problem(infl.reason, 'Campaign influencers'),
    ),
  );
  if (performance) {
    drawCharts(performance, channelBox, funnelBox);
    trend.draw();
  }
  if (flash) {
    message.textContent = flash.text;
    message.className = flash.error ? 'error-box' : 'notice info';
    // The page was drawn again under the keyboard's focus: take it to the answer, next to the buttons.
    message.focus();
  }
}

const sentence = (s) => s.charAt(0).toUpperCase() + s.slice(1);

/** Budget, spend and the state of the run: what waits for the chairman, and each platform's share of a day. */
function liveState(c, live) {
  // The run learns its spend at each metrics sync; before its first one the stored figure is the better one.
  const spent = live && live.lastSync ? live.spent : c.spent;
  const budget = live ? live.budget : c.budget;
  const share = budget > 0 ? Math.min(1, spent / budget) : 0;
  const waiting = live && live.pendingApproval;
  return h(
    'div',
    { class: 'grid' },
    h(
      'div',
      { class: 'spread' },
      h('span', { text: `Spent ${money(spent, c.currency)} of ${money(budget, c.currency)} (${fmt.pct(share, 0)})` }),
      h('span', { class: 'muted small', text: rangeWords(c.startDate, c.endDate) }),
    ),
    h(
      'div',
      {
        class: 'progress',
        role: 'progressbar',
        'aria-label': 'Budget spent',
        'aria-valuenow': Math.round(share * 100),
        'aria-valuemin': 0,
        'aria-valuemax': 100,
      },
      h('div', { style: { width: `${(share * 100).toFixed(1)}%` } }),
    ),
    waiting
      ? h('p', {
          class: 'notice',
          text:
            `Waiting for the chairman's approval of ${waiting.kind === 'budget_change' ? 'a new budget of' : 'the campaign, with'} ` +
            `${money(waiting.amount, c.currency)}, asked ${agoWords(waiting.requestedAt)}.`,
        })
      : c.status === 'awaiting_approval' || (live && live.state === 'awaiting_approval')
        ? h('p', { class: 'notice', text: "Waiting for the chairman's approval of the campaign." })
        : null,
    // Why it stopped or waits; an active campaign's reason ("start date reached") says nothing new.
    reasonOf(c, live) ? h('p', { class: 'small', text: `Reason: ${reasonOf(c, live)}.` }) : null,
    live
      ? platformTable(c, live)
      : h('p', { class: 'muted small', text: 'The run is over or not answering; this is the stored state.' }),
    live && live.lastSync
      ? h('p', { class: 'muted small', text: `Last metrics sync: ${agoWords(live.lastSync.at || live.lastSync)}.` })
      : null,
    live && live.syncError ? syncErrorAlert(live.syncError) : null,
  );
}

/** The last metrics sync failed: its message, which names the setting to renew when a credential was refused. */
function syncErrorAlert(e) {
  return h(
    'div',
    {
      class: 'error-box',
      id: 'campaign-sync-error',
      role: 'alert',
      dataset: { credential: e.credential ? 'yes' : 'no' },
    },
    h('strong', { text: `The metrics sync failed ${agoWords(e.at)}: ` }),
    e.message,
    e.credential
      ? h(
          'div',
          { class: 'small' },
          'Renew that setting; the next sync uses it. ',
          h('a', { href: '#/ad-platforms', text: 'See the ad platforms' }),
        )
      : null,
  );
}

const STOPPED = ['paused', 'completed', 'cancelled', 'rejected'];
function reasonOf(c, live) {
  const state = live ? live.state : c.status;
  return STOPPED.includes(state) ? (live && live.stateReason) || c.statusReason : null;
}

function platformTable(c, live) {
  const platforms = live.platforms || [];
  if (!platforms.length) return null;
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { id: 'campaign-platforms' },
      h('caption', { class: 'visually-hidden', text: 'Platforms with their share of the daily budget' }),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Platform', 'Share of a day', 'Daily budget', 'Delivery'].map((t, i) =>
            h('th', { scope: 'col', class: i === 1 || i === 2 ? 'num' : undefined, text: t }),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        platforms.map((p) =>
          h(
            'tr',
            { dataset: { platform: p.name } },
            h('th', { scope: 'row', text: p.name }),
            h('td', { class: 'num', text: typeof p.share === 'number' ? `${Math.round(p.share * 1000) / 10}%` : '–' }),
            h('td', { class: 'num', text: typeof p.dailyBudget === 'number' ? money(p.dailyBudget, c.currency) : '–' }),
            h('td', { text: `${p.paused ? 'paused' : 'delivering'}${p.sandbox ? ' (simulated)' : ''}` }),
          ),
        ),
      ),
    ),
  );
}
