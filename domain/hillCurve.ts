/** Hill response curves of a marketing channel: conversions as a function of spend, and their fit to history. */

/**
 * Response of a channel to spend x: conversions(x) = maxConversions · x^shape / (halfSaturation^shape + x^shape).
 * shape > 1 is S-shaped (little return until spend builds up), shape <= 1 is concave (diminishing from the start).
 */
export interface HillCurve {
  maxConversions: number;
  halfSaturation: number;
  shape: number;
}

/** One observed period of a channel: what was spent and how many conversions came of it. */
export interface SpendPoint {
  spend: number;
  conversions: number;
}

/** Distinct positive spend levels a history needs before a curve is fitted to it (three parameters, plus one). */
export const MIN_FIT_POINTS = 4;
/** Steepest shape accepted or fitted. */
export const MAX_SHAPE = 10;

/** Expected conversions of a curve at spend x. */
export function hillConversions(curve: HillCurve, x: number): number {
  if (x <= 0 || curve.maxConversions === 0) return 0;
  // M / (1 + (K/x)^s) rather than the textbook form, which overflows for large spends.
  return curve.maxConversions / (1 + Math.pow(curve.halfSaturation / x, curve.shape));
}

/** Slope of a curve at spend x (Infinity at 0 for shape < 1). */
export function hillMarginal(curve: HillCurve, x: number): number {
  const { maxConversions: m, halfSaturation: k, shape: s } = curve;
  if (m === 0) return 0;
  if (x <= 0) return s < 1 ? Infinity : s === 1 ? m / k : 0;
  // M·s·r / (x·(1+r)^2) with r = (x/K)^s, written as 1/(r + 2 + 1/r) so that r = 0 or Infinity stays finite.
  const r = Math.pow(x / k, s);
  return (m * s) / (x * (r + 2 + 1 / r));
}

/** Spend where an S-shaped curve turns concave (0 for shape <= 1). */
export function hillInflection(curve: HillCurve): number {
  const s = curve.shape;
  return s <= 1 ? 0 : curve.halfSaturation * Math.pow((s - 1) / (s + 1), 1 / s);
}

/** Distinct positive spend levels of a history. */
export function distinctPositiveSpends(history: readonly SpendPoint[]): number {
  return new Set(history.filter((p) => p.spend > 0).map((p) => p.spend)).size;
}

/** Least-squares error and best maxConversions for fixed halfSaturation and shape (closed form, clamped at 0). */
function fitError(history: readonly SpendPoint[], k: number, s: number): { error: number; m: number } {
  let sgg = 0;
  let syg = 0;
  const unit: HillCurve = { maxConversions: 1, halfSaturation: k, shape: s };
  for (const p of history) {
    const g = hillConversions(unit, p.spend);
    sgg += g * g;
    syg += p.conversions * g;
  }
  const m = sgg > 0 ? Math.max(0, syg / sgg) : 0;
  let error = 0;
  for (const p of history) {
    const d = p.conversions - m * hillConversions(unit, p.spend);
    error += d * d;
  }
  return { error, m };
}

/**
 * Fit a Hill curve to a channel's history by least squares, when the history has at least {@link MIN_FIT_POINTS}
 * distinct positive spend levels; otherwise return the prior (undefined without one), since three parameters
 * cannot be told apart from fewer levels.
 *
 * For fixed halfSaturation K and shape s the best maxConversions is closed-form (Σ y·g / Σ g², g the unit curve),
 * so the search is over (ln K, s) only: a grid (s from 0.25 to 5, K from a quarter of the smallest positive spend
 * to four times the largest), then a compass search with halving steps, within s ∈ [0.1, 10] and K ∈ [smallest/10,
 * largest·10]. Deterministic. K is bounded because data that never saturates only pins down M/K^s: the fit then
 * extrapolates no further than ten times the largest spend seen.
 */
export function fitHillCurve(history: readonly SpendPoint[], prior: HillCurve): HillCurve;
export function fitHillCurve(history: readonly SpendPoint[], prior?: HillCurve): HillCurve | undefined;
export function fitHillCurve(history: readonly SpendPoint[], prior?: HillCurve): HillCurve | undefined {
  if (distinctPositiveSpends(history) < MIN_FIT_POINTS) return prior;
  const positive = history.filter((p) => p.spend > 0).map((p) => p.spend);
  const lo = Math.min(...positive);
  const hi = Math.max(...positive);
  const lnKMin = Math.log(lo / 10);
  const lnKMax = Math.log(hi * 10);
  const sMin = 0.1;
  const sMax = MAX_SHAPE;

  const gridLo = Math.log(lo / 4);
  const gridHi = Math.log(hi * 4);
  const kSteps = 40;
  const dLnK0 = (gridHi - gridLo) / kSteps;
  let best = { lnK: gridLo, s: 1, error: Infinity };
  for (let i = 0; i <= kSteps; i++) {
    const lnK = gridLo + i * dLnK0;
    for (let s = 0.25; s <= 5 + 1e-9; s += 0.25) {
      const { error } = fitError(history, Math.exp(lnK), s);
      if (error < best.error) best = { lnK, s, error };
    }
  }

  let dLnK = dLnK0;
  let dS = 0.25;
  for (let iter = 0; iter < 5000 && (dLnK > 1e-10 || dS > 1e-10); iter++) {
    let moved = false;
    const moves: [number, number][] = [
      [dLnK, 0],
      [-dLnK, 0],
      [0, dS],
      [0, -dS],
    ];
    for (const [a, b] of moves) {
      const lnK = Math.min(lnKMax, Math.max(lnKMin, best.lnK + a));
      const s = Math.min(sMax, Math.max(sMin, best.s + b));
      const { error } = fitError(history, Math.exp(lnK), s);
      if (error < best.error) {
        best = { lnK, s, error };
        moved = true;
      }
    }
    if (!moved) {
      dLnK /= 2;
      dS /= 2;
    }
  }
  const halfSaturation = Math.exp(best.lnK);
  return { maxConversions: fitError(history, halfSaturation, best.s).m, halfSaturation, shape: best.s };
}
