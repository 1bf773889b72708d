import fc from 'fast-check';
import {
  AttributionInputError,
  attribute,
  attributionModels,
  attributionRequestSchema,
  markovRemovalEffects,
  type AttributionResult,
  type Journey,
} from './attribution';

const tp = (...channels: string[]) => channels.map((channel) => ({ channel }));
const byChannel = (r: AttributionResult) => Object.fromEntries(r.channels.map((c) => [c.channel, c]));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

// J1: A → B → C converted, value 100; J2: B → C converted, value 50; J3: A not converted.
const example: Journey[] = [
  { touchpoints: tp('A', 'B', 'C'), converted: true, value: 100 },
  { touchpoints: tp('B', 'C'), converted: true, value: 50 },
  { touchpoints: tp('A'), converted: false },
];

function expectCredit(r: AttributionResult, expected: Record<string, [number, number]>): void {
  const got = byChannel(r);
  for (const [channel, [conversions, value]] of Object.entries(expected)) {
    expect(got[channel]?.conversions).toBeCloseTo(conversions, 12);
    expect(got[channel]?.value).toBeCloseTo(value, 10);
  }
  expect(Object.keys(got).sort()).toEqual(Object.keys(expected).sort());
}

describe('rule-based models on the three-journey example', () => {
  it('first-click: A takes J1 (1, 100), B takes J2 (1, 50), C nothing', () => {
    const r = attribute(example, 'first-click');
    expect(r.totalConversions).toBe(2);
    expect(r.totalValue).toBe(150);
    expectCredit(r, { A: [1, 100], B: [1, 50], C: [0, 0] });
    // Equal conversions, so value decides the order.
    expect(r.channels.map((c) => c.channel)).toEqual(['A', 'B', 'C']);
  });

  it('last-click: C takes both (2, 150)', () => {
    expectCredit(attribute(example, 'last-click'), { C: [2, 150], A: [0, 0], B: [0, 0] });
  });

  it('linear: J1 gives 1/3 each (33.33), J2 gives 1/2 each (25)', () => {
    // A = 1/3, 100/3; B = C = 1/3 + 1/2 = 5/6, 100/3 + 25 = 58.333...
    expectCredit(attribute(example, 'linear'), { A: [1 / 3, 100 / 3], B: [5 / 6, 175 / 3], C: [5 / 6, 175 / 3] });
  });

  it('position-based 40/20/40: J1 gives A .4, B .2, C .4; J2 (two touchpoints) .5 each', () => {
    // A = .4 (40); B = .2 + .5 = .7 (20 + 25 = 45); C = .4 + .5 = .9 (40 + 25 = 65)
    const r = attribute(example, 'position-based');
    expectCredit(r, { A: [0.4, 40], B: [0.7, 45], C: [0.9, 65] });
    expect(r.channels.map((c) => c.channel)).toEqual(['C', 'B', 'A']);
  });

  it('position-based with custom shares 30/50: middle gets 20%, two touchpoints split 3:5', () => {
    // J1: A .3, B .2, C .5; J2: B 3/8, C 5/8. A = .3 (30); B = .2 + .375 = .575 (20 + 18.75);
    // C = .5 + .625 = 1.125 (50 + 31.25)
    const r = attribute(example, 'position-based', { positionWeights: { first: 0.3, last: 0.5 } });
    expectCredit(r, { A: [0.3, 30], B: [0.575, 38.75], C: [1.125, 81.25] });
  });

  it('position-based gives a single touchpoint everything', () => {
    const r = attribute([{ touchpoints: tp('X'), converted: true, value: 7 }], 'position-based');
    expectCredit(r, { X: [1, 7] });
  });

  it('time-decay without times: each step back is one half-life', () => {
    // J1 weights C 1, B 1/2, A 1/4 → /1.75 → A 1/7, B 2/7, C 4/7. J2: C 1, B 1/2 → B 1/3, C 2/3.
    // A = 1/7 (100/7 = 14.286); B = 2/7 + 1/3 = 13/21 (200/7 + 50/3 = 950/21 = 45.238);
    // C = 4/7 + 2/3 = 26/21 (400/7 + 100/3 = 1900/21 = 90.476). Sum 42/21 = 2, 3150/21 = 150.
    expectCredit(attribute(example, 'time-decay'), {
      A: [1 / 7, 100 / 7],
      B: [13 / 21, 950 / 21],
      C: [26 / 21, 1900 / 21],
    });
  });

  it('time-decay with times and the default 7-day half-life', () => {
    // A 14 days before the last touchpoint: 2^-2 = 1/4; B at it: 1 → A 0.2, B 0.8 of value 10.
    const j: Journey[] = [
      {
        touchpoints: [
          { channel: 'A', at: '2026-01-01T00:00:00Z' },
          { channel: 'B', at: '2026-01-15T00:00:00Z' },
        ],
        converted: true,
        value: 10,
      },
    ];
    expectCredit(attribute(j, 'time-decay'), { A: [0.2, 2], B: [0.8, 8] });
    // Half-life 14 days: A 2^-1 → 1/3 vs 2/3.
    expectCredit(attribute(j, 'time-decay', { halfLifeDays: 14 }), { A: [1 / 3, 10 / 3], B: [2 / 3, 20 / 3] });
  });

  it('time-decay falls back to positions for the whole journey if one time is missing', () => {
    // B has no time, so positions: A 1/2, B 1 → A 1/3, B 2/3, whatever A's time says.
    const j: Journey[] = [
      { touchpoints: [{ channel: 'A', at: '2020-01-01T00:00:00Z' }, { channel: 'B' }], converted: true, value: 3 },
    ];
    expectCredit(attribute(j, 'time-decay'), { A: [1 / 3, 1], B: [2 / 3, 2] });
  });

  it('credits a converted journey without touchpoints to direct, and nothing for non-converted ones', () => {
    const j: Journey[] = [
      { touchpoints: [], converted: true, value: 5 },
      { touchpoints: [], converted: false, value: 99 },
      { touchpoints: tp('A'), converted: false, value: 99 },
    ];
    for (const model of attributionModels) {
      const r = attribute(j, model);
      expect(r.totalConversions).toBe(1);
      expect(r.totalValue).toBe(5);
      expectCredit(r, { direct: [1, 5], A: [0, 0] });
    }
  });
});

describe('markov', () => {
  it('removal effects on the three-journey example', () => {
    // Transitions: start→A 2, start→B 1, A→B 1, A→null 1, B→C 2, C→conv 2.
    // p_C = 1, p_B = 1, p_A = 1/2, p_start = 2/3·1/2 + 1/3·1 = 2/3.
    // Without A: start→A goes to null, p = 1/3 → RE_A = 1 - (1/3)/(2/3) = 1/2.
    // Without B: nothing reaches C any more, p = 0 → RE_B = 1. Without C: RE_C = 1.
    const effects = markovRemovalEffects(example);
    expect(effects.get('A')).toBeCloseTo(0.5, 12);
    expect(effects.get('B')).toBeCloseTo(1, 12);
    expect(effects.get('C')).toBeCloseTo(1, 12);
    // Shares .5/2.5 = .2, .4, .4 of 2 conversions and 150 value.
    expectCredit(attribute(example, 'markov'), { A: [0.4, 30], B: [0.8, 60], C: [0.8, 60] });
  });

  it('solves a loop A → B → A exactly', () => {
    // J1: A → B → A → conv; J2: B → null.
    // start→A 1/2, start→B 1/2; A→B 1/2, A→conv 1/2; B→A 1/2, B→null 1/2.
    // p_A = p_B/2 + 1/2, p_B = p_A/2 → p_A = 2/3, p_B = 1/3, p_start = 1/2.
    // Without A: B's only way on is A → p = 0, RE_A = 1.
    // Without B: p_A = 1/2, p = 1/4 → RE_B = 1/2. Shares 2/3 and 1/3 of one conversion (value 9).
    const j: Journey[] = [
      { touchpoints: tp('A', 'B', 'A'), converted: true, value: 9 },
      { touchpoints: tp('B'), converted: false },
    ];
    const effects = markovRemovalEffects(j);
    expect(effects.get('A')).toBeCloseTo(1, 12);
    expect(effects.get('B')).toBeCloseTo(0.5, 12);
    expectCredit(attribute(j, 'markov'), { A: [2 / 3, 6], B: [1 / 3, 3] });
  });

  it('gives nothing when nothing converted, and refuses too many channels', () => {
    const r = attribute([{ touchpoints: tp('A', 'B'), converted: false }], 'markov');
    expectCredit(r, { A: [0, 0], B: [0, 0] });
    const many = Array.from({ length: 501 }, (_, i) => ({ touchpoints: tp(`c${i}`), converted: true }));
    expect(() => attribute(many, 'markov')).toThrow(AttributionInputError);
  });
});

describe('shapley', () => {
  it('two channels by hand: {A,B} and {A} converted', () => {
    // v(∅) = 0, v(A) = 1, v(B) = 0, v(AB) = 2.
    // φ_A = ½(v(A) - v(∅)) + ½(v(AB) - v(B)) = ½ + 1 = 1.5; φ_B = ½·0 + ½(2 - 1) = 0.5.
    const j: Journey[] = [
      { touchpoints: tp('A', 'B'), converted: true, value: 10 },
      { touchpoints: tp('A'), converted: true, value: 20 },
    ];
    // Value game: v(A) = 20, v(AB) = 30 → φ_A = ½·20 + ½·30 = 25, φ_B = ½·10 = 5.
    expectCredit(attribute(j, 'shapley'), { A: [1.5, 25], B: [0.5, 5] });
  });

  it('three channels by hand on the example', () => {
    // v(S) = 1 for S ⊇ {B,C} without A, 2 for {A,B,C}, 0 otherwise. Weights |S|!(2-|S|)!/3!: 1/3, 1/6, 1/6, 1/3.
    // φ_A = 1/3·(v(ABC) - v(BC)) = 1/3. φ_B = 1/6·(v(BC) - v(C)) + 1/3·(v(ABC) - v(AC)) = 1/6 + 2/3 = 5/6 = φ_C.
    // Value: φ_A = 1/3·(150 - 50) = 100/3; φ_B = 1/6·50 + 1/3·150 = 175/3.
    expectCredit(attribute(example, 'shapley'), { A: [1 / 3, 100 / 3], B: [5 / 6, 175 / 3], C: [5 / 6, 175 / 3] });
  });

  it('counts a channel once however often it appears (unlike linear)', () => {
    // [A, A, B]: v(A) = v(B) = 0, v(AB) = 1 → ½ each. Linear would give A 2/3.
    const j: Journey[] = [{ touchpoints: tp('A', 'A', 'B'), converted: true }];
    expectCredit(attribute(j, 'shapley'), { A: [0.5, 0], B: [0.5, 0] });
    expectCredit(attribute(j, 'linear'), { A: [2 / 3, 0], B: [1 / 3, 0] });
  });
});

describe('spend figures', () => {
  it('computes roi = (value - spend) / spend, roas and cpa', () => {
    // first-click: A 1 conversion, 100 value; B 1, 50; D only in spend.
    const r = byChannel(attribute(example, 'first-click', {}, { A: 20, B: 50, C: 0, D: 10 }));
    expect(r.A).toMatchObject({ spend: 20, roi: 4, roas: 5, cpa: 20 });
    expect(r.B).toMatchObject({ spend: 50, roi: 0, roas: 1, cpa: 50 });
    expect(r.C).toEqual({ channel: 'C', conversions: 0, value: 0, share: 0, spend: 0 }); // nothing divides by 0
    expect(r.D).toEqual({ channel: 'D', conversions: 0, value: 0, share: 0, spend: 10, roi: -1, roas: 0 });
  });
});

describe('options checks', () => {
  it('rejects bad options when called directly', () => {
    expect(() => attribute(example, 'time-decay', { halfLifeDays: 0 })).toThrow(AttributionInputError);
    expect(() => attribute(example, 'position-based', { positionWeights: { first: 0.7, last: 0.5 } })).toThrow(
      AttributionInputError,
    );
  });
});

describe('request schema', () => {
  const ok = {
    model: 'markov',
    journeys: [{ touchpoints: [{ channel: 'A', at: '2026-01-01T00:00:00Z' }], converted: true }],
  };

  it('accepts a valid body and rejects the limits', () => {
    expect(attributionRequestSchema.safeParse(ok).success).toBe(true);
    const bad = [
      { ...ok, model: 'u-shaped' },
      { ...ok, journeys: [{ touchpoints: [{ channel: '' }], converted: true }] },
      { ...ok, journeys: [{ touchpoints: [{ channel: 'x'.repeat(101) }], converted: true }] },
      { ...ok, journeys: [{ touchpoints: [], converted: true, value: -1 }] },
      { ...ok, journeys: [{ touchpoints: [{ channel: 'A', at: 'yesterday' }], converted: true }] },
      { ...ok, journeys: [{ touchpoints: Array.from({ length: 1001 }, () => ({ channel: 'A' })), converted: true }] },
      { ...ok, spend: { A: -5 } },
      { ...ok, options: { halfLifeDays: 0 } },
      { ...ok, options: { positionWeights: { first: 0.6, last: 0.6 } } },
      { ...ok, extra: 1 },
    ];
    for (const b of bad) expect(attributionRequestSchema.safeParse(b).success).toBe(false);
  });

  it('caps the number of journeys at 100,000', () => {
    const j = { touchpoints: [], converted: false };
    expect(attributionRequestSchema.safeParse({ model: 'linear', journeys: Array(100_000).fill(j) }).success).toBe(
      true,
    );
    expect(attributionRequestSchema.safeParse({ model: 'linear', journeys: Array(100_001).fill(j) }).success).toBe(
      false,
    );
  });
});

const channelArb = fc.constantFrom('A', 'B', 'C', 'D', 'E', 'F');
const base = Date.UTC(2026, 0, 1);
const journeyArb: fc.Arbitrary<Journey> = fc.record({
  touchpoints: fc.array(
    fc.record({
      channel: channelArb,
      at: fc.option(
        fc.integer({ min: 0, max: 90 * 86_400_000 }).map((t) => new Date(base + t).toISOString()),
        { nil: undefined },
      ),
    }),
    { maxLength: 7 },
  ),
  converted: fc.boolean(),
  value: fc.option(fc.double({ min: 0, max: 10_000, noNaN: true }), { nil: undefined }),
});
const optionsArb = fc.record({
  halfLifeDays: fc.double({ min: 0.01, max: 60, noNaN: true }),
  positionWeights: fc
    .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([a, b]) => ({ first: a / 2, last: b / 2 })),
});

describe('properties', () => {
  it('every model credits exactly the converted journeys and their value', () => {
    fc.assert(
      fc.property(fc.array(journeyArb, { maxLength: 40 }), optionsArb, (journeys, options) => {
        const conversions = journeys.filter((j) => j.converted).length;
        const value = sum(journeys.filter((j) => j.converted).map((j) => j.value ?? 0));
        for (const model of attributionModels) {
          const r = attribute(journeys, model, options);
          expect(r.totalConversions).toBe(conversions);
          expect(Math.abs(r.totalValue - value)).toBeLessThanOrEqual(1e-9 * Math.max(1, value));
          expect(Math.abs(sum(r.channels.map((c) => c.conversions)) - conversions)).toBeLessThanOrEqual(1e-9);
          expect(Math.abs(sum(r.channels.map((c) => c.value)) - value)).toBeLessThanOrEqual(1e-9 * Math.max(1, value));
          for (const c of r.channels) expect(c.conversions).toBeGreaterThanOrEqual(-1e-12);
          for (let i = 1; i < r.channels.length; i++) {
            expect(r.channels[i - 1]!.conversions).toBeGreaterThanOrEqual(r.channels[i]!.conversions - 1e-12);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('shapley matches the definition summed over every subset of channels', () => {
    fc.assert(
      fc.property(fc.array(journeyArb, { maxLength: 15 }), (journeys) => {
        const converted = journeys.filter((j) => j.converted);
        const sets = converted.map(
          (j) => new Set(j.touchpoints.length ? j.touchpoints.map((t) => t.channel) : ['direct']),
        );
        const players = [...new Set(sets.flatMap((s) => [...s]))];
        const n = players.length;
        const v = (mask: number) => sets.filter((s) => [...s].every((c) => mask & (1 << players.indexOf(c)))).length;
        const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
        const r = byChannel(attribute(journeys, 'shapley'));
        players.forEach((p, i) => {
          let phi = 0;
          for (let mask = 0; mask < 1 << n; mask++) {
            if (mask & (1 << i)) continue;
            const size = players.filter((_, k) => mask & (1 << k)).length;
            phi += ((fact(size) * fact(n - size - 1)) / fact(n)) * (v(mask | (1 << i)) - v(mask));
          }
          expect(r[p]!.conversions).toBeCloseTo(phi, 9);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('markov removal effects match an independent solve with the channel redirected to null', () => {
    // Value iteration on the chain, once as is and once per removed channel.
    function conversionProbability(journeys: Journey[], removed?: string): number {
      const next = new Map<string, Map<string, number>>();
      const count = (from: string, to: string) => {
        const m = next.get(from) ?? new Map<string, number>();
        m.set(to, (m.get(to) ?? 0) + 1);
        next.set(from, m);
      };
      for (const j of journeys) {
        const path = j.touchpoints.length || !j.converted ? j.touchpoints.map((t) => t.channel) : ['direct'];
        let from = '(start)';
        for (const c of path) {
          count(from, c);
          from = c;
        }
        count(from, j.converted ? '(conversion)' : '(null)');
      }
      let p = new Map<string, number>();
      for (let it = 0; it < 20_000; it++) {
        const q = new Map<string, number>();
        for (const [from, outs] of next) {
          const total = sum([...outs.values()]);
          let s = 0;
          for (const [to, k] of outs) {
            if (to === '(conversion)') s += k / total;
            else if (to !== '(null)' && to !== removed) s += (k / total) * (p.get(to) ?? 0);
          }
          q.set(from, s);
        }
        const change = Math.max(0, ...[...q].map(([k, x]) => Math.abs(x - (p.get(k) ?? 0))));
        p = q;
        if (change < 1e-16) break;
      }
      return p.get('(start)') ?? 0;
    }
    fc.assert(
      fc.property(fc.array(journeyArb, { minLength: 1, maxLength: 12 }), (journeys) => {
        const pAll = conversionProbability(journeys);
        const effects = markovRemovalEffects(journeys);
        for (const [c, e] of effects) {
          const expected = pAll > 0 ? 1 - conversionProbability(journeys, c) / pAll : 0;
          expect(e).toBeCloseTo(expected, 9);
        }
      }),
      { numRuns: 60 },
    );
  });
});
