/**
 * Non-negative least squares on the normal equations: minimise ½·βᵀGβ − hᵀβ subject to β ≥ 0, for a small
 * symmetric positive semi-definite G (a baseline and one maxEffect per channel: at most 21 unknowns).
 * Lawson and Hanson's active-set method, which ends in finitely many steps with the exact optimum.
 */

/** Solves G_FF x = h_F for the free indices F by Cholesky, with a tiny ridge so that collinear columns still solve. */
function solveFree(g: Float64Array, h: Float64Array, n: number, free: readonly number[], out: Float64Array): void {
  const k = free.length;
  const l = new Float64Array(k * k);
  let trace = 0;
  for (const i of free) trace += g[i * n + i]!;
  const ridge = 1e-12 * (trace / Math.max(1, k)) + 1e-300;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = g[free[i]! * n + free[j]!]! + (i === j ? ridge : 0);
      for (let m = 0; m < j; m++) s -= l[i * k + m]! * l[j * k + m]!;
      l[i * k + j] = i === j ? Math.sqrt(Math.max(s, ridge)) : s / l[j * k + j]!;
    }
  }
  const z = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = h[free[i]!]!;
    for (let m = 0; m < i; m++) s -= l[i * k + m]! * z[m]!;
    z[i] = s / l[i * k + i]!;
  }
  out.fill(0);
  for (let i = k - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let m = i + 1; m < k; m++) s -= l[m * k + i]! * out[free[m]!]!;
    out[free[i]!] = s / l[i * k + i]!;
  }
}

/** β ≥ 0 minimising ½·βᵀGβ − hᵀβ; G is n×n row-major. */
export function nnls(g: Float64Array, h: Float64Array, n: number): Float64Array {
  const beta = new Float64Array(n);
  const s = new Float64Array(n);
  const isFree = new Array<boolean>(n).fill(false);
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(h[i]!));
  const tol = 1e-12 * (scale || 1);
  for (let outer = 0; outer < 3 * n + 10; outer++) {
    // The negative gradient: a fixed variable that would lower the loss by growing joins the free set.
    let best = -1;
    let bestW = tol;
    for (let j = 0; j < n; j++) {
      if (isFree[j]) continue;
      let w = h[j]!;
      for (let m = 0; m < n; m++) w -= g[j * n + m]! * beta[m]!;
      if (w > bestW) {
        bestW = w;
        best = j;
      }
    }
    if (best < 0) break;
    isFree[best] = true;
    for (let inner = 0; inner < 3 * n + 10; inner++) {
      const free = isFree.flatMap((f, i) => (f ? [i] : []));
      solveFree(g, h, n, free, s);
      if (free.every((i) => s[i]! > 0)) {
        beta.set(s);
        break;
      }
      // Step from β toward s as far as feasibility allows; the variables that reach zero leave the free set.
      let alpha = 1;
      for (const i of free) {
        const gap = beta[i]! - s[i]!;
        if (s[i]! <= 0) alpha = Math.min(alpha, gap > 0 ? beta[i]! / gap : 0);
      }
      for (let i = 0; i < n; i++) beta[i] = beta[i]! + alpha * (s[i]! - beta[i]!);
      for (const i of free) {
        if (beta[i]! <= 1e-15 * (1 + Math.abs(s[i]!))) {
          beta[i] = 0;
          isFree[i] = false;
        }
      }
    }
  }
  return beta;
}
