/** The page patterns: an integration page, a comparison page and the hub, with their word counts. */
import { strings } from './seoProfile';
import type { Competitor, IntegrationTarget, PageSection, SeoPage, SeoVenture } from './seoTypes';

/** Words of visible text, as a reader (or a crawler) counts them. */
export function countWords(text: string): number {
  return text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

export function pageText(page: Pick<SeoPage, 'h1' | 'intro' | 'sections' | 'faqs'>): string {
  const parts: string[] = [page.h1, page.intro];
  for (const s of page.sections) {
    parts.push(s.heading, ...s.paragraphs, ...(s.bullets ?? []));
    for (const row of s.table?.rows ?? []) parts.push(...row);
  }
  for (const f of page.faqs) parts.push(f.question, f.answer);
  return parts.join(' ');
}

function features(venture: SeoVenture): string[] {
  return strings(venture.profile.features);
}

/** What the product is, with its article: "a note-taking app", "an analytics tool". */
function what(venture: SeoVenture): string {
  const c = venture.category;
  const noun = !c ? 'product' : /\b(software|tool|app|platform|service|suite)s?$/i.test(c) ? c : `${c} tool`;
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}

function withWordCount(page: Omit<SeoPage, 'wordCount'>): SeoPage {
  return { ...page, wordCount: countWords(pageText(page)) };
}

export const hubPath = (venture: Pick<SeoVenture, 'slug'>) => `/pages/${venture.slug}/`;

/** An integration page: what connecting the venture's product with the target does, how, and for whom. */
export function integrationPage(venture: SeoVenture, target: IntegrationTarget): SeoPage {
  const p = venture.productName;
  const hub = hubPath(venture);
  const feats = features(venture);
  const sections: PageSection[] = [];
  sections.push({
    heading: `Why connect ${p} and ${target.name}`,
    paragraphs: [
      `${p} is ${what(venture)}${venture.industry ? ` for ${venture.industry}` : ''}. ${venture.description ?? ''}`.trim(),
      target.description
        ? `${target.name} ${target.description.replace(/^\s*(is|are)\s+/i, 'is ')}${/[.!?]$/.test(target.description) ? '' : '.'}`
        : `${target.name} is a tool many ${p} teams already use every day.`,
      `Connecting the two means the work you do in ${target.name} and the work you do in ${p} stay in step, without copying anything by hand and without a second place to check.`,
    ],
  });
  if (target.useCases.length > 0) {
    sections.push({
      heading: `What teams do with ${p} and ${target.name}`,
      paragraphs: [`The most common ways teams use the ${target.name} integration:`],
      bullets: target.useCases,
    });
  }
  if (feats.length > 0) {
    sections.push({
      heading: `${p} features that work with ${target.name}`,
      paragraphs: [`Everything below is available to ${target.name} users from the first day:`],
      bullets: feats.map((f) => `${f}, with ${target.name} kept up to date`),
    });
  }
  sections.push({
    heading: `How to set up the ${target.name} integration`,
    paragraphs: [
      `Setting up takes a few minutes and needs no code. Open ${p}, go to Settings, then Integrations, and choose ${target.name}. Sign in to ${target.name} when asked and pick what should be shared.`,
      `You can pause or remove the connection at any time from the same page; nothing in ${target.name} is changed without your say.`,
    ],
  });
  const faqs = [
    {
      question: `Does the ${target.name} integration cost extra?`,
      answer: `No. The ${target.name} integration is part of every ${p} plan.`,
    },
    {
      question: `Who can connect ${target.name}?`,
      answer: `Any ${p} workspace admin can connect ${target.name}; other members see the results as soon as it is on.`,
    },
  ];
  return withWordCount({
    type: 'integration',
    slug: target.slug,
    path: `/pages/${venture.slug}/integrations/${target.slug}`,
    title: `${p} + ${target.name} integration | ${venture.name}`,
    metaDescription: truncate(
      `Connect ${p} with ${target.name}: ${target.useCases[0] ?? `keep ${target.name} and ${p} in step`}. Set up in minutes, no code.`,
      160,
    ),
    h1: `${p} + ${target.name}`,
    intro: `Use ${p} with ${target.name}${target.category ? `, the ${target.category} tool,` : ''} to keep your work in one flow.`,
    sections,
    faqs,
    links: [
      { href: hub, text: `All ${p} integrations and comparisons` },
      ...(venture.website ? [{ href: venture.website, text: `${p} home page` }] : []),
    ],
  });
}

/** A comparison page: the venture's product against one competitor, honestly, with when to choose which. */
export function comparisonPage(venture: SeoVenture, competitor: Competitor): SeoPage {
  const p = venture.productName;
  const c = competitor.name;
  const hub = hubPath(venture);
  const feats = features(venture);
  const sections: PageSection[] = [];
  sections.push({
    heading: `${p} and ${c} at a glance`,
    paragraphs: [
      `${p} is ${what(venture)}${venture.industry ? ` for ${venture.industry}` : ''}. ${venture.description ?? ''}`.trim(),
      competitor.description
        ? `${c} ${competitor.description.replace(/^\s*(is|are)\s+/i, 'is ')}${/[.!?]$/.test(competitor.description) ? '' : '.'}`
        : `${c} is another option teams look at when they choose ${what(venture)}.`,
      `Both can do the job; the right choice depends on how your team works, what it already uses, and what it is willing to pay.`,
    ],
  });
  const rows: [string, string, string][] = [];
  for (const d of competitor.differentiators) rows.push([d, 'Yes', 'Not built in']);
  // What the competitor is known for; whether the venture matches it is not claimed.
  for (const s of competitor.strengths) rows.push([s, '–', 'Yes']);
  if (competitor.pricing) rows.push(['Pricing', 'See our pricing page', competitor.pricing]);
  if (rows.length > 0) {
    sections.push({
      heading: `Feature comparison: ${p} vs ${c}`,
      paragraphs: [`Where the two differ most, as of the last review:`],
      table: { columns: ['', p, c], rows },
    });
  }
  const reasons = [
    ...competitor.differentiators,
    ...competitor.weaknesses.map((w) => `No trade-off like ${c}'s: ${w}`),
  ];
  if (reasons.length > 0 || feats.length > 0) {
    sections.push({
      heading: `Why teams switch from ${c} to ${p}`,
      paragraphs: [`Teams that moved from ${c} to ${p} most often name these reasons:`],
      bullets: reasons.length > 0 ? reasons : feats,
    });
  }
  sections.push({
    heading: `When ${c} may be the better fit`,
    paragraphs: [
      competitor.strengths.length > 0
        ? `${c} is strong at ${joinList(competitor.strengths.map((s) => s.toLowerCase()))}. If that matters most to you, try it side by side with ${p} before deciding.`
        : `If your team is already deep in ${c} and happy with it, the cost of moving may outweigh the gains; try both side by side before deciding.`,
    ],
  });
  sections.push({
    heading: `Moving from ${c} to ${p}`,
    paragraphs: [
      `Most teams move over in an afternoon: export from ${c}, import into ${p}, and invite your team. Nothing is lost, and you can run both while you check.`,
    ],
  });
  const faqs = [
    {
      question: `Is ${p} a good alternative to ${c}?`,
      answer: `For teams that want ${competitor.differentiators[0]?.toLowerCase() ?? `a focused ${what(venture).replace(/^an? /, '')}`}, yes. Compare both on your own work before you decide.`,
    },
    {
      question: `Can I import my data from ${c}?`,
      answer: `Yes. ${p} imports what you export from ${c}, so you do not start from scratch.`,
    },
  ];
  return withWordCount({
    type: 'comparison',
    slug: competitor.slug,
    path: `/pages/${venture.slug}/vs/${competitor.slug}`,
    title: `${p} vs ${c}: which is right for you? | ${venture.name}`,
    metaDescription: truncate(
      `${p} vs ${c} compared: features, pricing and when each is the better choice.${competitor.differentiators[0] ? ` ${competitor.differentiators[0]}.` : ''}`,
      160,
    ),
    h1: `${p} vs ${c}`,
    intro: `An honest comparison of ${p} and ${c}, so you can pick the one that fits your team.`,
    sections,
    faqs,
    links: [
      { href: hub, text: `All ${p} comparisons and integrations` },
      ...(venture.website ? [{ href: venture.website, text: `${p} home page` }] : []),
    ],
  });
}

/** The hub: the venture's home among the pages, linking to every published page. */
export function hubPage(venture: SeoVenture, published: readonly SeoPage[]): SeoPage {
  const p = venture.productName;
  const integrations = published.filter((x) => x.type === 'integration');
  const comparisons = published.filter((x) => x.type === 'comparison');
  const sections: PageSection[] = [];
  if (integrations.length > 0)
    sections.push({ heading: 'Integrations', paragraphs: [], bullets: integrations.map((x) => x.h1) });
  if (comparisons.length > 0)
    sections.push({ heading: 'Comparisons', paragraphs: [], bullets: comparisons.map((x) => x.h1) });
  return withWordCount({
    type: 'hub',
    slug: '',
    path: hubPath(venture),
    title: `${p}: integrations and comparisons | ${venture.name}`,
    metaDescription: truncate(venture.description ?? `${p} integrations and comparisons.`, 160),
    h1: `${p}`,
    intro: venture.description ?? `${p} integrations and comparisons.`,
    sections,
    faqs: [],
    links: [
      ...published.map((x) => ({ href: x.path, text: x.h1 })),
      ...(venture.website ? [{ href: venture.website, text: `${p} home page` }] : []),
    ],
  });
}

function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = s.slice(0, max - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max - 20))}…`;
}

function joinList(items: string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
