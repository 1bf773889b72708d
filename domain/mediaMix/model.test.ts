import { adstockSeries, channelEffects, hillUnit, initialAdstock, WARM_START_DAYS } from './model';
import { fitQuality } from './quality';

describe('adstock and saturation', () => {
  it('carries a share of yesterday’s adstock into today, starting from the level given', () => {
    expect([...adstockSeries([100, 0, 0, 50], 0.5, 0)]).toEqual([100, 50, 25, 62.5]);
    // Started as if the days before had spent 40 a day for ever: 40 / (1 - 0.5) = 80 carried in.
    expect([...adstockSeries([100, 0], 0.5, 80)]).toEqual([140, 70]);
    expect([...adstockSeries([10, 20], 0, 999)]).toEqual([10, 20]);
  });

  it('starts the adstock at the steady state of the first week’s mean spend', () => {
    const spend = [70, 0, 140, 0, 70, 0, 140, 1000];
    expect(WARM_START_DAYS).toBe(7);
    // The first seven days average 60: the adstock of the day before the first is 60 / (1 - 0.5).
    expect(initialAdstock(spend, 0.5)).toBeCloseTo(120, 12);
    expect(initialAdstock([30, 30], 0.75)).toBeCloseTo(120, 12);
    // A steady spend stays steady from the first day on.
    expect([...adstockSeries([30, 30, 30], 0.75, initialAdstock([30, 30, 30], 0.75))]).toEqual([120, 120, 120]);
  });

  it('saturates: half the maximum at the half-saturation adstock, none at zero', () => {
    expect(hillUnit(0, 100, 2)).toBe(0);
    expect(hillUnit(100, 100, 2)).toBeCloseTo(0.5, 12);
    expect(hillUnit(300, 100, 2)).toBeCloseTo(0.9, 12);
    expect(hillUnit(1e300, 100, 3)).toBeCloseTo(1, 12);
  });

  it('gives a channel’s daily effect as maxEffect times the saturation of its adstock', () => {
    const spend = [100, 100, 100, 100, 100, 100, 100, 0];
    const effects = channelEffects(spend, { decay: 0.5, halfSaturation: 150, shape: 1, maxEffect: 30 });
    // A week at 100 a day holds the adstock at 100 / (1 - 0.5) = 200; the day without spend carries 100.
    expect(effects[0]).toBeCloseTo((30 * 200) / 350, 12);
    expect(effects[6]).toBeCloseTo((30 * 200) / 350, 12);
    expect(effects[7]).toBeCloseTo((30 * 100) / 250, 12);
  });
});

describe('fit quality', () => {
  it('computes R² and MAPE of a hand-worked example', () => {
    // Errors -2, 2, 0, -4: SSR 24; mean 25 so SST 500; R² = 1 - 24/500. MAPE = (0.2 + 0.1 + 0 + 0.1) / 4.
    const q = fitQuality([10, 20, 30, 40], [12, 18, 30, 44]);
    expect(q.r2).toBeCloseTo(0.952, 12);
    expect(q.mape).toBeCloseTo(0.1, 12);
  });

  it('leaves days without conversions out of the MAPE, which has no percentage for them', () => {
    const q = fitQuality([0, 10, 20], [5, 11, 18]);
    expect(q.mape).toBeCloseTo((0.1 + 0.1) / 2, 12);
    // SSR 25 + 1 + 4 = 30; mean 10, SST 100 + 0 + 100 = 200.
    expect(q.r2).toBeCloseTo(1 - 30 / 200, 12);
  });

  it('is negative when the predictions are worse than the mean, and null when nothing can be said', () => {
    expect(fitQuality([1, 2, 3], [3, 2, 1]).r2).toBeCloseTo(1 - 8 / 2, 12);
    expect(fitQuality([0, 0], [1, 1])).toEqual({ r2: null, mape: null });
  });
});
