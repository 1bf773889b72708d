/** A wall-clock reading in some timezone; month is 1-12. */
export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** A quiet-hours window as local times of day, HH:MM; start > end means it crosses midnight. */
export interface QuietHours {
  start: string;
  end: string;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

// Hand-written on the runtime's own Intl time-zone data, not luxon: luxon moves a skipped wall time forward by the
// gap's length (02:30 becomes 03:30, where the rule here is the jump at 03:00) and cannot list both instants of a
// repeated one, so the search below would stay; and workflow code still calls this on runs that predate the local
// activities, where any change of result needs a patched() branch.
// Building a DateTimeFormat is far slower than using one, and a contact's timezone is asked about on every send.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `tz` is an IANA timezone name this runtime knows, e.g. Europe/Berlin or UTC. */
export function isValidTimeZone(tz: string): boolean {
  if (typeof tz !== 'string' || tz.length === 0) return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock date and time at `instant` (ms since the epoch) in timezone `tz`. */
export function localDateTime(instant: number, tz: string): LocalDateTime {
  const out: LocalDateTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter(tz).formatToParts(new Date(instant))) {
    if (part.type in out) out[part.type as keyof LocalDateTime] = Number(part.value);
  }
  // Some engines still say 24 for midnight despite h23.
  if (out.hour === 24) out.hour = 0;
  return out;
}

/** The UTC offset in ms (local minus UTC) in force at `instant` in `tz`. */
export function utcOffset(instant: number, tz: string): number {
  const l = localDateTime(instant, tz);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  return asUtc - (instant - mod(instant, 1000));
}

/**
 * The instant at which the clocks in `tz` show the given wall time. When that wall time happens twice (fall-back),
 * the first; when it never happens (spring-forward gap), the first valid instant after it, which is the moment
 * of the transition.
 */
export function zonedTimeToInstant(local: WallTime, tz: string): number {
  return wallTimeInstants(local, tz)[0] as number;
}

/** A wall time to look up; seconds default to 0. */
export type WallTime = Pick<LocalDateTime, 'year' | 'month' | 'day' | 'hour' | 'minute'> & { second?: number };

// Every instant showing the wall time, ascending: one, two in a fall-back overlap, or the jump instant in a gap.
function wallTimeInstants(local: WallTime, tz: string): number[] {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second ?? 0);
  // A wall time is at most a day away from its instant, and transitions are far more than two days apart,
  // so the offsets a day either side are the only two that can apply.
  const before = utcOffset(wall - DAY_MS, tz);
  const after = utcOffset(wall + DAY_MS, tz);
  const candidates = [...new Set([wall - before, wall - after])]
    .filter((t) => utcOffset(t, tz) === wall - t)
    .sort((a, b) => a - b);
  if (candidates.length > 0) return candidates;
  // In the gap: find the first instant that already runs on the new offset.
  let lo = wall - after; // still on the old offset
  let hi = wall - before; // already on the new one
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (utcOffset(mid, tz) === after) hi = mid;
    else lo = mid;
  }
  return [hi];
}

/**
 * The next instant strictly after `now` at which the local time in `tz` is `hhmm` (HH:MM). A time that the
 * clocks skip that day moves to the moment they jump; a time that happens twice counts once, at its first
 * occurrence, so a daily wait never fires twice on the night the clocks go back.
 */
export function nextLocalTime(now: number, hhmm: string, tz: string): number {
  const found = nextWallTime(now, hhmm, tz, false);
  if (found === undefined) throw new Error(`no ${hhmm} in ${tz} within three days of ${new Date(now).toISOString()}`);
  return found;
}

function nextWallTime(now: number, hhmm: string, tz: string, everyOccurrence: boolean): number | undefined {
  const { hour, minute } = parseTimeOfDay(hhmm);
  const today = localDateTime(now, tz);
  for (let offset = 0; offset < 4; offset++) {
    // Date.UTC normalises day overflow, so this walks calendar days whatever the month length.
    const d = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    const instants = wallTimeInstants(
      { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour, minute },
      tz,
    );
    for (const t of everyOccurrence ? instants : instants.slice(0, 1)) if (t > now) return t;
  }
  return undefined;
}

/**
 * When `now` falls inside the quiet hours in `tz`, the instant they end; otherwise undefined. The window
 * includes its start and excludes its end; start > end crosses midnight (21:00-08:00), and start = end is an
 * empty window.
 */
export function quietHoursEnd(now: number, quiet: QuietHours, tz: string): number | undefined {
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const l = localDateTime(now, tz);
  const t = l.hour * 60 + l.minute + l.second / 60 + mod(now, 1000) / MINUTE_MS;
  const inside = start < end ? t >= start && t < end : start > end ? t >= start || t < end : false;
  if (!inside) return undefined;
  // Quiet hours end whenever the clocks next show the end time, even the second time round on a fall-back night.
  const found = nextWallTime(now, quiet.end, tz, true);
  if (found === undefined)
    throw new Error(`no ${quiet.end} in ${tz} within three days of ${new Date(now).toISOString()}`);
  return found;
}

/** Hours and minutes of an HH:MM time of day; throws on anything else. */
export function parseTimeOfDay(hhmm: string): { hour: number; minute: number } {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new Error(`not a time of day (HH:MM): ${JSON.stringify(hhmm)}`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

function minutesOf(hhmm: string): number {
  const { hour, minute } = parseTimeOfDay(hhmm);
  return hour * 60 + minute;
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
