import fs from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';
import { z } from 'zod';
import { notFound } from '../errors';
import { defineRoute, ok, r404, type AnyRoute } from '../registry';

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

/**
 * The files of the Ace code editor the template editor loads: the editor, the modes it highlights with and the
 * search box it opens on Ctrl-F. Only these are served; any other name, and any path, is a 404.
 */
export const ACE_FILES: readonly string[] = [
  'ace.js',
  'mode-html.js',
  'mode-handlebars.js',
  'theme-textmate.js',
  'ext-searchbox.js',
];

/** Ace's minified browser build without a global `define`, from the installed package. */
function aceDir(): string {
  return path.join(path.dirname(require.resolve('ace-builds/package.json')), 'src-min-noconflict');
}

/**
 * Chart.js and the Ace editor under /vendor, for the dashboard's charts and template editor, and the dashboard's
 * deep links; declared public routes.
 */
export function vendorRoutes(): AnyRoute[] {
  const chart = chartJsFile();
  const ace = aceDir();
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
    defineRoute({
      method: 'get',
      path: '/approvals/:id',
      summary: 'The dashboard, open on one approval request',
      description:
        'Where the approval email’s button leads: the dashboard page, which asks the chairman to sign in and then ' +
        'shows the request with Approve and Reject.',
      tag: 'Dashboard',
      access: 'public',
      produces: 'text/html',
      responses: ok('the dashboard'),
      handler: (_input, _req, res) => {
        res.set('Cache-Control', 'no-cache').sendFile(path.join(publicDir(), 'index.html'));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/vendor/ace/:file',
      summary: 'A file of the Ace code editor for the template editor',
      description: `Only these files: ${ACE_FILES.join(', ')}. Any other name is a 404.`,
      tag: 'Dashboard',
      access: 'public',
      params: z.object({ file: z.string() }),
      produces: 'text/javascript',
      responses: { ...ok('JavaScript'), ...r404 },
      handler: ({ params }, _req, res) => {
        // The name is looked up in the list, never joined onto a path as given: `..%2F` finds nothing.
        if (!ACE_FILES.includes(params.file)) throw notFound(`editor file ${params.file}`);
        res.set('Cache-Control', 'public, max-age=86400').type('text/javascript').sendFile(path.join(ace, params.file));
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
