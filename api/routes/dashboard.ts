import fs from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';
import { defineRoute, ok, type AnyRoute } from '../registry';

/** api/public next to the sources; from a build under dist/, the static files stay in the source tree. */
export function publicDir(): string {
  const candidates = [
    path.resolve(__dirname, '..', 'public'),
    path.resolve(__dirname, '..', '..', '..', 'api', 'public'),
  ];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html')));
  if (!found) throw new Error(`dashboard files not found in ${candidates.join(' or ')}`);
  return found;
}

/** Chart.js's browser build, from the installed package (the machine may have no internet, so no CDN). */
function chartJsFile(): string {
  return path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js');
}

/** Chart.js under /vendor, for the dashboard's charts; a declared public route. */
export function vendorRoutes(): AnyRoute[] {
  const chart = chartJsFile();
  return [
    defineRoute({
      method: 'get',
      path: '/vendor/chart.umd.js',
      summary: 'Chart.js for the dashboard',
      tag: 'Dashboard',
      access: 'public',
      produces: 'text/javascript',
      responses: ok('JavaScript'),
      handler: (_input, _req, res) => {
        res.set('Cache-Control', 'public, max-age=86400').type('text/javascript').sendFile(chart);
      },
    }),
  ];
}

/**
 * The dashboard: static HTML, CSS and ES modules from api/public (no build step); Chart.js comes from
 * `vendorRoutes`. Helmet's default CSP applies: everything is same-origin and no script is inline.
 */
export function dashboardRoutes(): Router {
  const router = Router();
  // no-cache: the browser revalidates (ETag) so a new release shows at once, and an unchanged file costs a 304.
  router.use(
    express.static(publicDir(), {
      index: 'index.html',
      cacheControl: false,
      setHeaders: (res) => res.set('Cache-Control', 'no-cache'),
    }),
  );
  return router;
}
