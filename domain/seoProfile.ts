/** What the pages are made from: the integration targets and competitors of a venture's profile, and URL slugs. */
import type { Competitor, IntegrationTarget } from './seoTypes';

/** A URL segment: lowercase letters, digits and single dashes. */
export function slugify(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/&/g, ' and ')
    .replace(/\+/g, ' plus ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/g, '');
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
/** The non-blank strings of a JSON array, trimmed; [] for anything else. */
export const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(str).filter((s): s is string => s !== undefined) : [];

/** The integration targets in `profile.integrations`: names, or objects with a name and what it is used for. */
export function integrationTargets(profile: Record<string, unknown>): IntegrationTarget[] {
  const raw = Array.isArray(profile.integrations) ? profile.integrations : [];
  const out: IntegrationTarget[] = [];
  for (const item of raw) {
    const o = typeof item === 'string' ? { name: item } : (item as Record<string, unknown> | null);
    const name = str(o?.name);
    if (!o || !name) continue;
    const description = str(o.description);
    const category = str(o.category);
    out.push({
      name,
      slug: slugify(str(o.slug) ?? name),
      ...(description ? { description } : {}),
      ...(category ? { category } : {}),
      useCases: strings(o.useCases),
    });
  }
  return out;
}

/** The competitors in `profile.competitors`: names, or objects with what the venture knows about them. */
export function competitors(profile: Record<string, unknown>): Competitor[] {
  const raw = Array.isArray(profile.competitors) ? profile.competitors : [];
  const out: Competitor[] = [];
  for (const item of raw) {
    const o = typeof item === 'string' ? { name: item } : (item as Record<string, unknown> | null);
    const name = str(o?.name);
    if (!o || !name) continue;
    const description = str(o.description);
    const pricing = str(o.pricing);
    out.push({
      name,
      slug: slugify(str(o.slug) ?? name),
      ...(description ? { description } : {}),
      ...(pricing ? { pricing } : {}),
      strengths: strings(o.strengths),
      weaknesses: strings(o.weaknesses),
      differentiators: strings(o.differentiators),
    });
  }
  return out;
}
