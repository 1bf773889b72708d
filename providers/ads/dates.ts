import { AdPlatformError, type AdPlatformName, type DateRange } from './types';

const DAY_MS = 86_400_000;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Longest range fetchMetrics accepts: bounds the rows a typo in a year can ask for. */
export const MAX_RANGE_DAYS = 731;

/** Midnight UTC of a YYYY-MM-DD day, in epoch milliseconds; throws on anything that is not a real day. */
export function dayToEpochMs(day: string): number {
  const ms = ISO_DAY.test(day) ? Date.parse(`${day}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day) {
    throw new RangeError(`not a YYYY-MM-DD day: ${JSON.stringify(day)}`);
  }
  return ms;
}

/** The YYYY-MM-DD day (UTC) of an instant. */
export function epochMsToDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The day after (or `n` days after) a YYYY-MM-DD day. */
export function addDays(day: string, n: number): string {
  return epochMsToDay(dayToEpochMs(day) + n * DAY_MS);
}

/** Every day of an inclusive range, in order; a malformed or reversed range is a non-retryable error. */
export function daysOf(range: DateRange, platform: AdPlatformName): string[] {
  let from: number;
  let to: number;
  try {
    from = dayToEpochMs(range.from);
    to = dayToEpochMs(range.to);
  } catch (err) {
    throw new AdPlatformError(`invalid metrics range: ${(err as Error).message}`, { platform, retryable: false });
  }
  const count = (to - from) / DAY_MS + 1;
  if (count < 1 || count > MAX_RANGE_DAYS) {
    throw new AdPlatformError(`invalid metrics range ${range.from}..${range.to}: 1 to ${MAX_RANGE_DAYS} days`, {
      platform,
      retryable: false,
    });
  }
  return Array.from({ length: count }, (_, i) => epochMsToDay(from + i * DAY_MS));
}
