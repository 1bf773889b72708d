import type { Db } from '../db/knex';
import {
  fitMediaMix,
  MediaMixDataError,
  type MediaMixDay,
  type MediaMixFit,
  type MediaMixProblem,
} from '../domain/mediaMix';
import { ventureConversionRules } from './ventureAttribution';

/** Which days to read: the last `days` (default 365) up to the last day with campaign spend. */
export interface VentureMediaMixOptions {
  days?: number;
}

/** A venture's days for the media-mix fit, with where the conversions came from. */
export interface VentureMediaMixData {
  days: MediaMixDay[];
  /** `events`: the venture's conversion events; `platform`: the ad platforms' reported conversions (no events). */
  conversionsSource: 'events' | 'platform';
  /** The event names counted as conversions (see ventureConversionRules). */
  conversionEvents: string[];
}

/** The venture's history cannot be fitted: `missing` says what it lacks, in words. */
export class VentureMediaMixMissingData extends Error {
  constructor(
    readonly missing: string[],
    readonly problems: MediaMixProblem[] = missing.map((message) => ({ path: 'history', message })),
  ) {
    super(`the venture's history cannot be fitted: ${missing.join('; ')}`);
    this.name = 'VentureMediaMixMissingData';
  }
}

const DAY_MS = 86_400_000;
const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

/**
 * Daily spend per channel of a venture, from `campaign_performance` (daily rows only; the final report repeats
 * them). The channel is the row's own, else its campaign's (`gtm_campaigns.channel`), as the channel-mix and
 * attribution read it, so the three speak of the same channels. A row of another venture's campaign never counts.
 */
function spendRows(db: Db, ventureId: string, from?: string, to?: string) {
  const q = db('campaign_performance as p')
    .leftJoin('gtm_campaigns as c', 'c.campaign_id', 'p.campaign_id')
    .where((w) =>
      w.where('p.venture_id', ventureId).orWhere((o) => o.whereNull('p.venture_id').where('c.venture_id', ventureId)),
    )
    .where('p.is_final_report', false)
    .whereRaw('coalesce(p.channel, c.channel) IS NOT NULL')
    .whereRaw('coalesce(p.spend, 0) > 0');
  if (from) q.where('p.metric_date', '>=', from);
  if (to) q.where('p.metric_date', '<=', to);
  return q;
}

/** Conversion events of the venture's contacts per UTC day between two dates (inclusive). */
async function eventConversions(db: Db, ventureId: string, names: string[], from: string, to: string) {
  const rows: { date: string; n: string | number }[] = await db('events as e')
    .join('contacts as k', 'k.id', 'e.contact_id')
    .where('k.venture_id', ventureId)
    .whereIn('e.name', names)
    .where('e.occurred_at', '>=', `${from}T00:00:00Z`)
    .where('e.occurred_at', '<', `${addDays(to, 1)}T00:00:00Z`)
    .select(db.raw(`to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date`))
    .count({ n: '*' })
    .groupByRaw('1');
  return new Map(rows.map((r) => [r.date, Number(r.n)]));
}

/**
 * The venture's days as the media-mix fit reads them, with their sources: every day from the first with spend in
 * the window (the last `days` days up to the last day with spend) to that last day, spend per channel (every day
 * names every channel, 0 where it spent nothing; channels sorted by name) and conversions per day: the venture's conversion events (`conversion`,
 * `subscription_started`, `purchase` and revenue goals of its sequences) counted per UTC day, or, when there are
 * none in the window, the conversions the ad platforms reported. Empty when no spend is recorded.
 */
export async function ventureMediaMixData(
  db: Db,
  ventureId: string,
  opts: VentureMediaMixOptions = {},
): Promise<VentureMediaMixData> {
  const rules = await ventureConversionRules(db, ventureId);
  const conversionEvents = [...rules.keys()];
  const latest = (
    await spendRows(db, ventureId).select(db.raw(`to_char(max(p.metric_date), 'YYYY-MM-DD') AS to`)).first()
  )?.to as string | null | undefined;
  if (!latest) return { days: [], conversionsSource: 'events', conversionEvents };
  const windowFrom = addDays(latest, -((opts.days ?? 365) - 1));
  const rows: { channel: string; date: string; spend: string | number; conversions: string | number | null }[] =
    await spendRows(db, ventureId, windowFrom, latest)
      .select(db.raw('coalesce(p.channel, c.channel) AS channel'))
      .select(db.raw(`to_char(p.metric_date, 'YYYY-MM-DD') AS date`))
      .sum({ spend: 'p.spend', conversions: 'p.conversions' })
      .groupByRaw('1, 2')
      .orderByRaw('2, 1');
  const from = rows.reduce((min, r) => (r.date < min ? r.date : min), latest);
  const channels = [...new Set(rows.map((r) => r.channel))].sort();
  const byDate = new Map<string, MediaMixDay & { platform: number }>();
  for (let date = from; date <= latest; date = addDays(date, 1)) {
    byDate.set(date, { date, spend: Object.fromEntries(channels.map((c) => [c, 0])), conversions: 0, platform: 0 });
  }
  for (const r of rows) {
    const d = byDate.get(r.date)!;
    d.spend[r.channel]! += Number(r.spend);
    d.platform += Number(r.conversions ?? 0);
  }
  const events = await eventConversions(db, ventureId, conversionEvents, from, latest);
  const fromEvents = [...events.values()].some((n) => n > 0);
  const days = [...byDate.values()].map(({ platform, ...d }) => ({
    ...d,
    conversions: fromEvents ? (events.get(d.date) ?? 0) : platform,
  }));
  return { days, conversionsSource: fromEvents ? 'events' : 'platform', conversionEvents };
}

/** The venture's days for the media-mix fit (see {@link ventureMediaMixData}). */
export async function ventureMediaMixDays(
  db: Db,
  ventureId: string,
  opts: VentureMediaMixOptions = {},
): Promise<MediaMixDay[]> {
  return (await ventureMediaMixData(db, ventureId, opts)).days;
}

/**
 * Fits the venture's history. Throws VentureMediaMixMissingData, saying what is missing, when there is no spend,
 * too short a history, no conversions, or channels the data cannot tell apart; a request too large for one fit
 * throws the fit's own MediaMixDataError.
 */
export async function ventureMediaMix(
  db: Db,
  ventureId: string,
  opts: VentureMediaMixOptions & { draws?: number; conversionValue?: number },
): Promise<MediaMixFit & Omit<VentureMediaMixData, 'days'>> {
  const { days, ...sources } = await ventureMediaMixData(db, ventureId, opts);
  if (days.length === 0) throw new VentureMediaMixMissingData(['no campaign spend recorded']);
  try {
    const fit = fitMediaMix(days, {
      ...(opts.draws !== undefined ? { draws: opts.draws } : {}),
      ...(opts.conversionValue !== undefined ? { conversionValue: opts.conversionValue } : {}),
    });
    return { ...fit, ...sources };
  } catch (err) {
    if (!(err instanceof MediaMixDataError) || err.reason === 'too-large' || err.reason === 'invalid') throw err;
    if (err.reason === 'constant-conversions' && days.every((d) => d.conversions === 0)) {
      const events = sources.conversionEvents.join(', ');
      throw new VentureMediaMixMissingData(
        [`no conversions recorded: no conversion events (${events}) and no conversions reported by the ad platforms`],
        err.problems,
      );
    }
    throw new VentureMediaMixMissingData(
      err.problems.map((p) => p.message),
      err.problems,
    );
  }
}
