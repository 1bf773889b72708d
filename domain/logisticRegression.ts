/**
 * An L2-regularised logistic regression fitted by Newton's method (IRLS) with step halving, and its predictions.
 * Deterministic: same rows, same model, bit for bit.
 */

/** Weights and intercept of a logistic regression. */
export interface LogisticModel {
  weights: number[];
  bias: number;
}

/** Options for {@link trainLogistic}. */
export interface LogisticOptions {
  /** Penalty (l2 / 2) * |w|^2 added to the summed log loss; the intercept is not penalised. Default 1. */
  l2?: number;
  /** Maximum number of Newton steps. Default 100 (the churn data converges in under 10). */
  iterations?: number;
  /** Stop once no parameter moves by more than this in a step. Default 1e-9. */
  tolerance?: number;
}

// Keeps probabilities strictly inside (0, 1) so that log-odds and log loss stay finite downstream.
const P_MIN = 1e-12;

function sigmoid(z: number): number {
  const p = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
  return Math.min(1 - P_MIN, Math.max(P_MIN, p));
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

/** Solves A x = b by Gaussian elimination with partial pivoting (A is small: one row per feature). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i] ?? 0]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(M[r]![col]!) > Math.abs(M[pivot]![col]!)) pivot = r;
    }
    [M[col], M[pivot]] = [M[pivot]!, M[col]!];
    const p = M[col]![col]!;
    if (Math.abs(p) < 1e-300) throw new Error('singular system while fitting the logistic regression');
    for (let r = col + 1; r < n; r++) {
      const f = M[r]![col]! / p;
      if (f === 0) continue;
      for (let c = col; c <= n; c++) M[r]![c]! -= f * M[col]![c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r]![n]!;
    for (let c = r + 1; c < n; c++) s -= M[r]![c]! * x[c]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}

function objective(X: readonly (readonly number[])[], y: readonly number[], theta: number[], l2: number): number {
  const d = theta.length - 1;
  const w = theta.slice(0, d);
  let loss = 0;
  for (let i = 0; i < X.length; i++) {
    const z = dot(X[i]!, w) + theta[d]!;
    loss += softplus(z) - y[i]! * z;
  }
  return loss + (l2 / 2) * dot(w, w);
}

/**
 * Fits a logistic regression minimising sum(log loss) + (l2 / 2) * |w|^2 by Newton's method with step halving.
 * With l2 > 0 the problem is strictly convex in the weights, so it converges even on separable data.
 */
export function trainLogistic(
  X: readonly (readonly number[])[],
  y: readonly number[],
  options: LogisticOptions = {},
): LogisticModel {
  const l2 = options.l2 ?? 1;
  const iterations = options.iterations ?? 100;
  const tolerance = options.tolerance ?? 1e-9;
  if (!(l2 >= 0) || !Number.isFinite(l2)) throw new RangeError('l2 must be a finite number >= 0');
  if (X.length !== y.length) throw new Error(`X has ${X.length} rows but y has ${y.length}`);
  if (X.length === 0) throw new Error('cannot train on no rows');
  const d = X[0]!.length;
  for (const [i, row] of X.entries()) {
    if (row.length !== d) throw new Error(`row ${i} has ${row.length} features, expected ${d}`);
  }
  for (const label of y) if (label !== 0 && label !== 1) throw new Error('labels must be 0 or 1');

  // theta = [w_0 .. w_{d-1}, bias]
  let theta = new Array<number>(d + 1).fill(0);
  let current = objective(X, y, theta, l2);
  for (let iter = 0; iter < iterations; iter++) {
    const w = theta.slice(0, d);
    const grad = new Array<number>(d + 1).fill(0);
    const H: number[][] = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    for (let i = 0; i < X.length; i++) {
      const row = X[i]!;
      const p = sigmoid(dot(row, w) + theta[d]!);
      const r = p - y[i]!;
      const s = p * (1 - p);
      for (let a = 0; a < d; a++) {
        const xa = row[a]!;
        if (xa === 0) continue; // One-hot columns are mostly zeros.
        grad[a]! += r * xa;
        const sx = s * xa;
        const Ha = H[a]!;
        for (let b = a; b < d; b++) Ha[b]! += sx * row[b]!;
        Ha[d]! += sx;
      }
      grad[d]! += r;
      H[d]![d]! += s;
    }
    for (let a = 0; a < d; a++) {
      grad[a]! += l2 * theta[a]!;
      // A tiny ridge keeps the system solvable when l2 = 0 and columns are collinear.
      H[a]![a]! += l2 + 1e-10;
      for (let b = a + 1; b <= d; b++) H[b]![a] = H[a]![b]!;
    }
    H[d]![d]! += 1e-10;

    const step = solve(H, grad);
    let scale = 1;
    let next = theta;
    let nextValue = current;
    // Step halving guarantees the objective never goes up.
    for (let k = 0; k < 30; k++) {
      const candidate = theta.map((t, j) => t - scale * step[j]!);
      const value = objective(X, y, candidate, l2);
      if (value <= current) {
        next = candidate;
        nextValue = value;
        break;
      }
      scale /= 2;
    }
    const moved = Math.max(...next.map((t, j) => Math.abs(t - theta[j]!)));
    theta = next;
    current = nextValue;
    if (moved < tolerance) break;
  }
  return { weights: theta.slice(0, d), bias: theta[d]! };
}

/** Probability of the positive class for one feature vector, strictly inside (0, 1). */
export function predict(model: LogisticModel, x: readonly number[]): number {
  if (x.length !== model.weights.length) {
    throw new Error(`feature vector has ${x.length} values, the model expects ${model.weights.length}`);
  }
  return sigmoid(dot(model.weights, x) + model.bias);
}

/** Probabilities for each row of a design matrix. */
export function predictMany(model: LogisticModel, X: readonly (readonly number[])[]): number[] {
  return X.map((x) => predict(model, x));
}
