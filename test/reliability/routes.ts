import type { Express } from 'express';

export interface RouteInfo {
  method: string;
  /** The Express path, e.g. `/v1/contacts/:id`. */
  path: string;
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  match(path: string): boolean;
}

/**
 * Every route the app serves, read from Express's own router, so that a route added later is fuzzed and must have
 * a row in the access table without anyone remembering to list it. Routers are mounted at `/` or `/v1`.
 */
export function listRoutes(app: Express): RouteInfo[] {
  const routes: RouteInfo[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          if (method !== '_all') routes.push({ method: method.toUpperCase(), path: `${prefix}${layer.route.path}` });
        }
      } else if (layer.handle?.stack) {
        const mount = layer.match('/__probe__') ? '' : layer.match('/v1/__probe__') ? '/v1' : undefined;
        if (mount === undefined) throw new Error('a router is mounted somewhere other than / or /v1: teach listRoutes');
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return routes;
}

/** `METHOD /path`, the key of a route in tables. */
export const routeKey = (r: RouteInfo) => `${r.method} ${r.path}`;
