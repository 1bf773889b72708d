import { channelEffects } from './model';
import { generateMediaMixData, type SyntheticSpec } from './synthetic';

const spec: SyntheticSpec = {
  seed: 11,
  days: 365,
  baseline: 300,
  noise: 0.05,
  channels: [
    {
      name: 'search',
      pattern: 'randomWalk',
      meanSpend: 1000,
      truth: { decay: 0.3, halfSaturation: 700, shape: 1.5, maxEffect: 250 },
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
      truth: { decay: 0.1, halfSaturation: 900, shape: 1, maxEffect: 200 },
    },
  ],
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('synthetic media-mix data', () => {
  it('is the same for the same seed and differs for another', () => {
    const [a, b] = [generateMediaMixData(spec), generateMediaMixData(spec)];
    expect([a.days, a.truth]).toEqual([b.days, b.truth]);
    expect(generateMediaMixData({ ...spec, seed: 12 }).days).not.toEqual(generateMediaMixData(spec).days);
  });

  it('gives consecutive days with every channel’s spend, around the mean asked for', () => {
    const { days } = generateMediaMixData(spec);
    expect(days).toHaveLength(365);
    expect(days[0]!.date).toBe('2024-01-01');
    expect(days[364]!.date).toBe('2024-12-30');
    for (const c of spec.channels) {
      const spend = days.map((d) => d.spend[c.name]!);
      expect(mean(spend)).toBeGreaterThan(c.meanSpend * 0.6);
      expect(mean(spend)).toBeLessThan(c.meanSpend * 1.4);
      expect(Math.min(...spend)).toBeGreaterThanOrEqual(0);
    }
    // Flighting: whole weeks off.
    expect(days.filter((d) => d.spend['social'] === 0).length).toBeGreaterThanOrEqual(28);
  });

  it('states the truth it was built from: baseline plus each channel’s effect, and their shares', () => {
    const noiseless = generateMediaMixData({ ...spec, noise: 0 });
    const { truth } = noiseless;
    const fitted = noiseless.days.map((d) => d.conversions);
    const total = fitted.reduce((a, b) => a + b, 0);
    expect(truth.channels.reduce((a, c) => a + c.contribution, 0) + truth.baseline * 365).toBeCloseTo(total, 6);
    for (const c of truth.channels) expect(c.share).toBeCloseTo(c.contribution / total, 12);
    expect(truth.channels.reduce((a, c) => a + c.mediaShare, 0)).toBeCloseTo(1, 12);
    // The truth runs on spend from before the first day too (a burn-in), yet stays close to a warm start.
    const search = noiseless.days.map((d) => d.spend['search']!);
    const warm = channelEffects(search, spec.channels[0]!.truth).reduce((a, b) => a + b, 0);
    expect(Math.abs(truth.channels[0]!.contribution / warm - 1)).toBeLessThan(0.01);
  });

  it('adds noise of the level asked for', () => {
    const clean = generateMediaMixData({ ...spec, noise: 0 }).days.map((d) => d.conversions);
    const noisy = generateMediaMixData({ ...spec, noise: 0.15 }).days.map((d) => d.conversions);
    const sd = Math.sqrt(mean(noisy.map((y, i) => (y - clean[i]!) ** 2)));
    expect(sd / mean(clean)).toBeGreaterThan(0.12);
    expect(sd / mean(clean)).toBeLessThan(0.18);
    const poisson = generateMediaMixData({ ...spec, noise: 'poisson' }).days.map((d) => d.conversions);
    expect(poisson.every((y) => Number.isInteger(y))).toBe(true);
    expect(poisson).not.toEqual(clean);
  });

  it('correlates the channels’ spends when asked', () => {
    const independent = generateMediaMixData(spec);
    const correlated = generateMediaMixData({
      ...spec,
      correlation: 0.7,
      channels: spec.channels.map((c) => ({ ...c, pattern: 'randomWalk' as const })),
    });
    expect(Math.abs(independent.spendCorrelation('search', 'display'))).toBeLessThan(0.3);
    expect(correlated.spendCorrelation('search', 'display')).toBeGreaterThan(0.5);
  });
});
