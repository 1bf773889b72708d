/**
 * Churn prediction: an L2-regularised logistic regression fitted by Newton's method (IRLS), its evaluation on a
 * seeded holdout, scoring of new records, behavioural features from stored events, and the intervention choice.
 * Everything here is deterministic: same records and seed, same model, bit for bit.
 */
import { buildDesignMatrix, encodeRow, fitEncoder, type CsvRecord, type DatasetEncoder } from './csvDataset';

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

/** A stored churn model: the record encoder plus the fitted logistic regression, all plain JSON. */
export interface ChurnModel extends LogisticModel {
  version: 1;
  kind: 'logistic';
  encoder: DatasetEncoder;
  l2: number;
}

/** How a trained churn model did on rows it never saw. */
export interface ChurnMetrics {
  trainedRows: number;
  holdoutRows: number;
  /** Share of holdout rows classified correctly at a 0.5 threshold. */
  accuracy: number;
  /** Area under the ROC curve on the holdout (NaN when the holdout holds only one class). */
  auc: number;
  /** Share of positive (churned) labels over all rows. */
  positiveRate: number;
}

/** Options for {@link trainChurnModel}. */
export interface TrainChurnOptions {
  /** Label column. Default `churned`. */
  label?: string;
  /** Columns left out of the features, e.g. `months_active`. */
  exclude?: readonly string[];
  /** Columns forced to be categorical. */
  categorical?: readonly string[];
  /** L2 penalty, see {@link LogisticOptions.l2}. Default 1. */
  l2?: number;
  /** Seed of the train/holdout shuffle. Default 42. */
  seed?: number;
  /** Share of rows held out. Default 0.2. */
  holdoutFraction?: number;
  iterations?: number;
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

/** mulberry32: a small, fast, seeded PRNG returning floats in [0, 1). */
export function createPrng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Fisher-Yates shuffle driven by a seeded PRNG; returns a new array and leaves the input alone. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const random = createPrng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Shuffles with the seed and holds out a fraction (default 0.2), keeping at least one row on each side. */
export function trainHoldoutSplit<T>(
  items: readonly T[],
  options: { seed: number; holdoutFraction?: number },
): { train: T[]; holdout: T[] } {
  const fraction = options.holdoutFraction ?? 0.2;
  if (!(fraction > 0 && fraction < 1)) throw new RangeError('holdoutFraction must be strictly between 0 and 1');
  const shuffled = seededShuffle(items, options.seed);
  let holdoutCount = Math.round(shuffled.length * fraction);
  if (shuffled.length >= 2) holdoutCount = Math.min(shuffled.length - 1, Math.max(1, holdoutCount));
  return { holdout: shuffled.slice(0, holdoutCount), train: shuffled.slice(holdoutCount) };
}

/** Share of predictions on the right side of the threshold (default 0.5). */
export function accuracy(probabilities: readonly number[], labels: readonly number[], threshold = 0.5): number {
  if (probabilities.length !== labels.length) throw new Error('probabilities and labels differ in length');
  if (labels.length === 0) return Number.NaN;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    if ((probabilities[i]! >= threshold ? 1 : 0) === labels[i]) correct++;
  }
  return correct / labels.length;
}

/**
 * Area under the ROC curve via the Mann-Whitney U statistic: the chance that a random positive outranks a random
 * negative, tied scores counting one half (average ranks). NaN when either class is absent.
 */
export function auc(scores: readonly number[], labels: readonly number[]): number {
  if (scores.length !== labels.length) throw new Error('scores and labels differ in length');
  const order = scores.map((s, i) => ({ s, y: labels[i]! })).sort((a, b) => a.s - b.s);
  let positives = 0;
  let positiveRankSum = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]!.s === order[i]!.s) j++;
    const averageRank = (i + j + 2) / 2; // ranks are 1-based
    for (let k = i; k <= j; k++) {
      if (order[k]!.y === 1) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  const u = positiveRankSum - (positives * (positives + 1)) / 2;
  return u / (positives * negatives);
}

/**
 * Trains a churn model on parsed CSV records: seeded shuffle, 80/20 split, encoder fitted on the training part
 * only (so holdout statistics never leak into the standardisation), Newton-fitted logistic regression, and
 * metrics measured on the holdout. The returned model is the one that was measured.
 */
export function trainChurnModel(
  records: readonly CsvRecord[],
  options: TrainChurnOptions = {},
): { model: ChurnModel; metrics: ChurnMetrics } {
  const label = options.label ?? 'churned';
  const l2 = options.l2 ?? 1;
  const seed = options.seed ?? 42;
  const encoderOptions = { label, exclude: options.exclude ?? [], categorical: options.categorical ?? [] };
  const { train, holdout } = trainHoldoutSplit(records, { seed, holdoutFraction: options.holdoutFraction ?? 0.2 });
  const encoder = fitEncoder(train, encoderOptions);
  const trainSet = buildDesignMatrix(train, encoderOptions, encoder);
  const holdoutSet = buildDesignMatrix(holdout, encoderOptions, encoder);
  const fitted = trainLogistic(trainSet.X, trainSet.y, { l2, iterations: options.iterations });
  const probabilities = predictMany(fitted, holdoutSet.X);
  const positives = trainSet.y.reduce((a, b) => a + b, 0) + holdoutSet.y.reduce((a, b) => a + b, 0);
  return {
    model: { version: 1, kind: 'logistic', encoder, weights: fitted.weights, bias: fitted.bias, l2 },
    metrics: {
      trainedRows: train.length,
      holdoutRows: holdout.length,
      accuracy: accuracy(probabilities, holdoutSet.y),
      auc: auc(probabilities, holdoutSet.y),
      positiveRate: positives / records.length,
    },
  };
}

/** Churn probability of one record (the label column, if present, is ignored). */
export function scoreChurn(model: ChurnModel, record: CsvRecord): number {
  return predict(model, encodeRow(model.encoder, record));
}

/** A stored behavioural event. */
export interface BehaviourEvent {
  name: string;
  occurredAt: Date | string;
  properties?: Readonly<Record<string, unknown>> | null;
}

/** Length of the recent window and of the baseline window just before it, in days. */
export interface FeatureWindows {
  recentDays: number;
  baselineDays: number;
}

/** The behavioural churn signals of one user. */
export interface ChurnFeatures {
  /** Share of the baseline daily login rate lost in the recent window, 0..1 (0 when there is no baseline). */
  login_frequency_decline: number;
  /** Same measure for product usage events, 0..1. */
  feature_usage_drop: number;
  /** Support tickets in the recent window beyond what the baseline rate predicts, >= 0. */
  support_tickets_increase: number;
  /** `payment_failed` events in the recent window. */
  payment_failures: number;
  /** The latest `nps_submitted` score is 6 or below (a detractor). */
  nps_score_low: boolean;
  /** That latest score, or null when none was submitted. */
  latest_nps_score: number | null;
}

/** Default windows: the last two weeks compared with the eight weeks before them. */
export const defaultFeatureWindows: FeatureWindows = { recentDays: 14, baselineDays: 56 };

const LOGIN_EVENTS = new Set(['login', 'logged_in', 'session_started']);
const TICKET_EVENTS = new Set(['support_ticket_created', 'support_ticket_opened', 'ticket_created']);
// Account-level events that say nothing about product usage.
const NON_PRODUCT_PREFIXES = [
  'login',
  'logged_',
  'logout',
  'session_',
  'support_',
  'ticket_',
  'payment_',
  'nps_',
  'email_',
  'subscription_',
  'invoice_',
];
const DAY_MS = 86_400_000;

function toTime(value: Date | string): number {
  return value instanceof Date ? value.getTime() : Date.parse(value);
}

/** Relative drop of the recent daily rate against the baseline daily rate, clamped to 0..1. */
function rateDecline(recent: number, baseline: number, windows: FeatureWindows): number {
  if (baseline === 0) return 0; // Nothing to decline from: a new or always-idle user.
  const ratio = recent / windows.recentDays / (baseline / windows.baselineDays);
  return Math.min(1, Math.max(0, 1 - ratio));
}

/**
 * Computes the behavioural churn features from a user's stored events. The recent window is
 * (now - recentDays, now]; the baseline is the baselineDays before it. Events in the future or with unreadable
 * timestamps are ignored. Product usage counts `feature_used` events when there are any in the two windows,
 * and otherwise every event that is not a login, support, payment, NPS, email or billing event.
 */
export function churnFeaturesFromEvents(
  events: readonly BehaviourEvent[],
  now: Date | string,
  windows: FeatureWindows = defaultFeatureWindows,
): ChurnFeatures {
  if (!(windows.recentDays > 0 && windows.baselineDays > 0)) throw new RangeError('windows must be positive');
  const nowMs = toTime(now);
  if (!Number.isFinite(nowMs)) throw new RangeError('now is not a valid date');
  const recentStart = nowMs - windows.recentDays * DAY_MS;
  const baselineStart = recentStart - windows.baselineDays * DAY_MS;

  const counts = { recentLogins: 0, baseLogins: 0, recentFeature: 0, baseFeature: 0, recentOther: 0, baseOther: 0 };
  let recentTickets = 0;
  let baseTickets = 0;
  let paymentFailures = 0;
  let latestNps: { at: number; score: number } | undefined;

  for (const event of events) {
    const at = toTime(event.occurredAt);
    if (!Number.isFinite(at) || at > nowMs) continue;
    const name = event.name;
    if (name === 'nps_submitted') {
      const score = Number(event.properties?.['score']);
      if (Number.isFinite(score) && (latestNps === undefined || at >= latestNps.at)) latestNps = { at, score };
    }
    const inRecent = at > recentStart;
    const inBaseline = !inRecent && at > baselineStart;
    if (!inRecent && !inBaseline) continue;
    if (LOGIN_EVENTS.has(name)) {
      if (inRecent) counts.recentLogins++;
      else counts.baseLogins++;
    } else if (TICKET_EVENTS.has(name)) {
      if (inRecent) recentTickets++;
      else baseTickets++;
    } else if (name === 'payment_failed') {
      if (inRecent) paymentFailures++;
    } else if (name === 'feature_used') {
      if (inRecent) counts.recentFeature++;
      else counts.baseFeature++;
    } else if (!NON_PRODUCT_PREFIXES.some((p) => name.startsWith(p))) {
      if (inRecent) counts.recentOther++;
      else counts.baseOther++;
    }
  }

  const hasFeatureEvents = counts.recentFeature + counts.baseFeature > 0;
  const usageRecent = hasFeatureEvents ? counts.recentFeature : counts.recentOther;
  const usageBase = hasFeatureEvents ? counts.baseFeature : counts.baseOther;
  const expectedTickets = (baseTickets / windows.baselineDays) * windows.recentDays;
  return {
    login_frequency_decline: rateDecline(counts.recentLogins, counts.baseLogins, windows),
    feature_usage_drop: rateDecline(usageRecent, usageBase, windows),
    support_tickets_increase: Math.max(0, recentTickets - expectedTickets),
    payment_failures: paymentFailures,
    nps_score_low: latestNps !== undefined && latestNps.score <= 6,
    latest_nps_score: latestNps?.score ?? null,
  };
}

/** The three retention plays: winback email sequence, in-app retention offer, or a customer-success alert. */
export type Intervention = 'email' | 'in_app' | 'human';

/** Thresholds of {@link selectIntervention}. */
export const interventionThresholds = { veryHighRisk: 0.9, usageDrop: 0.5 } as const;

/**
 * Picks the retention play for a user already judged at risk (the caller decides the trigger threshold):
 * 1. `human` when a payment failed in the recent window (a billing problem needs a person, not a coupon), or when
 *    the risk is very high (> 0.9) and the account is high value (worth a person's time);
 * 2. `in_app` when product usage dropped by half or more (reach them where they still are, with a retention offer);
 * 3. `email` otherwise (enrol in the winback sequence).
 */
export function selectIntervention(
  score: number,
  features: Pick<ChurnFeatures, 'payment_failures' | 'feature_usage_drop'>,
  context: { highValue?: boolean } = {},
): Intervention {
  if (features.payment_failures > 0) return 'human';
  if (score > interventionThresholds.veryHighRisk && context.highValue === true) return 'human';
  if (features.feature_usage_drop >= interventionThresholds.usageDrop) return 'in_app';
  return 'email';
}
