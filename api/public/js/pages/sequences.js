import { get } from '../api.js';
import { clear, h, problem } from '../ui.js';
import { drawDaily, funnelPanel, stepLine, stepMessages, summary } from './sequenceStats.js';

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
    contactLookup(),
  );
  if (selected) await detail(body, ctx, selected);
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

async function detail(el, ctx, sequence) {
  const [statsR] = await Promise.allSettled([get(`/v1/sequences/${encodeURIComponent(sequence.key)}/stats`)]);
  const stats = statsR.status === 'fulfilled' ? statsR.value : null;
  const byStep = new Map((stats ? stats.steps || [] : []).map((s) => [s.stepId, s]));
  const steps = sequence.definition.steps;
  const messagesPanel = h('section', { class: 'panel', id: 'step-messages-panel', hidden: true });
  const openStep = (stepId) => stepMessages(messagesPanel, sequence.key, stepId);
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
        st ? h('div', { class: 'stats', text: stepLine(st) }) : null,
        s.type === 'send'
          ? h('button', {
              type: 'button',
              class: 'link-button small',
              'data-step-messages': s.id,
              onclick: () => openStep(s.id),
              text: 'Messages',
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
  const daily = h('div', { class: 'chart-box', id: 'daily-chart' });
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
          text: [
            `Triggers: ${(sequence.definition.triggers || []).map(matcherText).join(', ') || 'hand enrollment only'}`,
            `Goals: ${(sequence.definition.goals || []).map(matcherText).join(', ') || 'none'}`,
            ...(sequence.definition.exits?.length
              ? [`Exits: ${sequence.definition.exits.map(matcherText).join(', ')}`]
              : []),
          ].join(' · '),
        }),
        flow,
      ),
      h(
        'section',
        { class: 'panel' },
        h('h2', { text: 'Stats' }),
        stats ? summary(stats, sequence) : problem(statsR.reason, 'Sequence stats'),
        stats ? h('h3', { style: { marginTop: '1rem' }, text: 'Day by day' }) : null,
        stats ? daily : null,
      ),
    ),
    stats ? funnelPanel(stats, steps, openStep) : null,
    messagesPanel,
  );
  if (stats) drawDaily(daily, stats.daily);
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

/** The contact page has the whole story of a contact; this is the way there from a sequence. */
function contactLookup() {
  const input = h('input', { id: 'contact-id', placeholder: 'contact id, e.g. demo-ada', 'aria-label': 'Contact id' });
  const go = (e) => {
    e.preventDefault();
    if (input.value.trim()) location.hash = `#/contacts/${encodeURIComponent(input.value.trim())}`;
  };
  return h(
    'section',
    { class: 'panel', style: { marginTop: '1rem' } },
    h('h2', { text: 'A contact’s enrollments and messages' }),
    h('form', { class: 'row', onsubmit: go }, input, h('button', { type: 'submit', text: 'Open the contact' })),
  );
}

/** A trigger, goal or exit as a person reads it: the event's name, or entering or leaving a segment. */
function matcherText(m) {
  if (m.segmentEntered) return `entering segment ${m.segmentEntered}`;
  if (m.segmentLeft) return `leaving segment ${m.segmentLeft}`;
  return m.event;
}
