import fc from 'fast-check';
import {
  ChannelMixInfeasibleError,
  ChannelMixInputError,
  channelMixRequestSchema,
  fitHillCurve,
  hillConversions,
  hillMarginal,
  optimizeChannelMix,
  type ChannelMixChannel,
  type ChannelMixResult,
  type HillCurve,
} from './channelMix';

const curve = (maxConversions: number, halfSaturation: number, shape: number): HillCurve => ({
  maxConversions,
  halfSaturation,
  shape,
});
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const amounts = (r: ChannelMixResult) => r.channels.map((c) => c.amount);

describe('hill curve', () => {
  it('evaluates the curve and its slope', () => {
    const c = curve(100, 200, 1);
    expect(hillConversions(c, 0)).toBe(0);
    expect(hillConversions(c, 200)).toBeCloseTo(50, 12); // half of the maximum at the half-saturation point
    expect(hillMarginal(c, 0)).toBeCloseTo(0.5, 12); // M / K
    expect(hillMarginal(c, 300)).toBeCloseTo((100 * 200) / 500 ** 2, 12); // M·K / (K + x)^2
    expect(hillMarginal(curve(100, 200, 0.5), 0)).toBe(Infinity);
    expect(hillMarginal(curve(100, 200, 3), 0)).toBe(0);
    expect(hillConversions(c, 1e308)).toBeCloseTo(100, 9);
  });

  it('fits a curve back from exact observations', () => {
    const truth = curve(500, 2000, 1.8);
    const history = [250, 500, 1000, 2000, 4000, 8000].map((spend) => ({
      spend,
      conversions: hillConversions(truth, spend),
    }));
    const fit = fitHillCurve(history);
    expect(fit).toBeDefined();
    expect(fit!.maxConversions).toBeCloseTo(500, 3);
    expect(fit!.halfSaturation).toBeCloseTo(2000, 2);
    expect(fit!.shape).toBeCloseTo(1.8, 5);
  });

  it('fits noisy observations closely', () => {
    const truth = curve(80, 300, 0.7);
    const noise = [1.03, 0.97, 1.02, 0.99, 1.01, 0.98, 1.0, 1.02];
    const history = [20, 50, 100, 200, 400, 700, 1000, 1500].map((spend, i) => ({
      spend,
      conversions: hillConversions(truth, spend) * noise[i]!,
    }));
    const fit = fitHillCurve(history)!;
    for (const x of [50, 300, 1000]) {
      expect(Math.abs(hillConversions(fit, x) / hillConversions(truth, x) - 1)).toBeLessThan(0.03);
    }
  });

  it('returns the prior below four distinct positive spend levels', () => {
    const prior = curve(10, 100, 1);
    const history = [0, 100, 100, 200, 300].map((spend) => ({ spend, conversions: spend / 10 }));
    expect(fitHillCurve(history, prior)).toBe(prior);
    expect(fitHillCurve(history)).toBeUndefined();
  });
});

describe('optimizeChannelMix worked examples', () => {
  it('splits evenly between two identical concave channels', () => {
    // f(x) = 100x / (200 + x). Even split 500/500: f(500) = 50000/700 = 71.4286 each, 1000/7 = 142.857 in all;
    // slope 100·200/700² = 0.040816 on both.
    const r = optimizeChannelMix({
      budget: 1000,
      channels: [
        { name: 'a', curve: curve(100, 200, 1) },
        { name: 'b', curve: curve(100, 200, 1) },
      ],
      maxShare: 1,
      minChannels: 2,
    });
    expect(r.channels[0]!.amount).toBeCloseTo(500, 6);
    expect(r.channels[1]!.amount).toBeCloseTo(500, 6);
    expect(r.totalExpectedConversions).toBeCloseTo(1000 / 7, 9);
    expect(r.channels[0]!.marginalReturn).toBeCloseTo(20000 / 490000, 9);
    expect(sum(amounts(r))).toBe(1000);
    expect(r.channels.every((c) => !c.atCap)).toBe(true);
  });

  it('holds a strong channel at the 30% cap and spreads the rest', () => {
    // Strong: f(x) = 1000x / (1000 + x), slope at the 300 cap 1000·1000/1300² = 0.592. Weak (×3): 100x / (100 + x);
    // the remaining 700 go 233.33 each, slope 100·100/333.33² = 0.09 < 0.592, so the cap binds.
    // Expected: 1000·300/1300 = 230.769 + 3 · 100·233.33/333.33 = 3 · 70 = 210 → 440.769.
    const weak = curve(100, 100, 1);
    const r = optimizeChannelMix({
      budget: 1000,
      channels: [
        { name: 'strong', curve: curve(1000, 1000, 1) },
        { name: 'w1', curve: weak },
        { name: 'w2', curve: weak },
        { name: 'w3', curve: weak },
      ],
    });
    const [strong, ...rest] = r.channels;
    expect(strong!.amount).toBeCloseTo(300, 9);
    expect(strong!.atCap).toBe(true);
    for (const w of rest) {
      expect(w.amount).toBeCloseTo(700 / 3, 6);
      expect(w.atCap).toBe(false);
      expect(w.marginalReturn).toBeCloseTo(0.09, 6);
    }
    expect(strong!.marginalReturn).toBeGreaterThan(rest[0]!.marginalReturn);
    expect(r.totalExpectedConversions).toBeCloseTo(300000 / 1300 + 210, 6);
    expect(sum(amounts(r))).toBe(1000);
  });

  it('equalises marginal returns across concave channels', () => {
    const channels: ChannelMixChannel[] = [
      { name: 'search', curve: curve(300, 500, 0.5) },
      { name: 'social', curve: curve(200, 200, 0.8) },
      { name: 'email', curve: curve(150, 100, 1) },
    ];
    const r = optimizeChannelMix({ budget: 2000, channels, maxShare: 1, minChannels: 1 });
    const slopes = r.channels.map((c) => c.marginalReturn);
    for (const c of r.channels) expect(c.amount).toBeGreaterThan(0);
    for (const s of slopes) expect(Math.abs(s / slopes[0]! - 1)).toBeLessThan(1e-6);
    // And no small transfer between two channels does better.
    const value = (x: number[]) => sum(x.map((v, i) => hillConversions(channels[i]!.curve!, v)));
    const best = value(amounts(r));
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        if (i === j) continue;
        const x = amounts(r);
        x[i]! += 1;
        x[j]! -= 1;
        expect(value(x)).toBeLessThanOrEqual(best + 1e-9);
      }
    }
  });

  it('funds an S-shaped channel that a marginal-return greedy from zero never reaches', () => {
    // S: 1000x⁴ / (300⁴ + x⁴) has slope ≈ 0 at 0 (1.2e-7 for the first unit); C: 100x / (100 + x) has slope 1.
    // A greedy that gives each unit to the best next step pours all 1,000 into C: 100·1000/1100 = 90.9.
    // Splitting S 800 / C 200 gives 1000·(8/3)⁴/(1 + (8/3)⁴) = 980.61 plus 100·200/300 = 66.67, 1047.27, so the
    // optimum is at least that.
    const channels: ChannelMixChannel[] = [
      { name: 'S', curve: curve(1000, 300, 4) },
      { name: 'C', curve: curve(100, 100, 1) },
    ];
    const greedy = [0, 0];
    for (let unit = 0; unit < 1000; unit++) {
      const gains = channels.map(
        (c, i) => hillConversions(c.curve!, greedy[i]! + 1) - hillConversions(c.curve!, greedy[i]!),
      );
      greedy[gains[0]! > gains[1]! ? 0 : 1]! += 1;
    }
    expect(greedy).toEqual([0, 1000]);

    const r = optimizeChannelMix({ budget: 1000, channels, maxShare: 1, minChannels: 1 });
    expect(r.totalExpectedConversions).toBeGreaterThanOrEqual(1047.27);
    expect(r.channels[0]!.amount).toBeGreaterThan(700);
    expect(r.channels[0]!.amount).toBeLessThan(900);
    // Past the inflection S is concave, so the refinement also equalises the two slopes.
    expect(r.channels[0]!.marginalReturn).toBeCloseTo(r.channels[1]!.marginalReturn, 6);
    expect(sum(amounts(r))).toBe(1000);
  });

  it('funds several S-shaped channels rather than none', () => {
    // Four channels 500x³ / (200³ + x³), budget 1000, 30% cap: each funded channel needs spend to pay.
    const s = curve(500, 200, 3);
    const r = optimizeChannelMix({ budget: 1000, channels: ['a', 'b', 'c', 'd'].map((name) => ({ name, curve: s })) });
    expect(r.channels.filter((c) => c.amount > 0).length).toBeGreaterThanOrEqual(3);
    expect(r.totalExpectedConversions).toBeGreaterThan(4 * hillConversions(s, 250) - 1e-9); // 4 · 330.1
  });

  it('funds minChannels even when the third channel is barely worth anything', () => {
    const r = optimizeChannelMix({
      budget: 1000,
      channels: [
        { name: 'a', curve: curve(1000, 500, 1) },
        { name: 'b', curve: curve(1000, 500, 1) },
        { name: 'c', curve: curve(1, 1e6, 1) }, // slope 1e-6 at 0, far below the others'
      ],
      maxShare: 1,
      minChannels: 3,
    });
    expect(r.channels.every((c) => c.amount > 0)).toBe(true);
    expect(r.channels[2]!.amount).toBeLessThanOrEqual(1 + 1e-9); // one grid step of 1
    expect(sum(amounts(r))).toBe(1000);
  });

  it('funds a second channel when minChannels asks for two and one channel would take everything', () => {
    // One strong S-curve 1000x² / (300² + x²) and four near-worthless ones: everything would go to the strong one,
    // but two must be funded, so a second gets one grid step (1 of 1,000).
    const weak = curve(1, 1000, 3);
    const r = optimizeChannelMix({
      budget: 1000,
      channels: [
        { name: 'strong', curve: curve(1000, 300, 2) },
        ...[1, 2, 3, 4].map((i) => ({ name: `w${i}`, curve: weak })),
      ],
      maxShare: 1,
      minChannels: 2,
    });
    expect(r.channels.filter((c) => c.amount >= 1 - 1e-9)).toHaveLength(2);
    expect(r.channels[0]!.amount).toBeCloseTo(999, 9);
    expect(sum(amounts(r))).toBe(1000);
  });

  it('fits a channel curve from history', () => {
    const truth = curve(400, 500, 1);
    const history = [100, 200, 400, 800, 1600].map((spend) => ({ spend, conversions: hillConversions(truth, spend) }));
    const r = optimizeChannelMix({
      budget: 1000,
      channels: [
        { name: 'fitted', history },
        { name: 'given', curve: truth },
      ],
      maxShare: 1,
      minChannels: 2,
    });
    expect(r.channels[0]!.curve.halfSaturation).toBeCloseTo(500, 3);
    expect(r.channels[0]!.amount).toBeCloseTo(500, 3); // same curve as the other, so an even split
  });

  it('throws ChannelMixInfeasibleError for a 30% cap with three channels', () => {
    const c = curve(100, 100, 1);
    const run = () =>
      optimizeChannelMix({ budget: 1000, channels: ['a', 'b', 'c'].map((name) => ({ name, curve: c })) });
    expect(run).toThrow(ChannelMixInfeasibleError);
    expect(run).toThrow(/4/);
    try {
      run();
    } catch (e) {
      expect(e).toMatchObject({ requiredChannels: 4, availableChannels: 3, minChannels: 3 });
      expect((e as Error).message).toContain('30% cap');
    }
    // Fewer channels than minChannels.
    const five = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, curve: c }));
    expect(() => optimizeChannelMix({ budget: 1000, channels: five, minChannels: 6 })).toThrow(/at least 6 channels/);
  });

  it('handles a cap of exactly 1/3 with three channels', () => {
    const c = curve(100, 100, 1);
    const r = optimizeChannelMix({
      budget: 1000,
      channels: ['a', 'b', 'c'].map((name) => ({ name, curve: c })),
      maxShare: 1 / 3,
    });
    for (const ch of r.channels) expect(ch.amount).toBeCloseTo(1000 / 3, 9);
    expect(sum(amounts(r))).toBe(1000);
  });

  it('rejects a channel with no curve and too little history', () => {
    expect(() =>
      optimizeChannelMix({
        budget: 100,
        channels: [
          { name: 'a', history: [{ spend: 1, conversions: 1 }] },
          { name: 'b', curve: curve(1, 1, 1) },
        ],
        maxShare: 1,
        minChannels: 1,
      }),
    ).toThrow(ChannelMixInputError);
  });
});

describe('request schema', () => {
  const ok = {
    budget: 5000,
    channels: [
      { name: 'a', curve: { maxConversions: 10, halfSaturation: 100, shape: 1 } },
      { name: 'b', history: [1, 2, 3, 4].map((spend) => ({ spend, conversions: spend })) },
    ],
    maxShare: 0.6,
    minChannels: 2,
  };
  it('accepts a valid body and rejects bad ones', () => {
    expect(channelMixRequestSchema.safeParse(ok).success).toBe(true);
    const bad = [
      { ...ok, budget: 0 },
      { ...ok, maxShare: 0 },
      { ...ok, maxShare: 1.5 },
      { ...ok, minChannels: 1.5 },
      { ...ok, channels: [] },
      { ...ok, channels: [ok.channels[0], ok.channels[0]] },
      { ...ok, channels: [{ name: 'x', history: [{ spend: 1, conversions: 1 }] }] },
      { ...ok, channels: [{ name: 'x', curve: { maxConversions: 1, halfSaturation: 0, shape: 1 } }] },
      { ...ok, step: 0.1 }, // 50,000 steps
      { ...ok, step: 5000 }, // one step, fewer than minChannels
      { ...ok, other: true },
    ];
    for (const b of bad) expect(channelMixRequestSchema.safeParse(b).success).toBe(false);
  });
});

const curveArb = fc.record({
  maxConversions: fc.double({ min: 0, max: 1000, noNaN: true }),
  halfSaturation: fc.double({ min: 10, max: 10_000, noNaN: true }),
  shape: fc.double({ min: 0.3, max: 4, noNaN: true }),
});

describe('properties', () => {
  it('allocates the whole budget within the cap and funds at least minChannels, or says why not', () => {
    fc.assert(
      fc.property(
        fc.array(curveArb, { minLength: 1, maxLength: 7 }),
        fc.double({ min: 100, max: 1e6, noNaN: true }),
        fc.double({ min: 0.15, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 7 }),
        (curves, budget, maxShare, minChannels) => {
          const channels = curves.map((c, i) => ({ name: `c${i}`, curve: c }));
          const needed = Math.max(Math.ceil(1 / maxShare - 1e-9), minChannels);
          if (channels.length < needed) {
            expect(() => optimizeChannelMix({ budget, channels, maxShare, minChannels })).toThrow(
              ChannelMixInfeasibleError,
            );
            return;
          }
          const r = optimizeChannelMix({ budget, channels, maxShare, minChannels });
          expect(Math.abs(sum(amounts(r)) - budget)).toBeLessThanOrEqual(1e-9 * budget);
          for (const c of r.channels) {
            expect(c.amount).toBeGreaterThanOrEqual(0);
            expect(c.amount).toBeLessThanOrEqual(maxShare * budget * (1 + 1e-9));
          }
          // Funded means at least one step of the default 1,000-step grid.
          expect(r.channels.filter((c) => c.amount >= (budget / 1000) * (1 - 1e-9)).length).toBeGreaterThanOrEqual(
            minChannels,
          );
          expect(r.totalExpectedConversions).toBeCloseTo(
            sum(r.channels.map((c) => hillConversions(c.curve, c.amount))),
            9,
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('beats any other feasible split when every curve is concave', () => {
    const concaveArb = fc.record({
      maxConversions: fc.double({ min: 1, max: 1000, noNaN: true }),
      halfSaturation: fc.double({ min: 10, max: 10_000, noNaN: true }),
      shape: fc.double({ min: 0.3, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.array(concaveArb, { minLength: 2, maxLength: 6 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }),
        fc.double({ min: 100, max: 1e5, noNaN: true }),
        (curves, weights, budget) => {
          const maxShare = 1;
          const r = optimizeChannelMix({
            budget,
            channels: curves.map((c, i) => ({ name: `c${i}`, curve: c })),
            maxShare,
            minChannels: 1,
          });
          const w = curves.map((_, i) => weights[i]! + 1e-6);
          const other = w.map((x) => (x / sum(w)) * budget);
          const otherValue = sum(other.map((x, i) => hillConversions(curves[i]!, x)));
          expect(r.totalExpectedConversions).toBeGreaterThanOrEqual(otherValue - 1e-9 * Math.max(1, otherValue));
          // Channels strictly inside their range share one marginal return.
          const inside = r.channels.filter((c) => c.amount > 1e-9 * budget && !c.atCap);
          for (const c of inside) {
            expect(Math.abs(c.marginalReturn / inside[0]!.marginalReturn - 1)).toBeLessThan(1e-6);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
