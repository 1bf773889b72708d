import { unitEconomicsSection } from './unitEconomics.js';
import { get, post } from '../api.js';
import { chart, clear, docsLink, emptyState, fmt, h, holds, metric, pageHead, problem } from '../ui.js';

const HELP =
  'How the venture’s go-to-market is doing: reach, return per channel, and where the budget should move next.';

export async function render(el, ctx) {
  if (!ctx.ventureId) return clear(el, pageHead('GTM overview', HELP), noVenture(ctx));
  const venture = ctx.ventures.find((v) => v.id === ctx.ventureId);
  const [overview, seo] = await Promise.allSettled([
    get(`/v1/ventures/${ctx.ventureId}/overview`),
    get(`/v1/ventures/${ctx.ventureId}/seo-pages`),
  ]);
  if (overview.status === 'rejected')
    return clear(el, pageHead('GTM overview', HELP), problem(overview.reason, 'The GTM overview'));
  const o = overview.value;
  const chartBox = h('div', { class: 'chart-box', id: 'overview-chart' });
  clear(
    el,
    pageHead(`GTM overview · ${venture ? venture.productName : o.name}`, HELP),
    h(
      'div',
      { class: 'cards' },
      metric('Active strategies', fmt.number(o.activeStrategies), `${o.strategies.length} in all`),
      metric('Total reach', fmt.compact(o.totalReach), 'impressions across campaigns'),
      metric('Average ROI', fmt.times(o.averageRoi), 'revenue per unit spent, per campaign'),
      metric('Conversion rate', fmt.pct(o.conversionRate, 2), 'conversions per click'),
    ),
    unitEconomicsSection(ctx.ventureId),
    h(
      'div',
      { class: 'two', style: { marginTop: '1rem' } },
      h(
        'section',
        { class: 'panel' },
        h('h2', { text: 'Channels: spend and revenue' }),
        o.channels.length
          ? chartBox
          : h('p', { class: 'muted', text: 'No campaign results yet: spend and revenue show once a campaign runs.' }),
      ),
      h('section', { class: 'panel' }, h('h2', { text: 'Campaigns' }), campaignsSummary(o)),
    ),
    h(
      'section',
      { class: 'panel', style: { marginTop: '1rem' } },
      h('h2', { text: 'Optimization opportunities' }),
      opportunities(o),
    ),
    h(
      'section',
      { class: 'panel', style: { marginTop: '1rem' } },
      h('h2', { text: 'Budget reallocation suggestions' }),
      reallocation(o),
    ),
    seo.status === 'fulfilled'
      ? seoPanel(seo.value)
      : h('section', { class: 'panel', style: { marginTop: '1rem' } }, problem(seo.reason, 'Generated pages')),
  );
  if (o.channels.length) {
    chart(chartBox, {
      type: 'bar',
      label: 'Spend and revenue per channel',
      data: {
        labels: o.channels.map((c) => fmt.label(c.channel)),
        datasets: [
          { label: 'Spend', data: o.channels.map((c) => c.spend), backgroundColor: '#94a3b8' },
          { label: 'Revenue', data: o.channels.map((c) => c.revenue), backgroundColor: '#2f5bea' },
        ],
      },
    });
  }
}

/** No venture yet: an operator loads the demo from here; anyone can create one through the API. */
function noVenture(ctx) {
  const status = h('p', { class: 'muted', role: 'status' });
  const load = holds(ctx, ['operator'])
    ? h('button', {
        type: 'button',
        class: 'primary',
        id: 'load-demo',
        text: 'Load demo data',
        onclick: async (e) => {
          e.target.disabled = true;
          status.textContent = 'Loading…';
          try {
            await post('/v1/demo');
            await ctx.reloadVentures();
          } catch (err) {
            status.textContent = err.message;
            e.target.disabled = false;
          }
        },
      })
    : null;
  const out = emptyState(
    'overview-empty',
    holds(ctx, ['operator'])
      ? 'There is no venture yet. Load the demo data to look around, or create one with POST /v1/ventures.'
      : 'There is no venture yet. An operator can load the demo data from this page; anyone can create one with POST /v1/ventures.',
    load,
    docsLink('POST /v1/ventures in the API reference'),
  );
  out.append(status);
  return out;
}

function campaignsSummary(o) {
  const entries = Object.entries(o.campaigns.byStatus);
  if (!entries.length)
    return h(
      'p',
      { class: 'muted' },
      'No campaigns yet. ',
      h('a', { href: '#/campaigns', text: 'Plan one on Campaigns' }),
    );
  return h(
    'div',
    {},
    h(
      'p',
      {},
      h('strong', { text: `${o.campaigns.live} live` }),
      ` of ${o.campaigns.total} campaigns. `,
      h('a', { href: '#/campaigns', text: 'See them' }),
    ),
    h(
      'table',
      { class: 'compact' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Status' }), h('th', { class: 'num', text: 'Campaigns' }))),
      h(
        'tbody',
        {},
        entries.map(([status, n]) =>
          h(
            'tr',
            {},
            h('td', {}, h('span', { class: `badge ${status}`, text: fmt.label(status) })),
            h('td', { class: 'num', text: n }),
          ),
        ),
      ),
    ),
    h('h3', { style: { marginTop: '1rem' }, text: 'Totals' }),
    h('p', {
      class: 'small muted',
      text: `Spend ${fmt.money(o.totals.spend)} · revenue ${fmt.money(o.totals.revenue)} · ${fmt.number(o.totals.conversions)} conversions · engagement ${fmt.pct(o.engagementRate, 2)}`,
    }),
  );
}

function opportunities(o) {
  if (!o.advice) return h('p', { class: 'muted', text: o.adviceNote || 'Nothing to suggest yet.' });
  if (!o.advice.opportunities.length)
    return h('p', { class: 'muted', text: 'The current mix is close to the optimiser’s: nothing stands out.' });
  return h(
    'ul',
    { class: 'list', id: 'opportunities' },
    o.advice.opportunities.map((x) =>
      h(
        'li',
        {},
        h('span', {
          class: `badge ${x.kind === 'losing_money' ? 'bad' : x.kind === 'saturated' ? 'warn' : 'ok'}`,
          text: fmt.label(x.kind),
        }),
        ' ',
        x.message,
      ),
    ),
  );
}

function reallocation(o) {
  if (!o.advice) return h('p', { class: 'muted', text: o.adviceNote || 'Nothing to suggest yet.' });
  const rows = o.advice.reallocation;
  const head = h('p', {
    class: 'small muted',
    text: `Over ${o.advice.period.from} to ${o.advice.period.to}: ${fmt.money(o.advice.budget)} spent, reshuffled by the channel-mix optimiser.`,
  });
  if (!rows.length)
    return h('div', {}, head, h('p', { class: 'muted', text: 'No channel is off by more than 5% of the budget.' }));
  return h(
    'div',
    { class: 'table-wrap' },
    head,
    h(
      'table',
      { id: 'reallocation' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { text: 'Channel' }),
          h('th', { class: 'num', text: 'Current' }),
          h('th', { class: 'num', text: 'Suggested' }),
          h('th', { class: 'num', text: 'Change' }),
          h('th', { text: 'Why' }),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((r) =>
          h(
            'tr',
            {},
            h('td', { text: fmt.label(r.channel) }),
            h('td', { class: 'num', text: fmt.money(r.currentAmount) }),
            h('td', { class: 'num', text: fmt.money(r.suggestedAmount) }),
            h('td', {
              class: 'num',
              style: { color: r.change > 0 ? 'var(--ok)' : 'var(--bad)' },
              text: `${r.change > 0 ? '+' : ''}${fmt.money(r.change)}`,
            }),
            h('td', { class: 'small', text: r.reason }),
          ),
        ),
      ),
    ),
  );
}

function seoPanel(seo) {
  return h(
    'section',
    { class: 'panel', style: { marginTop: '1rem' } },
    h('h2', { text: 'Generated pages (programmatic SEO)' }),
    h(
      'p',
      { class: 'small' },
      h('a', { href: seo.hub.path, target: '_blank', text: 'Hub page' }),
      ' · ',
      h('a', { href: seo.sitemap, target: '_blank', text: 'sitemap.xml' }),
    ),
    seo.published.length
      ? h(
          'ul',
          {},
          seo.published.map((p) =>
            h(
              'li',
              {},
              h('a', { href: p.path, target: '_blank', text: p.title }),
              h('span', { class: 'muted small', text: ` · ${p.wordCount} words` }),
            ),
          ),
        )
      : h('p', { class: 'muted', text: 'No page passed the quality checks yet.' }),
    seo.rejected.length
      ? h(
          'div',
          {},
          h('h3', { text: 'Held back' }),
          h(
            'ul',
            {},
            seo.rejected.map((p) =>
              h(
                'li',
                {},
                h('strong', { text: p.title }),
                h('span', { class: 'muted small', text: ` · ${p.reasons.join('; ')}` }),
              ),
            ),
          ),
        )
      : null,
  );
}
