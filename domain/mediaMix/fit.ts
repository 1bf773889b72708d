/**
 * The point fit of the media-mix model: priors, a noise scale for them, deterministic starts, and
 * Levenberg–Marquardt from the most promising of them.
 */
import type { ChannelResponse } from '../responseCurves';
import { levenbergMarquardt, solveSpd } from './levenbergMarquardt';
import { adstockSeries, initialAdstock } from './model';
import { encodeResponse, Objective, PARAMS_PER_CHANNEL, type ChannelPrior } from './objective';

/** The prior a channel gets when none is given: decay 0.4, half-saturation at the mean daily spend, shape 1.5. */
export const DEFAULT_PRIOR = { decay: 0.4, relativeHalfSaturation: 1, shape: 1.5 } as const;
/** Prior widths on the transformed scale (logit decay, ln relative half-saturation, ln shape): weak by default. */
const DEFAULT_SCALE: [number, number, number] = [2, 1.5, 0.6];
/** Narrower widths for values the caller gave, and a ±50% ridge on a given maxEffect. */
const GIVEN_SCALE: [number, number, number] = [1, 0.7, 0.3];
const GIVEN_MAX_EFFECT_SCALE = 0.5;

/** Iterations of the short runs that screen the starts, and of the full runs from the best few. */
const SCREEN_ITERATIONS = 6;
const FULL_ITERATIONS = 100;
const KEPT_STARTS = 3;

/** The inputs of a fit: spend per channel, conversions, and the channels' priors. */
export interface FitSetup {
  spend: readonly Float64Array[];
  y: Float64Array;
  meanSpend: readonly number[];
  priors: readonly ChannelPrior[];
}

/** A fitted point: the transformed parameters and what they decode to. */
export interface PointFit {
  theta: Float64Array;
  baseline: number;
  responses: ChannelResponse[];
  /** Sum of squared daily residuals. */
  ssr: number;
  /** The noise variance the prior was weighed with (refits of resampled data keep it). */
  sigma2: number;
}

/** The setup of a fit: mean daily spends and the priors, from the user's priors where given. */
export function fitSetup(
  spend: readonly Float64Array[],
  y: Float64Array,
  given: readonly Partial<ChannelResponse>[],
): FitSetup {
  const meanSpend = spend.map((s) => s.reduce((a, b) => a + b, 0) / s.length);
  const priors = meanSpend.map((mean, c): ChannelPrior => {
    const g = given[c] ?? {};
    const decay = g.decay ?? DEFAULT_PRIOR.decay;
    const center = encodeResponse(
      {
        decay,
        halfSaturation: g.halfSaturation ?? (DEFAULT_PRIOR.relativeHalfSaturation * mean) / (1 - decay),
        shape: g.shape ?? DEFAULT_PRIOR.shape,
      },
      mean,
    );
    const scale: [number, number, number] = [
      g.decay !== undefined ? GIVEN_SCALE[0] : DEFAULT_SCALE[0],
      g.halfSaturation !== undefined ? GIVEN_SCALE[1] : DEFAULT_SCALE[1],
      g.shape !== undefined ? GIVEN_SCALE[2] : DEFAULT_SCALE[2],
    ];
    return {
      center,
      scale,
      ...(g.maxEffect !== undefined
        ? { maxEffect: { value: g.maxEffect, scale: GIVEN_MAX_EFFECT_SCALE * g.maxEffect } }
        : {}),
    };
  });
  return { spend, y, meanSpend, priors };
}

/**
 * A first noise variance, before any fit: the residual variance of a linear regression of conversions on each
 * channel's spend and its adstock at decay 0.5. It only weighs the prior against the data, and is replaced by the
 * fit's own residual variance before the final run.
 */
export function linearNoiseVariance(setup: FitSetup): number {
  const { spend, y, meanSpend } = setup;
  const cols: Float64Array[] = [new Float64Array(y.length).fill(1)];
  spend.forEach((s, c) => {
    cols.push(s.map((v) => v / meanSpend[c]!));
    cols.push(adstockSeries(s, 0.5, initialAdstock(s, 0.5)).map((v) => (v * 0.5) / meanSpend[c]!));
  });
  const k = cols.length;
  const a = new Float64Array(k * k);
  const b = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let t = 0; t < y.length; t++) s += cols[i]![t]! * cols[j]![t]!;
      a[i * k + j] = a[j * k + i] = s + (i === j ? 1e-9 * y.length : 0);
    }
    let s = 0;
    for (let t = 0; t < y.length; t++) s += cols[i]![t]! * y[t]!;
    b[i] = s;
  }
  const beta = solveSpd(a, b, k);
  let ssr = 0;
  for (let t = 0; t < y.length; t++) {
    let e = y[t]!;
    for (let i = 0; i < k; i++) e -= beta[i]! * cols[i]![t]!;
    ssr += e * e;
  }
  const variance = ssr / Math.max(1, y.length - k);
  let mean = 0;
  for (let t = 0; t < y.length; t++) mean += y[t]!;
  mean /= y.length;
  // A perfect linear fit would switch the prior off; keep it at least at a millionth of the level squared.
  return Math.max(variance, 1e-6 * mean * mean, 1e-12);
}

/** Starting points: every channel at the same decay, relative half-saturation and shape, over a small grid. */
function starts(setup: FitSetup): Float64Array[] {
  const out: Float64Array[] = [Float64Array.from(setup.priors.flatMap((p) => p.center))];
  for (const decay of [0.15, 0.45, 0.75]) {
    for (const relative of [0.5, 2]) {
      for (const shape of [1, 2.5]) {
        out.push(
          Float64Array.from(
            setup.meanSpend.flatMap((mean) =>
              encodeResponse({ decay, halfSaturation: (relative * mean) / (1 - decay), shape }, mean),
            ),
          ),
        );
      }
    }
  }
  return out;
}

/** Runs the search from theta and decodes the result. */
export function refit(setup: FitSetup, sigma2: number, theta: Float64Array, maxIterations: number): PointFit {
  const objective = new Objective(setup.spend, setup.y, setup.meanSpend, setup.priors, sigma2);
  const found = levenbergMarquardt(objective, theta, maxIterations);
  const { baseline, responses } = objective.responses(found.p);
  return { theta: found.p, baseline, responses, ssr: objective.dataLoss(objective.residuals(found.p).r), sigma2 };
}

/**
 * The penalised least-squares fit from several deterministic starts: each start runs a few iterations, the best
 * three run to convergence, and the best of those is refined once more with the prior weighed by the fit's own
 * residual variance (SSR / (days − parameters)).
 */
export function fitPoint(setup: FitSetup): PointFit {
  const days = setup.y.length;
  const sigma0 = linearNoiseVariance(setup);
  const objective = new Objective(setup.spend, setup.y, setup.meanSpend, setup.priors, sigma0);
  const screened = starts(setup)
    .map((p) => levenbergMarquardt(objective, p, SCREEN_ITERATIONS))
    .sort((a, b) => a.loss - b.loss)
    .slice(0, KEPT_STARTS)
    .map((s) => levenbergMarquardt(objective, s.p, FULL_ITERATIONS))
    .sort((a, b) => a.loss - b.loss);
  const best = screened[0]!;
  const ssr = objective.dataLoss(objective.residuals(best.p).r);
  const parameters = 1 + (PARAMS_PER_CHANNEL + 1) * setup.spend.length;
  const sigma2 = Math.max(ssr / Math.max(1, days - parameters), 1e-12);
  return refit(setup, sigma2, best.p, FULL_ITERATIONS);
}
