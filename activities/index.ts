import { createSequenceActivities, type SequenceActivityDeps } from './sequenceActivities';

export type ActivityDeps = SequenceActivityDeps;

/** Every activity the workers register, built from their dependencies (tests pass their own). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSequenceActivities(deps),
  };
}
