import { get, post, upload } from '../api.js';
import {
  clear,
  docsLink,
  emptyState,
  filePicker,
  fmt,
  h,
  holds,
  initials,
  pageHead,
  problem,
  temporalLink,
} from '../ui.js';

const PLATFORMS = [
  'instagram',
  'tiktok',
  'youtube',
  'linkedin',
  'twitter',
  'facebook',
  'twitch',
  'pinterest',
  'snapchat',
];
const WRITERS = ['marketer', 'operator'];
const TITLE = 'Influencer discovery';
const HELP = [
  'Creators scored for this venture’s audience: filter them, then add the good ones to a campaign. Import a CSV of creators, then score the catalogue. ',
  docsLink(),
];

export async function render(el, ctx) {
  if (!ctx.ventureId)
    return clear(
      el,
      pageHead(TITLE, HELP),
      emptyState(
        'influencers-empty',
        'Influencers are scored for a venture, and there is none yet. The overview says how to create one.',
        h('a', { href: '#/overview', text: 'Open the overview' }),
      ),
    );
  let campaigns = [];
  try {
    campaigns = (await get(`/v1/campaigns?ventureId=${ctx.ventureId}`)).campaigns.filter(
      (c) => !['completed', 'cancelled', 'rejected'].includes(c.status),
    );
  } catch {
    campaigns = [];
  }
  const results = h('div', { id: 'influencer-results' });
  const progress = h('div', { id: 'job-progress' });
  const field = (label, input) => h('label', {}, label, input);
  const category = h('input', { name: 'category', id: 'f-category', placeholder: 'e.g. productivity' });
  const platform = h(
    'select',
    { name: 'platform', id: 'f-platform' },
    h('option', { value: '', text: 'Any' }),
    PLATFORMS.map((p) => h('option', { value: p, text: p })),
  );
  const minFollowers = h('input', {
    name: 'minFollowers',
    id: 'f-min',
    type: 'number',
    min: 0,
    step: 1000,
    placeholder: '0',
  });
  const maxFollowers = h('input', {
    name: 'maxFollowers',
    id: 'f-max',
    type: 'number',
    min: 0,
    step: 1000,
    placeholder: 'any',
  });
  const minScoreOut = h('output', { text: '0' });
  const minScore = h('input', {
    name: 'minScore',
    id: 'f-score',
    type: 'range',
    min: 0,
    max: 100,
    step: 5,
    value: 0,
    oninput: (e) => (minScoreOut.textContent = e.target.value),
  });

  const search = async () => {
    const q = new URLSearchParams({ ventureId: ctx.ventureId, limit: '24' });
    if (category.value.trim()) q.set('category', category.value.trim());
    if (platform.value) q.set('platform', platform.value);
    if (minFollowers.value) q.set('minFollowers', minFollowers.value);
    if (maxFollowers.value) q.set('maxFollowers', maxFollowers.value);
    if (Number(minScore.value) > 0) q.set('minScore', minScore.value);
    clear(results, h('p', { class: 'loading', text: 'Searching…' }));
    try {
      const found = await get(`/v1/influencers/search?${q}`);
      clear(
        results,
        h('p', {
          class: 'muted small',
          id: 'result-count',
          text: `${found.total} match${found.total === 1 ? '' : 'es'}${found.total > found.results.length ? `, best ${found.results.length} shown` : ''}`,
        }),
        grid(found.results, ctx, campaigns),
      );
    } catch (err) {
      clear(results, problem(err, 'Influencer search'));
    }
  };

  const form = h(
    'form',
    {
      class: 'panel filters',
      id: 'influencer-filters',
      onsubmit: (e) => {
        e.preventDefault();
        search();
      },
    },
    field('Category', category),
    field('Platform', platform),
    field('Min followers', minFollowers),
    field('Max followers', maxFollowers),
    h('label', { for: 'f-score' }, h('span', {}, 'Minimum score ', minScoreOut), minScore),
    h('button', { class: 'primary', type: 'submit', id: 'search', text: 'Search' }),
  );

  clear(
    el,
    pageHead(TITLE, HELP, holds(ctx, WRITERS) ? jobs(ctx, progress, search) : null),
    progress,
    form,
    h(
      'section',
      { style: { marginTop: '1rem' }, 'aria-labelledby': 'influencer-matches' },
      h('h2', { id: 'influencer-matches', text: 'Matches' }),
      results,
    ),
  );
  await search();
}

function grid(list, ctx, campaigns) {
  if (!list.length)
    return emptyState(
      'influencers-none',
      holds(ctx, WRITERS)
        ? 'No scored influencer matches these filters. Widen them, or import creators and press Score catalogue.'
        : 'No scored influencer matches these filters. Widen them; a marketer can import and score more creators.',
    );
  return h(
    'div',
    { class: 'inf-grid' },
    list.map((r) => card(r, ctx, campaigns)),
  );
}

function card({ influencer: i, match: m }, ctx, campaigns) {
  const roi = m.subScores && typeof m.subScores.estimatedRoi === 'number' ? m.subScores.estimatedRoi : null;
  const status = h('span', { class: 'small muted', role: 'status' });
  let actions = null;
  if (holds(ctx, WRITERS)) {
    if (campaigns.length) {
      const select = h(
        'select',
        { 'aria-label': `Campaign for ${i.name}` },
        campaigns.map((c) => h('option', { value: c.id, text: c.name })),
      );
      actions = h(
        'div',
        { class: 'actions' },
        select,
        h('button', {
          type: 'button',
          class: 'primary',
          text: 'Add to campaign',
          'aria-label': `Add to campaign: ${i.name}`,
          onclick: async (e) => {
            e.target.disabled = true;
            try {
              const res = await post(`/v1/campaigns/${select.value}/influencers`, { influencerId: i.id });
              status.textContent = res.added ? 'Added.' : 'Already on that campaign.';
            } catch (err) {
              status.textContent = err.message;
            }
            e.target.disabled = false;
          },
        }),
      );
    } else actions = h('p', { class: 'small muted', text: 'No open campaign to add to.' });
  }
  return h(
    'article',
    { class: 'panel inf', 'data-influencer': i.handle },
    h(
      'header',
      {},
      h('div', { class: 'avatar', 'aria-hidden': 'true', text: initials(i.name) }),
      h(
        'div',
        { class: 'who' },
        h('h3', { text: i.name }),
        h('p', { text: `@${i.handle} · ${i.platform} · ${i.category}`, title: `@${i.handle}` }),
      ),
      h(
        'div',
        { class: 'score', title: 'Relevance score (composite, 0-100)' },
        h('span', {}, String(Math.round(m.compositeScore)), h('small', { text: 'score' })),
      ),
    ),
    h(
      'div',
      { class: 'metrics' },
      h('div', {}, h('b', { text: fmt.compact(i.followersCount) }), h('span', { text: 'followers' })),
      h('div', {}, h('b', { text: fmt.pct(i.engagementRate, 1) }), h('span', { text: 'engagement' })),
      h('div', {}, h('b', { text: fmt.times(roi) }), h('span', { text: 'est. ROI' })),
    ),
    h(
      'div',
      { class: 'tags' },
      m.riskFactors.length
        ? m.riskFactors.map((r) => h('span', { class: 'tag', text: fmt.label(r) }))
        : h('span', { class: 'small muted', text: 'No risk factors' }),
    ),
    m.matchReasoning ? h('p', { class: 'small muted', style: { margin: 0 }, text: m.matchReasoning }) : null,
    actions,
    status,
  );
}

/** Import a CSV (upload progress) and run a scoring run (progress from the workflow's query). */
function jobs(ctx, progress, refresh) {
  const bar = (value, label) => {
    const inner = h('div', { style: { width: value === null ? undefined : `${Math.round(value * 100)}%` } });
    return h(
      'div',
      { class: 'panel', style: { marginBottom: '1rem' } },
      h('p', { class: 'small', style: { margin: '0 0 0.4rem' }, text: label }),
      h(
        'div',
        {
          class: `progress${value === null ? ' indeterminate' : ''}`,
          role: 'progressbar',
          'aria-label': label,
          'aria-valuemin': 0,
          'aria-valuemax': 100,
          'aria-valuenow': value === null ? undefined : Math.round(value * 100),
        },
        inner,
      ),
    );
  };
  const csv = filePicker({ label: 'Import CSV…', accept: '.csv,text/csv', name: 'CSV of influencers' }, async (f) => {
    clear(progress, bar(0, `Uploading ${f.name}…`));
    try {
      const result = await upload('/v1/influencers/import', f, 'text/csv', (p) =>
        clear(progress, bar(p < 1 ? p : null, p < 1 ? `Uploading ${f.name}… ${Math.round(p * 100)}%` : 'Importing…')),
      );
      clear(
        progress,
        h('div', {
          class: 'notice info',
          style: { marginBottom: '1rem' },
          text: `Imported ${result.imported}, updated ${result.updated}, rejected ${result.rejectedCount}. Run a scoring run to score them for this venture.`,
        }),
      );
    } catch (err) {
      clear(progress, problem(err, 'The import'));
    }
  });
  const score = async (e) => {
    e.target.disabled = true;
    try {
      const run = await post(`/v1/ventures/${ctx.ventureId}/influencer-scoring`);
      const link = temporalLink(ctx.meta, run.workflowId);
      for (;;) {
        const p = await get(run.progress);
        const share = p.total > 0 ? p.scored / p.total : null;
        clear(
          progress,
          bar(
            p.status === 'completed' ? 1 : share,
            `Scoring: ${p.scored} of ${p.total || '…'} influencers (${p.workflowStatus || p.status})`,
          ),
        );
        if (link) progress.firstChild.append(link);
        if (p.status === 'completed' || (p.workflowStatus && p.workflowStatus !== 'RUNNING')) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      await refresh();
    } catch (err) {
      clear(progress, problem(err, 'The scoring run'));
    }
    e.target.disabled = false;
  };
  return h(
    'div',
    { class: 'row' },
    csv.file,
    csv.button,
    h('button', { type: 'button', id: 'score-run', onclick: score, text: 'Score catalogue' }),
  );
}
