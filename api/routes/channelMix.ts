import { z } from 'zod';
import {
  CHANNEL_MIX_OBJECTIVES,
  ChannelMixInfeasibleError,
  ChannelMixInputError,
  channelMixRequestSchema,
  hillCurveSchema,
} from '../../domain/channelMix';
import { answerChannelMix, ChannelMixTargetError, MIN_BUDGET_TOLERANCE } from '../../domain/fittedMix';
import { ventureChannelMix } from '../../services/ventureChannelMix';
import { loadVenture } from '../../services/ventureContext';
import type { RouteDeps } from '../deps';
import { badRequest, notFound } from '../errors';
import { queryNumber } from '../queryNumber';
import { defineRoute, ok, r400, r404, type AnyRoute } from '../registry';

const ventureQuery = z
  .object({
    budget: queryNumber('budget', { what: 'the amount to split across channels', example: 10000, gt: 0, max: 1e12 }),
    period: z.enum(['day', 'week', 'month']).default('month'),
    maxShare: queryNumber('maxShare', {
      what: 'the largest share one channel may get',
      example: 0.3,
      gt: 0,
      max: 1,
    }).optional(),
    minChannels: queryNumber('minChannels', {
      what: 'the fewest channels the budget is spread over',
      example: 3,
      int: true,
      min: 1,
      max: 100,
    }).optional(),
  })
  .strict();

const allocation = z.object({
  name: z.string(),
  amount: z.number(),
  share: z.number(),
  expectedConversions: z.number(),
  marginalReturn: z.number(),
  atCap: z.boolean(),
  curve: hillCurveSchema,
});

/** An allocation's budget and expected conversions. */
const mixResponse = z.object({
  budget: z.number(),
  totalExpectedConversions: z.number(),
  channels: z.array(allocation),
});

const estimate = z
  .object({ value: z.number(), low: z.number(), high: z.number() })
  .describe('expected conversions with their 90% interval over the draws; low = high = value when there are none');

/** The answer of POST /v1/channel-mix/optimize: channels in the order given, amounts adding up to the budget. */
const optimizeResponse = mixResponse.extend({
  objective: z.enum(CHANNEL_MIX_OBJECTIVES),
  budget: z.number().describe('the budget split (for minBudget, the least one found); daily with fitted channels'),
  targetConversions: z.number().optional().describe('minBudget: the target, which the allocation reaches'),
  expectedConversions: estimate.describe(
    'total expected conversions with their 90% interval over the per-draw totals (draws paired across channels)',
  ),
  draws: z.number().int().describe('the draws behind the intervals; 0: none, and every interval is its point'),
  channels: z.array(allocation.extend({ expectedConversionsEstimate: estimate })),
});

/** The answer of GET /v1/ventures/:id/channel-mix: the allocation, and where each channel's curve came from. */
const ventureMixResponse = mixResponse.extend({
  ventureId: z.string(),
  period: z.enum(['day', 'week', 'month']),
  maxShare: z.number(),
  minChannels: z.number(),
  channels: z.array(allocation.extend({ source: z.enum(['history', 'prior']), historyPoints: z.number().int() })),
});

/** The worked example of the reference: one strong channel and three weak ones. */
const optimizeExample = {
  budget: 1000,
  channels: [
    { name: 'paid_search', curve: { maxConversions: 1000, halfSaturation: 1000, shape: 1 } },
    { name: 'social', curve: { maxConversions: 100, halfSaturation: 100, shape: 1 } },
    { name: 'email', history: [50, 100, 200, 400].map((spend) => ({ spend, conversions: spend / 10 })) },
  ],
  maxShare: 0.6,
  minChannels: 2,
};

/** The optimiser's refusals are the client's to fix: 400 with the optimiser's own explanation. */
function asBadRequest(err: unknown): never {
  if (err instanceof ChannelMixTargetError) {
    throw badRequest(err.message, [{ path: 'targetConversions', message: err.problem }]);
  }
  if (err instanceof ChannelMixInfeasibleError) {
    throw badRequest(err.message, [{ path: 'channels', message: `needs at least ${err.requiredChannels} channels` }]);
  }
  if (err instanceof ChannelMixInputError) throw badRequest(err.message);
  throw err;
}

/** Budget allocation across channels: for curves or histories given in the request, and for a venture's own history. */
export function channelMixRoutes({ db }: Pick<RouteDeps, 'db'>): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/channel-mix/optimize',
      summary: 'Allocate a budget across channels, or find the least budget that reaches a target',
      description:
        'Each channel is a Hill curve, a history to fit one from, or a media-mix fit (`fitted`: adstock into Hill ' +
        'saturation, per day, with bootstrap draws); with a fit the budget is daily and its steady-state curve is ' +
        'used. `objective: maxConversions` (default) splits `budget`; `objective: minBudget` searches for the least ' +
        `budget whose best split brings \`targetConversions\` (to within ${MIN_BUDGET_TOLERANCE * 100}%, up to ` +
        '`maxBudget`), and refuses a target the channels cannot reach. Expected conversions come with a 90% ' +
        'interval from the draws.',
      tag: 'Intelligence',
      access: 'any',
      body: channelMixRequestSchema,
      response: optimizeResponse,
      responses: { ...ok('the allocation'), ...r400 },
      example: { body: optimizeExample },
      handler: ({ body }, _req, res) => {
        try {
          res.json(answerChannelMix(body));
        } catch (err) {
          asBadRequest(err);
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/ventures/:id/channel-mix',
      summary: 'Allocate a budget across a venture’s channels from its history',
      tag: 'Intelligence',
      access: 'any',
      query: ventureQuery,
      response: ventureMixResponse,
      responses: { ...ok('the allocation'), ...r400, ...r404 },
      handler: async ({ params, query }, _req, res) => {
        if (!(await loadVenture(db, params.id))) throw notFound(`venture ${params.id}`);
        try {
          const mix = await ventureChannelMix(db, params.id, query.budget, {
            period: query.period,
            ...(query.maxShare !== undefined ? { maxShare: query.maxShare } : {}),
            ...(query.minChannels !== undefined ? { minChannels: query.minChannels } : {}),
          });
          const sources = new Map(mix.curves.map((c) => [c.name, c]));
          res.json({
            ventureId: params.id,
            budget: mix.budget,
            period: mix.period,
            maxShare: mix.maxShare,
            minChannels: mix.minChannels,
            totalExpectedConversions: mix.totalExpectedConversions,
            channels: mix.channels.map((c) => ({
              ...c,
              source: sources.get(c.name)?.source ?? 'prior',
              historyPoints: sources.get(c.name)?.historyPoints ?? 0,
            })),
          });
        } catch (err) {
          asBadRequest(err);
        }
      },
    }),
  ];
}
