/**
 * The penalised least-squares objective of the media-mix fit, by variable projection: for given nonlinear
 * parameters per channel (decay, half-saturation, shape) the baseline and the maxEffects enter linearly, so they are
 * solved exactly by non-negative least squares at every evaluation, and the search runs over 3 parameters a channel.
 *
 * The searched parameters are transformed so that the box and the prior are natural: logit(decay);
 * ln(halfSaturation · (1 − decay) / mean daily spend), the steady-state half-saturation relative to the channel's
 * mean daily spend (which keeps it from moving with the decay); ln(shape).
 */
import type { ChannelResponse } from '../responseCurves';
import { solveSpd, type LeastSquaresProblem } from './levenbergMarquardt';
import { initialAdstock } from './model';
import { nnls } from './nnls';

/** Parameters searched per channel. */
export const PARAMS_PER_CHANNEL = 3;
/** Decay is searched in [0.001, 0.95]: a carry-over longer than a half-life of ~13.5 days is not told from a trend. */
export const DECAY_RANGE = [0.001, 0.95] as const;
/** Steady-state half-saturation between 1/20 and 20 times the mean daily spend. */
export const RELATIVE_HALF_SATURATION_RANGE = [0.05, 20] as const;
/** Hill shape between concave and sharply S-shaped. */
export const SHAPE_RANGE = [0.5, 5] as const;

const logit = (x: number) => Math.log(x / (1 - x));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** A Gaussian prior on one channel's transformed parameters, and optionally on its maxEffect (a ridge). */
export interface ChannelPrior {
  center: [logitDecay: number, lnRelativeHalfSaturation: number, lnShape: number];
  scale: [number, number, number];
  maxEffect?: { value: number; scale: number };
}

/** Transformed parameters of one channel from a response (clamped into the search box). */
export function encodeResponse(
  r: Pick<ChannelResponse, 'decay' | 'halfSaturation' | 'shape'>,
  meanSpend: number,
): [number, number, number] {
  const clamp = (v: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, v));
  const decay = clamp(r.decay, DECAY_RANGE);
  const relative = clamp((r.halfSaturation * (1 - decay)) / meanSpend, RELATIVE_HALF_SATURATION_RANGE);
  return [logit(decay), Math.log(relative), Math.log(clamp(r.shape, SHAPE_RANGE))];
}

/** Decay, half-saturation (in adstock units) and shape of one channel from its transformed parameters. */
export function decodeChannel(theta: ArrayLike<number>, c: number, meanSpend: number) {
  const decay = sigmoid(theta[PARAMS_PER_CHANNEL * c]!);
  const halfSaturation = (Math.exp(theta[PARAMS_PER_CHANNEL * c + 1]!) * meanSpend) / (1 - decay);
  return { decay, halfSaturation, shape: Math.exp(theta[PARAMS_PER_CHANNEL * c + 2]!) };
}

/**
 * ‖y − baseline − Σ maxEffect·hill(adstock)‖² + σ²·Σ((θ − prior)/scale)² (+ the maxEffect ridges), as residuals for
 * {@link levenbergMarquardt}. σ² puts the prior on the scale of one day's squared error, so it weighs as much as
 * `1/scale²` days whatever the units of the conversions.
 */
export class Objective implements LeastSquaresProblem {
  readonly size: number;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  private readonly channels: number;
  private readonly days: number;
  /** Per channel at the point last evaluated: hill(adstock), ln(adstock), ∂adstock/∂decay, and the decoded values. */
  private readonly cols: Float64Array[];
  private readonly adstock: Float64Array[];
  private readonly logAdstock: Float64Array[];
  private readonly adstockByDecay: Float64Array[];
  private decoded: { decay: number; halfSaturation: number; shape: number }[] = [];
  private gram: Float64Array = new Float64Array(0);
  private beta: Float64Array = new Float64Array(0);
  private theta: Float64Array = new Float64Array(0);
  private residual: Float64Array = new Float64Array(0);

  constructor(
    private readonly spend: readonly Float64Array[],
    private readonly y: Float64Array,
    private readonly meanSpend: readonly number[],
    private readonly priors: readonly ChannelPrior[],
    private readonly sigma2: number,
  ) {
    this.channels = spend.length;
    this.days = y.length;
    this.size = PARAMS_PER_CHANNEL * this.channels;
    this.cols = spend.map(() => new Float64Array(this.days));
    this.adstock = spend.map(() => new Float64Array(this.days));
    this.logAdstock = spend.map(() => new Float64Array(this.days));
    this.adstockByDecay = spend.map(() => new Float64Array(this.days));
    const lo = [logit(DECAY_RANGE[0]), Math.log(RELATIVE_HALF_SATURATION_RANGE[0]), Math.log(SHAPE_RANGE[0])];
    const hi = [logit(DECAY_RANGE[1]), Math.log(RELATIVE_HALF_SATURATION_RANGE[1]), Math.log(SHAPE_RANGE[1])];
    this.lower = Float64Array.from({ length: this.size }, (_, j) => lo[j % PARAMS_PER_CHANNEL]!);
    this.upper = Float64Array.from({ length: this.size }, (_, j) => hi[j % PARAMS_PER_CHANNEL]!);
  }

  /** Baseline and maxEffects solved at the point last evaluated. */
  linear(): { baseline: number; maxEffects: number[] } {
    return { baseline: this.beta[0]!, maxEffects: Array.from(this.beta.subarray(1)) };
  }

  /** The sum of squared daily residuals, the prior left out. */
  dataLoss(r: Float64Array): number {
    let s = 0;
    for (let t = 0; t < this.days; t++) s += r[t]! * r[t]!;
    return s;
  }

  /** The responses at a point (the linear parameters solved at that point). */
  responses(theta: Float64Array): { baseline: number; responses: ChannelResponse[] } {
    this.residuals(theta);
    const { baseline, maxEffects } = this.linear();
    const responses = maxEffects.map((maxEffect, c) => ({ ...decodeChannel(theta, c, this.meanSpend[c]!), maxEffect }));
    return { baseline, responses };
  }

  residuals(theta: Float64Array): { r: Float64Array; loss: number } {
    this.theta = theta.slice();
    this.decoded = [];
    for (let c = 0; c < this.channels; c++) this.column(theta, c);
    this.gram = this.buildGram();
    this.beta = nnls(this.gram, this.buildRhs(), this.channels + 1);
    const r = new Float64Array(this.days + this.size + this.channels);
    for (let t = 0; t < this.days; t++) r[t] = this.y[t]! - this.beta[0]!;
    for (let c = 0; c < this.channels; c++) {
      const col = this.cols[c]!;
      const m = this.beta[c + 1]!;
      if (m !== 0) for (let t = 0; t < this.days; t++) r[t]! -= m * col[t]!;
    }
    const sigma = Math.sqrt(this.sigma2);
    for (let c = 0; c < this.channels; c++) {
      const prior = this.priors[c]!;
      for (let k = 0; k < PARAMS_PER_CHANNEL; k++) {
        const j = PARAMS_PER_CHANNEL * c + k;
        r[this.days + j] = (sigma * (theta[j]! - prior.center[k]!)) / prior.scale[k]!;
      }
      if (prior.maxEffect) {
        r[this.days + this.size + c] = (sigma * (this.beta[c + 1]! - prior.maxEffect.value)) / prior.maxEffect.scale;
      }
    }
    this.residual = r;
    let loss = 0;
    for (let i = 0; i < r.length; i++) loss += r[i]! * r[i]!;
    return { r, loss };
  }

  /**
   * The exact Jacobian of the projected residuals (Golub and Pereyra): a parameter of channel c moves its column by
   * D = ∂hill/∂θ, and the linear solution on the variables NNLS left free by ∂β_F = G_FF⁻¹(∂h − ∂G·β)_F, so
   * ∂r = −(D·β_c + X_F·∂β_F). The set of free variables is taken as locally fixed.
   */
  jacobian(theta: Float64Array, _r: Float64Array): Float64Array[] {
    if (!sameArray(theta, this.theta)) this.residuals(theta);
    const n = this.channels + 1;
    const free = Array.from(this.beta, (b, i) => (b > 0 ? i : -1)).filter((i) => i >= 0);
    const k = free.length;
    const gff = new Float64Array(k * k);
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) gff[a * k + b] = this.gram[free[a]! * n + free[b]!]!;
    const sigma = Math.sqrt(this.sigma2);
    const m = this.days + this.size + this.channels;
    const d = new Float64Array(this.days);
    const out: Float64Array[] = [];
    for (let c = 0; c < this.channels; c++) {
      const { decay, halfSaturation, shape } = this.decoded[c]!;
      const lnK = Math.log(halfSaturation);
      const h = this.cols[c]!;
      const lnA = this.logAdstock[c]!;
      const dA = this.adstockByDecay[c]!;
      const betaC = this.beta[c + 1]!;
      const adstock = this.adstock[c]!;
      // ∂hill/∂θ_p = −s·h·(1−h)·∂(lnK − ln a)/∂θ_p; lnK moves with logit(decay) by the decay itself.
      const w = new Float64Array(this.days);
      for (let t = 0; t < this.days; t++) w[t] = shape * h[t]! * (1 - h[t]!);
      for (let p = 0; p < PARAMS_PER_CHANNEL; p++) {
        if (p === 0) {
          const dd = decay * (1 - decay);
          for (let t = 0; t < this.days; t++) d[t] = w[t] === 0 ? 0 : -w[t]! * (decay - (dA[t]! * dd) / adstock[t]!);
        } else if (p === 1) {
          for (let t = 0; t < this.days; t++) d[t] = -w[t]!;
        } else {
          for (let t = 0; t < this.days; t++) d[t] = w[t] === 0 ? 0 : -w[t]! * (lnK - lnA[t]!);
        }
        const col = new Float64Array(m);
        if (betaC > 0) {
          // v_i = Dᵀ X_i (X_0 the baseline's column of ones); rhs = ∂h − ∂G·β on the free variables.
          const v = new Float64Array(n);
          let dr = 0;
          for (let t = 0; t < this.days; t++) {
            v[0]! += d[t]!;
            dr += d[t]! * this.residual[t]!;
          }
          for (let i = 0; i < this.channels; i++) {
            const x = this.cols[i]!;
            let s = 0;
            for (let t = 0; t < this.days; t++) s += d[t]! * x[t]!;
            v[i + 1] = s;
          }
          const rhs = Float64Array.from(free, (i) => (i === c + 1 ? dr - v[i]! * betaC : -v[i]! * betaC));
          const dBeta = solveSpd(gff, rhs, k);
          for (let t = 0; t < this.days; t++) col[t] = -d[t]! * betaC;
          free.forEach((i, a) => {
            const db = dBeta[a]!;
            if (i === 0) for (let t = 0; t < this.days; t++) col[t]! -= db;
            else {
              const x = this.cols[i - 1]!;
              for (let t = 0; t < this.days; t++) col[t]! -= db * x[t]!;
            }
            const ridge = this.priors[i - 1]?.maxEffect;
            if (i > 0 && ridge) col[this.days + this.size + i - 1] = (sigma * db) / ridge.scale;
          });
        }
        const j = PARAMS_PER_CHANNEL * c + p;
        col[this.days + j] = sigma / this.priors[c]!.scale[p]!;
        out.push(col);
      }
    }
    return out;
  }

  /** Channel c's column hill(adstock_t) at theta, with ln(adstock) and ∂adstock/∂decay for the Jacobian. */
  private column(theta: ArrayLike<number>, c: number): void {
    const decoded = decodeChannel(theta, c, this.meanSpend[c]!);
    this.decoded[c] = decoded;
    const { decay, halfSaturation, shape } = decoded;
    const spend = this.spend[c]!;
    const out = this.cols[c]!;
    const lnA = this.logAdstock[c]!;
    const dA = this.adstockByDecay[c]!;
    const adstock = this.adstock[c]!;
    const lnK = Math.log(halfSaturation);
    // The day before the first holds m / (1 − decay), whose derivative in decay is m / (1 − decay)².
    let a = initialAdstock(spend, decay);
    let da = a / (1 - decay);
    for (let t = 0; t < this.days; t++) {
      da = a + decay * da;
      a = spend[t]! + decay * a;
      dA[t] = da;
      adstock[t] = a;
      if (a > 0) {
        const la = Math.log(a);
        lnA[t] = la;
        // hill = 1 / (1 + (K/a)^s), the power taken as exp(s·(lnK − ln a)): cheaper than Math.pow.
        out[t] = 1 / (1 + Math.exp(shape * (lnK - la)));
      } else {
        lnA[t] = -Infinity;
        out[t] = 0;
      }
    }
  }

  private ridgeWeight(c: number): number {
    const m = this.priors[c]?.maxEffect;
    return m ? this.sigma2 / (m.scale * m.scale) : 0;
  }

  private ridgeRhs(c: number): number {
    const m = this.priors[c]?.maxEffect;
    return m ? (this.sigma2 * m.value) / (m.scale * m.scale) : 0;
  }

  private buildGram(): Float64Array {
    const n = this.channels + 1;
    const g = new Float64Array(n * n);
    g[0] = this.days;
    for (let c = 0; c < this.channels; c++) {
      const a = this.cols[c]!;
      let sum = 0;
      for (let t = 0; t < this.days; t++) sum += a[t]!;
      g[c + 1] = g[(c + 1) * n] = sum;
      for (let d = 0; d <= c; d++) {
        const b = this.cols[d]!;
        let s = 0;
        for (let t = 0; t < this.days; t++) s += a[t]! * b[t]!;
        g[(c + 1) * n + d + 1] = g[(d + 1) * n + c + 1] = s + (c === d ? this.ridgeWeight(c) : 0);
      }
    }
    return g;
  }

  private buildRhs(): Float64Array {
    const h = new Float64Array(this.channels + 1);
    for (let t = 0; t < this.days; t++) h[0]! += this.y[t]!;
    for (let c = 0; c < this.channels; c++) {
      const a = this.cols[c]!;
      let s = 0;
      for (let t = 0; t < this.days; t++) s += a[t]! * this.y[t]!;
      h[c + 1] = s + this.ridgeRhs(c);
    }
    return h;
  }
}

function sameArray(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
