import type { Step } from './definition';

/** One way out of a step: the id it leads to and the field that says so (undefined when it falls through). */
export interface StepEdge {
  to: string;
  /** Path of the field below the step, e.g. `next`, `onTimeout`, `variants.1.next`; undefined for fall-through. */
  field: string | undefined;
}

/** Where a send or wait step goes: its `next`, else the step after it in the list, else nowhere (the end). */
export function followingStepId(steps: readonly Step[], index: number): string | undefined {
  const step = steps[index];
  if (step && (step.type === 'send' || step.type === 'wait') && step.next !== undefined) return step.next;
  return steps[index + 1]?.id;
}

/** Every step the step at `index` can lead to, with the field that names it; the end of the sequence is no edge. */
export function stepEdges(steps: readonly Step[], index: number): StepEdge[] {
  const step = steps[index];
  if (!step) return [];
  switch (step.type) {
    case 'send':
    case 'wait': {
      const to = followingStepId(steps, index);
      if (to === undefined) return [];
      return [{ to, field: step.next !== undefined ? 'next' : undefined }];
    }
    case 'waitFor':
      return [
        { to: step.onEvent, field: 'onEvent' },
        ...(step.otherEvents ?? []).map((o, i) => ({ to: o.next, field: `otherEvents.${i}.next` })),
        { to: step.onTimeout, field: 'onTimeout' },
      ];
    case 'branch':
      return [
        { to: step.then, field: 'then' },
        { to: step.else, field: 'else' },
      ];
    case 'split':
      return step.variants.map((v, i) => ({ to: v.next, field: `variants.${i}.next` }));
    case 'goto':
      return [{ to: step.target, field: 'target' }];
    case 'exit':
      return [];
  }
}
