const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

// Same grammar as `isoDuration` in definition.ts; kept here as a plain regex so parsing needs no zod at run time.
// Not luxon's Duration.fromISO: it accepts years, months, fractions and signs this grammar refuses, so the regex
// would stay anyway, and the arithmetic left is one line; workflows import this, and would carry luxon for it.
const PATTERN = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * Milliseconds in an ISO-8601 duration such as PT24H, P7D, P1W or P1DT12H30M. A day is always 24 hours:
 * waits are timers, not calendar arithmetic, so P1D across a DST change lasts 24 hours of real time
 * (use a `wait` with `until` for "tomorrow at 9:00 local"). Throws on anything else.
 */
export function parseDuration(iso: string): number {
  const m = PATTERN.exec(iso);
  if (!m || iso === 'P' || iso.endsWith('T')) throw new Error(`not an ISO-8601 duration: ${JSON.stringify(iso)}`);
  const [, w, d, h, min, s] = m;
  const ms = num(w) * WEEK + num(d) * DAY + num(h) * HOUR + num(min) * MINUTE + Math.round(Number(s ?? '0') * SECOND);
  if (!Number.isSafeInteger(ms)) throw new Error(`duration out of range: ${iso}`);
  return ms;
}

/** Whether `iso` is a duration parseDuration accepts. */
export function isDuration(iso: string): boolean {
  try {
    parseDuration(iso);
    return true;
  } catch {
    return false;
  }
}

function num(part: string | undefined): number {
  return part === undefined ? 0 : Number(part);
}
