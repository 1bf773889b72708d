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
 * Where the app mounts routers (the webhooks' and Segment's sit outside the API key's). Least specific first: a
 * router matches a probe under its own mount and under every longer one, so the first match is its mount.
 */
const MOUNTS = ['', '/v1', '/v1/webhooks', '/v1/segment'];

/**
 * Every route the app serves, read from Express's own router, so that a route added later is fuzzed and must have
 * a row in the access table without anyone remembering to list it. Routers are mounted at one of MOUNTS.
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
        const mount = MOUNTS.find((m) => layer.match(`${m}/__probe__`));
        if (mount === undefined) throw new Error('a router is mounted somewhere not in MOUNTS: teach listRoutes');
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return routes;
}

/** `METHOD /path`, the key of a route in tables. */
export const routeKey = (r: RouteInfo) => `${r.method} ${r.path}`;
