import { budgetSuggestions } from './budgetSuggestions';
import type { ChannelAllocation } from './channelMix';

const alloc = (
  name: string,
  amount: number,
  budget: number,
  extra: Partial<ChannelAllocation> = {},
): ChannelAllocation => ({
  name,
  amount,
  share: amount / budget,
  expectedConversions: amount / 50,
  marginalReturn: 0.01,
  atCap: false,
  curve: { maxConversions: 100, halfSaturation: 1000, shape: 1 },
  ...extra,
});

test('moves money from an over-funded channel to an under-funded one and names a new channel', () => {
  const actual = [
    { channel: 'paid_search', spend: 7000, conversions: 100, revenue: 14000 },
    { channel: 'paid_social', spend: 3000, conversions: 30, revenue: 2400 },
  ];
  const allocation = [
    alloc('paid_search', 3000, 10000, { atCap: true }),
    alloc('paid_social', 3000, 10000),
    alloc('email', 3000, 10000, { marginalReturn: 0.05 }),
    alloc('content', 1000, 10000),
  ];
  const s = budgetSuggestions(actual, allocation, 10000);
  expect(s.reallocation).toEqual([
    expect.objectContaining({
      channel: 'paid_search',
      currentAmount: 7000,
      suggestedAmount: 3000,
      change: -4000,
      direction: 'decrease',
    }),
    expect.objectContaining({
      channel: 'email',
      currentAmount: 0,
      suggestedAmount: 3000,
      change: 3000,
      direction: 'increase',
    }),
    expect.objectContaining({ channel: 'content', change: 1000 }),
  ]);
  // paid_social's 3000 matches: no advice to move it.
  expect(s.reallocation.find((r) => r.channel === 'paid_social')).toBeUndefined();
  expect(s.opportunities).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ kind: 'new_channel', channel: 'email' }),
      expect.objectContaining({ kind: 'saturated', channel: 'paid_search' }),
      expect.objectContaining({ kind: 'losing_money', channel: 'paid_social' }),
    ]),
  );
});

test('small moves are not advice', () => {
  const actual = [{ channel: 'a', spend: 1020, conversions: 10, revenue: 2000 }];
  const s = budgetSuggestions(actual, [alloc('a', 1000, 1000)], 1000);
  expect(s.reallocation).toEqual([]);
});

test('past spend is scaled to the budget being planned', () => {
  const actual = [
    { channel: 'a', spend: 100, conversions: 1, revenue: 200 },
    { channel: 'b', spend: 100, conversions: 1, revenue: 200 },
  ];
  const s = budgetSuggestions(actual, [alloc('a', 900, 1000), alloc('b', 100, 1000)], 1000);
  expect(s.reallocation.map((r) => [r.channel, r.currentAmount, r.suggestedAmount])).toEqual([
    ['a', 500, 900],
    ['b', 500, 100],
  ]);
});
