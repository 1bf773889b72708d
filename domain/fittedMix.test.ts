import {
  ChannelMixInputError,
  channelMixRequestSchema,
  hillConversions,
  MAX_SHAPE,
  optimizeChannelMix,
} from './channelMix';
import { MAX_DRAWS } from './channelMixSchema';
import {
  answerChannelMix,
  ChannelMixTargetError,
  evaluateSplit,
  expectedGain,
  MIN_BUDGET_TOLERANCE,
  minBudgetForTarget,
  optimizeFittedMix,
} from './fittedMix';
import { createPrng } from './modelEvaluation';
import { steadyStateCurve, type ChannelResponse, type FittedResponse } from './responseCurves';

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const width = (e: { low: number; high: number }) => e.high - e.low;

function randomResponse(rng: () => number): ChannelResponse {
  return {
    decay: rng() * 0.9,
    halfSaturation: 50 + rng() * 1500,
    shape: 0.5 + rng() * 2.5,
    maxEffect: 10 + rng() * 300,
  };
}

const fitted = (name: string, response: ChannelResponse, draws: ChannelResponse[] = []): FittedResponse => ({
  name,
  response,
  draws,
});

/**
 * The best split of budget over three channels on a grid of `units` steps, found by trying every split: each
 * channel at most maxShare of the budget.
 */
function bruteForceBest(responses: readonly ChannelResponse[], budget: number, maxShare: number, units: number) {
  const step = budget / units;
  const capUnits = Math.floor((maxShare * units) / (1 - 1e-12) + 1e-9);
  const values = responses.map((r) => {
    const curve = steadyStateCurve(r);
    return Array.from({ length: units + 1 }, (_, k) => hillConversions(curve, k * step));
  });
  const [a, b, c] = values as [number[], number[], number[]];
  let best = -Infinity;
  for (let i = 0; i <= Math.min(units, capUnits); i++) {
    for (let j = 0; j <= Math.min(units - i, capUnits); j++) {
      const k = units - i - j;
      if (k > capUnits) continue;
      best = Math.max(best, a[i]! + b[j]! + c[k]!);
    }
  }
  return best;
}

describe('optimizeFittedMix against a brute-force search', () => {
  // Stated tolerance: the optimiser's total is within 0.01% of the best split on a 600-step grid, and never below it
  // by more than that (it may beat the grid, since it is not held to it).
  const TOLERANCE = 1e-4;

  it('finds the best split of a daily budget on random fitted curves', () => {
    const rng = createPrng(20240611);
    for (let set = 0; set < 8; set++) {
      const responses = [0, 1, 2].map(() => randomResponse(rng));
      const budget = 300 + rng() * 3000;
      const maxShare = [1, 0.6, 0.5][set % 3]!;
      const result = optimizeFittedMix({
        budget,
        channels: responses.map((r, i) => fitted(`c${i}`, r)),
        maxShare,
        minChannels: 1,
      });
      const best = bruteForceBest(responses, budget, maxShare, 600);
      const total = result.expectedConversions.value;
      expect(total).toBeGreaterThanOrEqual(best * (1 - TOLERANCE));
      expect(total).toBeLessThanOrEqual(best * (1 + TOLERANCE));
      expect(sum(result.channels.map((c) => c.amount))).toBeCloseTo(budget, 6);
      for (const c of result.channels) expect(c.amount).toBeLessThanOrEqual(maxShare * budget * (1 + 1e-9));
    }
  });

  it('uses the steady-state curve of each response: carry-over makes a daily amount go further', () => {
    const response = { decay: 0.6, halfSaturation: 500, shape: 1.5, maxEffect: 100 };
    const result = optimizeFittedMix({
      budget: 400,
      channels: [fitted('a', response), fitted('b', { ...response, decay: 0 })],
      maxShare: 1,
      minChannels: 1,
    });
    expect(result.channels[0]!.curve).toEqual(steadyStateCurve(response));
    // The same response without carry-over needs 1 / (1 - 0.6) = 2.5 times the spend for the same effect.
    expect(result.channels[0]!.amount).toBeGreaterThan(result.channels[1]!.amount);
  });
});

describe('minBudgetForTarget against a brute-force search', () => {
  it('finds the least daily budget whose best split reaches the target', () => {
    const rng = createPrng(7);
    for (let set = 0; set < 4; set++) {
      const responses = [0, 1, 2].map(() => randomResponse(rng));
      const maxShare = [1, 0.5][set % 2]!;
      const reference = 500 + rng() * 2000;
      const units = 200;
      const budgetStep = reference / 100;
      const target = bruteForceBest(responses, reference, maxShare, units);
      // The smallest budget on a grid of budgetStep whose brute-force best reaches the target.
      let bruteBudget = reference;
      for (let k = 1; k <= 100; k++) {
        if (bruteForceBest(responses, k * budgetStep, maxShare, units) >= target) {
          bruteBudget = k * budgetStep;
          break;
        }
      }
      const result = minBudgetForTarget({
        targetConversions: target,
        channels: responses.map((r, i) => ({ name: `c${i}`, fitted: { response: r } })),
        maxShare,
        minChannels: 1,
      });
      expect(result.totalExpectedConversions).toBeGreaterThanOrEqual(target);
      // Never more than the brute force needs (beyond the search's tolerance), and less by at most one budget step
      // (the brute force only tries multiples of it) plus 0.5% for its coarser split grid.
      expect(result.budget).toBeLessThanOrEqual(bruteBudget * (1 + MIN_BUDGET_TOLERANCE));
      expect(result.budget).toBeGreaterThanOrEqual(bruteBudget - budgetStep - 0.005 * bruteBudget);
      expect(sum(result.channels.map((c) => c.amount))).toBeCloseTo(result.budget, 6);
    }
  });

  it('stops where a budget smaller by the stated tolerance falls short', () => {
    const channels = [
      { name: 'a', fitted: { response: { decay: 0.3, halfSaturation: 400, shape: 1, maxEffect: 200 } } },
      { name: 'b', fitted: { response: { decay: 0.5, halfSaturation: 300, shape: 2, maxEffect: 150 } } },
    ];
    const result = minBudgetForTarget({ targetConversions: 180, channels, maxShare: 1, minChannels: 1 });
    expect(result.totalExpectedConversions).toBeGreaterThanOrEqual(180);
    const below = optimizeFittedMix({
      budget: result.budget * (1 - 2 * MIN_BUDGET_TOLERANCE),
      channels: channels.map((c) => fitted(c.name, c.fitted.response)),
      maxShare: 1,
      minChannels: 1,
    });
    expect(below.expectedConversions.value).toBeLessThan(180);
  });

  it('refuses a target at or above what the channels can ever bring, naming the ceiling', () => {
    const channels = [
      { name: 'a', fitted: { response: { decay: 0.2, halfSaturation: 100, shape: 1, maxEffect: 60 } } },
      { name: 'b', fitted: { response: { decay: 0.2, halfSaturation: 100, shape: 1, maxEffect: 40 } } },
    ];
    const run = (targetConversions: number, maxBudget?: number) => () =>
      minBudgetForTarget({ targetConversions, channels, maxShare: 1, minChannels: 1, maxBudget });
    expect(run(100)).toThrow(ChannelMixTargetError);
    expect(run(100)).toThrow(/targetConversions 100 .*never.* 100 /);
    // Within a budget of 200 a day the best split brings less than 80.
    const at200 = optimizeFittedMix({
      budget: 200,
      channels: channels.map((c) => fitted(c.name, c.fitted.response)),
      maxShare: 1,
      minChannels: 1,
    }).expectedConversions.value;
    expect(at200).toBeLessThan(80);
    try {
      run(80, 200)();
      throw new Error('expected a refusal');
    } catch (e) {
      expect(e).toBeInstanceOf(ChannelMixTargetError);
      expect((e as ChannelMixTargetError).reachable).toBeCloseTo(at200, 6);
      expect((e as Error).message).toMatch(/maxBudget 200/);
    }
    // Reachable with a larger bound.
    expect(run(80, 10_000)().totalExpectedConversions).toBeGreaterThanOrEqual(80);
  });
});

/** Draws around a response, each parameter scaled by up to ±spread, from a seeded generator. */
function jittered(r: ChannelResponse, spread: number, n: number, seed: number): ChannelResponse[] {
  const rng = createPrng(seed);
  const f = () => 1 + spread * (2 * rng() - 1);
  return Array.from({ length: n }, () => ({
    decay: Math.min(0.95, r.decay * f()),
    halfSaturation: r.halfSaturation * f(),
    shape: r.shape * f(),
    maxEffect: r.maxEffect * f(),
  }));
}

describe('evaluateSplit', () => {
  const a = { decay: 0.4, halfSaturation: 300, shape: 1.2, maxEffect: 120 };
  const b = { decay: 0.1, halfSaturation: 600, shape: 0.8, maxEffect: 90 };
  const amounts = { a: 250, b: 400 };

  it('without draws the interval is the point itself', () => {
    const split = evaluateSplit([fitted('a', a), fitted('b', b)], amounts);
    const point = hillConversions(steadyStateCurve(a), 250) + hillConversions(steadyStateCurve(b), 400);
    expect(split.draws).toBe(0);
    expect(split.total).toEqual({ value: point, low: point, high: point });
    expect(split.byChannel.a!.low).toBe(split.byChannel.a!.value);
  });

  it('gives intervals that contain the point and widen as the draws spread out', () => {
    const narrow = evaluateSplit(
      [fitted('a', a, jittered(a, 0.05, 200, 1)), fitted('b', b, jittered(b, 0.05, 200, 2))],
      amounts,
    );
    const wide = evaluateSplit(
      [fitted('a', a, jittered(a, 0.3, 200, 1)), fitted('b', b, jittered(b, 0.3, 200, 2))],
      amounts,
    );
    for (const e of [narrow.total, wide.total, narrow.byChannel.a!, wide.byChannel.b!]) {
      expect(e.low).toBeLessThanOrEqual(e.value);
      expect(e.high).toBeGreaterThanOrEqual(e.value);
    }
    expect(narrow.draws).toBe(200);
    expect(narrow.total.value).toBe(wide.total.value);
    expect(width(wide.total)).toBeGreaterThan(2 * width(narrow.total));
    expect(width(wide.byChannel.a!)).toBeGreaterThan(2 * width(narrow.byChannel.a!));
  });

  it('pairs the draws across channels: the total interval is over per-draw totals, not a sum of intervals', () => {
    // Two identical channels whose draws move in opposite directions: every draw's total is the same.
    const r = { decay: 0.3, halfSaturation: 200, shape: 1, maxEffect: 100 };
    const factors = Array.from({ length: 101 }, (_, i) => (i - 50) / 100);
    const up = factors.map((f) => ({ ...r, maxEffect: r.maxEffect * (1 + f) }));
    const down = factors.map((f) => ({ ...r, maxEffect: r.maxEffect * (1 - f) }));
    const split = evaluateSplit([fitted('x', r, up), fitted('y', r, down)], { x: 100, y: 100 });
    expect(width(split.byChannel.x!)).toBeGreaterThan(0.5 * split.byChannel.x!.value);
    expect(width(split.total)).toBeLessThan(1e-9 * split.total.value);
  });

  it('refuses draws that cannot be paired and spend on channels it does not know', () => {
    const uneven = [fitted('a', a, jittered(a, 0.1, 10, 1)), fitted('b', b, jittered(b, 0.1, 20, 2))];
    expect(() => evaluateSplit(uneven, amounts)).toThrow(/draws/);
    expect(() => evaluateSplit([fitted('a', a)], { a: 1, c: 2 })).toThrow(/unknown channel c\b/);
    expect(() => evaluateSplit([fitted('a', { ...a, decay: 1 })], { a: 1 })).toThrow(ChannelMixInputError);
    expect(() => evaluateSplit([fitted('a', { ...a, decay: 1 })], { a: 1 })).toThrow(/decay/);
  });
});

describe('expectedGain', () => {
  // The draws scale both channels together (a common factor), as a refit on resampled days does.
  const strong = { decay: 0.5, halfSaturation: 400, shape: 1, maxEffect: 300 };
  const weak = { decay: 0.1, halfSaturation: 400, shape: 1, maxEffect: 60 };
  const factors = Array.from({ length: 200 }, (_, i) => 0.5 + i / 199);
  const channels = [
    fitted(
      'strong',
      strong,
      factors.map((f) => ({ ...strong, maxEffect: strong.maxEffect * f })),
    ),
    fitted(
      'weak',
      weak,
      factors.map((f) => ({ ...weak, maxEffect: weak.maxEffect * f })),
    ),
  ];
  const current = { strong: 100, weak: 900 };
  const proposed = { strong: 700, weak: 300 };

  it('is paired per draw: sure of a gain that the two totals’ intervals would not show', () => {
    const before = evaluateSplit(channels, current);
    const after = evaluateSplit(channels, proposed);
    // The intervals of the totals overlap...
    expect(after.total.low).toBeLessThan(before.total.high);
    // ...but the proposal wins in every draw.
    const gain = expectedGain(channels, current, proposed);
    expect(gain.value).toBeCloseTo(after.total.value - before.total.value, 9);
    expect(gain.low).toBeGreaterThan(0);
    expect(gain.high).toBeGreaterThan(gain.low);
    expect(width(gain)).toBeLessThan(width(after.total));
  });

  it('is what optimizeFittedMix reports against the current split', () => {
    const result = optimizeFittedMix({ budget: 1000, channels, maxShare: 1, minChannels: 1, current });
    const amounts = Object.fromEntries(result.channels.map((c) => [c.name, c.amount]));
    expect(result.gain).toEqual(expectedGain(channels, current, amounts));
    expect(result.current!.expectedConversions).toEqual(evaluateSplit(channels, current).total);
    expect(result.gain!.low).toBeGreaterThan(0);
    expect(result.draws).toBe(200);
    expect(result.expectedConversions).toEqual(evaluateSplit(channels, amounts).total);
    for (const c of result.channels)
      expect(c.expectedConversions).toEqual(evaluateSplit(channels, amounts).byChannel[c.name]);
  });
});

describe('the request: fitted channels and the two objectives', () => {
  const response = { decay: 0.5, halfSaturation: 200, shape: 1.5, maxEffect: 40 };
  const curve = { maxConversions: 30, halfSaturation: 150, shape: 1 };
  const base = {
    budget: 500,
    channels: [
      { name: 'a', fitted: { response, draws: [response, { ...response, maxEffect: 50 }] } },
      { name: 'b', curve },
    ],
    maxShare: 1,
    minChannels: 1,
  };
  const withA = (fittedA: unknown) => ({ ...base, channels: [{ name: 'a', fitted: fittedA }, base.channels[1]] });
  const paths = (body: unknown) => {
    const parsed = channelMixRequestSchema.safeParse(body);
    return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'));
  };

  it('accepts fitted channels beside curves, and a minBudget question without a budget', () => {
    expect(paths(base)).toEqual([]);
    const { budget: _budget, ...rest } = base;
    expect(paths({ ...rest, objective: 'minBudget', targetConversions: 40, maxBudget: 5000 })).toEqual([]);
    expect(channelMixRequestSchema.parse(base).objective).toBe('maxConversions');
  });

  it('names the field that is wrong', () => {
    const { budget: _budget, ...noBudget } = base;
    const cases: [unknown, string][] = [
      [withA({ response: { ...response, decay: 1 } }), 'channels.0.fitted.response.decay'],
      [withA({ response: { ...response, decay: -0.1 } }), 'channels.0.fitted.response.decay'],
      [withA({ response: { ...response, shape: MAX_SHAPE + 1 } }), 'channels.0.fitted.response.shape'],
      [withA({ response: { ...response, halfSaturation: 0 } }), 'channels.0.fitted.response.halfSaturation'],
      [withA({ response, draws: [{ ...response, maxEffect: -1 }] }), 'channels.0.fitted.draws.0.maxEffect'],
      [withA({ response, draws: Array.from({ length: MAX_DRAWS + 1 }, () => response) }), 'channels.0.fitted.draws'],
      [{ ...base, channels: [{ name: 'a', fitted: { response }, curve }, base.channels[1]] }, 'channels.0.fitted'],
      [{ ...base, channels: [base.channels[0], { name: 'b', fitted: { response, draws: [response] } }] }, 'channels'],
      [{ ...base, objective: 'cheapest' }, 'objective'],
      [noBudget, 'budget'],
      [{ ...noBudget, objective: 'minBudget' }, 'targetConversions'],
      [{ ...base, objective: 'minBudget', targetConversions: 10 }, 'budget'],
      [{ ...noBudget, objective: 'minBudget', targetConversions: 10, step: 5 }, 'step'],
      [{ ...base, targetConversions: 10 }, 'targetConversions'],
      [{ ...base, maxBudget: 10 }, 'maxBudget'],
    ];
    for (const [body, path] of cases) expect(paths(body)).toEqual([path]);
  });

  it('answers a curve-only request as before, with a point interval', () => {
    const body = {
      budget: 1000,
      channels: [
        { name: 'x', curve },
        { name: 'y', curve: { ...curve, maxConversions: 60 } },
      ],
    };
    const plain = optimizeChannelMix({ ...body, maxShare: 1, minChannels: 1 });
    const answer = answerChannelMix({ ...body, maxShare: 1, minChannels: 1 });
    expect(answer).toMatchObject({ ...plain, channels: plain.channels.map((c) => expect.objectContaining(c)) });
    const total = plain.totalExpectedConversions;
    expect(answer.expectedConversions).toEqual({ value: total, low: total, high: total });
    expect(answer.draws).toBe(0);
    expect(answer.objective).toBe('maxConversions');
    const x = plain.channels[0]!.expectedConversions;
    expect(answer.channels[0]!.expectedConversionsEstimate).toEqual({ value: x, low: x, high: x });
  });

  it('answers with the steady-state curve of a fitted channel and an interval from its draws', () => {
    const answer = answerChannelMix(base);
    expect(answer.channels[0]!.curve).toEqual(steadyStateCurve(response));
    expect(answer.draws).toBe(2);
    expect(answer.expectedConversions.high).toBeGreaterThan(answer.expectedConversions.value);
    // The curve channel has no draws: its own interval is its point.
    const b = answer.channels[1]!.expectedConversionsEstimate;
    expect(b.low).toBe(b.high);
  });

  it('answers a minBudget question with the budget found and the target', () => {
    const { budget: _budget, ...rest } = base;
    const answer = answerChannelMix({ ...rest, objective: 'minBudget', targetConversions: 40 });
    expect(answer.objective).toBe('minBudget');
    expect(answer.targetConversions).toBe(40);
    expect(answer.totalExpectedConversions).toBeGreaterThanOrEqual(40);
    expect(sum(answer.channels.map((c) => c.amount))).toBeCloseTo(answer.budget, 6);
  });
});
