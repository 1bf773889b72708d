/**
 * The attribution request: the models, journeys and options, the limits the API holds them to, and the error for
 * input the schema lets through but a model cannot use.
 */
import { z } from 'zod';

/** The attribution models this module knows. */
export const attributionModels = [
  'first-click',
  'last-click',
  'linear',
  'time-decay',
  'position-based',
  'markov',
  'shapley',
] as const;

/** One of {@link attributionModels}. */
export type AttributionModel = (typeof attributionModels)[number];

/** A single contact with a channel; `at` is an ISO-8601 timestamp and only matters to the time-decay model. */
export interface Touchpoint {
  channel: string;
  at?: string;
}

/** The ordered touchpoints of one prospect, whether it converted, and what the conversion was worth. */
export interface Journey {
  touchpoints: readonly Touchpoint[];
  converted: boolean;
  value?: number;
}

/** Shares given to the first and last touchpoints by the position-based model; the middle ones split the rest. */
export interface PositionWeights {
  first: number;
  last: number;
}

/** Knobs of the time-decay and position-based models. */
export interface AttributionOptions {
  halfLifeDays?: number;
  positionWeights?: PositionWeights;
}

/** Credit given to one channel, with return figures when its spend is known. */
export interface ChannelAttribution {
  channel: string;
  /** Fractional conversions credited to the channel. */
  conversions: number;
  /** Conversion value credited to the channel. */
  value: number;
  /** conversions / totalConversions (0 when nothing converted). */
  share: number;
  spend?: number;
  /** (value - spend) / spend: profit per unit of spend; -1 means nothing came back. Absent when spend is 0. */
  roi?: number;
  /** value / spend. Absent when spend is 0. */
  roas?: number;
  /** spend / conversions. Absent when the channel was credited no conversion. */
  cpa?: number;
}

/** What {@link attribute} returns; `channels` is sorted by conversions, then value (both descending), then name. */
export interface AttributionResult {
  model: AttributionModel;
  totalConversions: number;
  totalValue: number;
  channels: ChannelAttribution[];
}

/** Thrown when the input is acceptable to the schema but not to a model (bad options, too many channels). */
export class AttributionInputError extends Error {
  override readonly name = 'AttributionInputError';
}

/** Channel credited with converted journeys that carry no touchpoint. A real channel of that name shares the bucket. */
export const DIRECT_CHANNEL = 'direct';
/** Half-life of the time-decay model when none is given. */
export const DEFAULT_HALF_LIFE_DAYS = 7;
/** The classic 40/20/40 split of the position-based model. */
export const DEFAULT_POSITION_WEIGHTS: Readonly<PositionWeights> = Object.freeze({ first: 0.4, last: 0.4 });
/**
 * The Markov model inverts a dense (channels + 1)-square matrix, cubic in the number of channels; past this many
 * distinct channels (some 0.3 s of arithmetic) it refuses rather than hold a request for seconds.
 */
export const MARKOV_MAX_CHANNELS = 500;
/** Request limits, shared by the schema and the documentation. */
export const ATTRIBUTION_LIMITS = Object.freeze({ journeys: 100_000, touchpointsPerJourney: 1000, channelName: 100 });

const channelName = z.string().min(1).max(ATTRIBUTION_LIMITS.channelName);
const share01 = z.number().min(0).max(1);

/** A touchpoint as the API accepts it. */
export const touchpointSchema = z
  .object({ channel: channelName, at: z.iso.datetime({ offset: true }).optional() })
  .strict();

/** A journey as the API accepts it. */
export const journeySchema = z
  .object({
    touchpoints: z.array(touchpointSchema).max(ATTRIBUTION_LIMITS.touchpointsPerJourney),
    converted: z.boolean(),
    value: z.number().finite().nonnegative().optional(),
  })
  .strict();

/** Body of an attribution request. */
export const attributionRequestSchema = z
  .object({
    model: z.enum(attributionModels),
    journeys: z.array(journeySchema).max(ATTRIBUTION_LIMITS.journeys),
    spend: z.record(channelName, z.number().finite().nonnegative()).optional(),
    options: z
      .object({
        halfLifeDays: z.number().finite().positive().optional(),
        positionWeights: z
          .object({ first: share01, last: share01 })
          .strict()
          .refine((w) => w.first + w.last <= 1 + 1e-12, 'first + last must not exceed 1')
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** A validated attribution request. */
export type AttributionRequest = z.infer<typeof attributionRequestSchema>;

/** The touchpoints a converted journey credits; an empty one is taken as a visit to {@link DIRECT_CHANNEL}. */
export function pathOf(j: Journey): Touchpoint[] {
  return j.touchpoints.length > 0 ? [...j.touchpoints] : [{ channel: DIRECT_CHANNEL }];
}
