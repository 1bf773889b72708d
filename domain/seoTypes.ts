/** The shapes of programmatic SEO: the venture as the pages see it, the pages, and what the quality gate refused. */

export type SeoPageType = 'hub' | 'integration' | 'comparison';

/** What the pages are written from: the venture as stored. */
export interface SeoVenture {
  name: string;
  slug: string;
  productName: string;
  description: string | null;
  category: string | null;
  industry: string | null;
  website: string | null;
  keywords: readonly string[];
  profile: Record<string, unknown>;
}

export interface IntegrationTarget {
  name: string;
  slug: string;
  description?: string;
  category?: string;
  useCases: string[];
}

export interface Competitor {
  name: string;
  slug: string;
  description?: string;
  pricing?: string;
  strengths: string[];
  weaknesses: string[];
  /** What the venture does that this competitor does not, in the venture's own words. */
  differentiators: string[];
}

export interface PageSection {
  heading: string;
  paragraphs: string[];
  bullets?: string[];
  /** A two-column comparison: the venture's column and the competitor's. */
  table?: { columns: [string, string, string]; rows: [string, string, string][] };
}

export interface PageLink {
  href: string;
  text: string;
}

export interface SeoPage {
  type: SeoPageType;
  slug: string;
  /** Path under the site root, e.g. /pages/acme-notes/integrations/slack. */
  path: string;
  title: string;
  metaDescription: string;
  h1: string;
  intro: string;
  sections: PageSection[];
  faqs: { question: string; answer: string }[];
  links: PageLink[];
  wordCount: number;
}

export interface RejectedPage {
  type: SeoPageType;
  slug: string;
  path: string;
  title: string;
  wordCount: number;
  reasons: string[];
}

export interface GeneratedSite {
  hub: SeoPage;
  pages: SeoPage[];
  rejected: RejectedPage[];
}

export interface SeoOptions {
  /** Pages with fewer words are thin and not published. */
  minWords?: number;
}

export const DEFAULT_MIN_WORDS = 300;
