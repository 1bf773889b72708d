/** The strategy request as the API accepts it. */
import { z } from 'zod';
import { seasonalitySchema } from './readinessInput';

/** The strategy types of the product requirements. */
export const strategyTypes = ['launch', 'expansion', 'pivot', 'scale'] as const;
/** One of {@link strategyTypes}. */
export type StrategyType = (typeof strategyTypes)[number];

const jsonObject = z.record(z.string(), z.unknown());

/** Body of POST /v1/ventures/:id/strategies. Fields left out are drafted from the venture and the models. */
export const strategyRequestSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    type: z.enum(strategyTypes),
    budget: z.number().finite().positive().max(1e12),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be a three-letter ISO currency code')
      .default('USD'),
    /** First day the plan may start from, YYYY-MM-DD; default today. */
    startDate: z.iso.date().optional(),
    seasonality: seasonalitySchema.optional(),
    leadTimeWeeks: z.number().finite().min(0).max(104).optional(),
    horizonMonths: z.number().int().min(1).max(36).optional(),
    maxShare: z.number().gt(0).max(1).optional(),
    minChannels: z.number().int().min(1).max(50).optional(),
    shortlistSize: z.number().int().min(0).max(50).default(10),
    targetMarket: jsonObject.optional(),
    valueProposition: jsonObject.optional(),
    pricingStrategy: jsonObject.optional(),
    kpiTargets: jsonObject.optional(),
  })
  .strict();

/** A validated strategy request. */
export type StrategyRequest = z.infer<typeof strategyRequestSchema>;
