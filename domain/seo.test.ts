import {
  comparisonPage,
  competitors,
  countWords,
  generatePages,
  hubPath,
  integrationPage,
  integrationTargets,
  qualityAssurance,
  sitemapXml,
  slugify,
  type SeoVenture,
} from './seo';

const venture: SeoVenture = {
  name: 'Acme',
  slug: 'acme-notes',
  productName: 'Acme Notes',
  description: 'Acme Notes keeps a team’s meeting notes, decisions and follow-ups in one searchable place.',
  category: 'note-taking app',
  industry: 'small and mid-sized teams',
  website: 'https://acme.example',
  keywords: ['notes', 'meetings'],
  profile: {
    features: ['Shared meeting notes', 'Decision log', 'Action items with owners', 'Full-text search'],
    integrations: [
      {
        name: 'Slack',
        description: 'is the chat tool where most teams talk through their day',
        category: 'team chat',
        useCases: [
          'Post the summary of a meeting to its channel when the notes are closed',
          'Turn a Slack thread into a note with one click',
          'Get a reminder in Slack when an action item assigned to you is due',
        ],
      },
      {
        name: 'Google Calendar',
        description: 'schedules the meetings the notes are about',
        useCases: [
          'Open a note for every meeting on the calendar, with the invitees already listed',
          'See the last notes of a recurring meeting before it starts',
          'Attach the agenda from the invitation to the note',
        ],
      },
      'Zapier',
    ],
    competitors: [
      {
        name: 'Notion',
        description: 'is an all-in-one workspace for docs and wikis',
        pricing: 'Free, then from 10 USD per member a month',
        strengths: ['Flexible pages and databases', 'Large template gallery'],
        weaknesses: ['meeting notes need a template and discipline'],
        differentiators: ['Notes open from the calendar', 'Action items with owners and due dates'],
      },
      { name: 'Evernote', differentiators: ['Built for teams, not one person'], strengths: ['Web clipper'] },
    ],
  },
};

test('slugify makes URL segments', () => {
  expect(slugify('Google Calendar')).toBe('google-calendar');
  expect(slugify('  Zoho CRM+ & Co. ')).toBe('zoho-crm-plus-and-co');
  expect(slugify('Ünïcode Tool')).toBe('unicode-tool');
  expect(slugify('!!!')).toBe('');
});

test('integration targets and competitors come from the profile, as names or objects', () => {
  expect(integrationTargets(venture.profile).map((t) => t.slug)).toEqual(['slack', 'google-calendar', 'zapier']);
  expect(competitors(venture.profile).map((c) => c.slug)).toEqual(['notion', 'evernote']);
  expect(integrationTargets({ integrations: [null, 3, { nope: 1 }, ''] })).toEqual([]);
  expect(competitors({})).toEqual([]);
});

test('a well-described integration becomes a page of more than 300 words that links to the hub', () => {
  const page = integrationPage(venture, integrationTargets(venture.profile)[0]!);
  expect(page.path).toBe('/pages/acme-notes/integrations/slack');
  expect(page.title).toBe('Acme Notes + Slack integration | Acme');
  expect(page.wordCount).toBeGreaterThanOrEqual(300);
  expect(page.links).toContainEqual({ href: hubPath(venture), text: expect.any(String) });
  expect(page.metaDescription.length).toBeLessThanOrEqual(160);
});

test('generatePages publishes the rich pages and rejects the thin ones with the reason', () => {
  const site = generatePages(venture);
  expect(site.pages.map((p) => p.path)).toEqual([
    '/pages/acme-notes/integrations/slack',
    '/pages/acme-notes/integrations/google-calendar',
    '/pages/acme-notes/vs/notion',
  ]);
  // A bare name gives nothing to say beyond boilerplate: better unpublished than thin.
  const zapier = site.rejected.find((r) => r.slug === 'zapier')!;
  expect(zapier.reasons).toEqual([expect.stringMatching(/^thin content: \d+ words, fewer than 300$/)]);
  expect(site.rejected.map((r) => r.slug).sort()).toEqual(['evernote', 'zapier']);
  expect(site.hub.links.map((l) => l.href)).toEqual(expect.arrayContaining(site.pages.map((p) => p.path)));
  for (const p of site.pages) expect(p.wordCount).toBeGreaterThanOrEqual(300);
});

test('the word threshold is a setting', () => {
  const site = generatePages(venture, { minWords: 100 });
  expect(site.rejected).toEqual([]);
  expect(site.pages).toHaveLength(5);
});

test('duplicate titles and paths are rejected, the first page kept', () => {
  const dup = {
    ...venture,
    profile: {
      ...venture.profile,
      integrations: [venture.profile.integrations as unknown[]]
        .flat()
        .slice(0, 1)
        .concat((venture.profile.integrations as unknown[]).slice(0, 1)),
      competitors: [],
    },
  };
  const site = generatePages(dup);
  expect(site.pages).toHaveLength(1);
  expect(site.rejected).toHaveLength(1);
  expect(site.rejected[0]!.reasons).toEqual([
    'duplicate title: "Acme Notes + Slack integration | Acme" is already used by another page',
    'duplicate path: /pages/acme-notes/integrations/slack is already used by another page',
  ]);
});

test('a page without a link to the hub is rejected', () => {
  const page = comparisonPage(venture, competitors(venture.profile)[0]!);
  const orphan = { ...page, links: page.links.filter((l) => l.href !== hubPath(venture)) };
  const { published, rejected } = qualityAssurance(venture, [orphan]);
  expect(published).toEqual([]);
  expect(rejected[0]!.reasons).toEqual(['no link back to the hub page /pages/acme-notes/']);
});

test('countWords counts words, not punctuation', () => {
  expect(countWords('Acme Notes + Slack — in 5 minutes!')).toBe(6);
});

test('the sitemap lists the hub and the published pages, escaped', () => {
  const site = generatePages(venture);
  const xml = sitemapXml('https://example.com/', site, '2026-01-02');
  expect(xml).toContain('<loc>https://example.com/pages/acme-notes/</loc>');
  expect(xml).toContain('<loc>https://example.com/pages/acme-notes/vs/notion</loc><lastmod>2026-01-02</lastmod>');
  expect(xml).not.toContain('zapier');
  expect(sitemapXml('https://e.com?a=1&b=2', { ...site, pages: [] })).toContain('https://e.com?a=1&amp;b=2');
});
