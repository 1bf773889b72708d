import { Router, type Response } from 'express';
import { VentureStore, type Venture } from '../../db/stores/ventures';
import { generatePages, sitemapXml, type GeneratedSite } from '../../domain/seo';
import { renderSeoPage } from '../../templates/renderSeoPage';
import type { AppDeps } from '../app';
import { notFound } from '../errors';

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

/**
 * The venture's public pages (programmatic SEO): the hub, one page per integration and per competitor that passed
 * the quality gate, and their sitemap. No key needed; a page the gate rejected is not there (404).
 */
export function seoPageRoutes({ db, config }: Pick<AppDeps, 'db' | 'config'>): Router {
  const router = Router();
  const ventures = new VentureStore(db);
  const context = (v: Venture) => ({ productName: v.productName, publicUrl: config.publicUrl });

  router.get('/pages/:venture/sitemap.xml', async (req, res) => {
    const venture = await ventures.get(String(req.params.venture));
    if (!venture) return notFoundPage(res, 'This site');
    const xml = sitemapXml(config.publicUrl, site(venture), venture.updatedAt.toISOString().slice(0, 10));
    res.set('Cache-Control', PAGE_CACHE).type('application/xml').send(xml);
  });

  router.get('/pages/:venture', async (req, res) => {
    const venture = await ventures.get(String(req.params.venture));
    if (!venture) return notFoundPage(res, 'This site');
    const generated = site(venture);
    res
      .set('Cache-Control', PAGE_CACHE)
      .type('html')
      .send(renderSeoPage(generated, generated.hub, context(venture)));
  });

  for (const [segment, type] of [
    ['integrations', 'integration'],
    ['vs', 'comparison'],
  ] as const) {
    router.get(`/pages/:venture/${segment}/:slug`, async (req, res) => {
      const venture = await ventures.get(String(req.params.venture));
      if (!venture) return notFoundPage(res, 'This site');
      const generated = site(venture);
      const page = generated.pages.find((p) => p.type === type && p.slug === req.params.slug);
      if (!page) return notFoundPage(res, 'This page');
      res
        .set('Cache-Control', PAGE_CACHE)
        .type('html')
        .send(renderSeoPage(generated, page, context(venture)));
    });
  }

  return router;
}

/** GET /v1/ventures/:id/seo-pages: what the quality gate published and what it held back, with the reasons. */
export function seoReportRoutes({ db }: Pick<AppDeps, 'db'>): Router {
  const router = Router();
  const ventures = new VentureStore(db);
  router.get('/ventures/:id/seo-pages', async (req, res) => {
    const venture = await ventures.get(String(req.params.id));
    if (!venture) throw notFound(`venture ${req.params.id}`);
    const generated = site(venture);
    const summary = (p: GeneratedSite['pages'][number]) => ({
      type: p.type,
      slug: p.slug,
      path: p.path,
      title: p.title,
      wordCount: p.wordCount,
    });
    res.json({
      ventureId: venture.id,
      hub: summary(generated.hub),
      sitemap: `/pages/${venture.slug}/sitemap.xml`,
      published: generated.pages.map(summary),
      rejected: generated.rejected,
    });
  });
  return router;
}
