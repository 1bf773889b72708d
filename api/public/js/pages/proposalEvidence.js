// The evidence behind a reallocation proposal, shown where the chairman decides it and on the campaign's page: the
// split now and proposed per platform, the conversions a day the fitted curves expect of each, and the fit's quality.
import { fmt, h } from '../ui.js';

const pct = (share) => `${Math.round(share * 1000) / 10}%`;
const num = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
/** A value with its 90% interval, e.g. "42.1 (38.0 to 47.3)". */
export const withInterval = (e, signed = false) => {
  if (!e) return '–';
  const f = (n) => `${signed && n > 0 ? '+' : ''}${num.format(n)}`;
  return e.low === e.high ? f(e.value) : `${f(e.value)} (${f(e.low)} to ${f(e.high)})`;
};

/** The per-platform table and the fit's quality; a line saying why when the curves could not be fitted. */
export function evidenceTable(p, id = 'proposal-evidence') {
  const ev = p.evidence || {};
  const names = Object.keys(p.currentShares || p.proposedShares || {}).sort();
  const byName = new Map((ev.channels || []).map((c) => [c.name, c]));
  const quality = ev.fitted
    ? `Curves fitted on ${ev.days} days: R² ${num.format(ev.quality.r2)}, ` +
      `error ${num.format(ev.quality.mape * 100)}% in sample` +
      (ev.quality.holdout && ev.quality.holdout.mape !== null
        ? `, ${num.format(ev.quality.holdout.mape * 100)}% on the last ${ev.quality.holdout.days} days held out.`
        : '.')
    : `No curves: ${ev.problem || 'they could not be fitted'}.`;
  return h(
    'div',
    { id },
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'split' },
        h('caption', { class: 'visually-hidden', text: 'Share of the daily budget per platform: now and proposed' }),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Platform', 'Share now', 'Proposed', 'A day, proposed', 'Conversions a day now', 'Proposed'].map((t, i) =>
              h('th', { scope: 'col', class: i === 0 ? undefined : 'num', text: t }),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          names.map((name) => {
            const c = byName.get(name) || {};
            return h(
              'tr',
              { dataset: { platform: name } },
              h('th', { scope: 'row', text: name }),
              h('td', { class: 'num share-now', text: pct((p.currentShares || {})[name] || 0) }),
              h('td', { class: 'num share-proposed', text: pct((p.proposedShares || {})[name] || 0) }),
              h('td', {
                class: 'num',
                text: p.dailyBudget
                  ? fmt.money(((p.proposedShares || {})[name] || 0) * p.dailyBudget, p.currency)
                  : '–',
              }),
              h('td', { class: 'num', text: withInterval(c.expectedCurrent) }),
              h('td', { class: 'num', text: withInterval(c.expectedProposed) }),
            );
          }),
        ),
      ),
    ),
    h(
      'p',
      { class: 'small' },
      'Expected gain: ',
      h('strong', { class: 'proposal-gain', text: `${withInterval(p.expectedGain, true)} conversions a day` }),
      ' (90% interval from refits of the curves). ',
      quality,
    ),
  );
}
