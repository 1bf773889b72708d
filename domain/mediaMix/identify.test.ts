import { fitMediaMix, MediaMixDataError, minimumDays, type MediaMixDay } from './index';
import { generateMediaMixData } from './synthetic';

/** Consecutive days from 2025-01-01 with the spends the function gives and conversions that follow them loosely. */
function series(n: number, spendOf: (t: number) => Record<string, number>): MediaMixDay[] {
  return Array.from({ length: n }, (_, t) => {
    const spend = spendOf(t);
    const media = Object.values(spend).reduce((a, b) => a + b, 0);
    return {
      date: new Date(Date.UTC(2025, 0, 1 + t)).toISOString().slice(0, 10),
      spend,
      conversions: 100 + media / 20 + (t % 5),
    };
  });
}
const wave = (t: number, period: number, phase = 0) => 500 + 300 * Math.sin((2 * Math.PI * (t + phase)) / period);

function refusal(days: MediaMixDay[], options = {}): MediaMixDataError {
  try {
    fitMediaMix(days, { draws: 0, holdoutDays: 0, ...options });
  } catch (err) {
    if (err instanceof MediaMixDataError) return err;
    throw err;
  }
  throw new Error('the fit was not refused');
}

describe('what the fit refuses', () => {
  it('asks for 8 days per parameter: a baseline and four per channel', () => {
    expect(minimumDays(1)).toBe(40);
    expect(minimumDays(2)).toBe(72);
    expect(minimumDays(3)).toBe(104);
  });

  it('refuses too few days, saying how many it has and how many it needs', () => {
    const err = refusal(series(60, (t) => ({ search: wave(t, 17), social: wave(t, 29, 5) })));
    expect(err.reason).toBe('too-few-days');
    expect(err.message).toMatch(/only 60 days.*at least 72/);
    expect(err.problems).toEqual([{ path: 'days', message: expect.stringContaining('72') }]);
  });

  it('refuses conversions that are the same every day: there is nothing to explain', () => {
    const days = series(120, (t) => ({ search: wave(t, 17) })).map((d) => ({ ...d, conversions: 40 }));
    const err = refusal(days);
    expect(err.reason).toBe('constant-conversions');
    expect(err.problems).toEqual([{ path: 'days', message: expect.stringContaining('40 on every day') }]);
  });

  it('refuses a channel that spent the same every day, naming it', () => {
    const err = refusal(series(120, (t) => ({ search: wave(t, 17), social: 800 })));
    expect(err.reason).toBe('constant-spend');
    expect(err.channels).toEqual(['social']);
    expect(err.message).toContain('social');
    expect(err.problems.map((p) => p.path)).toEqual(['spend.social']);
  });

  it('refuses a channel that spent nothing on almost every day, naming it', () => {
    const err = refusal(series(200, (t) => ({ search: wave(t, 17), display: t % 50 === 0 ? 900 : 0 })));
    expect(err.reason).toBe('rarely-spent');
    expect(err.channels).toEqual(['display']);
    expect(err.message).toMatch(/display.*4 of 200 days/);
  });

  it('refuses two channels whose spends move together, naming both', () => {
    const err = refusal(
      series(150, (t) => ({ search: wave(t, 17), social: 0.5 * wave(t, 17) + (t % 3), display: wave(t, 31, 9) })),
    );
    expect(err.reason).toBe('collinear');
    expect(err.channels).toEqual(['search', 'social']);
    expect(err.message).toMatch(/search.*social/);
    expect(err.problems.map((p) => p.path)).toEqual(['spend.search', 'spend.social']);
  });

  it('still fits channels that are only moderately correlated', () => {
    const { days, spendCorrelation } = generateMediaMixData({
      seed: 3,
      days: 200,
      baseline: 200,
      noise: 0.05,
      correlation: 0.7,
      channels: [
        {
          name: 'search',
          pattern: 'randomWalk',
          meanSpend: 1000,
          truth: { decay: 0.3, halfSaturation: 1400, shape: 1.5, maxEffect: 250 },
        },
        {
          name: 'social',
          pattern: 'randomWalk',
          meanSpend: 600,
          truth: { decay: 0.5, halfSaturation: 1200, shape: 1.2, maxEffect: 150 },
        },
      ],
    });
    expect(spendCorrelation('search', 'social')).toBeGreaterThan(0.5);
    expect(spendCorrelation('search', 'social')).toBeLessThan(0.9);
    expect(() => fitMediaMix(days, { draws: 0, holdoutDays: 0 })).not.toThrow();
  });

  it('refuses a fit that would take too long, saying how many draws or days would do', () => {
    const periods = [7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83];
    const spendOf = (channels: number) => (t: number) =>
      Object.fromEntries(periods.slice(0, channels).map((p, i) => [`c${i}`, wave(t, p, i)]));
    const draws = refusal(series(730, spendOf(10)), { draws: 500 });
    expect(draws.reason).toBe('too-large');
    expect(draws.problems).toEqual([{ path: 'draws', message: expect.stringContaining('at most 116 draws') }]);
    const days = refusal(series(1300, spendOf(20)), { draws: 0 });
    expect(days.problems).toEqual([
      { path: 'days', message: expect.stringContaining('at most 1250 days of 20 channels') },
    ]);
  });

  it('refuses days out of order, repeated or missing, naming the date', () => {
    const days = series(120, (t) => ({ search: wave(t, 17) }));
    const repeated = [...days.slice(0, 10), days[9]!, ...days.slice(10)];
    expect(refusal(repeated).problems).toEqual([
      { path: 'days.10.date', message: expect.stringContaining(`${days[9]!.date} appears twice`) },
    ]);
    const gap = [...days.slice(0, 20), ...days.slice(21)];
    expect(refusal(gap).problems).toEqual([
      { path: 'days.20.date', message: expect.stringContaining(`${days[20]!.date} is missing`) },
    ]);
    const swapped = [days[1]!, days[0]!, ...days.slice(2)];
    expect(refusal(swapped).problems[0]).toEqual({
      path: 'days.1.date',
      message: expect.stringContaining('oldest first'),
    });
  });

  it('refuses negative or non-finite numbers, and priors for a channel no day spends on', () => {
    const days = series(120, (t) => ({ search: wave(t, 17) }));
    const negative = days.map((d, i) => (i === 5 ? { ...d, spend: { search: -1 } } : d));
    expect(refusal(negative).problems).toEqual([{ path: 'days.5.spend.search', message: expect.any(String) }]);
    const nan = days.map((d, i) => (i === 7 ? { ...d, conversions: Number.NaN } : d));
    expect(refusal(nan).problems).toEqual([{ path: 'days.7.conversions', message: expect.any(String) }]);
    const err = refusal(days, { priors: { tv: { decay: 0.8 } } });
    expect(err.problems).toEqual([{ path: 'channels.tv', message: expect.stringContaining('search') }]);
  });

  it('counts a channel a day leaves out as no spend that day', () => {
    const days = series(120, (t) => ({ search: wave(t, 17), social: wave(t, 29, 4) }));
    const sparse = days.map((d, i) => (i % 2 === 0 ? { ...d, spend: { search: d.spend['search']! } } : d));
    const fit = fitMediaMix(sparse, { draws: 0, holdoutDays: 0 });
    const social = fit.channels.find((c) => c.name === 'social')!;
    expect(social.spend).toBeCloseTo(
      sparse.reduce((a, d) => a + (d.spend['social'] ?? 0), 0),
      6,
    );
  });
});
