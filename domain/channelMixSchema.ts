/** The channel-mix request as the API accepts it, with the defaults and limits it is checked against. */
import { z } from 'zod';
import { distinctPositiveSpends, MAX_SHAPE, MIN_FIT_POINTS } from './hillCurve';
import type { ChannelResponse } from './responseCurves';

/** Default cap on one channel's share of the budget. */
export const DEFAULT_MAX_SHARE = 0.3;
/** Default number of channels that must be funded. */
export const DEFAULT_MIN_CHANNELS = 3;
/** Largest number of grid steps an explicit `step` may produce. */
export const MAX_GRID_UNITS = 10_000;

const channelName = z.string().min(1).max(100);

/** A Hill curve as the API accepts it. */
export const hillCurveSchema = z
  .object({
    maxConversions: z.number().finite().nonnegative(),
    halfSaturation: z.number().finite().positive(),
    shape: z.number().finite().positive().max(MAX_SHAPE),
  })
  .strict();

/** One history point as the API accepts it. */
export const spendPointSchema = z
  .object({ spend: z.number().finite().nonnegative(), conversions: z.number().finite().nonnegative() })
  .strict();

/** Most bootstrap draws one fitted channel may carry. */
export const MAX_DRAWS = 500;

/** A media-mix fit's response of one channel (per day) as the API accepts it. */
export const channelResponseSchema = z
  .object({
    decay: z
      .number()
      .finite()
      .min(0, 'must be at least 0 (no carry-over)')
      .lt(1, 'must be below 1: the share of yesterday’s adstock carried into today'),
    halfSaturation: z.number().finite().positive(),
    shape: z.number().finite().positive().max(MAX_SHAPE),
    maxEffect: z.number().finite().nonnegative(),
  })
  .strict();

/** A channel's fitted response with the bootstrap draws its intervals come from. */
export const fittedChannelSchema = z
  .object({
    response: channelResponseSchema,
    draws: z
      .array(channelResponseSchema)
      .max(MAX_DRAWS)
      .optional()
      .describe(
        `refits on resampled days (at most ${MAX_DRAWS}); draw i of every channel must come from the same refit, ` +
          'so every channel with draws has the same number',
      ),
  })
  .strict();

/** What is wrong with a fitted response, in plain words, or undefined when nothing is. */
export function responseProblem(r: ChannelResponse): string | undefined {
  if (!(r.decay >= 0 && r.decay < 1)) return `decay must be at least 0 and below 1, not ${r.decay}`;
  if (!(r.halfSaturation > 0 && r.halfSaturation < Infinity)) {
    return `halfSaturation must be a positive number, not ${r.halfSaturation}`;
  }
  if (!(r.shape > 0 && r.shape <= MAX_SHAPE)) return `shape must be above 0 and at most ${MAX_SHAPE}, not ${r.shape}`;
  if (!(r.maxEffect >= 0 && r.maxEffect < Infinity))
    return `maxEffect must be a number of at least 0, not ${r.maxEffect}`;
  return undefined;
}

/** A channel as the API accepts it: a curve, a history long enough to fit one (the curve then its prior), or a fit. */
export const channelMixChannelSchema = z
  .object({
    name: channelName,
    curve: hillCurveSchema.optional(),
    history: z.array(spendPointSchema).max(1000).optional(),
    fitted: fittedChannelSchema
      .optional()
      .describe(
        'a media-mix fit (geometric adstock into Hill saturation, per day): the optimiser uses its steady-state ' +
          'curve of daily conversions against a constant daily spend, so budgets are daily budgets',
      ),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.fitted !== undefined) {
      if (c.curve !== undefined || c.history !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['fitted'],
          message:
            'a fitted channel takes no curve or history: give a curve, a history (with or without a curve), or fitted',
        });
      }
      return;
    }
    if (c.curve === undefined && distinctPositiveSpends(Array.isArray(c.history) ? c.history : []) < MIN_FIT_POINTS) {
      ctx.addIssue({
        code: 'custom',
        message: `needs a curve, or a history with at least ${MIN_FIT_POINTS} distinct positive spend levels, or fitted`,
      });
    }
  });

/** The two questions the optimiser answers. */
export const CHANNEL_MIX_OBJECTIVES = ['maxConversions', 'minBudget'] as const;

/** Body of POST /v1/channel-mix/optimize. */
export const channelMixRequestSchema = z
  .object({
    objective: z
      .enum(CHANNEL_MIX_OBJECTIVES)
      .default('maxConversions')
      .describe(
        'maxConversions: the most conversions for `budget`; minBudget: the least budget whose best split reaches ' +
          '`targetConversions`',
      ),
    budget: z
      .number()
      .finite()
      .positive()
      .optional()
      .describe('the amount to split (maxConversions only); a daily budget when a channel is fitted'),
    targetConversions: z
      .number()
      .finite()
      .positive()
      .optional()
      .describe('the conversions to reach (minBudget only); a day’s conversions when a channel is fitted'),
    maxBudget: z
      .number()
      .finite()
      .positive()
      .optional()
      .describe('the largest budget searched (minBudget only; daily when a channel is fitted); default 1e12'),
    channels: z.array(channelMixChannelSchema).min(1).max(100),
    maxShare: z.number().gt(0).max(1).optional(),
    minChannels: z.number().int().min(1).max(100).optional(),
    step: z.number().finite().positive().optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const problem = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    if (new Set(r.channels.map((c) => c.name)).size !== r.channels.length) {
      problem('channels', 'channel names must be unique');
    }
    const drawCounts = new Set(r.channels.map((c) => c.fitted?.draws?.length ?? 0).filter((n) => n > 0));
    if (drawCounts.size > 1) {
      problem(
        'channels',
        `every channel with draws needs the same number of them (draw i of each comes from the same refit); ` +
          `got ${[...drawCounts].join(', ')}`,
      );
    }
    if (r.objective === 'minBudget') {
      if (r.targetConversions === undefined) problem('targetConversions', 'required with objective minBudget');
      if (r.budget !== undefined) {
        problem(
          'budget',
          'not used with objective minBudget, which finds the budget; give an upper bound as maxBudget',
        );
      }
      if (r.step !== undefined)
        problem('step', 'not used with objective minBudget: the grid follows each budget tried');
      return;
    }
    if (r.budget === undefined) problem('budget', 'required with objective maxConversions: the amount to split');
    if (r.targetConversions !== undefined) problem('targetConversions', 'only with objective minBudget');
    if (r.maxBudget !== undefined) problem('maxBudget', 'only with objective minBudget');
    const units = r.budget !== undefined && r.step !== undefined ? Math.round(r.budget / r.step) : undefined;
    if (units !== undefined && !(units >= (r.minChannels ?? DEFAULT_MIN_CHANNELS) && units <= MAX_GRID_UNITS)) {
      problem('step', `step must split the budget into between minChannels and ${MAX_GRID_UNITS} steps`);
    }
  });

/** A validated channel-mix request. */
export type ChannelMixRequest = z.infer<typeof channelMixRequestSchema>;
