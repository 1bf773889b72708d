/**
 * The rules of a reallocation proposal: how much of the budget a new split moves, who has to agree to it, and the
 * words the chairman reads. Pure: the proposal workflow's activities and the API both ask it.
 */
import { addDays, dayOf, dayStartMs } from './campaignBudget';
import type { Estimate } from './responseCurves';

const DAY_MS = 86_400_000;

/** Who lets a proposal go ahead. */
export type ProposalGate = 'chairman' | 'apply' | 'recommend';

/** Proposals moving less than this percentage of the daily budget are not made: nothing worth changing. */
export const MIN_MOVED_PCT = 1;

/**
 * Percentage of the daily budget a new split moves from one platform to another: half the sum of the share
 * changes (what one platform gains another loses), so moving everything from A to B is 100.
 */
export function movedPct(current: Record<string, number>, proposed: Record<string, number>): number {
  const names = new Set([...Object.keys(current), ...Object.keys(proposed)]);
  let sum = 0;
  for (const n of names) sum += Math.abs((proposed[n] ?? 0) - (current[n] ?? 0));
  return Math.round(sum * 50 * 100) / 100;
}

/**
 * Who lets a proposal go ahead: the chairman when it moves more than `approvalPct` of the budget and nobody with
 * his role asked for it; otherwise it applies at once when a person chose it or the venture lets small proposals
 * apply on their own, and is left to the marketer as a recommendation when it does not.
 */
export function proposalGate(p: {
  movedPct: number;
  approvalPct: number;
  source: 'fitted' | 'chosen';
  autoApply: boolean;
  byChairman?: boolean;
}): ProposalGate {
  if (p.movedPct > p.approvalPct && !p.byChairman) return 'chairman';
  if (p.source === 'chosen' || p.autoApply) return 'apply';
  return 'recommend';
}

const pct = (share: number) => `${Math.round(share * 1000) / 10}%`;
const signed = (n: number) => `${n >= 0 ? '+' : '−'}${Math.abs(Math.round(n * 10) / 10)}`;

/** "google 50% → 30%, meta 50% → 70%" in the order of the current split. */
export function describeSplit(current: Record<string, number>, proposed: Record<string, number>): string {
  return Object.keys(current)
    .map((n) => `${n} ${pct(current[n] ?? 0)} → ${pct(proposed[n] ?? 0)}`)
    .join(', ');
}

/** "+12.3 conversions a day (90% interval +4.1 to +19.8)", or undefined without an estimate. */
export function describeGain(gain: Estimate | null | undefined): string | undefined {
  if (!gain) return undefined;
  return `${signed(gain.value)} conversions a day (90% interval ${signed(gain.low)} to ${signed(gain.high)})`;
}

/** The title and summary the chairman reads in the approval email and the dashboard. */
export function proposalWording(p: {
  campaignName: string;
  movedPct: number;
  approvalPct: number;
  current: Record<string, number>;
  proposed: Record<string, number>;
  dailyBudget: number;
  currency: string;
  gain: Estimate | null;
  fitNote?: string;
  requestedBy: string;
}): { title: string; summary: string } {
  const gain = describeGain(p.gain);
  const who = p.requestedBy === 'system' ? 'The weekly reallocation' : p.requestedBy;
  return {
    title: `Reallocation of ${p.campaignName}: move ${p.movedPct}% of ${p.dailyBudget.toFixed(2)} ${p.currency} a day`,
    summary:
      `${who} proposes ${describeSplit(p.current, p.proposed)}. ` +
      (gain ? `Expected ${gain}. ` : 'No expected gain: the curves could not be fitted. ') +
      (p.fitNote ? `${p.fitNote} ` : '') +
      `It moves more than the ${p.approvalPct}% that applies without the chairman.`,
  };
}

/** The days a proposal is measured over: the window's whole days after the day it was applied, within the campaign. */
export function measuringDays(
  appliedAt: Date,
  windowDays: number,
  endDate: string | null,
): { from: string; to: string } {
  const from = addDays(dayOf(appliedAt.getTime()), 1);
  const last = addDays(from, windowDays - 1);
  return { from, to: endDate && endDate < last ? endDate : last };
}

/** When the measuring can run: the day after the window's last day, once that day's metrics are in. */
export function measureAt(appliedAtMs: number, windowDays: number): number {
  return dayStartMs(dayOf(appliedAtMs)) + (windowDays + 2) * DAY_MS;
}
