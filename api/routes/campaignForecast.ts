import { z } from 'zod';
import { CampaignStore } from '../../db/stores/campaigns';
import { CONVERSION_INTERVAL_METHOD } from '../../domain/campaignForecast';
import { campaignForecast, NoEndDateError } from '../../services/campaignForecast';
import type { RouteDeps } from '../deps';
import { conflict, notFound } from '../errors';
import { defineRoute, ok, r404, r409, type AnyRoute } from '../registry';
import { campaignParams } from './campaignSchemas';

const estimate = z.object({ value: z.number(), low: z.number(), high: z.number() });

/** The answer of `GET /v1/campaigns/:id/forecast`. */
export const campaignForecastResponse = z.object({
  campaignId: z.string(),
  name: z.string(),
  currency: z.string(),
  status: z.string(),
  phase: z.enum(['not_started', 'running', 'ended']),
  today: z.string(),
  startDate: z.string(),
  endDate: z.string(),
  days: z.object({ total: z.number(), elapsed: z.number(), remaining: z.number() }),
  budget: z.number(),
  spent: z.number(),
  spentBeforeToday: z.number(),
  remainingBudget: z.number(),
  dailyBudget: z.number(),
  dailyBudgetSource: z.enum(['platforms', 'even_spread']),
  pace: z.object({ perDay: z.number(), days: z.number() }).nullable(),
  projectedSpend: z.object({ atDailyBudget: z.number(), atRecentPace: z.number().nullable() }),
  runsOutOn: z.string().nullable(),
  daysBeforeEnd: z.number().nullable(),
  evenSpendToDate: z.number(),
  pacingRatio: z.number().nullable(),
  pacing: z.enum(['under', 'on', 'over']).nullable(),
  pacingBand: z.number(),
  conversions: z.object({
    soFar: z.number(),
    perUnitSpend: z.number().nullable(),
    remainingSpend: z.number(),
    expectedRemaining: estimate.nullable(),
    atEnd: estimate.nullable(),
    method: z.string(),
  }),
  budgetRunsOut: z.object({ date: z.string(), daysBeforeEnd: z.number(), message: z.string() }).nullable(),
  notes: z.array(z.string()),
});

/** The worked example of docs/forecasts.md: 3,000 over March 1-30, 1,400 spent at 140 a day by March 11. */
const example: z.infer<typeof campaignForecastResponse> = {
  campaignId: '3b0c9a4e-5d6f-4a7b-8c9d-0e1f2a3b4c5d',
  name: 'Spring launch: search and social',
  currency: 'USD',
  status: 'active',
  phase: 'running',
  today: '2026-03-11',
  startDate: '2026-03-01',
  endDate: '2026-03-30',
  days: { total: 30, elapsed: 10, remaining: 20 },
  budget: 3000,
  spent: 1400,
  spentBeforeToday: 1400,
  remainingBudget: 1600,
  dailyBudget: 80,
  dailyBudgetSource: 'platforms',
  pace: { perDay: 140, days: 7 },
  projectedSpend: { atDailyBudget: 3000, atRecentPace: 3000 },
  runsOutOn: '2026-03-22',
  daysBeforeEnd: 8,
  evenSpendToDate: 1000,
  pacingRatio: 1.4,
  pacing: 'over',
  pacingBand: 0.1,
  conversions: {
    soFar: 20,
    perUnitSpend: 0.0142857,
    remainingSpend: 1600,
    expectedRemaining: { value: 22.86, low: 15, high: 31 },
    atEnd: { value: 42.86, low: 35, high: 51 },
    method: CONVERSION_INTERVAL_METHOD,
  },
  budgetRunsOut: {
    date: '2026-03-22',
    daysBeforeEnd: 8,
    message: 'at this pace the budget runs out on 2026-03-22, 8 days before the end',
  },
  notes: [],
};

/** A campaign's spend pacing and conversions to its end date. */
export function campaignForecastRoutes(deps: Pick<RouteDeps, 'db' | 'temporal'>): AnyRoute[] {
  const campaigns = new CampaignStore(deps.db);
  return [
    defineRoute({
      method: 'get',
      path: '/v1/campaigns/:id/forecast',
      params: campaignParams,
      summary: 'Spend pacing and conversions to the end date',
      description:
        'Projected spend at the end date at the current daily budget and at the recent pace (mean spend a day over ' +
        'the last 7 complete days), the day the budget runs out at that pace, pacing against an even spread of the ' +
        'budget (±10% is on pace), and conversions so far plus those expected with a 90% interval. A campaign ' +
        'that has not started or spent nothing yet gets a forecast that says so in `notes`. See docs/forecasts.md.',
      tag: 'Campaigns',
      access: 'any',
      response: campaignForecastResponse,
      responses: { ...ok('the forecast'), ...r404, ...r409 },
      example: { response: example },
      handler: async ({ params }, _req, res) => {
        const campaign = await campaigns.get(params.id);
        if (!campaign) throw notFound(`campaign ${params.id}`);
        try {
          res.json(await campaignForecast(deps, campaign));
        } catch (err) {
          if (err instanceof NoEndDateError) throw conflict(err.message, 'NoEndDate');
          throw err;
        }
      },
    }),
  ];
}
