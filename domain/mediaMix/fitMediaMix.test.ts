import { hillMarginal } from '../hillCurve';
import { steadyStateCurve } from '../responseCurves';
import { fitMediaMix, type MediaMixFit } from './index';
import { channelEffects } from './model';
import { generateMediaMixData, THREE_CHANNELS as CHANNELS, type SyntheticData } from './synthetic';

const SEEDS = [1, 2, 3, 4, 5];
/** Two years of days; correlated spends (and their uncorrelated twins) are random walks sharing a factor. */
const data = (seed: number, noise: number, correlation?: number): SyntheticData =>
  generateMediaMixData({
    seed,
    days: 730,
    baseline: 300,
    noise,
    ...(correlation !== undefined
      ? { correlation, channels: CHANNELS.map((c) => ({ ...c, pattern: 'randomWalk' as const })) }
      : { channels: CHANNELS }),
  });

/** Largest error of each kind over every channel of the seeds given. */
function worstErrors(noise: number, correlation?: number) {
  let decay = 0;
  let share = 0;
  let baseline = 0;
  for (const seed of SEEDS) {
    const d = data(seed, noise, correlation);
    const fit = fitMediaMix(d.days, { draws: 0, holdoutDays: 0 });
    for (const truth of d.truth.channels) {
      const c = fit.channels.find((x) => x.name === truth.name)!;
      decay = Math.max(decay, Math.abs(c.response.decay - truth.response.decay));
      share = Math.max(share, Math.abs(c.share.value - truth.share));
    }
    baseline = Math.max(baseline, Math.abs(fit.baseline.value / d.truth.baseline - 1));
  }
  return { decay, share, baseline };
}

/*
 * Tolerances are what the method meets on every channel of five seeds, not what one would wish: an always-on
 * channel's level is an extrapolation of its curve to zero spend, so its share trades against the baseline. The
 * errors are not biased (their mean over seeds is within a point of zero); docs/media-mix.md has the table.
 */
describe('recovering a known truth', () => {
  it('finds decays within 0.1 and shares of conversions within 7 points at 5% noise, on five seeds', () => {
    const worst = worstErrors(0.05);
    expect(worst.decay).toBeLessThanOrEqual(0.1);
    expect(worst.share).toBeLessThanOrEqual(0.07);
    expect(worst.baseline).toBeLessThanOrEqual(0.15);
  });

  it('finds decays within 0.2 and shares within 10 points at 15% noise, on five seeds', () => {
    const worst = worstErrors(0.15);
    expect(worst.decay).toBeLessThanOrEqual(0.2);
    expect(worst.share).toBeLessThanOrEqual(0.1);
    expect(worst.baseline).toBeLessThanOrEqual(0.25);
  });

  it('fits channels whose spends correlate at about 0.6 to 0.8: decays within 0.15, shares within 7 points at 5% noise', () => {
    for (const seed of SEEDS) {
      const d = data(seed, 0.05, 0.7);
      const pairs = [d.spendCorrelation('search', 'social'), d.spendCorrelation('search', 'display')];
      pairs.push(d.spendCorrelation('social', 'display'));
      const mean = pairs.reduce((a, b) => a + b, 0) / 3;
      expect(mean).toBeGreaterThan(0.55);
      expect(mean).toBeLessThan(0.8);
    }
    const worst = worstErrors(0.05, 0.7);
    expect(worst.decay).toBeLessThanOrEqual(0.15);
    expect(worst.share).toBeLessThanOrEqual(0.07);
  });
});

describe('intervals', () => {
  const fits = new Map<string, { fit: MediaMixFit; truth: SyntheticData['truth'] }>();
  beforeAll(() => {
    for (const seed of SEEDS) {
      for (const correlation of [undefined, 0, 0.7]) {
        const d = data(seed, 0.1, correlation);
        fits.set(`${seed}/${correlation}`, { fit: fitMediaMix(d.days, { holdoutDays: 0, seed }), truth: d.truth });
      }
    }
  }, 600_000);

  it('gives 100 bootstrap draws by default, one response per draw and channel', () => {
    const { fit } = fits.get('1/undefined')!;
    for (const c of fit.channels) expect(c.draws).toHaveLength(100);
  });

  // A percentile bootstrap around a penalised estimate covers somewhat less than its nominal 90%: 11 to 13 of 15 here.
  it('covers the true decay, contribution and share with its 90% intervals in most channels of five seeds', () => {
    let decay = 0;
    let contribution = 0;
    let share = 0;
    let cases = 0;
    for (const seed of SEEDS) {
      const { fit, truth } = fits.get(`${seed}/undefined`)!;
      for (const t of truth.channels) {
        const c = fit.channels.find((x) => x.name === t.name)!;
        const inside = (e: { low: number; high: number }, v: number) => (e.low <= v && v <= e.high ? 1 : 0);
        decay += inside(c.intervals.decay, t.response.decay);
        contribution += inside(c.contribution, t.contribution);
        share += inside(c.share, t.share);
        cases++;
      }
    }
    expect(cases).toBe(15);
    expect(decay).toBeGreaterThanOrEqual(11);
    expect(contribution).toBeGreaterThanOrEqual(11);
    expect(share).toBeGreaterThanOrEqual(11);
  });

  it('widens the decays’ intervals when channels’ spends are correlated, against the same spends uncorrelated', () => {
    const width = (fit: MediaMixFit) =>
      fit.channels.reduce((a, c) => a + (c.intervals.decay.high - c.intervals.decay.low), 0) / fit.channels.length;
    let wider = 0;
    for (const seed of SEEDS) {
      if (width(fits.get(`${seed}/0.7`)!.fit) > width(fits.get(`${seed}/0`)!.fit)) wider++;
    }
    expect(wider).toBeGreaterThanOrEqual(4);
  });
});

describe('what a fit reports per channel', () => {
  const d = generateMediaMixData({ seed: 7, days: 400, baseline: 300, noise: 0.05, channels: CHANNELS.slice(0, 2) });
  let fit: MediaMixFit;
  beforeAll(() => {
    fit = fitMediaMix(d.days, { draws: 20, conversionValue: 40 });
  });

  it('adds up: contribution is the sum of the channel’s daily effects, shares of all and of media conversions', () => {
    const predicted = fit.series.reduce((a, x) => a + x.predicted, 0);
    expect(fit.days).toBe(400);
    expect(fit.series[0]).toEqual({
      date: d.days[0]!.date,
      conversions: d.days[0]!.conversions,
      predicted: expect.any(Number),
    });
    for (const c of fit.channels) {
      const effects = channelEffects(
        d.days.map((x) => x.spend[c.name] ?? 0),
        c.response,
      );
      expect(c.contribution.value).toBeCloseTo(
        effects.reduce((a, b) => a + b, 0),
        6,
      );
      expect(c.share.value).toBeCloseTo(c.contribution.value / predicted, 9);
      expect(c.spend).toBeCloseTo(
        d.days.reduce((a, x) => a + x.spend[c.name]!, 0),
        6,
      );
      expect(c.roi.value).toBeCloseTo(c.contribution.value / c.spend, 12);
      expect(c.roiValue!.value).toBeCloseTo(c.roi.value * 40, 9);
    }
    expect(fit.channels.reduce((a, c) => a + c.mediaShare.value, 0)).toBeCloseTo(1, 9);
    expect(fit.baseline.value * d.days.length + fit.channels.reduce((a, c) => a + c.contribution.value, 0)).toBeCloseTo(
      predicted,
      6,
    );
  });

  it('gives the marginal ROI of the steady-state curve at the last 28 days’ mean daily spend', () => {
    for (const c of fit.channels) {
      const last = d.days.slice(-28).map((x) => x.spend[c.name]!);
      expect(c.currentDailySpend).toBeCloseTo(last.reduce((a, b) => a + b, 0) / 28, 9);
      expect(c.marginalRoi.value).toBeCloseTo(hillMarginal(steadyStateCurve(c.response), c.currentDailySpend), 12);
      expect(c.marginalRoiValue!.value).toBeCloseTo(c.marginalRoi.value * 40, 9);
    }
  });

  it('puts every point estimate inside its interval, and the draws behind each interval', () => {
    for (const c of fit.channels) {
      expect(c.draws).toHaveLength(20);
      for (const key of ['decay', 'halfSaturation', 'shape', 'maxEffect'] as const) {
        const e = c.intervals[key];
        expect(e.value).toBe(c.response[key]);
        expect(e.low).toBeLessThanOrEqual(e.value);
        expect(e.high).toBeGreaterThanOrEqual(e.value);
        expect(e.low).toBeGreaterThanOrEqual(Math.min(...c.draws.map((x) => x[key])));
      }
      expect(c.response.shape).toBeGreaterThanOrEqual(0.5);
      expect(c.response.shape).toBeLessThanOrEqual(5);
      expect(c.response.decay).toBeGreaterThanOrEqual(0);
      expect(c.response.decay).toBeLessThan(1);
    }
  });

  it('holds out the last 15% of days by default and scores the refit on them', () => {
    expect(fit.quality.holdout.days).toBe(60);
    expect(fit.quality.holdout.r2).not.toBeNull();
    expect(fit.quality.r2).toBeGreaterThan(0.8);
    expect(fit.quality.mape).toBeLessThan(0.1);
    expect(fit.quality.holdout.mape).toBeLessThan(0.15);
    const none = fitMediaMix(d.days, { draws: 0, holdoutDays: 0 });
    expect(none.quality.holdout).toEqual({ days: 0, r2: null, mape: null });
  });

  it('gives the same answer for the same input', () => {
    expect(fitMediaMix(d.days, { draws: 20, conversionValue: 40 })).toEqual(fit);
  });

  it('leans on a prior where the data say little, and not where they say much', () => {
    const social = (days: typeof d.days, priors = {}) =>
      fitMediaMix(days, { draws: 0, holdoutDays: 0, priors }).channels.find((c) => c.name === 'social')!.response.decay;
    const pull = (days: typeof d.days) => social(days, { social: { decay: 0.9 } }) - social(days);
    // A prior far from the truth (0.6) moves the decay toward it, more on 80 days than on 400, and never far.
    const short = pull(d.days.slice(0, 80));
    const long = pull(d.days);
    expect(long).toBeGreaterThan(0);
    expect(short).toBeGreaterThan(2 * long);
    expect(Math.abs(social(d.days, { social: { decay: 0.9 } }) - 0.6)).toBeLessThan(0.1);
    expect(fit.method).toMatch(/least squares/);
  });
});
