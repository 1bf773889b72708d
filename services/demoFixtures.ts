import type { VentureInput } from '../db/stores/ventures';

/**
 * What the demo is made of: the Acme venture, its contacts, an influencer catalogue and three campaigns. Data only;
 * services/demoData.ts loads it.
 */

export const DEMO_VENTURE_SLUG = 'acme-notes';

export const DEMO_VENTURE: VentureInput = {
  name: 'Acme',
  slug: DEMO_VENTURE_SLUG,
  productName: 'Acme Notes',
  description:
    'Acme Notes keeps a team’s meeting notes, decisions and follow-ups in one searchable place, so nothing agreed in a meeting gets lost.',
  industry: 'B2B SaaS',
  category: 'productivity',
  website: 'https://acme-notes.example',
  keywords: ['productivity', 'notes', 'meetings', 'remote work', 'teams'],
  brand: { values: ['clarity', 'focus', 'teamwork'], tone: 'friendly and direct' },
  targetMarket: { segments: ['startups', 'agencies', 'remote teams'], regions: ['US', 'EU'] },
  profile: {
    features: [
      'Shared meeting notes that open from the calendar',
      'A decision log the whole team can search',
      'Action items with owners and due dates',
      'Full-text search across every note',
    ],
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
        category: 'calendar',
        useCases: [
          'Open a note for every meeting on the calendar, with the invitees already listed',
          'See the last notes of a recurring meeting before it starts',
          'Attach the agenda from the invitation to the note',
        ],
      },
      {
        name: 'Zoom',
        description: 'hosts the video calls where many of the meetings happen',
        category: 'video calls',
        useCases: [
          'Start the notes when the Zoom call starts',
          'Attach the recording link to the note when the call ends',
          'Pull the list of participants into the note',
        ],
      },
      // Known by name only: too little to say, so the quality gate holds its page back.
      'Zapier',
    ],
    competitors: [
      {
        name: 'Notion',
        description: 'is an all-in-one workspace for docs and wikis',
        pricing: 'Free, then from 10 USD per member a month',
        strengths: ['Flexible pages and databases', 'A large template gallery'],
        weaknesses: ['meeting notes need a template and discipline to stay consistent'],
        differentiators: [
          'Notes open from the calendar, already named and dated',
          'Action items with owners and due dates, tracked to done',
        ],
      },
      {
        name: 'Evernote',
        description: 'is a long-standing personal note-taking app',
        pricing: 'From 15 USD a month',
        strengths: ['A mature web clipper', 'Strong offline apps'],
        weaknesses: ['sharing is built for one person rather than a team'],
        differentiators: ['Built for teams from the start', 'A shared decision log'],
      },
      'Otter',
    ],
    readiness: {
      searchVolumeTrend: 0.18,
      surveyedAwarenessPct: 22,
      competitorCount: 14,
      waitlistSize: 1800,
      waitlistTarget: 2500,
      avgBudgetUsd: 40,
      priceUsd: 12,
      techAdoptionPct: 78,
      regulatoryBurden: 'low',
    },
    seasonality: [1.05, 1.1, 1.15, 1.0, 0.95, 0.85, 0.8, 0.85, 1.1, 1.1, 1.0, 0.95],
    targetCpa: 60,
  },
};

export const DEMO_CONTACTS = [
  { id: 'demo-ada', email: 'ada@acme-demo.example', first: 'Ada', plan: 'team', source: 'google', medium: 'cpc' },
  {
    id: 'demo-grace',
    email: 'grace@acme-demo.example',
    first: 'Grace',
    plan: 'free',
    source: 'instagram',
    medium: 'influencer',
  },
  {
    id: 'demo-linus',
    email: 'linus@acme-demo.example',
    first: 'Linus',
    plan: 'free',
    source: 'newsletter',
    medium: 'email',
  },
  {
    id: 'demo-margaret',
    email: 'margaret@acme-demo.example',
    first: 'Margaret',
    plan: 'team',
    source: 'google',
    medium: 'cpc',
  },
];

const influencer = (
  name: string,
  handle: string,
  platform: string,
  category: string,
  followers: number,
  engagement: number,
  extra: Record<string, unknown> = {},
) => ({
  name,
  handle,
  platform,
  category,
  followers_count: followers,
  engagement_rate: engagement,
  average_views: Math.round(followers * engagement * 6),
  content_types: ['video', 'post'],
  brand_safety_score: 85,
  pricing_info: { per_post: Math.max(80, Math.round(followers / 90)), currency: 'USD' },
  performance_history: { avg_roi: 2.4, avg_conversion_rate: 0.012 },
  relevance_topics: ['productivity', 'remote work'],
  blacklisted: false,
  verification_status: 'verified',
  ...extra,
});

export const DEMO_INFLUENCERS = [
  influencer('Maya Chen', 'mayaworks', 'youtube', 'productivity', 240_000, 0.046, {
    relevance_topics: ['productivity', 'notes', 'meetings', 'remote work'],
  }),
  influencer('Sam Ortiz', 'deepworksam', 'instagram', 'productivity', 58_000, 0.052, {
    relevance_topics: ['productivity', 'focus', 'teams'],
  }),
  influencer('Priya Raman', 'priyaplans', 'tiktok', 'productivity', 410_000, 0.071),
  influencer('Jonas Berg', 'jonasremote', 'linkedin', 'remote work', 32_000, 0.038, {
    relevance_topics: ['remote work', 'teams', 'meetings'],
  }),
  influencer('Lena Fischer', 'lenatools', 'youtube', 'tech', 890_000, 0.021, {
    relevance_topics: ['software', 'apps', 'productivity'],
    pricing_info: { per_video: 9000, currency: 'USD' },
  }),
  influencer('Tom Baker', 'tomcodes', 'twitter', 'tech', 120_000, 0.012, {
    relevance_topics: ['software', 'developers'],
    brand_safety_score: 55,
  }),
  influencer('Ana Souza', 'anafit', 'instagram', 'fitness', 310_000, 0.055, {
    relevance_topics: ['fitness', 'health'],
  }),
  influencer('Leo Grant', 'leolifts', 'tiktok', 'fitness', 1_200_000, 0.083, {
    relevance_topics: ['fitness', 'motivation'],
    brand_safety_score: 40,
  }),
  influencer('Noor Haddad', 'noorstudies', 'youtube', 'education', 76_000, 0.064, {
    relevance_topics: ['study', 'notes', 'productivity'],
  }),
  influencer('Kai Müller', 'kaiagency', 'linkedin', 'marketing', 18_000, 0.049, {
    relevance_topics: ['agencies', 'teams', 'meetings'],
  }),
  influencer('Iris Park', 'irisdesigns', 'instagram', 'design', 95_000, 0.033, {
    relevance_topics: ['design', 'teams'],
  }),
  influencer('Omar Said', 'omarstartups', 'youtube', 'business', 150_000, 0.029, {
    relevance_topics: ['startups', 'productivity', 'teams'],
  }),
];

export interface DemoCampaign {
  name: string;
  type: string;
  channel: string;
  platforms: string[];
  /** Days from today. */
  start: number;
  end: number;
  budget: number;
  /** Daily spend of the history written for the days before the platforms report. */
  historyDaily?: number;
  influencers?: string[];
}

export const DEMO_CAMPAIGNS: DemoCampaign[] = [
  {
    name: 'Always-on Search',
    type: 'paid',
    channel: 'paid_search',
    platforms: ['google'],
    start: -27,
    end: 60,
    budget: 4000,
    historyDaily: 80,
  },
  {
    name: 'Creator Collab',
    type: 'influencer',
    channel: 'influencer',
    platforms: ['meta'],
    start: -27,
    end: 30,
    budget: 2500,
    historyDaily: 45,
    influencers: ['mayaworks', 'deepworksam', 'jonasremote'],
  },
  // Above the approval threshold (5,000 by default): the campaign waits for the chairman.
  {
    name: 'Spring Launch',
    type: 'launch',
    channel: 'paid_social',
    platforms: ['meta', 'linkedin'],
    start: 7,
    end: 37,
    budget: 12000,
  },
];
