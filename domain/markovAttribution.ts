/** The data-driven attribution model: removal effects in a first-order absorbing Markov chain of the journeys. */
import { AttributionInputError, MARKOV_MAX_CHANNELS, pathOf, type Journey } from './attributionInput';

/** Gauss-Jordan inverse with partial pivoting of a dense row-major m×m matrix. */
function invert(a: Float64Array, m: number): Float64Array {
  const w = 2 * m;
  const aug = new Float64Array(m * w);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) aug[i * w + j] = a[i * m + j]!;
    aug[i * w + m + i] = 1;
  }
  for (let col = 0; col < m; col++) {
    let pivot = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(aug[r * w + col]!) > Math.abs(aug[pivot * w + col]!)) pivot = r;
    const pv = aug[pivot * w + col]!;
    if (Math.abs(pv) < 1e-300) throw new Error('singular transition system');
    if (pivot !== col) {
      for (let j = 0; j < w; j++) {
        const t = aug[col * w + j]!;
        aug[col * w + j] = aug[pivot * w + j]!;
        aug[pivot * w + j] = t;
      }
    }
    for (let j = 0; j < w; j++) aug[col * w + j]! /= pv;
    for (let r = 0; r < m; r++) {
      if (r === col) continue;
      const f = aug[r * w + col]!;
      if (f === 0) continue;
      for (let j = col; j < w; j++) aug[r * w + j]! -= f * aug[col * w + j]!;
    }
  }
  const inv = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) inv[i * m + j] = aug[i * w + m + j]!;
  return inv;
}

/**
 * Removal effect of each channel in the first-order absorbing Markov chain start → channels → conversion | null.
 *
 * With Q the transient block (start and channels), r the one-step conversion probabilities and N = (I - Q)^-1,
 * the conversion probability from start is p = (N r)[start]. Removing channel c (its inbound transitions go to
 * null) loses exactly the conversions of the paths that visit c, so
 *   P(conv without c) = p - P(visit c from start) · p_c,  with  P(visit c from start) = N[start][c] / N[c][c],
 * and the removal effect 1 - P(conv without c) / p is N[start][c] / N[c][c] · p_c / p. This is the exact solution
 * of the absorbing chain (loops included) from one matrix inversion instead of one linear solve per channel.
 */
export function markovRemovalEffects(journeys: readonly Journey[]): Map<string, number> {
  const index = new Map<string, number>(); // channel -> state 1..n; state 0 is start
  const paths = journeys.map((j) => {
    const path = j.converted ? pathOf(j) : [...j.touchpoints];
    return path.map((t) => {
      let s = index.get(t.channel);
      if (s === undefined) {
        s = index.size + 1;
        index.set(t.channel, s);
      }
      return s;
    });
  });
  const n = index.size;
  if (n > MARKOV_MAX_CHANNELS) {
    throw new AttributionInputError(`the markov model handles at most ${MARKOV_MAX_CHANNELS} channels, got ${n}`);
  }
  const m = n + 1;
  const counts = new Float64Array(m * m);
  const toConversion = new Float64Array(m);
  const outTotal = new Float64Array(m);
  journeys.forEach((j, k) => {
    let from = 0;
    for (const to of paths[k]!) {
      counts[from * m + to]! += 1;
      outTotal[from]! += 1;
      from = to;
    }
    // Non-converted journeys (with or without touchpoints) end in null: they count in the denominator only.
    if (j.converted) toConversion[from]! += 1;
    outTotal[from]! += 1;
  });
  const effects = new Map<string, number>();
  for (const c of index.keys()) effects.set(c, 0);
  if (!journeys.some((j) => j.converted)) return effects;

  const a = new Float64Array(m * m);
  const r = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const out = outTotal[i]!;
    a[i * m + i] = 1;
    if (out === 0) continue;
    for (let j = 0; j < m; j++) a[i * m + j]! -= counts[i * m + j]! / out;
    r[i] = toConversion[i]! / out;
  }
  const inv = invert(a, m);
  const p = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += inv[i * m + j]! * r[j]!;
    p[i] = s;
  }
  const pStart = p[0]!;
  for (const [c, s] of index) {
    const visit = inv[s]! / inv[s * m + s]!; // row 0 of N is start
    effects.set(c, Math.min(1, Math.max(0, (visit * p[s]!) / pStart)));
  }
  return effects;
}
