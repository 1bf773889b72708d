import { addDays, budgetGuard, channelMixLimits, dailyBudgets, daysInclusive, equalShares } from './campaignBudget';
import { canApply, refusal } from './campaignLifecycle';

describe('budgetGuard', () => {
  const base = { budget: 6000, alertPct: 80, alertedForBudget: null };

  test('below the alert percentage nothing happens', () => {
    expect(budgetGuard({ ...base, spent: 4799.99 })).toEqual({ percent: 79.9, alert: false, exhausted: false });
  });

  test('at 80% the chairman is warned, once per budget', () => {
    expect(budgetGuard({ ...base, spent: 4800 })).toEqual({ percent: 80, alert: true, exhausted: false });
    expect(budgetGuard({ ...base, spent: 5000, alertedForBudget: 6000 }).alert).toBe(false);
    // A raised budget re-arms the warning.
    expect(budgetGuard({ ...base, budget: 6200, spent: 5000, alertedForBudget: 6000 }).alert).toBe(true);
  });

  test('at 100% the budget is exhausted (and the pause email replaces the warning)', () => {
    expect(budgetGuard({ ...base, spent: 6000 })).toEqual({ percent: 100, alert: false, exhausted: true });
    expect(budgetGuard({ ...base, spent: 6100.5 }).percent).toBe(101.6);
  });
});

describe('dailyBudgets', () => {
  test('spreads what is left over the days left, by share, rounding cents down', () => {
    // 1000 left over 3 days (10th, 11th, 12th) = 333.33 a day; 2:1 between the platforms.
    expect(
      dailyBudgets({ remaining: 1000, today: '2026-03-10', endDate: '2026-03-12', shares: { google: 2, meta: 1 } }),
    ).toEqual({ google: 222.22, meta: 111.11 });
  });

  test('the last day gets everything left; nothing left is zero', () => {
    expect(dailyBudgets({ remaining: 50, today: '2026-03-12', endDate: '2026-03-12', shares: { a: 1 } })).toEqual({
      a: 50,
    });
    expect(dailyBudgets({ remaining: -5, today: '2026-03-01', endDate: '2026-03-12', shares: { a: 1 } })).toEqual({
      a: 0,
    });
  });

  test('equal shares', () => {
    expect(
      dailyBudgets({
        remaining: 7000,
        today: '2026-01-01',
        endDate: '2026-01-07',
        shares: equalShares(['google', 'meta']),
      }),
    ).toEqual({ google: 500, meta: 500 });
  });
});

test('days', () => {
  expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
  expect(daysInclusive('2026-01-01', '2026-01-07')).toBe(7);
  expect(daysInclusive('2026-01-07', '2026-01-01')).toBe(0);
});

test('channelMixLimits relaxes the optimiser defaults for fewer than four platforms', () => {
  expect(channelMixLimits(5)).toEqual({ maxShare: 0.3, minChannels: 3 });
  expect(channelMixLimits(4)).toEqual({ maxShare: 0.3, minChannels: 3 });
  expect(channelMixLimits(3)).toEqual({ maxShare: 0.5, minChannels: 3 });
  expect(channelMixLimits(2)).toEqual({ maxShare: 0.7, minChannels: 2 });
  expect(channelMixLimits(1)).toEqual({ maxShare: 1, minChannels: 1 });
  // Every relaxation is satisfiable: n channels at maxShare can hold the whole budget.
  for (const n of [1, 2, 3, 4, 5]) expect(n * channelMixLimits(n).maxShare).toBeGreaterThanOrEqual(1);
});

test('campaign actions are legal only in their states', () => {
  expect(canApply('pause', 'active')).toBe(true);
  expect(canApply('pause', 'paused')).toBe(false);
  expect(canApply('resume', 'paused')).toBe(true);
  expect(canApply('cancel', 'completed')).toBe(false);
  expect(canApply('adjustBudget', 'awaiting_approval')).toBe(false);
  expect(refusal('resume', 'active')).toBe('cannot resume a campaign that is active (only when paused)');
  expect(refusal('pause', 'active')).toBeUndefined();
});
