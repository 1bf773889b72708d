// The lines between the step cards: an SVG laid over the graph, redrawn whenever the cards move or grow. It is
// decoration only (aria-hidden): each card says in words where it leads, and its form holds the same edges as
// selects, so nothing here needs a mouse or eyes.

const NS = 'http://www.w3.org/2000/svg';
/** Where the contact goes after the last step when nothing sends them elsewhere. */
export const END = '';

/**
 * The ways out of the step at `index`: a label (empty for plain flow), the field of the step that names the
 * target (undefined for falling through to the next step) and the target's id, or END.
 */
export function waysOut(steps, index) {
  const s = steps[index];
  const following = steps[index + 1] ? steps[index + 1].id : END;
  switch (s.type) {
    case 'send':
    case 'wait':
      return [{ label: '', field: s.next ? 'next' : undefined, to: s.next || following }];
    case 'waitFor':
      return [
        { label: 'on event', field: 'onEvent', to: s.onEvent },
        ...(s.otherEvents || []).map((o, i) => ({
          label: `on ${o.event || '?'}`,
          field: `otherEvents.${i}.next`,
          to: o.next,
        })),
        { label: 'timed out', field: 'onTimeout', to: s.onTimeout },
      ];
    case 'branch':
      return [
        { label: 'yes', field: 'then', to: s.then },
        { label: 'no', field: 'else', to: s.else },
      ];
    case 'split':
      return (s.variants || []).map((v, i) => ({ label: v.key || '?', field: `variants.${i}.next`, to: v.next }));
    case 'goto':
      return [{ label: '', field: 'target', to: s.target }];
    default:
      return [];
  }
}

/** The ways out of a step in words: "yes → pro_mail · no → done"; "" when the step just ends. */
export function waysWords(steps, index) {
  return waysOut(steps, index)
    .map(
      (w) =>
        `${w.label ? `${w.label} → ` : 'then → '}${w.to === END ? 'the end' : w.to === undefined ? '(not chosen)' : w.to}`,
    )
    .join(' · ');
}

function svgEl(tag, attrs) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/**
 * Draws the edges of `steps` into `svg`, sized to `graph`. Cards are the `li` children of `list` in step order;
 * `start` and `end` are the nodes before the first step and after the last. An edge to the card right below is a
 * straight arrow between them; every other edge (a jump forward or back) runs in a lane to the right of the cards,
 * shorter jumps in inner lanes so the lines do not cross more than they must.
 */
export function drawEdges({ svg, graph, list, start, end, steps }) {
  const box = graph.getBoundingClientRect();
  svg.setAttribute('width', String(graph.clientWidth));
  svg.setAttribute('height', String(graph.clientHeight));
  svg.replaceChildren(arrowHead());
  const cards = [...list.children];
  const rect = (el) => {
    const r = el.getBoundingClientRect();
    return { top: r.top - box.top, bottom: r.bottom - box.top, left: r.left - box.left, right: r.right - box.left };
  };
  const nodes = cards.map(rect);
  const startBox = rect(start);
  const endBox = rect(end);
  const centre = (r) => (r.left + r.right) / 2;
  const straight = (from, to, label, cls = '') => {
    if (to.top - from.bottom < 4) return;
    const x = centre(from);
    svg.append(
      svgEl('path', { class: `edge ${cls}`, d: `M${x} ${from.bottom} V${to.top - 2}`, 'marker-end': 'url(#sb-arrow)' }),
    );
    if (label) svg.append(text(x + 6, (from.bottom + to.top) / 2 + 4, label));
  };
  if (nodes.length) straight(startBox, nodes[0], '', 'start');

  const indexOf = new Map(steps.map((s, i) => [s.id, i]));
  const jumps = [];
  steps.forEach((s, i) => {
    const below = new Map();
    for (const way of waysOut(steps, i)) {
      // A way not chosen yet, or to a step that is not there, has nothing to point at.
      if (way.to === undefined || (way.to !== END && !indexOf.has(way.to))) continue;
      const to = way.to === END ? steps.length : indexOf.get(way.to);
      if (to === i + 1) below.set(to, [...(below.get(to) || []), way.label].filter(Boolean));
      else jumps.push({ from: i, to, label: way.label });
    }
    for (const [to, labels] of below) straight(nodes[i], to === steps.length ? endBox : nodes[to], labels.join(', '));
  });

  // Inner lanes for short jumps; each lane a fixed step further right.
  jumps.sort((a, b) => Math.abs(a.to - a.from) - Math.abs(b.to - b.from));
  const right = Math.max(...nodes.map((n) => n.right), endBox.right);
  // Ways out of one card leave at different heights, and ways into one card arrive at different heights, so two
  // lines (and their labels) never share a point.
  const outs = new Map();
  const ins = new Map();
  const nth = (map, key) => {
    const n = map.get(key) || 0;
    map.set(key, n + 1);
    return n;
  };
  jumps.forEach((j, lane) => {
    const from = nodes[j.from];
    const to = j.to === steps.length ? endBox : nodes[j.to];
    const x = Math.min(right + 14 + lane * 12, graph.clientWidth - 4);
    const y1 = from.top + Math.min(18 + nth(outs, j.from) * 16, from.bottom - from.top - 6);
    const y2 = to.bottom - Math.min(12 + nth(ins, j.to) * 10, to.bottom - to.top - 4);
    svg.append(
      svgEl('path', {
        class: 'edge jump',
        d: `M${from.right} ${y1} H${x} V${y2} H${to.right + 2}`,
        'marker-end': 'url(#sb-arrow)',
      }),
    );
    if (j.label) svg.append(text(from.right + 4, y1 - 3, j.label));
  });
}

function text(x, y, words) {
  const t = svgEl('text', { x, y, class: 'edge-label' });
  t.textContent = words;
  return t;
}

function arrowHead() {
  const defs = svgEl('defs', {});
  const marker = svgEl('marker', {
    id: 'sb-arrow',
    viewBox: '0 0 10 10',
    refX: 9,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: 'auto-start-reverse',
  });
  marker.append(svgEl('path', { d: 'M0 0 L10 5 L0 10 z', class: 'edge-head' }));
  defs.append(marker);
  return defs;
}

/** Keeps the edges drawn as the graph changes size (a form opens, the window narrows); answers a redraw function. */
export function keepDrawn(args) {
  let queued = false;
  const redraw = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      if (args.graph.isConnected) drawEdges(args);
    });
  };
  if (typeof ResizeObserver === 'function') new ResizeObserver(redraw).observe(args.list);
  redraw();
  return redraw;
}
