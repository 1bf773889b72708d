const DAY_MS = 86_400_000;

/** Midnight UTC of a YYYY-MM-DD day. Campaign days are UTC days, as the platforms' reports are asked for them. */
export function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

/** The UTC day of an instant, YYYY-MM-DD. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `day` moved by `n` days. */
export function addDays(day: string, n: number): string {
  return dayOf(dayStartMs(day) + n * DAY_MS);
}

/** What is left of a budget, spread evenly over the days left to the end date (today and the end date included). */
export function remainingDailyBudget(budget: number, spent: number, endDate: string, now: number): number {
  return Math.max(0, budget - spent) / Math.max(1, daysInclusive(dayOf(now), endDate));
}

/** Days from `from` to `to`, both included; 0 when `to` is before `from`. */
export function daysInclusive(from: string, to: string): number {
  return Math.max(0, Math.round((dayStartMs(to) - dayStartMs(from)) / DAY_MS) + 1);
}

/** Where a campaign's spend stands against its budget. */
export interface BudgetGuardInput {
  budget: number;
  spent: number;
  /** Percentage of the budget at which the chairman is warned, e.g. 80. */
  alertPct: number;
  /** The budget the warning was last sent for, so it goes once per budget (a raised budget re-arms it). */
  alertedForBudget: number | null;
}

export interface BudgetGuardResult {
  /** Spent as a percentage of the budget, one decimal. */
  percent: number;
  /** Send the warning now. */
  alert: boolean;
  /** The budget is used up: stop delivery everywhere. */
  exhausted: boolean;
}

/** The budget guard: warn once at the alert percentage, stop at 100%. */
export function budgetGuard(input: BudgetGuardInput): BudgetGuardResult {
  const percent = input.budget > 0 ? Math.floor((input.spent / input.budget) * 1000) / 10 : 100;
  const exhausted = input.spent >= input.budget;
  const alert = !exhausted && percent >= input.alertPct && input.alertedForBudget !== input.budget;
  return { percent, alert, exhausted };
}

/**
 * Daily budgets per platform that spend what is left evenly over the days left (today included), split by the
 * platforms' shares. Cents are rounded down so the platforms together never get more than what is left.
 */
export function dailyBudgets(input: {
  remaining: number;
  today: string;
  endDate: string;
  shares: Readonly<Record<string, number>>;
}): Record<string, number> {
  const days = Math.max(1, daysInclusive(input.today, input.endDate));
  const perDay = Math.max(0, input.remaining) / days;
  const totalShare = Object.values(input.shares).reduce((a, b) => a + b, 0) || 1;
  const out: Record<string, number> = {};
  for (const [name, share] of Object.entries(input.shares)) {
    out[name] = Math.floor(((perDay * share) / totalShare) * 100 + 1e-6) / 100;
  }
  return out;
}

/** Equal shares for a campaign's platforms. */
export function equalShares(platforms: readonly string[]): Record<string, number> {
  return Object.fromEntries(platforms.map((p) => [p, 1 / platforms.length]));
}

/**
 * Limits of the channel-mix optimiser for a campaign on `n` platforms. The optimiser's defaults (at most 30% per
 * channel, at least 3 channels funded) need four or more channels to be satisfiable, so with fewer platforms they
 * are relaxed: three platforms may take up to half each, two up to 70% each (neither starved below 30%), and a
 * single platform keeps everything (there is nothing to reallocate).
 */
export function channelMixLimits(n: number): { maxShare: number; minChannels: number } {
  if (n >= 4) return { maxShare: 0.3, minChannels: 3 };
  if (n === 3) return { maxShare: 0.5, minChannels: 3 };
  if (n === 2) return { maxShare: 0.7, minChannels: 2 };
  return { maxShare: 1, minChannels: 1 };
}
