import type { Step } from './definition';
import { parseDuration } from './duration';
import { stepEdges } from './graph';
import type { SequenceProblem } from './problems';

// A step that makes the contact wait a positive time before it can move on. A waitFor with a zero timeout is a
// check ("has this happened yet?") and passes straight through.
function pauses(step: Step): boolean {
  if (step.type === 'wait') return step.until !== undefined || parseDuration(step.duration as string) > 0;
  if (step.type === 'waitFor') return parseDuration(step.timeout) > 0;
  return false;
}

/**
 * Cycles made only of steps that do not pause would run (and send) as fast as the machine allows. The pausing
 * steps are taken out of the graph and any cycle left over is a problem, reported once per strongly connected
 * component at the edge that closes it.
 */
export function loopsWithoutWait(steps: readonly Step[], indexOf: ReadonlyMap<string, number>): SequenceProblem[] {
  const adjacency: { to: number; field: string | undefined }[][] = steps.map((step, i) =>
    pauses(step)
      ? []
      : stepEdges(steps, i).flatMap((e) => {
          const to = indexOf.get(e.to);
          return to !== undefined && !pauses(steps[to] as Step) ? [{ to, field: e.field }] : [];
        }),
  );

  // Tarjan's algorithm, iterative so a long list of steps cannot overflow the stack.
  const index = new Array<number>(steps.length).fill(-1);
  const low = new Array<number>(steps.length).fill(0);
  const onStack = new Array<boolean>(steps.length).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (let root = 0; root < steps.length; root++) {
    if (index[root] !== -1) continue;
    const work: { node: number; edge: number }[] = [{ node: root, edge: 0 }];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: number; edge: number };
      const edges = adjacency[frame.node] as { to: number }[];
      if (frame.edge < edges.length) {
        const to = (edges[frame.edge++] as { to: number }).to;
        if (index[to] === -1) {
          index[to] = low[to] = counter++;
          stack.push(to);
          onStack[to] = true;
          work.push({ node: to, edge: 0 });
        } else if (onStack[to]) {
          low[frame.node] = Math.min(low[frame.node] as number, index[to] as number);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent.node] = Math.min(low[parent.node] as number, low[frame.node] as number);
      if (low[frame.node] === index[frame.node]) {
        const component: number[] = [];
        let n: number;
        do {
          n = stack.pop() as number;
          onStack[n] = false;
          component.push(n);
        } while (n !== frame.node);
        components.push(component);
      }
    }
  }

  const problems: SequenceProblem[] = [];
  for (const component of components) {
    const members = new Set(component);
    const first = Math.min(...component);
    const selfLoop = (adjacency[first] ?? []).some((e) => e.to === first);
    if (component.length === 1 && !selfLoop) continue;
    // Report at the edge that jumps back, the one an author would change: the last member pointing to an
    // earlier-or-equal member in list order.
    let at = { from: first, field: undefined as string | undefined };
    for (const from of [...component].sort((a, b) => b - a)) {
      const back = (adjacency[from] ?? []).find((e) => members.has(e.to) && e.to <= from);
      if (back) {
        at = { from, field: back.field };
        break;
      }
    }
    const ids = [...component].sort((a, b) => a - b).map((i) => `'${steps[i]?.id}'`);
    problems.push({
      path: at.field === undefined ? `steps.${at.from}` : `steps.${at.from}.${at.field}`,
      message: `step '${steps[at.from]?.id}' closes a loop (${ids.join(', ')}) with no wait or waitFor in it, which would repeat without pause`,
    });
  }
  return problems.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
}

/** Steps no path from the first step leads to. */
export function unreachableSteps(steps: readonly Step[], indexOf: ReadonlyMap<string, number>): SequenceProblem[] {
  const seen = new Set<number>([0]);
  const queue = [0];
  while (queue.length > 0) {
    const i = queue.shift() as number;
    for (const e of stepEdges(steps, i)) {
      const to = indexOf.get(e.to);
      if (to !== undefined && !seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return steps.flatMap((step, i) =>
    seen.has(i) ? [] : [{ path: `steps.${i}`, message: `step '${step.id}' can never be reached from the first step` }],
  );
}
