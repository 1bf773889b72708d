import { hillConversions, hillMarginal, optimizeChannelMix } from './channelMix';
import { channelPriors, defaultPlanningChannels, planChannelCurves, priorCurve } from './channelPriors';

describe('priorCurve', () => {
  it('converts the first unit at the channel cost per conversion and half-saturates at a share of the budget', () => {
    // paid_search: cost 60, K = 0.6 * 10,000 = 6,000, M = 6,000 / 60 = 100, shape 1: slope at 0 = M / K = 1/60.
    const c = priorCurve('paid_search', 10_000);
    expect(c).toEqual({ maxConversions: 100, halfSaturation: 6000, shape: 1 });
    expect(hillMarginal(c, 0)).toBeCloseTo(1 / 60, 12);
    expect(hillConversions(c, 6000)).toBeCloseTo(50, 12);
  });

  it('takes an observed cost per conversion over the table, and a generic prior for unknown channels', () => {
    expect(priorCurve('email', 1000, 10).maxConversions).toBeCloseTo((0.15 * 1000) / 10, 12);
    expect(priorCurve('carrier_pigeon', 1000)).toEqual({ maxConversions: 4, halfSaturation: 400, shape: 1 });
  });
});

describe('planChannelCurves', () => {
  it('fits channels with four spend levels, uses priors for the rest, and always includes the planning channels', () => {
    const truth = { maxConversions: 200, halfSaturation: 1500, shape: 1 };
    const history = new Map([
      [
        'paid_search',
        [500, 1000, 1500, 2000, 3000].map((spend) => ({ spend, conversions: hillConversions(truth, spend) })),
      ],
      ['podcast', [{ spend: 800, conversions: 8 }]],
    ]);
    const curves = planChannelCurves(history, 5000);
    const byName = Object.fromEntries(curves.map((c) => [c.name, c]));
    expect(byName['paid_search']!.source).toBe('history');
    expect(byName['paid_search']!.curve.maxConversions).toBeCloseTo(200, 1);
    expect(byName['podcast']).toMatchObject({ source: 'prior', historyPoints: 1 });
    // 800 spent for 8 conversions: the prior is calibrated to 100 per conversion.
    expect(byName['podcast']!.curve.maxConversions).toBeCloseTo((0.4 * 5000) / 100, 12);
    for (const name of defaultPlanningChannels) expect(byName[name]).toBeDefined();
    // Enough channels for the optimiser's default limits (30% cap, 3 channels).
    const mix = optimizeChannelMix({ budget: 5000, channels: curves.map((c) => ({ name: c.name, curve: c.curve })) });
    expect(mix.channels.reduce((a, c) => a + c.amount, 0)).toBeCloseTo(5000, 6);
    expect(Object.keys(channelPriors)).toEqual(expect.arrayContaining([...defaultPlanningChannels]));
  });
});
