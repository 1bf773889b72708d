import type { RouteDeps } from '../deps';
import type { AnyRoute } from '../registry';
import { sequenceDefinitionRoutes } from './sequences/definitionRoutes';
import { sequenceEnrollmentRoutes } from './sequences/enrollmentRoutes';

/**
 * Sequence management: define, version and archive sequences, enroll and exit contacts by hand, read a
 * contact's enrollments with their live state, and report on a sequence.
 */
export function sequenceRoutes(
  deps: Pick<RouteDeps, 'db' | 'temporal' | 'taskQueue' | 'metrics' | 'config'>,
): AnyRoute[] {
  return [...sequenceDefinitionRoutes(deps), ...sequenceEnrollmentRoutes(deps)];
}
