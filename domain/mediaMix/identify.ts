/**
 * What a media-mix fit needs from its data before it can tell channels apart, and the refusal when the data fall
 * short. Every refusal names the field (`days.3.date`, `spend.social`) and says what to change.
 */
import type { ChannelResponse } from '../responseCurves';
import type { MediaMixDay } from './model';

/** Why a fit was refused. */
export type MediaMixRefusal =
  'invalid' | 'too-few-days' | 'constant-conversions' | 'constant-spend' | 'rarely-spent' | 'collinear' | 'too-large';

/** One thing wrong with the data, at a path in the request's terms. */
export interface MediaMixProblem {
  path: string;
  message: string;
}

/** The data cannot be fitted as they are: `problems` says where and why, `channels` which channels are concerned. */
export class MediaMixDataError extends Error {
  constructor(
    readonly reason: MediaMixRefusal,
    message: string,
    readonly problems: MediaMixProblem[],
    readonly channels: readonly string[] = [],
  ) {
    super(message);
    this.name = 'MediaMixDataError';
  }
}

/** Days of data asked for each parameter estimated. */
export const DAYS_PER_PARAMETER = 8;
/** Most days and channels one fit takes. */
export const MAX_DAYS = 3650;
export const MAX_CHANNELS = 20;
/** Below this coefficient of variation a channel's spend is taken as constant: its effect is the baseline's twin. */
export const MIN_SPEND_VARIATION = 0.05;
/** A channel must spend on at least this share of days, and on at least MIN_ACTIVE_DAYS days. */
export const MIN_ACTIVE_SHARE = 0.05;
export const MIN_ACTIVE_DAYS = 8;
/** Above this correlation two channels' daily spends cannot be told apart. */
export const MAX_SPEND_CORRELATION = 0.98;
/** Most problems listed at once. */
const MAX_PROBLEMS = 20;

/**
 * Most work one fit may take, in days × channels² × (draws + 20): the cost of a search step grows with the days and
 * the square of the channels, and the point fit and its holdout refit cost about 20 bootstrap draws. 10 million is
 * 5 to 10 seconds of one core: 730 days of 3 channels take any number of draws up to 500, 730 days of 10 channels up
 * to 116 draws, 20 channels at most 1,250 days with no draws.
 */
export const MAX_FIT_WORK = 10_000_000;

/** The work of a fit, in the units of {@link MAX_FIT_WORK}. */
export function fitWork(days: number, channels: number, draws: number): number {
  return days * channels * channels * (draws + 20);
}

/** Days needed to fit this many channels: 8 for each parameter, a baseline and four per channel. */
export function minimumDays(channels: number): number {
  return DAYS_PER_PARAMETER * (1 + 4 * channels);
}

const DAY_MS = 86_400_000;
const dayNumber = (date: string): number | undefined => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const ms = Date.parse(`${date}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === date ? ms / DAY_MS : undefined;
};
const dateOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const isAmount = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;

/**
 * Problems with the days' dates (ISO, oldest first, consecutive, each once) and numbers (finite, not negative).
 * At most 20 are listed. Used by the fit and by the request schema, so both say the same.
 */
export function dayProblems(days: readonly MediaMixDay[]): MediaMixProblem[] {
  const problems: MediaMixProblem[] = [];
  let previous: number | undefined;
  days.forEach((d, i) => {
    const day = dayNumber(d.date);
    if (day === undefined) {
      problems.push({ path: `days.${i}.date`, message: 'must be a date written YYYY-MM-DD' });
    } else if (previous !== undefined) {
      const at = `days.${i}.date`;
      const prev = dateOf(previous);
      if (day === previous) problems.push({ path: at, message: `${d.date} appears twice: give each day once` });
      else if (day < previous) {
        problems.push({ path: at, message: `${d.date} comes after ${prev}: days must be oldest first` });
      } else if (day > previous + 1) {
        const gap = day - previous - 1;
        const missing =
          gap === 1
            ? `${dateOf(previous + 1)} is missing`
            : `${dateOf(previous + 1)} to ${dateOf(day - 1)} are missing`;
        problems.push({ path: at, message: `${d.date} follows ${prev}: ${missing} (days must be consecutive)` });
      }
    }
    if (day !== undefined) previous = day;
    for (const [name, amount] of Object.entries(d.spend)) {
      if (!isAmount(amount)) problems.push({ path: `days.${i}.spend.${name}`, message: 'must be a number, 0 or more' });
    }
    if (!isAmount(d.conversions))
      problems.push({ path: `days.${i}.conversions`, message: 'must be a number, 0 or more' });
  });
  return problems.slice(0, MAX_PROBLEMS);
}

/** Every channel any day spends on, in the order they first appear. */
export function channelsOf(days: readonly MediaMixDay[]): string[] {
  const seen = new Set<string>();
  for (const d of days) for (const name of Object.keys(d.spend)) seen.add(name);
  return [...seen];
}

/** Problems with priors: a channel no day spends on, or a value out of its range. */
function priorProblems(
  priors: Readonly<Record<string, Partial<ChannelResponse>>>,
  channels: string[],
): MediaMixProblem[] {
  const problems: MediaMixProblem[] = [];
  for (const [name, p] of Object.entries(priors)) {
    if (!channels.includes(name)) {
      problems.push({
        path: `channels.${name}`,
        message: `no day spends on ${name}; the channels are ${channels.join(', ')}`,
      });
      continue;
    }
    const check = (key: keyof ChannelResponse, ok: (v: number) => boolean, range: string) => {
      const v = p[key];
      if (v !== undefined && !(Number.isFinite(v) && ok(v))) {
        problems.push({ path: `channels.${name}.${key}`, message: `must be ${range}` });
      }
    };
    check('decay', (v) => v >= 0 && v < 1, 'at least 0 and less than 1');
    check('halfSaturation', (v) => v > 0, 'more than 0');
    check('shape', (v) => v >= 0.5 && v <= 5, 'between 0.5 and 5');
    check('maxEffect', (v) => v > 0, 'more than 0');
  }
  return problems;
}

/** Pearson correlation of two equally long series; 0 when either never varies. */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let t = 0; t < n; t++) {
    ma += a[t]!;
    mb += b[t]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let t = 0; t < n; t++) {
    sab += (a[t]! - ma) * (b[t]! - mb);
    saa += (a[t]! - ma) ** 2;
    sbb += (b[t]! - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** The data as columns: one spend series per channel (a day that leaves a channel out spent 0 on it). */
export interface MediaMixColumns {
  channels: string[];
  dates: string[];
  spend: Float64Array[];
  conversions: Float64Array;
}

/**
 * Checks that the data can be fitted and returns them as columns; throws MediaMixDataError otherwise. Refused, in
 * this order: malformed days or priors; fewer than {@link minimumDays} days; the same conversions every day; a
 * channel spending on fewer than 5% of
 * days (or 8 days); a channel whose spend varies by under 5% (coefficient of variation); two channels whose daily
 * spends correlate above 0.98.
 */
export function identifyMediaMix(
  days: readonly MediaMixDay[],
  priors: Readonly<Record<string, Partial<ChannelResponse>>> = {},
): MediaMixColumns {
  const malformed = dayProblems(days);
  if (malformed.length > 0) throw new MediaMixDataError('invalid', 'some days are not valid', malformed);
  const channels = channelsOf(days);
  if (channels.length === 0) {
    throw new MediaMixDataError('invalid', 'no day spends on any channel', [
      { path: 'days', message: 'no day spends on any channel' },
    ]);
  }
  if (channels.length > MAX_CHANNELS) {
    const message = `${channels.length} channels; at most ${MAX_CHANNELS} can be fitted together`;
    throw new MediaMixDataError('invalid', message, [{ path: 'days', message }]);
  }
  const badPriors = priorProblems(priors, channels);
  if (badPriors.length > 0) throw new MediaMixDataError('invalid', 'some priors are not valid', badPriors);

  const needed = minimumDays(channels.length);
  if (days.length < needed) {
    const message =
      `only ${days.length} days of data; at least ${needed} are needed for ${channels.length} ` +
      `channel${channels.length === 1 ? '' : 's'} (${DAYS_PER_PARAMETER} days for each parameter: a baseline and 4 per channel)`;
    throw new MediaMixDataError('too-few-days', message, [{ path: 'days', message }]);
  }

  const n = days.length;
  const spend = channels.map((name) =>
    Float64Array.from(days, (d) => (Object.hasOwn(d.spend, name) ? d.spend[name]! : 0)),
  );
  const conversions = Float64Array.from(days, (d) => d.conversions);

  if (conversions.every((y) => y === conversions[0])) {
    const message = `conversions were ${conversions[0]} on every day: there is nothing for spend to explain`;
    throw new MediaMixDataError('constant-conversions', message, [{ path: 'days', message }]);
  }

  const rare: MediaMixProblem[] = [];
  const flat: MediaMixProblem[] = [];
  channels.forEach((name, c) => {
    const s = spend[c]!;
    const active = s.filter((x) => x > 0).length;
    const minActive = Math.max(MIN_ACTIVE_DAYS, Math.ceil(MIN_ACTIVE_SHARE * n));
    if (active < minActive) {
      rare.push({
        path: `spend.${name}`,
        message: `${name} spent on only ${active} of ${n} days; at least ${minActive} are needed to see its effect`,
      });
      return;
    }
    const mean = s.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    if (sd / mean < MIN_SPEND_VARIATION) {
      flat.push({
        path: `spend.${name}`,
        message: `${name} spent the same every day (it varies by under ${MIN_SPEND_VARIATION * 100}%): its effect cannot be told from the baseline`,
      });
    }
  });
  const refuse = (reason: MediaMixRefusal, problems: MediaMixProblem[]) => {
    const named = problems.map((p) => p.path.slice('spend.'.length));
    throw new MediaMixDataError(reason, problems.map((p) => p.message).join('; '), problems, named);
  };
  if (rare.length > 0) refuse('rarely-spent', rare);
  if (flat.length > 0) refuse('constant-spend', flat);

  const partners = new Map<string, string[]>();
  for (let a = 0; a < channels.length; a++) {
    for (let b = a + 1; b < channels.length; b++) {
      const r = correlation(spend[a]!, spend[b]!);
      if (r > MAX_SPEND_CORRELATION) {
        const [x, y] = [channels[a]!, channels[b]!];
        partners.set(x, [...(partners.get(x) ?? []), `${y} (correlation ${r.toFixed(3)})`]);
        partners.set(y, [...(partners.get(y) ?? []), `${x} (correlation ${r.toFixed(3)})`]);
      }
    }
  }
  if (partners.size > 0) {
    const problems = channels
      .filter((c) => partners.has(c))
      .map((c) => ({
        path: `spend.${c}`,
        message: `${c}'s daily spend moves with ${partners.get(c)!.join(', ')}: the fit cannot tell them apart; vary one without the other, or fit them as one channel`,
      }));
    refuse('collinear', problems);
  }
  return { channels, dates: days.map((d) => d.date), spend, conversions };
}
