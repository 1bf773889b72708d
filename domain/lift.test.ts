import { conversionLift, conversionRate, Z_95 } from './lift';

describe('conversionLift', () => {
  test('treated 120/1000 against control 80/1000, worked by hand', () => {
    // p_t = 120 / 1000 = 0.12, p_c = 80 / 1000 = 0.08, absolute lift = 0.12 - 0.08 = 0.04
    // SE = sqrt(0.12 * 0.88 / 1000 + 0.08 * 0.92 / 1000) = sqrt(0.0001056 + 0.0000736) = sqrt(0.0001792)
    //    = 0.0133865604...
    // margin = 1.959964 * 0.0133865604 = 0.0262371763...
    // interval = 0.04 -/+ 0.0262371763 = [0.0137628237, 0.0662371763], which excludes 0
    // relative lift = 0.04 / 0.08 = 0.5
    const lift = conversionLift({ enrolled: 1000, converted: 120 }, { enrolled: 1000, converted: 80 })!;
    expect(lift.absolute).toBeCloseTo(0.04, 12);
    expect(lift.relative).toBeCloseTo(0.5, 12);
    expect(lift.ci95.low).toBeCloseTo(0.0137628237, 9);
    expect(lift.ci95.high).toBeCloseTo(0.0662371763, 9);
    expect(lift.significant).toBe(true);
    expect(Z_95).toBeCloseTo(1.959964, 6);
  });

  test('the same rates on 100 enrollees each: the interval straddles 0, so not significant', () => {
    // SE = sqrt(0.12 * 0.88 / 100 + 0.08 * 0.92 / 100) = sqrt(0.001792) = 0.0423320...
    // margin = 1.959964 * 0.0423320 = 0.0829691...; interval = [-0.0429691, 0.1229691]
    const lift = conversionLift({ enrolled: 100, converted: 12 }, { enrolled: 100, converted: 8 })!;
    expect(lift.absolute).toBeCloseTo(0.04, 12);
    expect(lift.ci95.low).toBeCloseTo(-0.0429691, 6);
    expect(lift.ci95.high).toBeCloseTo(0.1229691, 6);
    expect(lift.significant).toBe(false);
  });

  test('a sequence that does worse than no sequence has a negative lift, significant when the interval is below 0', () => {
    const lift = conversionLift({ enrolled: 1000, converted: 80 }, { enrolled: 1000, converted: 120 })!;
    expect(lift.absolute).toBeCloseTo(-0.04, 12);
    expect(lift.relative).toBeCloseTo(-1 / 3, 12);
    expect(lift.ci95.low).toBeCloseTo(-0.0662371763, 9);
    expect(lift.ci95.high).toBeCloseTo(-0.0137628237, 9);
    expect(lift.significant).toBe(true);
  });

  test('no conversion on either side: no lift, a zero-width interval at 0, no relative lift, not significant', () => {
    expect(conversionLift({ enrolled: 500, converted: 0 }, { enrolled: 400, converted: 0 })).toEqual({
      absolute: 0,
      relative: null,
      ci95: { low: 0, high: 0 },
      significant: false,
    });
  });

  test('a control group that never converted leaves the relative lift undefined but the absolute one stands', () => {
    // SE = sqrt(0.1 * 0.9 / 100 + 0) = 0.03; margin = 1.959964 * 0.03 = 0.0587989; interval = [0.0412011, 0.1587989]
    const lift = conversionLift({ enrolled: 100, converted: 10 }, { enrolled: 50, converted: 0 })!;
    expect(lift.absolute).toBeCloseTo(0.1, 12);
    expect(lift.relative).toBeNull();
    expect(lift.ci95.low).toBeCloseTo(0.0412011, 6);
    expect(lift.ci95.high).toBeCloseTo(0.1587989, 6);
    expect(lift.significant).toBe(true);
  });

  test('with nobody in either group there is nothing to compare', () => {
    expect(conversionLift({ enrolled: 0, converted: 0 }, { enrolled: 100, converted: 5 })).toBeNull();
    expect(conversionLift({ enrolled: 100, converted: 5 }, { enrolled: 0, converted: 0 })).toBeNull();
  });

  test('counts that cannot be (more conversions than enrollees, negative, fractional) are refused', () => {
    expect(() => conversionLift({ enrolled: 10, converted: 11 }, { enrolled: 10, converted: 1 })).toThrow(RangeError);
    expect(() => conversionLift({ enrolled: 10, converted: 1 }, { enrolled: -1, converted: 0 })).toThrow(RangeError);
    expect(() => conversionLift({ enrolled: 10.5, converted: 1 }, { enrolled: 10, converted: 1 })).toThrow(RangeError);
  });
});

describe('conversionRate', () => {
  test('is converted / enrolled, and null with nobody enrolled', () => {
    expect(conversionRate({ enrolled: 8, converted: 2 })).toBe(0.25);
    expect(conversionRate({ enrolled: 0, converted: 0 })).toBeNull();
  });
});
