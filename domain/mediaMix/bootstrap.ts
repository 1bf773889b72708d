/**
 * Intervals by a moving-block bootstrap of residuals: the fitted daily conversions plus the point fit's residuals
 * resampled in blocks of consecutive days (so that runs of high or low days, the autocorrelation the model leaves,
 * survive the resampling), refitted from the point estimate. Spend stays as it was: it is the design, not noise.
 */
import type { ChannelResponse } from '../responseCurves';
import { createPrng } from '../modelEvaluation';
import { refit, type FitSetup, type PointFit } from './fit';
import { predictConversions } from './model';

/** Days per resampled block: two weeks, so a weekly pattern left in the residuals stays whole. */
export const DEFAULT_BLOCK_DAYS = 14;
/** Iterations of each refit: warm-started from the point fit, it is close to its optimum already. */
const REFIT_ITERATIONS = 30;

/** One bootstrap refit. */
export interface BootstrapDraw {
  baseline: number;
  responses: ChannelResponse[];
}

/**
 * A series as long as `residuals`, made of blocks of `blockDays` consecutive values, each starting at a uniformly
 * drawn day (a block never runs past the end); the last block is cut to length.
 */
export function resampleBlocks(residuals: ArrayLike<number>, blockDays: number, random: () => number): number[] {
  const n = residuals.length;
  const block = Math.max(1, Math.min(blockDays, n));
  const out: number[] = [];
  while (out.length < n) {
    const start = Math.floor(random() * (n - block + 1));
    for (let i = 0; i < block && out.length < n; i++) out.push(residuals[start + i]!);
  }
  return out;
}

/** Refits of `draws` resampled series, in a fixed order from a seeded generator: the same input gives the same draws. */
export function bootstrapDraws(
  setup: FitSetup,
  point: PointFit,
  options: { draws: number; seed: number; blockDays?: number },
): BootstrapDraw[] {
  const fitted = predictConversions(setup.spend, point.baseline, point.responses);
  const residuals = setup.y.map((y, t) => y - fitted[t]!);
  const mean = residuals.reduce((a, b) => a + b, 0) / residuals.length;
  const centred = residuals.map((r) => r - mean);
  const random = createPrng(options.seed);
  const out: BootstrapDraw[] = [];
  for (let i = 0; i < options.draws; i++) {
    const resampled = resampleBlocks(centred, options.blockDays ?? DEFAULT_BLOCK_DAYS, random);
    const y = fitted.map((f, t) => f + resampled[t]!);
    const draw = refit({ ...setup, y }, point.sigma2, point.theta, REFIT_ITERATIONS);
    out.push({ baseline: draw.baseline, responses: draw.responses });
  }
  return out;
}
