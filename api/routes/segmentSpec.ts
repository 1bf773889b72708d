import type { RouteDeps } from '../deps';
import type { AnyRoute } from '../registry';

export function segmentSpecRoutes(_deps: RouteDeps): AnyRoute[] {
  return [];
}
