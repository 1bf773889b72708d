import type { ChannelAllocation } from './channelMix';

/** What a channel did over the look-back period. */
export interface ChannelActual {
  channel: string;
  spend: number;
  conversions: number;
  revenue: number;
}

export interface ReallocationSuggestion {
  channel: string;
  currentAmount: number;
  suggestedAmount: number;
  /** suggested - current: positive to add money, negative to take it away. */
  change: number;
  direction: 'increase' | 'decrease';
  reason: string;
}

export interface Opportunity {
  kind: 'new_channel' | 'scale_up' | 'losing_money' | 'saturated';
  channel: string;
  message: string;
}

export interface BudgetSuggestions {
  budget: number;
  reallocation: ReallocationSuggestion[];
  opportunities: Opportunity[];
}

/** A move smaller than this share of the budget is noise, not advice. */
export const MIN_MOVE_SHARE = 0.05;

const round2 = (n: number) => Math.round(n * 100) / 100;
const pct = (n: number) => `${Math.round(n * 100)}%`;
const human = (channel: string) => channel.replace(/_/g, ' ');
const Human = (channel: string) => human(channel).replace(/^./, (c) => c.toUpperCase());

/**
 * Compares what each channel got over the period with the optimiser's allocation of the same budget and says what to
 * move: money from channels past their best return to channels with more room, new channels worth trying, channels
 * that return less than they cost. The budget is the period's actual spend, so the advice is a reshuffle, not more money.
 */
export function budgetSuggestions(
  actual: readonly ChannelActual[],
  allocation: readonly ChannelAllocation[],
  budget: number,
): BudgetSuggestions {
  const spent = actual.reduce((a, c) => a + c.spend, 0);
  const byName = new Map(actual.map((c) => [c.channel, c]));
  const reallocation: ReallocationSuggestion[] = [];
  const opportunities: Opportunity[] = [];
  const funded = allocation.filter((a) => a.amount > 0);
  const meanMarginal = funded.length > 0 ? funded.reduce((a, c) => a + c.marginalReturn, 0) / funded.length : 0;

  const names = [...new Set([...allocation.map((a) => a.name), ...actual.map((a) => a.channel)])];
  for (const name of names) {
    const planned = allocation.find((a) => a.name === name);
    const had = byName.get(name);
    // Scale the past spend to this budget, so shares compare even when the budget differs from what was spent.
    const current = spent > 0 && had ? round2((had.spend / spent) * budget) : 0;
    const suggested = round2(planned?.amount ?? 0);
    const change = round2(suggested - current);
    if (Math.abs(change) < MIN_MOVE_SHARE * budget) continue;
    const reason =
      change > 0
        ? current === 0
          ? `not used yet; the model expects ${planned ? Math.round(planned.expectedConversions) : 0} conversions from ${pct(planned?.share ?? 0)} of the budget`
          : `each extra unit here still brings ${(planned?.marginalReturn ?? 0).toPrecision(2)} conversions, more than elsewhere`
        : suggested === 0
          ? 'the same money converts better in other channels'
          : 'past the point of diminishing returns: the last units spent here bring little';
    reallocation.push({
      channel: name,
      currentAmount: current,
      suggestedAmount: suggested,
      change,
      direction: change > 0 ? 'increase' : 'decrease',
      reason,
    });
  }
  reallocation.sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || a.channel.localeCompare(b.channel));

  for (const a of funded) {
    const had = byName.get(a.name);
    if (!had || had.spend === 0) {
      opportunities.push({
        kind: 'new_channel',
        channel: a.name,
        message: `Try ${human(a.name)}: ${pct(a.share)} of the budget is expected to bring ${Math.round(a.expectedConversions)} conversions.`,
      });
    } else if (meanMarginal > 0 && a.marginalReturn > 1.5 * meanMarginal && !a.atCap) {
      opportunities.push({
        kind: 'scale_up',
        channel: a.name,
        message: `${Human(a.name)} has room to grow: its next unit of spend returns ${(a.marginalReturn / meanMarginal).toFixed(1)}× the average channel's.`,
      });
    } else if (a.atCap) {
      opportunities.push({
        kind: 'saturated',
        channel: a.name,
        message: `${Human(a.name)} is held at the ${pct(a.share)} cap per channel; more would concentrate risk in one channel.`,
      });
    }
  }
  for (const c of actual) {
    if (c.spend > 0 && c.revenue < c.spend) {
      opportunities.push({
        kind: 'losing_money',
        channel: c.channel,
        message: `${Human(c.channel)} returned ${(c.revenue / c.spend).toFixed(2)} for every 1 spent: review its targeting or move its budget.`,
      });
    }
  }
  return { budget: round2(budget), reallocation, opportunities };
}
