import { eventMatcherOf } from './conditions';
import type { SequenceDefinition } from './definition';

/**
 * Names of the product events an enrollment on this definition can react to: its goals, its exits (`segment.left`
 * for a segment exit) and the events its `waitFor` steps wait for. Any other event would only grow the enrollment's
 * history, so it is not delivered.
 */
export function heardEvents(definition: SequenceDefinition): Set<string> {
  const names = new Set(definition.goals.map((g) => g.event));
  for (const exit of definition.exits ?? []) names.add(eventMatcherOf(exit).event);
  for (const step of definition.steps) {
    if (step.type !== 'waitFor') continue;
    names.add(step.event);
    for (const other of step.otherEvents ?? []) names.add(other.event);
  }
  return names;
}
