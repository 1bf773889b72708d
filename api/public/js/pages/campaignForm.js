import { api, get } from '../api.js';
import { badge, clear, h } from '../ui.js';
import {
  agoWords,
  canBuild,
  dayWords,
  field,
  fieldset,
  isoDay,
  linkButton,
  listOf,
  money,
  pageHead,
  rangeWords,
  showProblems,
} from './campaignFields.js';

/** What each platform is called where people buy ads. */
const PLATFORM_NAMES = {
  google: 'Google Ads',
  meta: 'Meta (Facebook, Instagram)',
  linkedin: 'LinkedIn',
  sandbox: 'Sandbox',
};
const CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD', 'AUD', 'CHF', 'SEK', 'JPY'];
const TYPES = [
  ['launch', 'Launch'],
  ['paid', 'Always on'],
  ['promotion', 'Promotion'],
  ['retargeting', 'Retargeting'],
  ['influencer', 'Influencer'],
];
const CHANNELS = [
  ['paid_search', 'Paid search'],
  ['paid_social', 'Paid social'],
  ['display', 'Display'],
  ['influencer', 'Influencer'],
  ['paid', 'Paid, mixed'],
];
const OBJECTIVES = ['conversions', 'leads', 'traffic', 'awareness'];
/** How long the page waits for the approval request to be written after the campaign's run starts. */
const APPROVAL_WAIT_MS = 15_000;

const select = (id, name, options, selected) =>
  h(
    'select',
    { id, name },
    options.map(([value, text]) => h('option', { value, text, selected: value === selected })),
  );

/** The new-campaign form (#/campaigns/new), and once created, what happened to it. */
export function renderCampaignForm(el, ctx) {
  const back = h('p', { class: 'small' }, h('a', { href: '#/campaigns', text: '← Campaigns' }));
  if (!canBuild(ctx)) {
    return clear(
      el,
      back,
      h('h1', { text: 'New campaign' }),
      h('p', { class: 'notice', text: 'Only a marketer creates campaigns.' }),
    );
  }
  const venture = (ctx.ventures || []).find((v) => v.id === ctx.ventureId);
  if (!venture) {
    return clear(
      el,
      back,
      h('h1', { text: 'New campaign' }),
      h(
        'p',
        { class: 'panel empty-state', id: 'no-venture' },
        'A campaign belongs to a venture. Create a venture first. ',
        linkButton('#/campaigns/venture/new', 'New venture', { id: 'new-venture', primary: true }),
      ),
    );
  }
  clear(
    el,
    back,
    pageHead(
      'New campaign',
      `For ${venture.productName || venture.name}. The campaign is created on every platform you tick and ` +
        'starts on its first day. Concepts: docs/campaigns.md.',
    ),
    form(el, ctx, venture),
  );
}

function form(page, ctx, venture) {
  const modes = (ctx.meta && ctx.meta.adPlatforms) || { google: 'sandbox', meta: 'sandbox', linkedin: 'sandbox' };
  const name = h('input', { id: 'campaign-name', name: 'name', required: true, maxlength: 200 });
  const type = select('campaign-type', 'type', TYPES, 'launch');
  const channel = select('campaign-channel', 'channel', CHANNELS, 'paid_search');
  const platforms = Object.keys(modes).map((p) =>
    h('input', { type: 'checkbox', id: `platform-${p}`, name: 'platform', value: p }),
  );
  const start = h('input', { id: 'campaign-start', name: 'startDate', type: 'date', required: true, value: isoDay(0) });
  const end = h('input', {
    id: 'campaign-end',
    name: 'endDate',
    type: 'date',
    required: true,
    min: isoDay(0),
    value: isoDay(29),
  });
  const budget = h('input', {
    id: 'campaign-budget',
    name: 'budget',
    type: 'number',
    required: true,
    min: 0.01,
    step: 0.01,
    inputmode: 'decimal',
  });
  const currency = select(
    'campaign-currency',
    'currency',
    CURRENCIES.map((c) => [c, c]),
    'USD',
  );
  const objective = select(
    'campaign-objective',
    'objective',
    [['', 'None given'], ...OBJECTIVES.map((o) => [o, o[0].toUpperCase() + o.slice(1)])],
    '',
  );
  const countries = h('input', { id: 'campaign-countries', name: 'countries', placeholder: 'US, CA' });
  const ages = h('input', { id: 'campaign-ages', name: 'ageRange', pattern: '\\d{2}-\\d{2}', placeholder: '25-44' });
  const interests = h('input', { id: 'campaign-interests', name: 'interests' });
  const approval = h('small', { class: 'hint', id: 'campaign-budget-approval', 'aria-live': 'polite' });
  const showApproval = () =>
    (approval.textContent = approvalWords(ctx.meta && ctx.meta.approvalPolicy, budget.value, currency.value));
  budget.addEventListener('input', showApproval);
  currency.addEventListener('change', showApproval);
  showApproval();
  const platformProblem = h('small', {
    class: 'field-error',
    id: 'platforms-problem',
    dataset: { problem: 'platforms' },
  });

  const status = h('div', { id: 'campaign-form-status', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary', text: 'Create campaign' });
  const el = h(
    'form',
    {
      id: 'campaign-form',
      class: 'panel campaign-form',
      onsubmit: async (e) => {
        e.preventDefault();
        const chosen = platforms.filter((p) => p.checked).map((p) => p.value);
        clear(status);
        if (!chosen.length) {
          platformProblem.textContent = 'Tick at least one platform.';
          platforms[0].focus();
          return;
        }
        const audience = {
          ...(listOf(countries.value).length ? { countries: listOf(countries.value).map((c) => c.toUpperCase()) } : {}),
          ...(ages.value.trim() ? { ageRange: ages.value.trim() } : {}),
          ...(listOf(interests.value).length ? { interests: listOf(interests.value) } : {}),
        };
        const body = {
          ventureId: venture.id,
          name: name.value.trim(),
          type: type.value,
          channel: channel.value,
          platforms: chosen,
          startDate: start.value,
          endDate: end.value,
          budget: Number(budget.value),
          currency: currency.value,
          ...(objective.value ? { objective: objective.value } : {}),
          ...(Object.keys(audience).length ? { targetAudience: audience } : {}),
        };
        submit.disabled = true;
        try {
          const { body: campaign } = await api('POST', '/v1/campaigns', body);
          showCreated(page, campaign);
        } catch (err) {
          submit.disabled = false;
          const lines = showProblems(el, err);
          clear(status, h('div', { class: 'error-box' }, h('strong', { text: 'Not created. ' }), lines.join(' ')));
        }
      },
    },
    h(
      'div',
      { class: 'form-grid' },
      field('Name', name, 'What the team will call it, e.g. Spring launch: search.'),
      field('Type', type, 'What it is for; the reports group campaigns by it.'),
      field('Channel', channel, 'The marketing channel its results count towards.'),
    ),
    fieldset(
      'Platforms',
      'Where the ads run; a simulated platform spends no money. The daily budget starts split evenly between ' +
        'them; once results come in, Reallocate on the campaign’s page moves it to what converts.',
      platforms.map((p) =>
        h(
          'label',
          { class: 'choice', for: p.id },
          p,
          `${PLATFORM_NAMES[p.value] || p.value}${modes[p.value] === 'live' ? '' : ' (simulated)'}`,
        ),
      ),
      platformProblem,
    ),
    h(
      'div',
      { class: 'form-grid' },
      field('First day', start, 'Days count in UTC: it starts at midnight UTC of this day.'),
      field('Last day', end, 'It runs through this day; at most two years after the first.'),
      budgetField(budget, approval),
      field('Currency', currency, 'The ad accounts bill in it; a live platform refuses another currency.'),
      field('Objective', objective, 'Optional: what the platforms optimise delivery for.'),
    ),
    fieldset(
      'Audience',
      'Optional; passed to the platforms as targeting.',
      h(
        'div',
        { class: 'form-grid' },
        field('Countries', countries, 'Two-letter codes, comma-separated.', 'targetAudience'),
        field('Age range', ages, 'From-to in years, e.g. 25-44.', 'targetAudience'),
        field('Interests', interests, 'Comma-separated, e.g. productivity, remote work.', 'targetAudience'),
      ),
    ),
    h('div', { class: 'row' }, submit, linkButton('#/campaigns', 'Cancel')),
    status,
  );
  return el;
}

/** The budget's field, with the sentence that says, as the amount is typed, whether the chairman approves it. */
function budgetField(budget, approval) {
  const box = field('Budget', budget, 'For the whole campaign, in the chosen currency.');
  box.append(approval);
  budget.setAttribute('aria-describedby', `${budget.getAttribute('aria-describedby')} ${approval.id}`);
  return box;
}

/**
 * Whether a budget needs the chairman before the campaign starts (over the threshold of GET /v1/meta's approval
 * policy), in the currency chosen; the API decides again when the campaign is created.
 */
function approvalWords(policy, typed, currency) {
  if (!policy) return 'Over the approval threshold, the chairman approves it before it starts.';
  const threshold = money(policy.campaignBudgetThreshold, currency);
  const amount = Number(typed);
  if (typed === '' || !(amount > 0)) return `Over ${threshold}, the chairman approves it before it starts.`;
  return amount > policy.campaignBudgetThreshold
    ? `Over ${threshold}: the chairman approves it first.`
    : `Up to ${threshold}: it starts without waiting for the chairman.`;
}

/** What happened: created, and either on its way or waiting for the chairman (with the request's state). */
function showCreated(page, c) {
  const heading = h('h2', { tabindex: '-1', text: `Campaign created: ${c.name}` });
  const approvalState = h('p', { id: 'approval-state', 'aria-live': 'polite' });
  const facts = h(
    'p',
    {},
    `${money(c.budget, c.currency)} on ${c.platforms.map((p) => p.name).join(', ')}, ${rangeWords(c.startDate, c.endDate)}.`,
  );
  const outcome = c.approval.required
    ? h(
        'div',
        { class: 'notice' },
        h('p', {}, h('strong', { text: "Waiting for the chairman's approval. " }), `The ${c.approval.reason}.`),
        approvalState,
      )
    : h(
        'p',
        { class: 'notice info' },
        `No approval needed: the ${c.approval.reason}. It starts on ${dayWords(c.startDate)}.`,
      );
  clear(
    page,
    h('p', { class: 'small' }, h('a', { href: '#/campaigns', text: '← Campaigns' })),
    h('h1', { text: 'New campaign' }),
    h(
      'section',
      { class: 'panel', id: 'campaign-created', dataset: { id: c.id } },
      heading,
      facts,
      outcome,
      h(
        'p',
        { class: 'row' },
        linkButton(`#/campaigns/${c.id}`, 'Open the campaign', { id: 'open-campaign', primary: true }),
        linkButton('#/campaigns', 'All campaigns'),
      ),
    ),
  );
  heading.focus();
  if (c.approval.required) followApproval(c.id, approvalState);
}

/** Shows the approval request's state once its workflow has written it (a moment after the campaign starts). */
async function followApproval(campaignId, box) {
  box.textContent = 'Sending the request to the chairman…';
  const deadline = Date.now() + APPROVAL_WAIT_MS;
  while (box.isConnected && Date.now() < deadline) {
    try {
      const { approvals } = await get('/v1/approvals?subjectType=campaign&limit=500');
      const a = approvals.find((x) => x.subjectId === campaignId);
      if (a) {
        clear(
          box,
          'The request is ',
          badge(a.status),
          `, sent ${agoWords(a.requestedAt)}: ${a.title}.`,
          a.expiresAt ? ` Unless he decides by ${dayWords(a.expiresAt.slice(0, 10))}, it expires.` : '',
        );
        return;
      }
    } catch (err) {
      box.textContent = `The request's state is not readable: ${err.message}`;
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (box.isConnected) {
    clear(
      box,
      'The request is on its way to the chairman; ',
      h('a', { href: '#/approvals', text: 'Approvals' }),
      ' shows it.',
    );
  }
}
