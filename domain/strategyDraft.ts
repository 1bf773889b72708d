/**
 * A GTM strategy draft from what the engine knows about a venture: its readiness, the launch window, the optimised
 * channel mix and the influencer shortlist become the columns of `gtm_strategies`. Pure: same inputs, same draft.
 */
import type { ChannelMixResult } from './channelMix';
import type { LaunchWindow, MarketReadiness } from './marketReadiness';
import type { StrategyRequest, StrategyType } from './strategyRequest';

export { strategyRequestSchema, strategyTypes, type StrategyRequest, type StrategyType } from './strategyRequest';

/** The venture fields a draft reads. */
export interface StrategyVenture {
  name: string;
  productName: string;
  description: string | null;
  industry: string | null;
  category: string | null;
  keywords: readonly string[];
  targetMarket: Record<string, unknown>;
  profile: Record<string, unknown>;
}

/** One influencer on the shortlist. */
export interface ShortlistEntry {
  influencerId: string;
  name: string;
  handle: string;
  platform: string;
  compositeScore: number;
  riskFactors: string[];
  recommendedCollaborationType: string | null;
  estimatedReach: number | null;
  estimatedCost: number | null;
}

/** A channel of the optimised mix and where its curve came from. */
export type ChannelSource = 'history' | 'prior';

/** Everything {@link draftStrategy} combines. */
export interface StrategyDraftInput {
  request: StrategyRequest;
  venture: StrategyVenture;
  /** YYYY-MM-DD the plan starts from. */
  startDate: string;
  readiness: MarketReadiness | null;
  missingReadinessInputs: readonly string[];
  /** Readiness inputs the pricing reads (price, budget), when known. */
  pricing?: { priceUsd?: number; avgBudgetUsd?: number };
  launchWindow: LaunchWindow;
  seasonalitySource: 'request' | 'profile' | 'flat';
  channelMix: ChannelMixResult;
  channelSources: Readonly<Record<string, ChannelSource>>;
  maxShare: number;
  minChannels: number;
  shortlist: readonly ShortlistEntry[];
}

/** The JSON columns of a drafted strategy, named as in the API. */
export interface StrategyDraft {
  targetMarket: Record<string, unknown>;
  positioningStatement: string;
  valueProposition: Record<string, unknown>;
  competitiveDifferentiation: Record<string, unknown> | null;
  pricingStrategy: Record<string, unknown>;
  channelMix: {
    budget: number;
    currency: string;
    maxShare: number;
    minChannels: number;
    totalExpectedConversions: number;
    channels: {
      name: string;
      amount: number;
      share: number;
      expectedConversions: number;
      marginalReturn: number;
      atCap: boolean;
      source: ChannelSource;
    }[];
  };
  influencerStrategy: {
    approach: string;
    budget: number;
    shortlist: ShortlistEntry[];
    totalEstimatedReach: number;
    totalEstimatedCost: number | null;
  };
  contentStrategy: Record<string, unknown> | null;
  timeline: {
    startDate: string;
    launchWindow: LaunchWindow;
    seasonality: 'request' | 'profile' | 'flat';
    phases: { name: string; start: string; end: string; focus: string }[];
  };
  budgetAllocation: {
    total: number;
    currency: string;
    byChannel: Record<string, number>;
    byPhase: Record<string, number>;
  };
  kpiTargets: Record<string, unknown>;
  riskAssessment: {
    level: 'low' | 'medium' | 'high';
    readinessScore: number | null;
    missingInputs: string[];
    risks: { area: string; severity: 'low' | 'medium' | 'high'; description: string; mitigation: string }[];
  };
  successMetrics: { metric: string; target: number | null; measuredBy: string; cadence: string }[];
}

const DAY = 86_400_000;
const round2 = (n: number) => Math.round(n * 100) / 100;

function day(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

function parseDay(s: string): number {
  return Date.parse(`${s}T00:00:00Z`);
}

function addMonths(s: string, months: number): string {
  const d = new Date(parseDay(s));
  return day(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate()));
}

/** Phase names and focus per strategy type: before the window, the window itself, and after it. */
const PHASES: Record<StrategyType, [string, string][]> = {
  launch: [
    ['preparation', 'build the waitlist, creative and tracking; brief the shortlisted influencers'],
    ['launch', 'run the channel mix at full budget through the launch window'],
    ['optimisation', 'shift budget towards the channels with the best attributed return'],
  ],
  expansion: [
    ['market_entry_preparation', 'localise positioning and pricing for the new segment'],
    ['pilot', 'test the mix in the new segment at launch-window budget'],
    ['rollout', 'scale the channels that reached the CAC target'],
  ],
  pivot: [
    ['validation', 'validate the new value proposition with existing users and the waitlist'],
    ['relaunch', 'relaunch on the new positioning through the launch window'],
    ['stabilisation', 'retire the old messaging and keep the channels that convert'],
  ],
  scale: [
    ['scale_preparation', 'raise tracking, creative volume and partner capacity'],
    ['scale_up', 'spend the increased budget across the mix'],
    ['efficiency', 'hold CAC at target while volume grows'],
  ],
};

/** Share of the budget per phase: a little to prepare, most in the window, the rest to optimise after it. */
const PHASE_BUDGET_SHARES = [0.1, 0.7, 0.2] as const;

function segmentOf(v: StrategyVenture, targetMarket: Record<string, unknown>): string {
  const segments = targetMarket['segments'];
  if (Array.isArray(segments) && typeof segments[0] === 'string') return segments[0];
  for (const key of ['segment', 'audience', 'description']) {
    if (typeof targetMarket[key] === 'string') return targetMarket[key] as string;
  }
  const field = v.category ?? v.industry;
  return field ? `${field} customers` : 'its target customers';
}

function objectOr(value: unknown): Record<string, unknown> | undefined {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  if (typeof value === 'string' && value.trim() !== '') return { statement: value.trim() };
  return undefined;
}

/** Builds every column of a strategy draft; see the module comment. */
export function draftStrategy(input: StrategyDraftInput): StrategyDraft {
  const { request, venture, readiness, launchWindow, channelMix } = input;
  const profile = venture.profile;
  const currency = request.currency;

  const targetMarket =
    request.targetMarket ??
    (Object.keys(venture.targetMarket).length > 0
      ? venture.targetMarket
      : {
          segments: [
            venture.category || venture.industry
              ? `${venture.category ?? venture.industry} customers`
              : 'early adopters',
          ],
          keywords: [...venture.keywords],
        });
  const segment = segmentOf(venture, targetMarket);
  const needs = venture.keywords.slice(0, 3).join(', ') || venture.description || venture.productName;
  const valueProposition = request.valueProposition ??
    objectOr(profile['valueProposition']) ?? {
      headline: venture.description ? `${venture.productName}: ${venture.description}` : venture.productName,
      benefits: venture.keywords.slice(0, 5),
    };
  const differentiation = objectOr(profile['differentiation']) ?? objectOr(profile['differentiators']) ?? null;
  const positioningStatement =
    `For ${segment} who need ${needs}, ${venture.productName} is the ` +
    `${venture.category ?? venture.industry ?? 'new'} product that ` +
    `${venture.description ? venture.description.replace(/\.$/, '').replace(/^./, (c) => c.toLowerCase()) : 'meets that need'}` +
    (differentiation && typeof differentiation['statement'] === 'string'
      ? `; unlike alternatives, ${differentiation['statement']}`
      : '') +
    '.';

  const buyingPower = readiness?.breakdown.buyingPower.score ?? null;
  const price = input.pricing?.priceUsd;
  const pricingStrategy = request.pricingStrategy ??
    objectOr(profile['pricing']) ?? {
      model: typeof profile['pricingModel'] === 'string' ? profile['pricingModel'] : 'subscription',
      ...(price !== undefined ? { priceUsd: price } : {}),
      currency,
      buyingPowerScore: buyingPower,
      recommendation:
        buyingPower === null
          ? 'Set the price against measured customer budgets: the readiness inputs are incomplete.'
          : buyingPower >= 80
            ? 'Customers can afford the price: hold it and sell on value, not discounts.'
            : 'Customers budget less than the price: add an entry tier or usage-based plan for the launch.',
    };

  const channels = channelMix.channels.map((c) => ({
    name: c.name,
    amount: round2(c.amount),
    share: c.share,
    expectedConversions: c.expectedConversions,
    marginalReturn: c.marginalReturn,
    atCap: c.atCap,
    source: input.channelSources[c.name] ?? 'prior',
  }));
  const influencerBudget = round2(channelMix.channels.find((c) => c.name === 'influencer')?.amount ?? 0);
  const shortlist = [...input.shortlist];
  const costs = shortlist.map((s) => s.estimatedCost).filter((c): c is number => c !== null);
  const influencerStrategy = {
    approach:
      shortlist.length === 0
        ? 'No scored influencers yet: run the influencer scoring for this venture, then redraft.'
        : `Brief the top ${shortlist.length} matches by composite score; start with their recommended collaboration ` +
          `types and move budget to those whose attributed conversions beat the CAC target.`,
    budget: influencerBudget,
    shortlist,
    totalEstimatedReach: shortlist.reduce((a, s) => a + (s.estimatedReach ?? 0), 0),
    totalEstimatedCost: costs.length > 0 ? round2(costs.reduce((a, b) => a + b, 0)) : null,
  };

  const phaseNames = PHASES[request.type];
  const prepEnd = day(parseDay(launchWindow.start) - DAY);
  const afterStart = day(parseDay(launchWindow.end) + DAY);
  const afterEnd = day(parseDay(addMonths(afterStart, 2)) - DAY);
  const spans: [string, string][] = [
    [input.startDate, prepEnd < input.startDate ? input.startDate : prepEnd],
    [launchWindow.start, launchWindow.end],
    [afterStart, afterEnd],
  ];
  const phases = phaseNames.map(([name, focus], i) => ({ name, start: spans[i]![0], end: spans[i]![1], focus }));

  const byChannel = Object.fromEntries(channels.map((c) => [c.name, c.amount]));
  const byPhase = Object.fromEntries(
    phaseNames.map(([name], i) => [name, round2(request.budget * PHASE_BUDGET_SHARES[i]!)]),
  );

  const conversions = channelMix.totalExpectedConversions;
  const targetCac = conversions > 0 ? round2(request.budget / conversions) : null;
  const kpiTargets: Record<string, unknown> = {
    conversions: Math.round(conversions),
    targetCac,
    currency,
    readinessScore: readiness ? round2(readiness.overall) : null,
    influencerReach: influencerStrategy.totalEstimatedReach,
    launchDate: launchWindow.start,
    ...request.kpiTargets,
  };
  const successMetrics: StrategyDraft['successMetrics'] = [
    {
      metric: 'conversions',
      target: Math.round(conversions),
      measuredBy: 'attributed conversions (position-based)',
      cadence: 'weekly',
    },
    { metric: 'cac', target: targetCac, measuredBy: 'spend / attributed conversions per channel', cadence: 'weekly' },
    { metric: 'roas', target: null, measuredBy: 'attributed value / spend per channel', cadence: 'weekly' },
    {
      metric: 'launch_on_time',
      target: 1,
      measuredBy: `first campaign live by ${launchWindow.start}`,
      cadence: 'once',
    },
  ];

  const risks: StrategyDraft['riskAssessment']['risks'] = [];
  if (readiness) {
    for (const rec of readiness.recommendations) {
      const factor = /\((\w+) (\d+)\/100\)$/.exec(rec);
      const score = factor ? Number(factor[2]) : 50;
      risks.push({
        area: factor?.[1] ?? 'readiness',
        severity: score < 30 ? 'high' : 'medium',
        description: rec.replace(/ \(\w+ \d+\/100\)$/, ''),
        mitigation: 'Close this gap during the first phase; the launch window already allows for it.',
      });
    }
  }
  if (input.missingReadinessInputs.length > 0) {
    risks.push({
      area: 'data',
      severity: 'medium',
      description: `Readiness could not be measured: missing ${input.missingReadinessInputs.join(', ')}.`,
      mitigation: "Add the missing inputs to the venture's profile and redraft.",
    });
  }
  const priorChannels = channels.filter((c) => c.source === 'prior' && c.amount > 0).map((c) => c.name);
  if (priorChannels.length > 0) {
    risks.push({
      area: 'channel_mix',
      severity: priorChannels.length === channels.filter((c) => c.amount > 0).length ? 'medium' : 'low',
      description: `The allocation to ${priorChannels.join(', ')} rests on planning priors, not this venture's history.`,
      mitigation: 'Start those channels at test budgets and re-optimise once four periods of results are in.',
    });
  }
  const riskyInfluencers = shortlist.filter((s) => s.riskFactors.length > 0);
  if (riskyInfluencers.length > 0) {
    risks.push({
      area: 'influencers',
      severity: 'low',
      description: `${riskyInfluencers.length} shortlisted influencer(s) carry risk flags (${[...new Set(riskyInfluencers.flatMap((s) => s.riskFactors))].join(', ')}).`,
      mitigation: 'Verify audience quality and brand safety before contracting.',
    });
  }
  const overall = readiness?.overall ?? null;
  let level: 'low' | 'medium' | 'high' =
    overall === null ? 'medium' : overall < 50 ? 'high' : overall < 70 ? 'medium' : 'low';
  if (level === 'low' && risks.some((r) => r.severity !== 'low')) level = 'medium';

  const contentStrategy = {
    pillars: venture.keywords.slice(0, 4),
    byChannel: Object.fromEntries(
      channels
        .filter((c) => c.amount > 0)
        .map((c) => [c.name, CONTENT_FORMATS[c.name] ?? 'channel-native creative tested in two variants']),
    ),
  };

  return {
    targetMarket,
    positioningStatement,
    valueProposition,
    competitiveDifferentiation: differentiation,
    pricingStrategy,
    channelMix: {
      budget: request.budget,
      currency,
      maxShare: input.maxShare,
      minChannels: input.minChannels,
      totalExpectedConversions: conversions,
      channels,
    },
    influencerStrategy,
    contentStrategy,
    timeline: { startDate: input.startDate, launchWindow, seasonality: input.seasonalitySource, phases },
    budgetAllocation: { total: request.budget, currency, byChannel, byPhase },
    kpiTargets,
    riskAssessment: { level, readinessScore: overall, missingInputs: [...input.missingReadinessInputs], risks },
    successMetrics,
  };
}

const CONTENT_FORMATS: Readonly<Record<string, string>> = {
  paid_search: 'intent keywords from the venture keywords; one landing page per pillar',
  paid_social: 'short video and carousel ads, three hooks per pillar',
  email: 'launch sequence to the waitlist: announcement, proof, last call',
  content: 'one pillar article a week with a lead magnet',
  influencer: 'creator-made reviews and tutorials on the shortlist',
  partnerships: 'co-marketing offers and integrations pages',
  organic_social: 'daily posts from the team, repurposing the pillar articles',
  pr: 'launch announcement and founder story pitched to trade press',
  events: 'launch webinar and a demo at one industry event',
};
