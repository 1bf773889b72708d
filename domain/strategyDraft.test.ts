import { optimizeChannelMix } from './channelMix';
import { planChannelCurves } from './channelPriors';
import { calculateMarketReadiness, suggestLaunchWindow } from './marketReadiness';
import { draftStrategy, strategyRequestSchema } from './strategyDraft';

test('drafts every column from readiness, launch window, channel mix and shortlist', () => {
  const request = strategyRequestSchema.parse({ name: 'Spring launch', type: 'launch', budget: 20_000 });
  const readiness = calculateMarketReadiness({
    searchVolumeTrend: 0.2,
    surveyedAwarenessPct: 55,
    competitorCount: 3,
    waitlistSize: 99,
    avgBudgetUsd: 50,
    priceUsd: 100,
    techAdoptionPct: 90,
    regulatoryBurden: 'low',
  });
  const launchWindow = suggestLaunchWindow({
    readiness: readiness.overall,
    seasonality: new Array(12).fill(1),
    from: '2026-01-10',
  });
  const curves = planChannelCurves(new Map(), request.budget);
  const mix = optimizeChannelMix({
    budget: request.budget,
    channels: curves.map((c) => ({ name: c.name, curve: c.curve })),
  });
  const draft = draftStrategy({
    request,
    venture: {
      name: 'HomeGym',
      productName: 'HomeGym',
      description: 'Coached strength workouts at home.',
      industry: 'consumer health',
      category: 'fitness',
      keywords: ['home workout', 'strength training'],
      targetMarket: {},
      profile: {},
    },
    startDate: '2026-01-10',
    readiness,
    missingReadinessInputs: [],
    pricing: { priceUsd: 100, avgBudgetUsd: 50 },
    launchWindow,
    seasonalitySource: 'flat',
    channelMix: mix,
    channelSources: Object.fromEntries(curves.map((c) => [c.name, c.source])),
    maxShare: 0.3,
    minChannels: 3,
    shortlist: [
      {
        influencerId: 'i1',
        name: 'Ada Fit',
        handle: 'adafit',
        platform: 'instagram',
        compositeScore: 78.5,
        riskFactors: ['unverified'],
        recommendedCollaborationType: 'ambassador',
        estimatedReach: 6000,
        estimatedCost: 400,
      },
    ],
  });
  expect(draft.positioningStatement).toBe(
    'For fitness customers who need home workout, strength training, HomeGym is the fitness product that coached strength workouts at home.',
  );
  expect(draft.channelMix.channels.reduce((a, c) => a + c.amount, 0)).toBeCloseTo(20_000, 1);
  expect(draft.channelMix.channels.every((c) => c.source === 'prior')).toBe(true);
  expect(draft.timeline.phases.map((p) => p.name)).toEqual(['preparation', 'launch', 'optimisation']);
  // Flat demand, 8-week lead time from 2026-01-10: the first month start after 2026-03-07 is 2026-04-01.
  expect(draft.timeline.phases[1]).toMatchObject({ start: '2026-04-01', end: '2026-05-31' });
  expect(draft.timeline.phases[0]).toMatchObject({ start: '2026-01-10', end: '2026-03-31' });
  expect(draft.budgetAllocation.byPhase).toEqual({ preparation: 2000, launch: 14000, optimisation: 4000 });
  expect(draft.kpiTargets['conversions']).toBe(Math.round(mix.totalExpectedConversions));
  expect(draft.kpiTargets['targetCac']).toBeCloseTo(20_000 / mix.totalExpectedConversions, 2);
  expect(draft.influencerStrategy).toMatchObject({ totalEstimatedReach: 6000, totalEstimatedCost: 400 });
  // Buying power 40 (budget half the price) is the weakest factor: a risk, and the pricing advice says so.
  expect(draft.riskAssessment.risks[0]).toMatchObject({ area: 'buyingPower' });
  expect(draft.pricingStrategy['recommendation']).toMatch(/entry tier/);
  expect(draft.successMetrics.map((m) => m.metric)).toEqual(['conversions', 'cac', 'roas', 'launch_on_time']);
});
