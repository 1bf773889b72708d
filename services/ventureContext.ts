import type { Db } from '../db/knex';
import { VentureStore, type Venture } from '../db/stores/ventures';
import type { Venture as ScoringVenture } from '../domain/influencerScoring';

/** What the GTM intelligence reads about a venture. */
export type VentureContext = Venture;

/** The venture, or undefined when there is none with this id (an id that is not a UUID included). */
export async function loadVenture(db: Db, id: string): Promise<VentureContext | undefined> {
  return new VentureStore(db).getById(id);
}

/** The venture as the influencer scoring sees it. */
export function scoringVenture(v: VentureContext): ScoringVenture {
  const values = Array.isArray(v.brand.values) ? v.brand.values.filter((x): x is string => typeof x === 'string') : [];
  return {
    name: v.name,
    category: v.category,
    industry: v.industry,
    keywords: v.keywords,
    brand: { values, ...(typeof v.brand.tone === 'string' ? { tone: v.brand.tone } : {}) },
  };
}
