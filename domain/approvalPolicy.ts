/** When the chairman has to approve money going out; the thresholds come from configuration. */
export interface ApprovalThresholds {
  /** A campaign whose budget is over this needs the chairman. */
  campaignBudgetThreshold: number;
  /** A budget increase of more than this percentage of the current budget needs the chairman. */
  budgetIncreasePct: number;
}

/** Why a request needs (or does not need) the chairman, in words fit for an email or an API answer. */
export interface ApprovalDecision {
  required: boolean;
  reason: string;
}

/** Whether a new campaign with this budget needs the chairman before it may be scheduled. */
export function campaignNeedsApproval(budget: number, thresholds: ApprovalThresholds): ApprovalDecision {
  if (budget > thresholds.campaignBudgetThreshold) {
    return {
      required: true,
      reason: `budget ${budget} is over the approval threshold of ${thresholds.campaignBudgetThreshold}`,
    };
  }
  return {
    required: false,
    reason: `budget ${budget} is within the approval threshold of ${thresholds.campaignBudgetThreshold}`,
  };
}

/**
 * Whether changing a running campaign's budget from `current` to `proposed` needs the chairman: an increase of
 * more than the configured percentage does, and so does any increase that lifts the budget over the campaign
 * threshold (otherwise a campaign could start small and be raised past the threshold in unremarkable steps).
 * A decrease never does: spending less is always allowed.
 */
export function budgetChangeNeedsApproval(
  current: number,
  proposed: number,
  thresholds: ApprovalThresholds,
): ApprovalDecision {
  if (proposed <= current) return { required: false, reason: 'the budget does not increase' };
  const increasePct = current > 0 ? ((proposed - current) / current) * 100 : Infinity;
  if (increasePct > thresholds.budgetIncreasePct) {
    const shown = Number.isFinite(increasePct) ? `an increase of ${round1(increasePct)}%` : 'an increase from zero';
    return { required: true, reason: `${shown} is over the ${thresholds.budgetIncreasePct}% that needs no approval` };
  }
  if (proposed > thresholds.campaignBudgetThreshold && current <= thresholds.campaignBudgetThreshold) {
    return {
      required: true,
      reason: `the new budget ${proposed} crosses the approval threshold of ${thresholds.campaignBudgetThreshold}`,
    };
  }
  return {
    required: false,
    reason: `an increase of ${round1(increasePct)}% is within the ${thresholds.budgetIncreasePct}% that needs no approval`,
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
