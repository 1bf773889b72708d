import { budgetChangeNeedsApproval, campaignNeedsApproval } from './approvalPolicy';

const policy = { campaignBudgetThreshold: 5000, budgetIncreasePct: 20 };

describe('campaignNeedsApproval', () => {
  test('a budget over the threshold needs the chairman', () => {
    expect(campaignNeedsApproval(5000.01, policy).required).toBe(true);
    expect(campaignNeedsApproval(12_000, policy)).toEqual({
      required: true,
      reason: 'budget 12000 is over the approval threshold of 5000',
    });
  });

  test('a budget at or under the threshold does not', () => {
    expect(campaignNeedsApproval(5000, policy).required).toBe(false);
    expect(campaignNeedsApproval(0, policy).required).toBe(false);
  });

  test('a threshold of zero sends every paid campaign to the chairman', () => {
    expect(campaignNeedsApproval(1, { ...policy, campaignBudgetThreshold: 0 }).required).toBe(true);
  });
});

describe('budgetChangeNeedsApproval', () => {
  test('an increase over the percentage needs the chairman', () => {
    // 1000 -> 1201 is +20.1%.
    expect(budgetChangeNeedsApproval(1000, 1201, policy)).toEqual({
      required: true,
      reason: 'an increase of 20.1% is over the 20% that needs no approval',
    });
    expect(budgetChangeNeedsApproval(6000, 9000, policy).required).toBe(true);
  });

  test('an increase of exactly the percentage does not', () => {
    expect(budgetChangeNeedsApproval(1000, 1200, policy)).toEqual({
      required: false,
      reason: 'an increase of 20% is within the 20% that needs no approval',
    });
  });

  test('a small increase that crosses the campaign threshold does', () => {
    // +10%, but from under 5000 to over it.
    expect(budgetChangeNeedsApproval(4800, 5280, policy)).toEqual({
      required: true,
      reason: 'the new budget 5280 crosses the approval threshold of 5000',
    });
    // Already over the threshold: only the percentage counts.
    expect(budgetChangeNeedsApproval(6000, 6600, policy).required).toBe(false);
  });

  test('a decrease or no change never does', () => {
    expect(budgetChangeNeedsApproval(9000, 100, policy).required).toBe(false);
    expect(budgetChangeNeedsApproval(9000, 9000, policy).required).toBe(false);
  });

  test('any increase from zero does', () => {
    expect(budgetChangeNeedsApproval(0, 10, policy)).toEqual({
      required: true,
      reason: 'an increase from zero is over the 20% that needs no approval',
    });
  });
});
