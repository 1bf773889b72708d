import type { RouteDeps } from '../deps';
import type { AnyRoute } from '../registry';

export function importRoutes(_deps: RouteDeps): AnyRoute[] {
  return [];
}
