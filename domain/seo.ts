/**
 * Programmatic SEO: pages generated from patterns, the way integration directories and "X vs Y" pages are built.
 * One integration page per integration target and one comparison page per competitor, both taken from the
 * venture's `profile.integrations` and `profile.competitors`, then a quality gate before anything is published:
 * no two pages with one title, no thin page, every page linking back to the venture's hub. Pure: the caller
 * loads the venture and renders the pages.
 */
import { comparisonPage, hubPage, hubPath, integrationPage } from './seoPageTemplates';
import { competitors, integrationTargets } from './seoProfile';
import {
  DEFAULT_MIN_WORDS,
  type GeneratedSite,
  type RejectedPage,
  type SeoOptions,
  type SeoPage,
  type SeoVenture,
} from './seoTypes';

export * from './seoTypes';
export { competitors, integrationTargets, slugify } from './seoProfile';
export { comparisonPage, countWords, hubPage, hubPath, integrationPage, pageText } from './seoPageTemplates';

/**
 * The quality gate: a page is published only if its title is not already taken by an earlier page, its slug
 * is not taken in its section, it has at least `minWords` words, and it links back to the hub.
 */
export function qualityAssurance(
  venture: Pick<SeoVenture, 'slug'>,
  pages: readonly SeoPage[],
  options: SeoOptions = {},
): { published: SeoPage[]; rejected: RejectedPage[] } {
  const minWords = options.minWords ?? DEFAULT_MIN_WORDS;
  const hub = hubPath(venture);
  const titles = new Set<string>();
  const paths = new Set<string>();
  const published: SeoPage[] = [];
  const rejected: RejectedPage[] = [];
  for (const page of pages) {
    const reasons: string[] = [];
    const titleKey = page.title.trim().toLowerCase();
    if (page.slug === '') reasons.push('no slug: the name has no letters or digits');
    if (titles.has(titleKey)) reasons.push(`duplicate title: "${page.title}" is already used by another page`);
    if (paths.has(page.path)) reasons.push(`duplicate path: ${page.path} is already used by another page`);
    if (page.wordCount < minWords) reasons.push(`thin content: ${page.wordCount} words, fewer than ${minWords}`);
    if (!page.links.some((l) => l.href === hub)) reasons.push(`no link back to the hub page ${hub}`);
    titles.add(titleKey);
    paths.add(page.path);
    if (reasons.length === 0) published.push(page);
    else
      rejected.push({
        type: page.type,
        slug: page.slug,
        path: page.path,
        title: page.title,
        wordCount: page.wordCount,
        reasons,
      });
  }
  return { published, rejected };
}

/** Every page of a venture from its patterns, through the quality gate, with the hub over the published ones. */
export function generatePages(venture: SeoVenture, options: SeoOptions = {}): GeneratedSite {
  const candidates = [
    ...integrationTargets(venture.profile).map((t) => integrationPage(venture, t)),
    ...competitors(venture.profile).map((c) => comparisonPage(venture, c)),
  ];
  const { published, rejected } = qualityAssurance(venture, candidates, options);
  return { hub: hubPage(venture, published), pages: published, rejected };
}

/** The sitemap of the published pages, XML-escaped, with absolute URLs under `baseUrl`. */
export function sitemapXml(baseUrl: string, site: GeneratedSite, lastModified?: string): string {
  const base = baseUrl.replace(/\/$/, '');
  const urls = [site.hub, ...site.pages].map(
    (p) =>
      `  <url><loc>${xmlEscape(base + p.path)}</loc>${lastModified ? `<lastmod>${xmlEscape(lastModified)}</lastmod>` : ''}</url>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`;
}

export function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[ch]!);
}
