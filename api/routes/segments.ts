import type { RouteDeps } from '../deps';
import type { AnyRoute } from '../registry';

export function segmentRoutes(_deps: RouteDeps): AnyRoute[] {
  return [];
}
