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
  return cumulativeBudgetChangeNeedsApproval({ current, proposed, approved: current }, thresholds);
}

/** A budget change with what it is measured against. */
export interface BudgetChange {
  /** The budget in force. */
  current: number;
  proposed: number;
  /**
   * The last budget the chairman approved; for a campaign the policy let start without the chairman, the budget it
   * started with.
   */
  approved: number;
}

/**
 * Whether a budget change needs the chairman, with increases measured against the last approved budget rather
 * than the current one: steps that each stay under the percentage add up, and once together they lift the budget
 * more than the percentage over what was approved, the chairman is asked (12,000 approved allows up to 14,400
 * without him, whatever the number of steps). Lifting the budget over the campaign threshold needs him too, unless
 * he already approved a budget over it. A decrease never does.
 */
export function cumulativeBudgetChangeNeedsApproval(
  change: BudgetChange,
  thresholds: ApprovalThresholds,
): ApprovalDecision {
  const { current, proposed, approved } = change;
  if (proposed <= current) return { required: false, reason: 'the budget does not increase' };
  if (proposed <= approved) {
    return { required: false, reason: `the new budget ${proposed} is within ${approved}, the last approved budget` };
  }
  const increasePct = approved > 0 ? ((proposed - approved) / approved) * 100 : Infinity;
  // Said the way the simple case always was when the budget in force is the approved one.
  const since = approved === current ? '' : ` over ${approved}, the last approved budget,`;
  if (increasePct > thresholds.budgetIncreasePct) {
    const shown = Number.isFinite(increasePct)
      ? `an increase of ${round1(increasePct)}%${since}`
      : 'an increase from zero';
    return { required: true, reason: `${shown} is over the ${thresholds.budgetIncreasePct}% that needs no approval` };
  }
  if (proposed > thresholds.campaignBudgetThreshold && approved <= thresholds.campaignBudgetThreshold) {
    return {
      required: true,
      reason: `the new budget ${proposed} crosses the approval threshold of ${thresholds.campaignBudgetThreshold}`,
    };
  }
  return {
    required: false,
    reason: `an increase of ${round1(increasePct)}%${since} is within the ${thresholds.budgetIncreasePct}% that needs no approval`,
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
