/**
 * The market-readiness inputs as they arrive from outside (a request body or a venture's profile), validated, and
 * the seasonality the launch window is computed from.
 */
import { z } from 'zod';
import type { MarketReadinessInput } from './marketReadiness';

const pct = z.number().finite().min(0).max(100);

/** The measurable inputs of {@link MarketReadinessInput}, each with its range. */
export const marketReadinessInputSchema = z
  .object({
    searchVolumeTrend: z.number().finite().min(-1).max(100),
    surveyedAwarenessPct: pct,
    competitorCount: z.number().int().min(0).max(100_000),
    waitlistSize: z.number().int().min(0),
    waitlistTarget: z.number().int().min(1).optional(),
    avgBudgetUsd: z.number().finite().min(0),
    priceUsd: z.number().finite().min(0),
    techAdoptionPct: pct,
    regulatoryBurden: z.enum(['low', 'medium', 'high']),
    pendingRegulation: z.boolean().optional(),
  })
  .strict();

/** Required inputs, in the order they are reported missing. */
export const requiredReadinessInputs = [
  'searchVolumeTrend',
  'surveyedAwarenessPct',
  'competitorCount',
  'waitlistSize',
  'avgBudgetUsd',
  'priceUsd',
  'techAdoptionPct',
  'regulatoryBurden',
] as const;

/** Monthly (12 values, January first) or ISO-weekly (52 or 53) demand indices, 1.0 = average. */
export const seasonalitySchema = z
  .array(z.number().finite().min(0).max(100))
  .refine((s) => [12, 52, 53].includes(s.length), 'must have 12 monthly or 52/53 weekly values');

/** Flat demand: the launch window then only weighs lead time and readiness. */
export const FLAT_SEASONALITY: readonly number[] = Object.freeze(new Array<number>(12).fill(1));

/** Where a venture's profile keeps the readiness inputs: `profile.readiness`, or the profile's top level. */
export function readinessSource(
  profile: Readonly<Record<string, unknown>> | null | undefined,
): Record<string, unknown> {
  const p = profile ?? {};
  const nested = p['readiness'];
  return nested !== null && typeof nested === 'object' && !Array.isArray(nested)
    ? (nested as Record<string, unknown>)
    : (p as Record<string, unknown>);
}

/** The outcome of reading readiness inputs from a profile. */
export type ProfileReadiness =
  | { ok: true; input: MarketReadinessInput }
  | { ok: false; missing: string[]; problems: { path: string; message: string }[] };

/**
 * Reads the readiness inputs from a venture profile (see {@link readinessSource}); keys that are not inputs are
 * ignored. Missing inputs are named, present but invalid ones are listed with their problem.
 */
export function readinessInputFromProfile(
  profile: Readonly<Record<string, unknown>> | null | undefined,
): ProfileReadiness {
  const source = readinessSource(profile);
  const keys = Object.keys(marketReadinessInputSchema.shape);
  const picked = Object.fromEntries(Object.entries(source).filter(([k, v]) => keys.includes(k) && v !== null));
  const missing = requiredReadinessInputs.filter((k) => picked[k] === undefined);
  const parsed = marketReadinessInputSchema.safeParse(picked);
  if (parsed.success) return { ok: true, input: parsed.data };
  const problems = parsed.error.issues
    .filter((i) => !missing.includes(String(i.path[0]) as (typeof requiredReadinessInputs)[number]))
    .map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  return { ok: false, missing: [...missing], problems };
}

/** The seasonality in a venture profile (`profile.seasonality`), or undefined when there is none or it is malformed. */
export function seasonalityFromProfile(
  profile: Readonly<Record<string, unknown>> | null | undefined,
): number[] | undefined {
  const parsed = seasonalitySchema.safeParse((profile ?? {})['seasonality']);
  return parsed.success ? parsed.data : undefined;
}
