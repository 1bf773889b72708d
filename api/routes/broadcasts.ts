import type { RouteDeps } from '../deps';
import type { AnyRoute } from '../registry';

export function broadcastRoutes(_deps: RouteDeps): AnyRoute[] {
  return [];
}
