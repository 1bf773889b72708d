import { z } from 'zod';
import type { DailyMetrics } from './types';

// Currencies whose smallest unit is the unit itself, as listed with offset 1 in Meta's Marketing API
// currency table (also the zero-decimal currencies of Google Ads and LinkedIn).
const ZERO_DECIMAL = new Set(['CLP', 'COP', 'CRC', 'HUF', 'ISK', 'IDR', 'JPY', 'KRW', 'PYG', 'TWD', 'VND']);

/** Minor units per unit of a currency: 100 for most, 1 for the zero-decimal ones. */
export function minorUnitsPerUnit(currency: string): number {
  return ZERO_DECIMAL.has(currency.toUpperCase()) ? 1 : 100;
}

/** An amount in currency units as an integer count of minor units (cents for USD). */
export function toMinorUnits(amount: number, currency: string): number {
  return Math.round(amount * minorUnitsPerUnit(currency));
}

/** An integer count of minor units back in currency units. */
export function fromMinorUnits(minor: number, currency: string): number {
  return minor / minorUnitsPerUnit(currency);
}

/** An amount as a decimal string with the currency's usual number of decimals ("12.50", "5000"). */
export function formatAmount(amount: number, currency: string): string {
  return amount.toFixed(minorUnitsPerUnit(currency) === 1 ? 0 : 2);
}

/** Rounds to cents, so sums of floats do not leak binary noise into reports. */
export function roundMoney(amount: number): number {
  return Math.round(amount * 100) / 100;
}

/** A JSON number or a numeric string (int64 and decimals travel as strings in these APIs) as a number. */
export const numeric = z
  .union([z.number(), z.string().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/, 'expected a numeric string')])
  .transform((v) => Number(v))
  .refine((v) => Number.isFinite(v), 'expected a finite number');

/** A zero row for each day, then each platform row added onto its day (several rows per day are summed). */
export function fillDays(days: string[], rows: DailyMetrics[]): DailyMetrics[] {
  const byDay = new Map<string, DailyMetrics>(
    days.map((date) => [date, { date, impressions: 0, clicks: 0, conversions: 0, spend: 0, revenue: 0 }]),
  );
  for (const row of rows) {
    const day = byDay.get(row.date);
    if (!day) continue; // platforms may pad a range; rows outside it are not ours to report
    day.impressions += row.impressions;
    day.clicks += row.clicks;
    day.conversions += row.conversions;
    day.spend += row.spend;
    day.revenue += row.revenue;
  }
  return days.map((date) => {
    const day = byDay.get(date)!;
    return { ...day, spend: roundMoney(day.spend), revenue: roundMoney(day.revenue) };
  });
}
