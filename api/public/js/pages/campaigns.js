import { get } from '../api.js';
import { badge, clear, fmt, h, problem } from '../ui.js';
import { renderCampaignForm } from './campaignForm.js';
import { renderDetail } from './campaignDetail.js';
import { canBuild, linkButton, money, pageHead, rangeWords } from './campaignFields.js';
import { renderVentureForm } from './ventureForm.js';

/**
 * Campaigns: the venture's list (#/campaigns), a new campaign (#/campaigns/new), the venture's form
 * (#/campaigns/venture/new or /edit) and one campaign, steered from its page (#/campaigns/<id>).
 */
export async function render(el, ctx, [id, arg] = []) {
  if (id === 'new') return renderCampaignForm(el, ctx);
  if (id === 'venture') return renderVentureForm(el, ctx, arg);
  return id ? renderDetail(el, ctx, id) : list(el, ctx);
}

const help = () => [
  'Each campaign spends a budget on ad platforms between two dates; budgets over the approval threshold wait for ' +
    'the chairman first. Concepts: docs/campaigns.md; every call: ',
  h('a', { href: '/docs', text: 'API reference' }),
  '.',
];

/** The venture the selector shows, or undefined when there is none. */
const ventureOf = (ctx) => (ctx.ventures || []).find((v) => v.id === ctx.ventureId);

async function list(el, ctx) {
  const builder = canBuild(ctx);
  const venture = ventureOf(ctx);
  const heading = (...actions) =>
    pageHead('Campaigns', help(), h('div', { class: 'row', id: 'campaign-toolbar' }, actions));
  if (!venture) return clear(el, heading(), noVenture(builder));

  let campaigns;
  try {
    campaigns = (await get(`/v1/campaigns?ventureId=${encodeURIComponent(venture.id)}`)).campaigns;
  } catch (err) {
    return clear(el, heading(), problem(err, 'Campaigns'));
  }
  // One "New campaign" on the page: in the empty state's sentence when the list is empty, else in the toolbar.
  const ventureLinks = builder
    ? [
        linkButton('#/campaigns/venture/edit', 'Edit venture', { id: 'edit-venture' }),
        linkButton('#/campaigns/venture/new', 'New venture', { id: 'new-venture' }),
      ]
    : [];
  const newCampaign =
    builder && campaigns.length
      ? linkButton('#/campaigns/new', 'New campaign', { id: 'new-campaign', primary: true })
      : null;
  clear(el, heading(...ventureLinks, newCampaign), campaigns.length ? table(campaigns) : noCampaigns(builder, venture));
}

function noVenture(builder) {
  return h(
    'div',
    { class: 'panel empty-state', id: 'no-venture' },
    h('p', {
      text: 'Campaigns belong to a venture: the product you take to market, with its name, website and brand. ',
    }),
    builder
      ? h(
          'p',
          { class: 'row' },
          h('span', { text: 'Create a venture first.' }),
          linkButton('#/campaigns/venture/new', 'New venture', { id: 'new-venture', primary: true }),
        )
      : h('p', { class: 'muted', text: 'Create a venture first: a marketer can make one here.' }),
  );
}

function noCampaigns(builder, venture) {
  return h(
    'div',
    { class: 'panel empty-state', id: 'no-campaigns' },
    h('p', {
      text:
        `No campaigns for ${venture.productName || venture.name} yet. A campaign spends a budget on ad platforms ` +
        '(Google, Meta, LinkedIn) between two dates: its run launches it on each platform, brings in the daily ' +
        'results, and pauses it when the budget is used up.',
    }),
    builder
      ? h('p', {}, linkButton('#/campaigns/new', 'New campaign', { id: 'new-campaign', primary: true }))
      : h('p', { class: 'muted', text: 'A marketer creates campaigns; you will see them here.' }),
  );
}

function table(campaigns) {
  const heads = ['Campaign', 'Status', 'Channel', 'Dates', 'Budget', 'Spent'];
  return h(
    'div',
    { class: 'panel table-wrap' },
    h(
      'table',
      { id: 'campaigns' },
      h('caption', { class: 'visually-hidden', text: 'Campaigns of this venture, newest first' }),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          heads.map((t, i) => h('th', { scope: 'col', class: i >= 4 ? 'num' : undefined, text: t })),
        ),
      ),
      h(
        'tbody',
        {},
        campaigns.map((c) =>
          h(
            'tr',
            // The row is a bigger target for the mouse; the name's link is the one the keyboard uses.
            { class: 'link', dataset: { id: c.id }, onclick: () => (location.hash = `#/campaigns/${c.id}`) },
            h(
              'td',
              {},
              h('a', { href: `#/campaigns/${c.id}`, text: c.name }),
              c.sandbox ? h('span', { class: 'muted small', text: ' · sandbox' }) : null,
            ),
            h('td', {}, badge(c.status)),
            h('td', { text: fmt.label(c.channel) }),
            h('td', { class: 'small', text: rangeWords(c.startDate, c.endDate) }),
            h('td', { class: 'num', text: money(c.budget, c.currency) }),
            h('td', { class: 'num', text: money(c.spent, c.currency) }),
          ),
        ),
      ),
    ),
  );
}
