import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { GeneratedSite, SeoPage } from '../domain/seo';

interface SeoTemplates {
  layout: HandlebarsTemplateDelegate;
  article: HandlebarsTemplateDelegate;
  hub: HandlebarsTemplateDelegate;
}

let loaded: SeoTemplates | undefined;

// Next to this file when run from source; from a build under dist/, the .hbs files stay in the source tree.
function seoDir(): string {
  const candidates = [path.join(__dirname, 'seo'), path.resolve(__dirname, '..', '..', 'templates', 'seo')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'layout.hbs')));
  if (!found) throw new Error(`SEO templates not found in ${candidates.join(' or ')}`);
  return found;
}

function load(): SeoTemplates {
  if (loaded) return loaded;
  const dir = seoDir();
  // A fresh environment with strict mode off but HTML escaping on: every value from a venture's profile is text.
  const env = Handlebars.create();
  const compile = (file: string) => env.compile(fs.readFileSync(path.join(dir, file), 'utf8'));
  loaded = { layout: compile('layout.hbs'), article: compile('article.hbs'), hub: compile('hub.hbs') };
  return loaded;
}

/**
 * Whether a link may be rendered: a path on this site, or an http(s) address. Escaping does not make a
 * `javascript:` or `data:` href harmless, and ventures stored before the API checked the website may hold one.
 */
export function isSafeHref(href: string): boolean {
  if (href.startsWith('/')) return !href.startsWith('//') && !href.startsWith('/\\');
  try {
    const url = new URL(href);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** One page of the venture's site as HTML: the hub with its cards, or an integration or comparison article. */
export function renderSeoPage(
  site: GeneratedSite,
  original: SeoPage,
  context: { productName: string; publicUrl: string },
): string {
  const t = load();
  const page: SeoPage = { ...original, links: original.links.filter((l) => isSafeHref(l.href)) };
  const content =
    page.type === 'hub'
      ? t.hub({
          page,
          pages: site.pages,
          integrations: site.pages.filter((p) => p.type === 'integration'),
          comparisons: site.pages.filter((p) => p.type === 'comparison'),
        })
      : t.article({ page });
  return t.layout({
    page,
    content,
    canonical: `${context.publicUrl.replace(/\/$/, '')}${page.path}`,
    hubPath: site.hub.path,
    productName: context.productName,
    section: page.type === 'integration' ? 'Integrations' : page.type === 'comparison' ? 'Comparisons' : undefined,
  });
}
