import { fmt, h } from '../ui.js';

/** The influencers on a campaign, with their scores, estimates and risks; an empty list says where to find some. */
export function influencerTable(list) {
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
