/** The channel-mix request as the API accepts it, with the defaults and limits it is checked against. */
import { z } from 'zod';
import { distinctPositiveSpends, MAX_SHAPE, MIN_FIT_POINTS } from './hillCurve';

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

/** A channel as the API accepts it: a curve, or a history long enough to fit one. */
export const channelMixChannelSchema = z
  .object({
    name: channelName,
    curve: hillCurveSchema.optional(),
    history: z.array(spendPointSchema).max(1000).optional(),
  })
  .strict()
  .refine((c) => c.curve !== undefined || distinctPositiveSpends(c.history ?? []) >= MIN_FIT_POINTS, {
    message: `needs a curve, or a history with at least ${MIN_FIT_POINTS} distinct positive spend levels`,
  });

/** Body of POST /v1/channel-mix/optimize. */
export const channelMixRequestSchema = z
  .object({
    budget: z.number().finite().positive(),
    channels: z.array(channelMixChannelSchema).min(1).max(100),
    maxShare: z.number().gt(0).max(1).optional(),
    minChannels: z.number().int().min(1).max(100).optional(),
    step: z.number().finite().positive().optional(),
  })
  .strict()
  .refine((r) => new Set(r.channels.map((c) => c.name)).size === r.channels.length, {
    message: 'channel names must be unique',
    path: ['channels'],
  })
  .refine(
    (r) =>
      r.step === undefined ||
      (Math.round(r.budget / r.step) >= (r.minChannels ?? DEFAULT_MIN_CHANNELS) &&
        Math.round(r.budget / r.step) <= MAX_GRID_UNITS),
    {
      message: `step must split the budget into between minChannels and ${MAX_GRID_UNITS} steps`,
      path: ['step'],
    },
  );

/** A validated channel-mix request. */
export type ChannelMixRequest = z.infer<typeof channelMixRequestSchema>;
