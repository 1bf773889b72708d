/**
 * Levenberg–Marquardt for a box-bounded least-squares problem: minimise ‖r(p)‖² with lower ≤ p ≤ upper. A bound is
 * held by projecting each trial step onto the box and by freezing, for the step, a parameter that sits on a bound
 * and whose gradient pushes it outward.
 */

/** A problem the method can solve: residuals at a point, and their Jacobian at the point last evaluated. */
export interface LeastSquaresProblem {
  /** Number of parameters. */
  readonly size: number;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** The residual vector at p and its squared norm. */
  residuals(p: Float64Array): { r: Float64Array; loss: number };
  /** One column per parameter: ∂r/∂p_j at p, where r are the residuals at p. */
  jacobian(p: Float64Array, r: Float64Array): Float64Array[];
}

/** Where the search stopped. */
export interface LeastSquaresResult {
  p: Float64Array;
  loss: number;
  iterations: number;
}

/** Solves the symmetric positive-definite system A x = b (n×n row-major) by Cholesky; a tiny jitter keeps it solvable. */
export function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  let trace = 0;
  for (let i = 0; i < n; i++) trace += Math.abs(a[i * n + i]!);
  const jitter = 1e-13 * (trace / Math.max(1, n)) + 1e-300;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = i === j ? Math.sqrt(Math.max(s + jitter, jitter)) : s / l[j * n + j]!;
    }
  }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * z[k]!;
    z[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/**
 * Minimises ‖r(p)‖² from p0 (clamped into the box). Stops when a step lowers the loss by less than a relative 1e-10,
 * when no damping finds a lower loss, or after maxIterations Jacobians.
 */
export function levenbergMarquardt(
  problem: LeastSquaresProblem,
  p0: Float64Array,
  maxIterations: number,
): LeastSquaresResult {
  const { size: n, lower, upper } = problem;
  let p = p0.map((v, j) => Math.min(upper[j]!, Math.max(lower[j]!, v)));
  let { r, loss } = problem.residuals(p);
  let lambda = 1e-3;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const jac = problem.jacobian(p, r);
    const g = jac.map((col) => dot(col, r));
    const free: number[] = [];
    for (let j = 0; j < n; j++) {
      const atLower = p[j]! <= lower[j]! && g[j]! > 0;
      const atUpper = p[j]! >= upper[j]! && g[j]! < 0;
      if (!atLower && !atUpper) free.push(j);
    }
    if (free.length === 0) break;
    const k = free.length;
    const a = new Float64Array(k * k);
    for (let x = 0; x < k; x++) {
      for (let y = 0; y <= x; y++) {
        const v = dot(jac[free[x]!]!, jac[free[y]!]!);
        a[x * k + y] = v;
        a[y * k + x] = v;
      }
    }
    let accepted = false;
    let small = false;
    while (lambda < 1e12) {
      const damped = a.slice();
      for (let x = 0; x < k; x++) damped[x * k + x] = a[x * k + x]! * (1 + lambda) + 1e-12;
      const step = solveSpd(
        damped,
        Float64Array.from(free, (j) => -g[j]!),
        k,
      );
      const trial = p.slice();
      let biggest = 0;
      free.forEach((j, x) => {
        trial[j] = Math.min(upper[j]!, Math.max(lower[j]!, p[j]! + step[x]!));
        biggest = Math.max(biggest, Math.abs(trial[j]! - p[j]!));
      });
      const next = problem.residuals(trial);
      if (next.loss < loss) {
        small = loss - next.loss <= 1e-10 * loss || biggest < 1e-9;
        p = trial;
        r = next.r;
        loss = next.loss;
        lambda = Math.max(lambda / 4, 1e-9);
        accepted = true;
        break;
      }
      lambda *= 4;
    }
    if (!accepted || small) {
      iterations++;
      break;
    }
  }
  // The problem's state must describe p for whoever reads it next (the last trial may have been rejected).
  problem.residuals(p);
  return { p, loss, iterations };
}
