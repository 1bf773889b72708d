import { computeRates, sumCounts, withRates } from './campaignMetrics';

describe('computeRates', () => {
  test('worked example: 10,000 impressions, 250 clicks, 10 conversions, 500 spent, 2,000 revenue', () => {
    // CTR 250/10000 = 2.5%, CVR 10/250 = 4%, ROAS 2000/500 = 4x, CAC 500/10 = 50.
    expect(computeRates({ impressions: 10_000, clicks: 250, conversions: 10, spend: 500, revenue: 2000 })).toEqual({
      ctr: 0.025,
      cvr: 0.04,
      roas: 4,
      cac: 50,
    });
  });

  test('worked example with rounding: 3 conversions for 100 spent is a CAC of 33.33', () => {
    // CTR 7/300 = 0.0233333.., CVR 3/7 = 0.428571.., ROAS 45/100 = 0.45.
    expect(computeRates({ impressions: 300, clicks: 7, conversions: 3, spend: 100, revenue: 45 })).toEqual({
      ctr: 0.023333,
      cvr: 0.428571,
      roas: 0.45,
      cac: 33.33,
    });
  });

  test('a zero denominator gives null, not zero or Infinity', () => {
    expect(computeRates({ impressions: 0, clicks: 0, conversions: 0, spend: 0, revenue: 0 })).toEqual({
      ctr: null,
      cvr: null,
      roas: null,
      cac: null,
    });
    // Spend without conversions: CAC unknown, ROAS zero (money spent, nothing back).
    expect(computeRates({ impressions: 1000, clicks: 20, conversions: 0, spend: 30, revenue: 0 })).toEqual({
      ctr: 0.02,
      cvr: 0,
      roas: 0,
      cac: null,
    });
  });
});

describe('sumCounts', () => {
  test('rates of a total come from the summed counts, not from averaging the rates', () => {
    const day1 = { impressions: 1000, clicks: 10, conversions: 1, spend: 20.1, revenue: 50 };
    const day2 = { impressions: 9000, clicks: 90, conversions: 9, spend: 79.9, revenue: 350 };
    const total = sumCounts([day1, day2]);
    expect(total).toEqual({ impressions: 10_000, clicks: 100, conversions: 10, spend: 100, revenue: 400 });
    // The two days' CACs are 20.1 and 8.88; the campaign's is 100/10 = 10, not their mean 14.49.
    expect(withRates(total)).toMatchObject({ ctr: 0.01, cvr: 0.1, roas: 4, cac: 10 });
  });

  test('money is summed to the cent', () => {
    expect(
      sumCounts([0.1, 0.2, 0.3].map((spend) => ({ impressions: 0, clicks: 0, conversions: 0, spend, revenue: 0 })))
        .spend,
    ).toBe(0.6);
  });
});
