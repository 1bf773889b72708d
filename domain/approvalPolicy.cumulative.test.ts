import { cumulativeBudgetChangeNeedsApproval } from './approvalPolicy';

const policy = { campaignBudgetThreshold: 5000, budgetIncreasePct: 20 };
const needs = (current: number, proposed: number, approved: number) =>
  cumulativeBudgetChangeNeedsApproval({ current, proposed, approved }, policy);

describe('cumulativeBudgetChangeNeedsApproval', () => {
  test('20% steps from an approved 12,000: the first passes, the second is 44% over what was approved', () => {
    expect(needs(12_000, 14_400, 12_000)).toEqual({
      required: false,
      reason: 'an increase of 20% is within the 20% that needs no approval',
    });
    expect(needs(14_400, 17_280, 12_000)).toEqual({
      required: true,
      reason: 'an increase of 44% over 12000, the last approved budget, is over the 20% that needs no approval',
    });
  });

  test('after a decrease, going back up to what was approved or 20% over it needs nobody', () => {
    expect(needs(8000, 12_000, 12_000)).toEqual({
      required: false,
      reason: 'the new budget 12000 is within 12000, the last approved budget',
    });
    expect(needs(8000, 14_400, 12_000).required).toBe(false);
    expect(needs(8000, 14_401, 12_000).required).toBe(true);
  });

  test('crossing the campaign threshold needs the chairman unless he approved a budget over it', () => {
    expect(needs(4500, 5400, 4500)).toEqual({
      required: true,
      reason: 'the new budget 5400 crosses the approval threshold of 5000',
    });
    expect(needs(6000, 7000, 6000).required).toBe(false);
  });

  test('a decrease never needs the chairman', () => {
    expect(needs(20_000, 100, 12_000)).toEqual({ required: false, reason: 'the budget does not increase' });
  });
});
