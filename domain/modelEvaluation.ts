/** Seeded shuffling and train/holdout splits, and the measures a binary classifier is judged by. */

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
