import { get } from '../api.js';
import { badge, clear, fmt, h, problem, temporalLink } from '../ui.js';

export async function render(el, ctx, [key]) {
  let sequences;
  try {
    sequences = (await get('/v1/sequences')).sequences;
  } catch (err) {
    return clear(el, h('h1', { text: 'Sequences' }), problem(err, 'Sequences'));
  }
  const selected =
    sequences.find((s) => s.key === key) || sequences.find((s) => s.key === 'onboarding') || sequences[0];
  const body = h('div', { id: 'sequence-detail' });
  clear(
    el,
    h('h1', { text: 'Sequences' }),
    h(
      'div',
      { class: 'seq-list', style: { marginBottom: '1rem' } },
      sequences.map((s) =>
        h('button', {
          class: s === selected ? 'selected' : undefined,
          onclick: () => (location.hash = `#/sequences/${encodeURIComponent(s.key)}`),
          text: s.name,
        }),
      ),
    ),
    body,
    contactLookup(ctx),
  );
  if (selected) await detail(body, selected);
}

const STEP_TEXT = {
  send: (s) => `Email “${s.subject}” (${s.template})`,
  wait: (s) => (s.duration ? `Wait ${s.duration}` : `Wait until ${s.until}`),
  waitFor: (s) => `Wait for “${s.event}”, at most ${s.timeout}`,
  branch: () => 'Branch on a condition',
  split: (s) => `A/B split: ${s.variants.map((v) => `${v.key} ${v.weight}`).join(' / ')}`,
  goto: (s) => `Go to ${s.target}`,
  exit: (s) => `Exit${s.reason ? `: ${s.reason}` : ''}`,
};

function edgesOf(step, nextId) {
  switch (step.type) {
    case 'waitFor':
      return [
        ['on event', step.onEvent],
        ['on timeout', step.onTimeout],
        ...(step.otherEvents || []).map((o) => [`on ${o.event}`, o.next]),
      ];
    case 'branch':
      return [
        ['then', step.then],
        ['else', step.else],
      ];
    case 'split':
      return step.variants.map((v) => [`variant ${v.key}`, v.next]);
    case 'goto':
      return [['go to', step.target]];
    case 'exit':
      return [];
    default:
      return step.next ? [['next', step.next]] : nextId ? [] : [['then', 'end']];
  }
}

async function detail(el, sequence) {
  const [statsR] = await Promise.allSettled([get(`/v1/sequences/${encodeURIComponent(sequence.key)}/stats`)]);
  const stats = statsR.status === 'fulfilled' ? statsR.value : null;
  const byStep = new Map((stats ? stats.steps : []).map((s) => [s.stepId, s]));
  const steps = sequence.definition.steps;
  const flow = h('div', { class: 'flow', id: 'flow' });
  steps.forEach((s, i) => {
    const next = steps[i + 1];
    const edges = edgesOf(s, next && next.id);
    const st = byStep.get(s.id);
    flow.append(
      h(
        'div',
        { class: `step ${s.type}`, id: `step-${s.id}`, 'data-step': s.id },
        h('div', { class: 'kind' }, h('b', { text: s.type }), ' · ', h('code', { text: s.id })),
        h('div', { text: s.label || STEP_TEXT[s.type](s) }),
        st
          ? h('div', {
              class: 'stats',
              text: `${fmt.number(st.sends)} sent · ${fmt.number(st.failures)} failed${st.opens !== null && st.opens !== undefined ? ` · ${fmt.number(st.opens)} opened` : ''}${st.clicks !== null && st.clicks !== undefined ? ` · ${fmt.number(st.clicks)} clicked` : ''}`,
            })
          : null,
        edges.length
          ? h(
              'ul',
              { class: 'edges' },
              edges.map(([label, target]) =>
                h(
                  'li',
                  {},
                  `${label} → `,
                  target === 'end'
                    ? h('span', { text: 'end' })
                    : h('a', {
                        href: `#/sequences/${encodeURIComponent(sequence.key)}`,
                        onclick: (e) => {
                          e.preventDefault();
                          highlight(target);
                        },
                        text: target,
                      }),
                ),
              ),
            )
          : null,
      ),
    );
    // A straight arrow where the flow falls through to the next box; jumps are listed as links in the box.
    const fallsThrough = next && (s.type === 'send' || s.type === 'wait') && (!s.next || s.next === next.id);
    if (next) flow.append(arrow(fallsThrough));
  });
  const o = stats && stats.overall;
  clear(
    el,
    h(
      'div',
      { class: 'two' },
      h(
        'section',
        { class: 'panel' },
        h(
          'h2',
          {},
          `${sequence.name} `,
          h('span', { class: 'muted small', text: `v${sequence.version} · ${sequence.definition.category}` }),
        ),
        sequence.description ? h('p', { class: 'muted', text: sequence.description }) : null,
        h('p', {
          class: 'small',
          text: `Triggers: ${(sequence.definition.triggers || []).map((t) => t.event).join(', ') || 'hand enrollment only'} · Goals: ${(sequence.definition.goals || []).map((g) => g.event).join(', ') || 'none'}`,
        }),
        flow,
      ),
      h(
        'section',
        { class: 'panel' },
        h('h2', { text: 'Stats' }),
        !stats
          ? problem(statsR.reason, 'Sequence stats')
          : h(
              'div',
              {},
              h(
                'div',
                { class: 'cards', id: 'sequence-stats' },
                statCard('Enrolled', o.enrollments.total),
                statCard('Active', o.enrollments.active),
                statCard('Converted', o.conversions, fmt.pct(o.conversionRate)),
                statCard('Emails sent', o.sends),
              ),
              stats.variants.length
                ? h(
                    'div',
                    { class: 'table-wrap' },
                    h('h3', { style: { marginTop: '1rem' }, text: 'Per variant' }),
                    h(
                      'table',
                      {},
                      h(
                        'thead',
                        {},
                        h(
                          'tr',
                          {},
                          ['Variant', 'Enrolled', 'Sent', 'Converted', 'Rate', 'Revenue'].map((t, i) =>
                            h('th', { class: i ? 'num' : undefined, text: t }),
                          ),
                        ),
                      ),
                      h(
                        'tbody',
                        {},
                        stats.variants.map((v) =>
                          h(
                            'tr',
                            {},
                            h('td', { text: v.variant }),
                            h('td', { class: 'num', text: v.enrollments.total }),
                            h('td', { class: 'num', text: v.sends }),
                            h('td', { class: 'num', text: v.conversions }),
                            h('td', { class: 'num', text: fmt.pct(v.conversionRate) }),
                            h('td', { class: 'num', text: fmt.money(v.revenue) }),
                          ),
                        ),
                      ),
                    ),
                  )
                : h('p', { class: 'muted small', text: 'No A/B split reached yet.' }),
            ),
      ),
    ),
  );
}

function statCard(label, value, hint) {
  return h(
    'div',
    { class: 'metric' },
    h('div', { class: 'label', text: label }),
    h('div', { class: 'value', text: fmt.number(value) }),
    hint ? h('div', { class: 'hint', text: hint }) : null,
  );
}

function arrow(solid) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 20 16');
  svg.setAttribute('class', 'arrow');
  svg.setAttribute('aria-hidden', 'true');
  const line = document.createElementNS(ns, 'path');
  line.setAttribute('d', 'M10 0 V11 M5 7 L10 13 L15 7');
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', '#94a3b8');
  line.setAttribute('stroke-width', '2');
  if (!solid) line.setAttribute('stroke-dasharray', '2 2');
  svg.append(line);
  return svg;
}

function highlight(id) {
  const target = document.getElementById(`step-${id}`);
  if (!target) return;
  for (const s of document.querySelectorAll('.step.highlight')) s.classList.remove('highlight');
  target.classList.add('highlight');
  target.scrollIntoView({ behavior: 'smooth', block: 'center' });
}

function contactLookup(ctx) {
  const out = h('div', { id: 'enrollments' });
  const input = h('input', { id: 'contact-id', placeholder: 'contact id, e.g. demo-ada', 'aria-label': 'Contact id' });
  const form = h(
    'form',
    {
      class: 'row',
      onsubmit: async (e) => {
        e.preventDefault();
        const id = input.value.trim();
        if (!id) return;
        clear(out, h('p', { class: 'loading', text: 'Loading…' }));
        try {
          const r = await get(`/v1/contacts/${encodeURIComponent(id)}/enrollments`);
          clear(
            out,
            r.enrollments.length === 0
              ? h('p', { class: 'muted', text: 'No enrollment.' })
              : h(
                  'div',
                  { class: 'table-wrap' },
                  h(
                    'table',
                    {},
                    h(
                      'thead',
                      {},
                      h(
                        'tr',
                        {},
                        ['Sequence', 'Status', 'Version', 'Now', 'Enrolled', ''].map((t) => h('th', { text: t })),
                      ),
                    ),
                    h(
                      'tbody',
                      {},
                      r.enrollments.map((en) =>
                        h(
                          'tr',
                          {},
                          h('td', { text: en.sequenceKey }),
                          h('td', {}, badge(en.status)),
                          h('td', { text: `v${en.sequenceVersion}` }),
                          h('td', { class: 'small', text: describeState(en) }),
                          h('td', { class: 'small', text: fmt.ago(en.enrolledAt) }),
                          h('td', {}, temporalLink(ctx.meta, en.workflowId, 'Temporal UI')),
                        ),
                      ),
                    ),
                  ),
                ),
          );
        } catch (err) {
          clear(out, problem(err, `Contact ${id}`));
        }
      },
    },
    input,
    h('button', { type: 'submit', text: 'Show live enrollments' }),
  );
  return h(
    'section',
    { class: 'panel', style: { marginTop: '1rem' } },
    h('h2', { text: 'A contact’s enrollments' }),
    form,
    out,
  );
}

function describeState(en) {
  const state = en.state;
  if (!state) return en.currentStep ? `at ${en.currentStep}` : en.exitReason || '–';
  const parts = [];
  if (state.currentStep) parts.push(`at ${state.currentStep}`);
  if (state.waitingFor)
    parts.push(
      state.waitingFor.event
        ? `waiting for ${state.waitingFor.event} until ${fmt.date(state.waitingFor.until)}`
        : `waiting until ${fmt.date(state.waitingFor.until)}`,
    );
  parts.push(`${state.sends} sent`);
  if (state.variant) parts.push(`variant ${state.variant}`);
  return parts.join(', ');
}
