/**
 * Seeded synthetic media-mix data with a known truth, for tests and for trying the fit: channels with given
 * responses, spend that varies the way real spend does, a baseline, and noise.
 */
import { correlation } from './identify';
import { createPrng } from '../modelEvaluation';
import type { ChannelResponse } from '../responseCurves';
import { adstockSeries, hillUnit, total, type MediaMixDay } from './model';

/**
 * How a channel's daily spend moves: `randomWalk` drifts (a mean-reverting walk on the log scale, with daily
 * jitter); `flighting` runs whole weeks on and off (about two weeks in three on); `seasonal` follows a weekly cycle
 * with a slow drift.
 */
export type SpendPattern = 'randomWalk' | 'flighting' | 'seasonal';

/** One synthetic channel: its true response and how its spend moves around its mean. */
export interface SyntheticChannel {
  name: string;
  pattern: SpendPattern;
  meanSpend: number;
  truth: ChannelResponse;
}

/** What to generate. */
export interface SyntheticSpec {
  seed: number;
  days: number;
  /** True conversions a day without media. */
  baseline: number;
  channels: SyntheticChannel[];
  /** Gaussian noise with this standard deviation relative to the mean conversions (0.05 for 5%), or Poisson counts. */
  noise: number | 'poisson';
  /** Correlation (0 to 1) of the channels' log-scale spend moves; about the correlation of random-walk spends. */
  correlation?: number;
  /** First date (default 2024-01-01). */
  start?: string;
  /** Days simulated before the first, so the adstock of the first day carries real history (default 60). */
  burnInDays?: number;
}

/** The truth behind the data: every share is of the noiseless conversions over the days returned. */
export interface SyntheticTruth {
  baseline: number;
  channels: { name: string; response: ChannelResponse; contribution: number; share: number; mediaShare: number }[];
}

/** Generated days, their truth, and the correlation of two channels' daily spends. */
export interface SyntheticData {
  days: MediaMixDay[];
  truth: SyntheticTruth;
  spendCorrelation(a: string, b: string): number;
}

function gaussian(random: () => number): () => number {
  return () => {
    const u = 1 - random();
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** A stationary AR(1) series of unit variance: persistent moves, as budgets change over weeks. */
function ar1(n: number, phi: number, normal: () => number): number[] {
  const out: number[] = [];
  let x = normal();
  for (let t = 0; t < n; t++) {
    x = phi * x + Math.sqrt(1 - phi * phi) * normal();
    out.push(x);
  }
  return out;
}

function poisson(lambda: number, random: () => number, normal: () => number): number {
  if (lambda <= 0) return 0;
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal()));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

/** Spend around its mean; `variation` is a unit-variance series of log-scale moves (shared with other channels or not). */
function spendSeries(c: SyntheticChannel, n: number, variation: number[], random: () => number): number[] {
  const lognormal = (t: number, sd: number) => Math.exp(sd * variation[t]! - (sd * sd) / 2);
  const out: number[] = [];
  if (c.pattern === 'randomWalk') {
    for (let t = 0; t < n; t++) out.push(c.meanSpend * lognormal(t, 0.7));
  } else if (c.pattern === 'flighting') {
    let on = true;
    for (let t = 0; t < n; t++) {
      if (t % 7 === 0) on = random() < 2 / 3;
      out.push(on ? 1.5 * c.meanSpend * lognormal(t, 0.25) : 0);
    }
  } else {
    const phase = random() * 7;
    for (let t = 0; t < n; t++) {
      const weekly = 1 + 0.7 * Math.sin((2 * Math.PI * (t + phase)) / 7);
      out.push(c.meanSpend * weekly * lognormal(t, 0.3));
    }
  }
  return out;
}

/** Unit-variance log-scale moves: a slow AR(1) drift (weeks) plus daily jitter, in a 4:1.5 ratio of their deviations. */
function variation(n: number, normal: () => number): number[] {
  const slow = ar1(n, 0.9, normal);
  const norm = Math.sqrt(0.4 ** 2 + 0.15 ** 2);
  return slow.map((x) => (0.4 * x + 0.15 * normal()) / norm);
}

/** Generates days of spend and conversions from a known truth; the same spec always gives the same data. */
export function generateMediaMixData(spec: SyntheticSpec): SyntheticData {
  const random = createPrng(spec.seed);
  const normal = gaussian(random);
  const burnIn = spec.burnInDays ?? 60;
  const n = burnIn + spec.days;
  const rho = spec.correlation ?? 0;
  const shared = variation(n, normal);
  const spends = spec.channels.map((c) => {
    const mixed = variation(n, normal).map((x, t) => Math.sqrt(rho) * shared[t]! + Math.sqrt(1 - rho) * x);
    // Cents, as spend is reported; the truth below is of these rounded amounts.
    return spendSeries(c, n, mixed, random).map((x) => Math.round(x * 100) / 100);
  });
  const effects = spec.channels.map((c, i) => {
    const a = adstockSeries(spends[i]!, c.truth.decay, 0);
    return Array.from(
      a.subarray(burnIn),
      (x) => c.truth.maxEffect * hillUnit(x, c.truth.halfSaturation, c.truth.shape),
    );
  });
  const expected = Array.from({ length: spec.days }, (_, t) => spec.baseline + effects.reduce((s, e) => s + e[t]!, 0));
  const meanExpected = expected.reduce((a, b) => a + b, 0) / spec.days;
  const start = Date.parse(`${spec.start ?? '2024-01-01'}T00:00:00Z`);
  const days: MediaMixDay[] = expected.map((mu, t) => ({
    date: new Date(start + t * 86_400_000).toISOString().slice(0, 10),
    spend: Object.fromEntries(spec.channels.map((c, i) => [c.name, spends[i]![burnIn + t]!])),
    conversions:
      spec.noise === 'poisson' ? poisson(mu, random, normal) : Math.max(0, mu + spec.noise * meanExpected * normal()),
  }));
  const contributions = effects.map((e) => total(e));
  const media = contributions.reduce((a, b) => a + b, 0);
  const all = spec.baseline * spec.days + media;
  return {
    days,
    truth: {
      baseline: spec.baseline,
      channels: spec.channels.map((c, i) => ({
        name: c.name,
        response: c.truth,
        contribution: contributions[i]!,
        share: contributions[i]! / all,
        mediaShare: contributions[i]! / media,
      })),
    },
    spendCorrelation(a: string, b: string) {
      const col = (name: string) => days.map((d) => d.spend[name] ?? 0);
      return correlation(col(a), col(b));
    },
  };
}

/**
 * Three channels of different kinds (the fit's tests and the API's use them), each half-saturated around its usual adstock: a random-walk search (S-shaped),
 * a flighted social (slow decay, steep), a weekly-seasonal display (fast decay, concave). Shares of all conversions
 * are about 18%, 15% and 15%, the baseline the rest.
 */
export const THREE_CHANNELS: SyntheticChannel[] = [
  {
    name: 'search',
    pattern: 'randomWalk',
    meanSpend: 1000,
    truth: { decay: 0.3, halfSaturation: 1400, shape: 1.5, maxEffect: 250 },
  },
  {
    name: 'social',
    pattern: 'flighting',
    meanSpend: 600,
    truth: { decay: 0.6, halfSaturation: 1500, shape: 2, maxEffect: 200 },
  },
  {
    name: 'display',
    pattern: 'seasonal',
    meanSpend: 400,
    truth: { decay: 0.1, halfSaturation: 450, shape: 1, maxEffect: 200 },
  },
];
