import { chart, clear, fmt, h, metric } from '../ui.js';
import { messageList, showTimeline, tableOf } from './messages.js';

/** The sequence page's numbers: the funnel per step and variant, the day-by-day chart and the holdout's lift. */

// Each stage with the rate the stats answer gives it; a null rate means nothing measures that stage.
const STAGES = [
  ['sent', 'Sent', null],
  ['delivered', 'Delivered', 'deliveryRate', 'delivered / sent'],
  ['opened', 'Opened', 'openRate', 'opened by a person / (sent − bounced); machine opens left out'],
  ['clicked', 'Clicked', 'clickRate', 'clicked by a person / (sent − bounced)'],
  ['bounced', 'Bounced', 'bounceRate', 'bounced / sent'],
  ['complained', 'Complained', 'complaintRate', 'complaints / (sent − bounced)'],
  ['unsubscribed', 'Unsubscribed', 'unsubscribeRate', 'unsubscribed / (sent − bounced)'],
  ['converted', 'Converted', null, 'sent messages whose enrollment went on to convert'],
];

/** The funnel of a stats line. */
function funnelOf(line) {
  if (!line) return {};
  return line.funnel || {};
}

function funnelCells(line) {
  const f = funnelOf(line);
  const r = (line && line.rates) || {};
  return STAGES.map(([k, , rate]) => {
    const unmeasured = rate && r[rate] === null && !f[k];
    return h(
      'td',
      { class: 'num', 'data-stage': k, title: unmeasured ? 'not measured for this mail' : undefined },
      unmeasured ? '–' : fmt.number(f[k]),
      rate && r[rate] !== null && r[rate] !== undefined ? h('span', { class: 'rate', text: fmt.pct(r[rate]) }) : null,
    );
  });
}

export function funnelPanel(stats, steps, openStep) {
  const order = new Map(steps.map((s, i) => [s.id, i]));
  const rows = [...(stats.steps || [])].sort(
    (a, b) => (order.get(a.stepId) ?? Infinity) - (order.get(b.stepId) ?? Infinity),
  );
  const open = (stepId) => () => openStep(stepId);
  return h(
    'section',
    { class: 'panel', id: 'funnel-panel', style: { marginTop: '1rem' } },
    h('h2', { text: 'Funnel per step' }),
    rows.length === 0
      ? h('p', { class: 'muted empty', id: 'funnel-empty', text: 'No email went out yet.' })
      : tableOf(
          { id: 'funnel', class: 'funnel' },
          ['Step', ...STAGES.map(([, label, , why]) => h('th', { class: 'num', title: why, text: label }))],
          [
            h('tr', { class: 'total' }, h('td', { text: 'All steps' }), funnelCells(stats.overall)),
            ...rows.flatMap((s) => [
              h(
                'tr',
                { class: 'link', 'data-funnel-step': s.stepId, onclick: open(s.stepId) },
                h('td', {}, h('button', { type: 'button', class: 'link-button', text: s.stepId })),
                funnelCells(s),
              ),
              ...(s.variants || []).map((v) =>
                h(
                  'tr',
                  {
                    class: 'link variant',
                    'data-funnel-step': s.stepId,
                    'data-variant': v.variant,
                    onclick: open(s.stepId),
                  },
                  h('td', { text: `variant ${v.variant}` }),
                  funnelCells(v),
                ),
              ),
            ]),
          ],
        ),
    rows.length
      ? h('p', { class: 'small muted', text: 'Rates under each count; click a step to see its messages.' })
      : null,
  );
}

export function summary(stats, sequence) {
  const o = stats.overall || {};
  const e = o.enrollments || {};
  const r = o.rates || {};
  return h(
    'div',
    {},
    h(
      'div',
      { class: 'cards', id: 'sequence-stats' },
      metric('Enrolled', fmt.number(e.total)),
      metric('Active', fmt.number(e.active)),
      metric('Converted', fmt.number(o.conversions), fmt.pct(o.conversionRate)),
      metric('Emails sent', fmt.number(funnelOf(o).sent)),
      metric('Opened', fmt.pct(r.openRate), r.openRate === null ? 'not measured' : 'of those not bounced'),
      metric('Clicked', fmt.pct(r.clickRate), r.clickRate === null ? 'not measured' : 'of those not bounced'),
    ),
    h('h3', { style: { marginTop: '1rem' }, text: 'Did the emails make a difference?' }),
    holdoutBox(stats.holdout, sequence),
    (stats.variants || []).length
      ? tableOf(
          { id: 'variants' },
          ['Variant', 'Enrolled', 'Sent', 'Opened', 'Converted', 'Rate', 'Revenue'].map((t, i) =>
            h('th', { class: i ? 'num' : undefined, text: t }),
          ),
          stats.variants.map((v) =>
            h(
              'tr',
              { 'data-variant': v.variant },
              h('td', { text: v.variant }),
              h('td', { class: 'num', text: fmt.number(v.enrollments && v.enrollments.total) }),
              h('td', { class: 'num', text: fmt.number(funnelOf(v).sent) }),
              h('td', { class: 'num', text: fmt.pct(v.rates && v.rates.openRate) }),
              h('td', { class: 'num', text: fmt.number(v.conversions) }),
              h('td', { class: 'num', text: fmt.pct(v.conversionRate) }),
              h('td', { class: 'num', text: fmt.money(v.revenue) }),
            ),
          ),
        )
      : h('p', { class: 'muted small', text: 'No A/B split reached yet.' }),
  );
}

const points = (v) => (v * 100).toFixed(1);

/** What the control group says, in words: a lift only where its 95% interval leaves zero out. */
function liftVerdict(lift) {
  if (!lift) return 'No measurable lift yet.';
  const ci = `(95% CI ${points(lift.ci95.low)} to ${points(lift.ci95.high)})`;
  if (!lift.significant) return `No measurable lift yet: ${points(lift.absolute)} points ${ci} could be chance.`;
  return lift.absolute >= 0
    ? `The emails lift conversion by ${points(lift.absolute)} points ${ci}.`
    : `The emails lower conversion by ${points(-lift.absolute)} points ${ci}.`;
}

function holdoutBox(holdout, sequence) {
  const box = h('div', { id: 'holdout' });
  if (!holdout)
    return clear(
      box,
      h('p', {
        class: 'muted small',
        text: sequence.definition.holdout
          ? 'Nobody has been held out yet, so there is nothing to compare.'
          : 'Everyone enrolled gets the emails, so their effect cannot be measured: a holdout share (say 0.1) in the definition keeps a control group.',
      }),
    );
  const group = (label, g) =>
    g
      ? `${label}: ${fmt.number(g.converted)} of ${fmt.number(g.enrolled)} converted (${fmt.pct(g.conversionRate)})`
      : `${label}: –`;
  const lift = holdout.lift;
  return clear(
    box,
    h('p', {
      class: `verdict${lift && lift.significant ? (lift.absolute >= 0 ? ' up' : ' down') : ''}`,
      text: liftVerdict(lift),
    }),
    h('p', {
      class: 'small muted',
      text: `${group('Emailed', holdout.treated)} · ${group('Held out', holdout.control)}${lift && lift.relative !== null && lift.relative !== undefined ? ` · ${lift.relative >= 0 ? '+' : ''}${(lift.relative * 100).toFixed(0)}% over the held-out rate` : ''}${lift ? '' : ' · both groups need someone in them'}`,
    }),
  );
}

export function drawDaily(box, daily) {
  if (!Array.isArray(daily) || daily.length === 0)
    return clear(box, h('p', { class: 'muted empty', text: 'Nothing happened yet.' }));
  const colours = ['#94a3b8', '#0ea5e9', '#2f5bea', '#7c3aed', '#b91c1c', '#ea580c', '#b45309', '#16a34a'];
  chart(box, {
    // A single day draws no line: bars then.
    type: daily.length > 1 ? 'line' : 'bar',
    label: 'Emails sent, delivered, opened, clicked, bounced and conversions per day',
    data: {
      labels: daily.map((d) => d.date),
      datasets: STAGES.map(([k, label], i) => ({
        label,
        data: daily.map((d) => d[k] ?? 0),
        borderColor: colours[i],
        backgroundColor: colours[i],
        // Complaints and unsubscribes are rare: hidden until asked for in the legend, so the scale stays readable.
        hidden: k === 'complained' || k === 'unsubscribed',
        pointRadius: daily.length > 40 ? 0 : 2,
        tension: 0.2,
      })),
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
}

export async function stepMessages(panel, key, stepId) {
  panel.hidden = false;
  const list = h('div', { id: 'step-messages', 'data-step': stepId });
  const timeline = h('div', { id: 'message-timeline' }, h('p', { class: 'muted', text: 'Choose a message.' }));
  clear(
    panel,
    h('h2', {}, 'Messages of step ', h('code', { text: stepId })),
    h('div', { class: 'messages-view' }, h('div', {}, list), h('div', {}, timeline)),
  );
  panel.scrollIntoView({ block: 'start' });
  await messageList(list, `/v1/sequences/${encodeURIComponent(key)}/steps/${encodeURIComponent(stepId)}/messages`, {
    empty: 'This step sent no message yet.',
    columns: ['when', 'to', 'subject', 'variant', 'status'],
    onOpen: (m) => showTimeline(timeline, m.id),
  });
}
