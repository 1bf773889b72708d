import { addDays } from './campaignBudget';
import {
  budgetRunsOutBeforeEnd,
  forecastCampaign,
  type CampaignDay,
  type CampaignForecastInput,
} from './campaignForecast';

/** `n` days from `from` on, each with the same spend and conversions. */
const steady = (from: string, n: number, spend: number, conversions: number): CampaignDay[] =>
  Array.from({ length: n }, (_, i) => ({ date: addDays(from, i), spend, conversions }));

/** Noon UTC of a day: the campaign's "today". */
const noon = (day: string) => Date.parse(`${day}T12:00:00Z`);

/** The q-quantile of a Poisson distribution with mean mu, by summing its probabilities. */
function poissonQuantile(mu: number, q: number): number {
  let p = Math.exp(-mu);
  let cdf = p;
  let k = 0;
  while (cdf < q) {
    k++;
    p *= mu / k;
    cdf += p;
  }
  return k;
}

/**
 * The worked example: 3,000 over the 30 days of March 1-30, 10 days in (today is March 11), 1,400 spent at 140 a
 * day, 2 conversions a day. The platforms' daily budget is what is left spread over the 20 days left: 1,600 / 20 = 80.
 */
const example: CampaignForecastInput = {
  budget: 3000,
  spent: 1400,
  startDate: '2026-03-01',
  endDate: '2026-03-30',
  dailyBudget: 80,
  history: steady('2026-03-01', 10, 140, 2),
  now: noon('2026-03-11'),
};

describe('forecastCampaign: spend pacing', () => {
  test('the worked example, by hand', () => {
    const f = forecastCampaign(example);
    expect(f.phase).toBe('running');
    expect(f.today).toBe('2026-03-11');
    // 30 days in all; 10 complete (March 1-10); 20 from today to the end (March 11-30).
    expect(f.days).toEqual({ total: 30, elapsed: 10, remaining: 20 });
    expect(f.remainingBudget).toBe(1600);
    // Recent pace: the last 7 complete days (March 4-10), 7 x 140 / 7 = 140 a day.
    expect(f.pace).toEqual({ perDay: 140, days: 7 });
    // At the daily budget: 1,400 + min(1,600 left, 80 x 20 = 1,600) = 3,000.
    // At the recent pace: 1,400 + min(1,600 left, 140 x 20 = 2,800) = 3,000: the budget, spent early.
    expect(f.projectedSpend).toEqual({ atDailyBudget: 3000, atRecentPace: 3000 });
    // 1,600 / 140 = 11.43 days: March 11 to 21 spend 11 x 140 = 1,540, and the last 60 go on March 22, the 22nd
    // day of the campaign (day 21 counting March 1 as day 0); March 23-30, 8 days, get nothing.
    expect(f.runsOutOn).toBe('2026-03-22');
    expect(f.daysBeforeEnd).toBe(8);
    // An even spend would be 3,000 x 10 / 30 = 1,000 by now; 1,400 is 1.4 times that, above the +10% band.
    expect(f.evenSpendToDate).toBe(1000);
    expect(f.pacingRatio).toBeCloseTo(1.4, 12);
    expect(f.pacing).toBe('over');
    expect(f.pacingBand).toBe(0.1);
  });

  test('the budget guard hears when the budget runs out before the end, in words', () => {
    expect(budgetRunsOutBeforeEnd(forecastCampaign(example))).toEqual({
      date: '2026-03-22',
      daysBeforeEnd: 8,
      message: 'at this pace the budget runs out on 2026-03-22, 8 days before the end',
    });
  });

  test('spending evenly is on pace, and the budget lasts to the end', () => {
    // 100 a day is exactly 3,000 / 30: the pace spends the 2,000 left over the 20 days left.
    const f = forecastCampaign({
      ...example,
      spent: 1000,
      dailyBudget: 100,
      history: steady('2026-03-01', 10, 100, 1),
    });
    expect(f.pacing).toBe('on');
    expect(f.pacingRatio).toBeCloseTo(1, 12);
    expect(f.projectedSpend).toEqual({ atDailyBudget: 3000, atRecentPace: 3000 });
    expect(f.runsOutOn).toBeNull();
    expect(f.daysBeforeEnd).toBeNull();
    expect(budgetRunsOutBeforeEnd(f)).toBeNull();
  });

  test('the band is ±10%: 1,090 of an even 1,000 is on pace, 1,110 is over, 890 is under', () => {
    const at = (total: number) =>
      forecastCampaign({ ...example, spent: total, history: steady('2026-03-01', 10, total / 10, 1) }).pacing;
    expect(at(1090)).toBe('on');
    expect(at(910)).toBe('on');
    expect(at(1110)).toBe('over');
    expect(at(890)).toBe('under');
  });

  test('underspending: at the recent pace the campaign ends with budget left', () => {
    // 60 a day for 10 days: 600 of an even 1,000. At 60 a day the 20 days left add 1,200: 1,800 at the end.
    const f = forecastCampaign({ ...example, spent: 600, dailyBudget: 120, history: steady('2026-03-01', 10, 60, 1) });
    expect(f.pacing).toBe('under');
    expect(f.projectedSpend).toEqual({ atDailyBudget: 3000, atRecentPace: 1800 });
    expect(f.runsOutOn).toBeNull();
  });

  test('the pace is the last 7 complete days: a faster last week counts, today’s partial day does not', () => {
    // 100 a day for March 1-3, then 200 a day for March 4-10; today (March 11) has 30 so far.
    const history = [
      ...steady('2026-03-01', 3, 100, 1),
      ...steady('2026-03-04', 7, 200, 1),
      ...steady('2026-03-11', 1, 30, 0),
    ];
    const f = forecastCampaign({ ...example, spent: 1730, history });
    expect(f.pace).toEqual({ perDay: 200, days: 7 });
    // Today is projected as a whole day, so the spend before it is the base: 1,730 - 30 = 1,700, 1,300 left.
    expect(f.spentBeforeToday).toBe(1700);
    expect(f.remainingBudget).toBe(1300);
    // 1,300 / 200 = 6.5 days: March 11-16 spend 1,200, the last 100 go on March 17.
    expect(f.runsOutOn).toBe('2026-03-17');
    expect(f.daysBeforeEnd).toBe(13);
  });

  test('a day without a row inside the pace window counts as a day without spend', () => {
    // Rows for March 1-7 only (paused since): the window March 4-10 holds 4 x 140 over 7 days = 80 a day.
    const f = forecastCampaign({ ...example, spent: 980, history: steady('2026-03-01', 7, 140, 2) });
    expect(f.pace).toEqual({ perDay: 80, days: 7 });
  });

  test('the days before the start are not in the pace: 3 days in, the pace is over those 3', () => {
    const f = forecastCampaign({
      ...example,
      spent: 300,
      now: noon('2026-03-04'),
      history: steady('2026-03-01', 3, 100, 1),
    });
    expect(f.pace).toEqual({ perDay: 100, days: 3 });
    expect(f.days).toEqual({ total: 30, elapsed: 3, remaining: 27 });
    expect(f.pacing).toBe('on');
  });

  test('the result is the same for the same input: no clock and no unseeded randomness', () => {
    expect(forecastCampaign(example)).toEqual(forecastCampaign(example));
  });
});

describe('forecastCampaign: conversions to the end', () => {
  test('so far plus the remaining spend at the conversion rate so far, with a 90% interval', () => {
    const f = forecastCampaign(example);
    // 20 conversions on 1,400: 1/70 per unit spent. 1,600 to go at the recent pace: 1,600 / 70 = 22.857 more.
    expect(f.conversions.soFar).toBe(20);
    expect(f.conversions.perUnitSpend).toBeCloseTo(1 / 70, 12);
    expect(f.conversions.remainingSpend).toBe(1600);
    expect(f.conversions.expectedRemaining!.value).toBeCloseTo(1600 / 70, 9);
    expect(f.conversions.atEnd!.value).toBeCloseTo(20 + 1600 / 70, 9);
    // Every day converts at the same rate, so the interval is the Poisson noise of the days to come alone.
    const mu = 1600 / 70;
    expect(f.conversions.expectedRemaining!.low).toBeGreaterThanOrEqual(poissonQuantile(mu, 0.05) - 1);
    expect(f.conversions.expectedRemaining!.low).toBeLessThanOrEqual(poissonQuantile(mu, 0.05) + 1);
    expect(f.conversions.expectedRemaining!.high).toBeGreaterThanOrEqual(poissonQuantile(mu, 0.95) - 1);
    expect(f.conversions.expectedRemaining!.high).toBeLessThanOrEqual(poissonQuantile(mu, 0.95) + 1);
    expect(f.conversions.atEnd!.low).toBe(20 + f.conversions.expectedRemaining!.low);
    expect(f.conversions.atEnd!.high).toBe(20 + f.conversions.expectedRemaining!.high);
    expect(f.conversions.method).toMatch(/bootstrap/);
  });

  test('days that vary widen the interval around the same expected number', () => {
    // The same 20 conversions on the same 1,400, but 0 and 4 on alternate days rather than 2 every day.
    const bumpy = steady('2026-03-01', 10, 140, 0).map((d, i) => ({ ...d, conversions: i % 2 ? 4 : 0 }));
    const even = forecastCampaign(example).conversions.expectedRemaining!;
    const varied = forecastCampaign({ ...example, history: bumpy }).conversions.expectedRemaining!;
    expect(varied.value).toBeCloseTo(even.value, 9);
    expect(varied.high - varied.low).toBeGreaterThan(even.high - even.low);
  });

  test('the draws come from a seed: the same seed draws the same interval', () => {
    const bumpy = steady('2026-03-01', 10, 140, 0).map((d, i) => ({ ...d, conversions: i % 3 }));
    const a = forecastCampaign({ ...example, history: bumpy, options: { seed: 1 } }).conversions.expectedRemaining;
    const b = forecastCampaign({ ...example, history: bumpy, options: { seed: 1 } }).conversions.expectedRemaining;
    expect(a).toEqual(b);
  });
});

describe('forecastCampaign: edge cases', () => {
  test('not started: nothing elapsed, no pace, no pacing; the whole budget at the daily budget', () => {
    const f = forecastCampaign({ ...example, spent: 0, dailyBudget: 100, history: [], now: noon('2026-02-20') });
    expect(f.phase).toBe('not_started');
    expect(f.days).toEqual({ total: 30, elapsed: 0, remaining: 30 });
    expect(f.pace).toBeNull();
    expect(f.pacing).toBeNull();
    expect(f.projectedSpend).toEqual({ atDailyBudget: 3000, atRecentPace: null });
    expect(f.runsOutOn).toBeNull();
    expect(f.conversions).toMatchObject({ soFar: 0, expectedRemaining: null, atEnd: null, perUnitSpend: null });
    expect(f.notes.join(' ')).toMatch(/starts on 2026-03-01/);
    expect(budgetRunsOutBeforeEnd(f)).toBeNull();
  });

  test('ended: nothing left to project; pacing is the final spend against the budget', () => {
    const f = forecastCampaign({
      ...example,
      spent: 2100,
      dailyBudget: 0,
      history: steady('2026-03-01', 30, 70, 1),
      now: noon('2026-04-02'),
    });
    expect(f.phase).toBe('ended');
    expect(f.days).toEqual({ total: 30, elapsed: 30, remaining: 0 });
    expect(f.projectedSpend).toEqual({ atDailyBudget: 2100, atRecentPace: 2100 });
    expect(f.evenSpendToDate).toBe(3000);
    expect(f.pacing).toBe('under');
    expect(f.runsOutOn).toBeNull();
    expect(f.conversions.soFar).toBe(30);
    expect(f.conversions.expectedRemaining).toEqual({ value: 0, low: 0, high: 0 });
    expect(f.conversions.atEnd).toEqual({ value: 30, low: 30, high: 30 });
    expect(f.notes.join(' ')).toMatch(/ended on 2026-03-30/);
    expect(budgetRunsOutBeforeEnd(f)).toBeNull();
  });

  test('running with no history yet: no pace and no conversion rate, said so', () => {
    // 29 days left (March 2-30) at 110 a day would be 3,190: capped at the 3,000 left.
    const f = forecastCampaign({ ...example, spent: 0, history: [], now: noon('2026-03-02'), dailyBudget: 110 });
    expect(f.phase).toBe('running');
    expect(f.pace).toBeNull();
    expect(f.projectedSpend).toEqual({ atDailyBudget: 3000, atRecentPace: null });
    expect(f.conversions.expectedRemaining).toBeNull();
    expect(f.notes.join(' ')).toMatch(/no daily results yet/);
  });

  test('rows but nothing spent: a pace of 0, on which nothing more is spent and no rate is known', () => {
    const f = forecastCampaign({ ...example, spent: 0, history: steady('2026-03-01', 10, 0, 0) });
    expect(f.pace).toEqual({ perDay: 0, days: 7 });
    expect(f.projectedSpend.atRecentPace).toBe(0);
    expect(f.pacing).toBe('under');
    expect(f.runsOutOn).toBeNull();
    expect(f.conversions.perUnitSpend).toBeNull();
    expect(f.conversions.expectedRemaining).toBeNull();
    expect(f.notes.join(' ')).toMatch(/nothing spent yet/);
  });

  test('the budget already used up: it ran out on the day the spend reached it', () => {
    // 300 a day: 3,000 reached on March 10, the 10th day; 20 days before the end.
    const f = forecastCampaign({ ...example, spent: 3000, history: steady('2026-03-01', 10, 300, 3) });
    expect(f.remainingBudget).toBe(0);
    expect(f.projectedSpend).toEqual({ atDailyBudget: 3000, atRecentPace: 3000 });
    expect(f.runsOutOn).toBe('2026-03-10');
    expect(f.daysBeforeEnd).toBe(20);
    expect(f.conversions.expectedRemaining).toEqual({ value: 0, low: 0, high: 0 });
    // The guard already stops delivery at 100%: nothing to warn about ahead.
    expect(budgetRunsOutBeforeEnd(f)).toBeNull();
  });

  test('a budget that runs out on the last day lasts: no run-out day', () => {
    // 3 x 280 + 7 x 80 = 1,400; 1,600 left at 80 a day lasts exactly the 20 days left: the last 80 go on March 30.
    const history = [...steady('2026-03-01', 3, 280, 1), ...steady('2026-03-04', 7, 80, 1)];
    const f = forecastCampaign({ ...example, history });
    expect(f.pace).toEqual({ perDay: 80, days: 7 });
    expect(f.projectedSpend.atRecentPace).toBe(3000);
    expect(f.runsOutOn).toBeNull();
    expect(f.daysBeforeEnd).toBeNull();
    expect(budgetRunsOutBeforeEnd(f)).toBeNull();
    const faster = [...steady('2026-03-01', 3, 280, 1), ...steady('2026-03-04', 7, 85, 1)];
    const g = forecastCampaign({ ...example, spent: 840 + 7 * 85, history: faster });
    expect(g.remainingBudget).toBe(3000 - 840 - 595);
    // 1,565 / 85 = 18.41 days: March 11-28 spend 18 x 85 = 1,530, the last 35 go on March 29, a day before the end.
    expect(g.runsOutOn).toBe('2026-03-29');
    expect(g.daysBeforeEnd).toBe(1);
    expect(budgetRunsOutBeforeEnd(g)?.message).toBe(
      'at this pace the budget runs out on 2026-03-29, 1 day before the end',
    );
  });
});
