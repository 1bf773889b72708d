import fc from 'fast-check';
import {
  buyingPowerScore,
  calculateMarketReadiness,
  combineReadiness,
  defaultReadinessWeights,
  problemAwarenessScore,
  readinessDelayMonths,
  regulatoryEnvironmentScore,
  solutionDemandScore,
  suggestLaunchWindow,
  technicalReadinessScore,
  type MarketReadinessInput,
} from './marketReadiness';

describe('factor formulas', () => {
  it('problemAwareness = 0.6 * awareness + 0.4 * (50 + 100 * trend)', () => {
    // trend +20% -> 70; 0.6 * 55 + 0.4 * 70 = 33 + 28 = 61
    expect(problemAwarenessScore({ surveyedAwarenessPct: 55, searchVolumeTrend: 0.2 })).toBeCloseTo(61, 10);
    // trend -80% clamps to 0; 0.6 * 40 = 24
    expect(problemAwarenessScore({ surveyedAwarenessPct: 40, searchVolumeTrend: -0.8 })).toBeCloseTo(24, 10);
  });

  it('solutionDemand = mean of waitlist and competition scores', () => {
    // waitlist 999 of target 999 -> 100; no competitor -> 40; mean 70
    expect(solutionDemandScore({ waitlistSize: 999, waitlistTarget: 999, competitorCount: 0 })).toBeCloseTo(70, 10);
    // empty waitlist -> 0; 8 competitors -> 100 - 5 * 3 = 85; mean 42.5
    expect(solutionDemandScore({ waitlistSize: 0, competitorCount: 8 })).toBeCloseTo(42.5, 10);
    // 99 against the default target of 1,000: 100 * log10(100) / log10(1001) = 66.657; 3 competitors -> 100
    expect(solutionDemandScore({ waitlistSize: 99, competitorCount: 3 })).toBeCloseTo((66.657 + 100) / 2, 3);
  });

  it('buyingPower from budget / price', () => {
    expect(buyingPowerScore({ avgBudgetUsd: 50, priceUsd: 100 })).toBe(40); // 80 * 0.5
    expect(buyingPowerScore({ avgBudgetUsd: 100, priceUsd: 100 })).toBe(80);
    expect(buyingPowerScore({ avgBudgetUsd: 150, priceUsd: 100 })).toBe(90); // 80 + 20 * 0.5
    expect(buyingPowerScore({ avgBudgetUsd: 300, priceUsd: 100 })).toBe(100);
    expect(buyingPowerScore({ avgBudgetUsd: 0, priceUsd: 0 })).toBe(100);
  });

  it('technical and regulatory scores', () => {
    expect(technicalReadinessScore({ techAdoptionPct: 130 })).toBe(100);
    expect(regulatoryEnvironmentScore({ regulatoryBurden: 'low' })).toBe(90);
    expect(regulatoryEnvironmentScore({ regulatoryBurden: 'high', pendingRegulation: true })).toBe(15);
    expect(() => regulatoryEnvironmentScore({ regulatoryBurden: 'none' as 'low' })).toThrow(RangeError);
  });
});

describe('combineReadiness', () => {
  it('weights the factors (worked example) and recommends the weak ones, costliest first', () => {
    const result = combineReadiness({
      problemAwareness: 80,
      solutionDemand: 60,
      buyingPower: 40,
      technicalReadiness: 90,
      regulatoryEnvironment: 30,
    });
    // 0.25 * 80 + 0.25 * 60 + 0.2 * 40 + 0.15 * 90 + 0.15 * 30 = 20 + 15 + 8 + 13.5 + 4.5 = 61
    expect(result.overall).toBeCloseTo(61, 10);
    expect(result.breakdown.buyingPower).toEqual({ score: 40, weight: 0.2, contribution: 8 });
    // gaps: buyingPower (100 - 40) * 0.2 = 12, regulatory (100 - 30) * 0.15 = 10.5
    expect(result.recommendations).toHaveLength(2);
    expect(result.recommendations[0]).toMatch(/budget less than the price.*buyingPower 40\/100/);
    expect(result.recommendations[1]).toMatch(/regulatory.*regulatoryEnvironment 30\/100/);
  });

  it('accepts custom weights that sum to 1 and rejects others', () => {
    const factors = {
      problemAwareness: 100,
      solutionDemand: 0,
      buyingPower: 0,
      technicalReadiness: 0,
      regulatoryEnvironment: 0,
    };
    const weights = { ...defaultReadinessWeights, problemAwareness: 0.5, solutionDemand: 0 };
    expect(combineReadiness(factors, weights).overall).toBeCloseTo(50, 10);
    expect(() => combineReadiness(factors, { ...defaultReadinessWeights, buyingPower: 0.3 })).toThrow(/sum to 1/);
    expect(() =>
      combineReadiness(factors, { ...defaultReadinessWeights, buyingPower: -0.05, regulatoryEnvironment: 0.4 }),
    ).toThrow(/>= 0/);
  });
});

describe('calculateMarketReadiness', () => {
  const input: MarketReadinessInput = {
    searchVolumeTrend: 0.2,
    surveyedAwarenessPct: 55,
    competitorCount: 3,
    waitlistSize: 999,
    waitlistTarget: 999,
    avgBudgetUsd: 150,
    priceUsd: 100,
    techAdoptionPct: 70,
    regulatoryBurden: 'medium',
  };

  it('combines the computed factors', () => {
    const result = calculateMarketReadiness(input);
    // factors 61, (100 + 100) / 2 = 100, 90, 70, 60
    // 0.25 * 61 + 0.25 * 100 + 0.2 * 90 + 0.15 * 70 + 0.15 * 60 = 15.25 + 25 + 18 + 10.5 + 9 = 77.75
    expect(result.overall).toBeCloseTo(77.75, 10);
    expect(result.recommendations).toEqual([]);
  });

  it('keeps every score within 0-100 for any input', () => {
    const anyInput = fc.record({
      searchVolumeTrend: fc.double({ min: -10, max: 10, noNaN: true }),
      surveyedAwarenessPct: fc.double({ min: -50, max: 200, noNaN: true }),
      competitorCount: fc.integer({ min: -5, max: 10_000 }),
      waitlistSize: fc.integer({ min: -10, max: 10_000_000 }),
      avgBudgetUsd: fc.double({ min: -1e3, max: 1e7, noNaN: true }),
      priceUsd: fc.double({ min: -1e3, max: 1e7, noNaN: true }),
      techAdoptionPct: fc.double({ min: -50, max: 200, noNaN: true }),
      regulatoryBurden: fc.constantFrom('low' as const, 'medium' as const, 'high' as const),
      pendingRegulation: fc.boolean(),
    });
    fc.assert(
      fc.property(anyInput, (i) => {
        const result = calculateMarketReadiness(i);
        for (const score of [result.overall, ...Object.values(result.breakdown).map((b) => b.score)]) {
          expect(score).toBeGreaterThanOrEqual(0);
          expect(score).toBeLessThanOrEqual(100);
        }
      }),
    );
  });
});

describe('suggestLaunchWindow', () => {
  const flat = new Array<number>(12).fill(1);

  it('launches at the first month start after the lead time when demand is flat', () => {
    // 2027-01-15 + 8 weeks = 2027-03-12 -> first month start 2027-04-01; window Apr-May; score 50 * 1.0
    const w = suggestLaunchWindow({ readiness: 80, seasonality: flat, from: '2027-01-15' });
    expect(w).toMatchObject({ start: '2027-04-01', end: '2027-05-31', score: 50, demandIndex: 1 });
    expect(w.reason).toMatch(/8-week lead time rules out anything before 2027-03-12/);
    expect(w.reason).not.toMatch(/readiness/);
  });

  it('pushes a low-readiness launch out and says why', () => {
    // readiness 35: ceil((50 - 35) / 10) = 2 months after 2027-04-01; score 50 * (1 - 0.02 * 2) = 48
    const w = suggestLaunchWindow({ readiness: 35, seasonality: flat, from: '2027-01-15' });
    expect(w.start).toBe('2027-06-01');
    expect(w.earliestStart).toBe('2027-06-01');
    expect(w.score).toBeCloseTo(48, 10);
    expect(w.reason).toMatch(/readiness is 35\/100 \(below 50\), so the launch is held back at least 2 months/);
    expect(readinessDelayMonths(50)).toBe(0);
    expect(readinessDelayMonths(0)).toBe(5);
  });

  it('waits for a seasonal peak when it outweighs the cost of waiting', () => {
    const seasonality = [1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 1];
    // first month 2027-04-01 (score 50); October is 6 months later: 50 * 2 * (1 - 0.12) = 88 beats November's 86
    const w = suggestLaunchWindow({ readiness: 70, seasonality, from: '2027-01-15', windowMonths: 1 });
    expect(w).toMatchObject({ start: '2027-10-01', end: '2027-10-31', demandIndex: 2 });
    expect(w.score).toBeCloseTo(88, 10);
  });

  it('reads weekly seasonality by ISO week', () => {
    const weekly = Array.from({ length: 52 }, (_, i) => (i >= 44 && i <= 47 ? 2 : 1));
    // Nov 2027: 1-7 are ISO week 44 (1.0), 8-30 weeks 45-48 (2.0): (7 + 46) / 30 = 1.7667.
    // First feasible month: 2027-06-01 + 8 weeks = 07-27 -> 08-01; November waits 3: 50 * 1.7667 * 0.94 = 83.03
    const w = suggestLaunchWindow({ readiness: 70, seasonality: weekly, from: '2027-06-01', windowMonths: 1 });
    expect(w.start).toBe('2027-11-01');
    expect(w.demandIndex).toBeCloseTo(53 / 30, 10);
    expect(w.score).toBeCloseTo(50 * (53 / 30) * 0.94, 10);
  });

  it('starts on the lead-time day itself when it is a month start', () => {
    const w = suggestLaunchWindow({ readiness: 90, seasonality: flat, from: '2027-01-04', leadTimeWeeks: 4 });
    expect(w.start).toBe('2027-02-01');
  });

  it('reports a launch beyond the horizon', () => {
    const w = suggestLaunchWindow({
      readiness: 90,
      seasonality: flat,
      from: '2027-01-15',
      horizonMonths: 2,
      leadTimeWeeks: 26,
    });
    expect(w.start).toBe('2027-08-01');
    expect(w.reason).toMatch(/no month within the 2-month horizon/);
  });

  it('rejects bad input', () => {
    expect(() => suggestLaunchWindow({ readiness: 60, seasonality: flat, from: '2027-02-30' })).toThrow(/YYYY-MM-DD/);
    expect(() => suggestLaunchWindow({ readiness: 60, seasonality: [1, 2], from: '2027-02-01' })).toThrow(/12 monthly/);
    expect(() =>
      suggestLaunchWindow({ readiness: 60, seasonality: [...flat.slice(1), -1], from: '2027-02-01' }),
    ).toThrow(/>= 0/);
  });

  it('always returns a month start after the lead time and a score in 0-100', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 12, maxLength: 12 }),
        fc.date({ min: new Date('2020-01-01'), max: new Date('2035-12-31'), noInvalidDate: true }),
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 0, max: 30 }),
        (readiness, seasonality, date, horizonMonths, leadTimeWeeks) => {
          const from = date.toISOString().slice(0, 10);
          const w = suggestLaunchWindow({ readiness, seasonality, from, horizonMonths, leadTimeWeeks });
          expect(w.start.endsWith('-01')).toBe(true);
          expect(Date.parse(w.start)).toBeGreaterThanOrEqual(Date.parse(from) + leadTimeWeeks * 7 * 86_400_000);
          expect(w.score).toBeGreaterThanOrEqual(0);
          expect(w.score).toBeLessThanOrEqual(100);
          expect(w.end > w.start).toBe(true);
        },
      ),
    );
  });
});
