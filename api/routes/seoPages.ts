import type { Response } from 'express';
import { z } from 'zod';
import { VentureStore, type Venture } from '../../db/stores/ventures';
import { generatePages, sitemapXml, type GeneratedSite } from '../../domain/seo';
import { renderSeoPage } from '../../templates/renderSeoPage';
import type { RouteDeps } from '../deps';
import { notFound } from '../errors';
import { defineRoute, ok, r404, type AnyRoute } from '../registry';

const PAGE_CACHE = 'public, max-age=300';

function site(venture: Venture): GeneratedSite {
  return generatePages(venture);
}

function notFoundPage(res: Response, what: string): void {
  res
    .status(404)
    .type('html')
    .send(`<!doctype html><html lang="en"><title>Not found</title><p>${what} was not found.</p></html>`);
}

const publicPage = { method: 'get', tag: 'Public pages', access: 'public' } as const;
const HELD_BACK = 'no such page, or the quality gate held it back';

/**
 * The venture's public pages (programmatic SEO): the hub, one page per integration and per competitor that passed
 * the quality gate, and their sitemap. No key needed; a page the gate rejected is not there (404).
 */
export function seoPageRoutes({ db, config }: Pick<RouteDeps, 'db' | 'config'>): AnyRoute[] {
  const ventures = new VentureStore(db);
  const context = (v: Venture) => ({ productName: v.productName, publicUrl: config.publicUrl });

  /** One page of a kind: an integration or a comparison, by its slug. */
  const typedPage = (segment: 'integrations' | 'vs', type: 'integration' | 'comparison', summary: string) =>
    defineRoute({
      ...publicPage,
      path: `/pages/:venture/${segment}/:slug`,
      summary,
      params: z.object({ venture: z.string(), slug: z.string() }),
      produces: 'text/html',
      responses: { '200': 'HTML', '404': HELD_BACK },
      handler: async ({ params }, _req, res) => {
        const venture = await ventures.get(params.venture);
        if (!venture) return notFoundPage(res, 'This site');
        const generated = site(venture);
        const page = generated.pages.find((p) => p.type === type && p.slug === params.slug);
        if (!page) return notFoundPage(res, 'This page');
        res
          .set('Cache-Control', PAGE_CACHE)
          .type('html')
          .send(renderSeoPage(generated, page, context(venture)));
      },
    });

  return [
    defineRoute({
      ...publicPage,
      path: '/pages/:venture/sitemap.xml',
      summary: 'Sitemap of the venture’s published pages',
      produces: 'application/xml',
      responses: { '200': 'XML', '404': 'no such venture' },
      handler: async ({ params }, _req, res) => {
        const venture = await ventures.get(params.venture);
        if (!venture) return notFoundPage(res, 'This site');
        const xml = sitemapXml(config.publicUrl, site(venture), venture.updatedAt.toISOString().slice(0, 10));
        res.set('Cache-Control', PAGE_CACHE).type('application/xml').send(xml);
      },
    }),
    defineRoute({
      ...publicPage,
      path: '/pages/:venture',
      summary: 'A venture’s hub page: every published integration and comparison page',
      produces: 'text/html',
      responses: { '200': 'HTML', '404': 'no such venture' },
      handler: async ({ params }, _req, res) => {
        const venture = await ventures.get(params.venture);
        if (!venture) return notFoundPage(res, 'This site');
        const generated = site(venture);
        res
          .set('Cache-Control', PAGE_CACHE)
          .type('html')
          .send(renderSeoPage(generated, generated.hub, context(venture)));
      },
    }),
    typedPage('integrations', 'integration', 'An integration page'),
    typedPage('vs', 'comparison', 'A comparison page'),
  ];
}

/** GET /v1/ventures/:id/seo-pages: what the quality gate published and what it held back, with the reasons. */
export function seoReportRoutes({ db }: Pick<RouteDeps, 'db'>): AnyRoute[] {
  const ventures = new VentureStore(db);
  const summary = (p: GeneratedSite['pages'][number]) => ({
    type: p.type,
    slug: p.slug,
    path: p.path,
    title: p.title,
    wordCount: p.wordCount,
  });
  return [
    defineRoute({
      method: 'get',
      path: '/v1/ventures/:id/seo-pages',
      summary: 'The venture’s generated pages: published, and rejected with the reasons',
      tag: 'Public pages',
      access: 'any',
      responses: { ...ok('pages'), ...r404 },
      handler: async ({ params }, _req, res) => {
        const venture = await ventures.get(params.id);
        if (!venture) throw notFound(`venture ${params.id}`);
        const generated = site(venture);
        res.json({
          ventureId: venture.id,
          hub: summary(generated.hub),
          sitemap: `/pages/${venture.slug}/sitemap.xml`,
          published: generated.pages.map(summary),
          rejected: generated.rejected,
        });
      },
    }),
  ];
}
