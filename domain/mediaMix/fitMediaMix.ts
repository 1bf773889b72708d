/**
 * `fitMediaMix(days, options)`: the media-mix fit of daily spend per channel against daily conversions, with what
 * each channel contributed, its return and marginal return, bootstrap intervals on all of it, and the fit's quality
 * in sample and on held-out last days.
 */
import { hillConversions, hillMarginal } from '../hillCurve';
import { estimate, steadyStateCurve, type ChannelResponse, type Estimate } from '../responseCurves';
import { bootstrapDraws, DEFAULT_BLOCK_DAYS, type BootstrapDraw } from './bootstrap';
import { fitPoint, fitSetup } from './fit';
import {
  fitWork,
  identifyMediaMix,
  MAX_FIT_WORK,
  MediaMixDataError,
  minimumDays,
  type MediaMixColumns,
} from './identify';
import { channelEffects, predictConversions, total, type MediaMixDay } from './model';
import { fitQuality, type FitQuality } from './quality';

/** Bootstrap draws by default, and at most. */
export const DEFAULT_DRAWS = 100;
export const MAX_DRAWS = 500;
/** Share of the last days held out by default to score a refit on the days before them. */
export const DEFAULT_HOLDOUT_SHARE = 0.15;
/** Days over which the current daily spend (where the marginal return is read) is averaged. */
export const CURRENT_SPEND_DAYS = 28;

/** How to fit. Everything is optional: `fitMediaMix(days)` fits with 100 draws and a 15% holdout. */
export interface MediaMixOptions {
  /** Bootstrap refits behind the intervals, 0 to 500 (default 100); 0 gives point values as their own intervals. */
  draws?: number;
  /** Prior values per channel; the fit leans on them where the data say little. */
  priors?: Readonly<Record<string, Partial<ChannelResponse>>>;
  /** Money one conversion is worth: adds the returns in money (`roiValue`, `marginalRoiValue`). */
  conversionValue?: number;
  /** Last days held out to score a refit on the days before (default 15% of the days; 0 for none). */
  holdoutDays?: number;
  /** Seed of the bootstrap's resampling (default 1). */
  seed?: number;
  /** Days per bootstrap block (default 14). */
  blockDays?: number;
}

/** One channel of a fit. Estimates are the point value with the 90% interval of the bootstrap draws. */
export interface MediaMixChannel {
  name: string;
  response: ChannelResponse;
  intervals: Record<keyof ChannelResponse, Estimate>;
  /** Total spend over the days fitted. */
  spend: number;
  /** Conversions the channel brought over the days fitted: the sum of its daily effects. */
  contribution: Estimate;
  /** Contribution as a share of all fitted conversions, baseline included. */
  share: Estimate;
  /** Contribution as a share of the conversions all channels brought (baseline left out). */
  mediaShare: Estimate;
  /** Conversions per unit of spend: contribution / spend. */
  roi: Estimate;
  /** roi × conversionValue, when a conversion value was given. */
  roiValue?: Estimate;
  /** Extra daily conversions per extra unit of daily spend, on the steady-state curve at currentDailySpend. */
  marginalRoi: Estimate;
  marginalRoiValue?: Estimate;
  /** Mean daily spend of the last 28 days. */
  currentDailySpend: number;
  /** The bootstrap refits of this channel's response. */
  draws: ChannelResponse[];
}

/** Quality on held-out last days: a refit on the days before them predicts them. */
export interface HoldoutQuality extends FitQuality {
  days: number;
  /** Why no holdout score was computed, when one was asked for. */
  skipped?: string;
}

/** A media-mix fit. */
export interface MediaMixFit {
  days: number;
  from: string;
  to: string;
  channels: MediaMixChannel[];
  /** Conversions a day without any channel's effect. */
  baseline: Estimate;
  /** In-sample R² and MAPE (never null: days whose conversions never vary are refused), and the holdout's. */
  quality: { r2: number; mape: number; holdout: HoldoutQuality };
  /** The conversions of each day and the fit's prediction of them. */
  series: { date: string; conversions: number; predicted: number }[];
  /** How the fit was made, in words. */
  method: string;
}

function checkOptions(options: MediaMixOptions, days: number): void {
  const problems: { path: string; message: string }[] = [];
  const whole = (v: number | undefined, lo: number, hi: number) =>
    v === undefined || (Number.isInteger(v) && v >= lo && v <= hi);
  if (!whole(options.draws, 0, MAX_DRAWS))
    problems.push({ path: 'draws', message: `must be a whole number from 0 to ${MAX_DRAWS}` });
  if (!whole(options.holdoutDays, 0, Math.max(0, days - 1))) {
    problems.push({ path: 'holdoutDays', message: `must be a whole number from 0 to ${Math.max(0, days - 1)}` });
  }
  if (
    options.conversionValue !== undefined &&
    !(Number.isFinite(options.conversionValue) && options.conversionValue >= 0)
  ) {
    problems.push({ path: 'conversionValue', message: 'must be a number, 0 or more' });
  }
  if (!whole(options.blockDays, 1, 365))
    problems.push({ path: 'blockDays', message: 'must be a whole number from 1 to 365' });
  if (options.seed !== undefined && !Number.isInteger(options.seed))
    problems.push({ path: 'seed', message: 'must be a whole number' });
  if (problems.length > 0) throw new MediaMixDataError('invalid', 'some options are not valid', problems);
}

/** Refuses a fit whose work would hold the process too long, saying how many draws (or days) would fit. */
function checkWork(days: number, channels: number, draws: number): void {
  if (fitWork(days, channels, draws) <= MAX_FIT_WORK) return;
  const size = `${days} days of ${channels} channel${channels === 1 ? '' : 's'}`;
  const maxDraws = Math.floor(MAX_FIT_WORK / (days * channels * channels)) - 20;
  if (maxDraws >= 0) {
    const message = `${size} with ${draws} draws is more work than one fit may take: ask for at most ${maxDraws} draws`;
    throw new MediaMixDataError('too-large', message, [{ path: 'draws', message }]);
  }
  const maxDays = Math.floor(MAX_FIT_WORK / (20 * channels * channels));
  const message = `${size} is more work than one fit may take: at most ${maxDays} days of ${channels} channels, or fewer channels`;
  throw new MediaMixDataError('too-large', message, [{ path: 'days', message }]);
}

/** The priors in the order of the channels (a channel without one gets the default). */
const priorsOf = (data: MediaMixColumns, options: MediaMixOptions) =>
  data.channels.map((name) => (options.priors && Object.hasOwn(options.priors, name) ? options.priors[name]! : {}));

/** Refits on the days before the holdout and scores the prediction of the held-out days. */
function holdoutQuality(days: readonly MediaMixDay[], data: MediaMixColumns, options: MediaMixOptions): HoldoutQuality {
  const n = days.length;
  const held = options.holdoutDays ?? Math.round(DEFAULT_HOLDOUT_SHARE * n);
  if (held === 0) return { days: 0, r2: null, mape: null };
  const training = n - held;
  const skipped = (why: string): HoldoutQuality => ({ days: 0, r2: null, mape: null, skipped: why });
  if (training < minimumDays(data.channels.length)) {
    return skipped(
      `the ${training} days before the holdout are fewer than the ${minimumDays(data.channels.length)} a fit needs`,
    );
  }
  let train: MediaMixColumns;
  try {
    train = identifyMediaMix(days.slice(0, training), options.priors ?? {});
  } catch (err) {
    if (err instanceof MediaMixDataError)
      return skipped(`the days before the holdout cannot be fitted: ${err.message}`);
    throw err;
  }
  // A channel that only starts spending in the holdout has no column in the training fit: it predicts nothing there.
  const spendOf = (name: string) => data.spend[data.channels.indexOf(name)]!;
  const point = fitPoint(fitSetup(train.spend, train.conversions, priorsOf(train, options)));
  const predicted = predictConversions(train.channels.map(spendOf), point.baseline, point.responses);
  return { days: held, ...fitQuality(data.conversions.subarray(training), predicted.subarray(training)) };
}

/** Marginal daily conversions per unit of daily spend at x; from zero spend, the average slope of the first 1%. */
function marginal(r: ChannelResponse, x: number, meanSpend: number): number {
  const curve = steadyStateCurve(r);
  if (x > 0) return hillMarginal(curve, x);
  const step = 0.01 * meanSpend;
  return hillConversions(curve, step) / step;
}

interface Derived {
  baseline: number;
  contribution: number[];
  share: number[];
  mediaShare: number[];
  marginalRoi: number[];
}

/**
 * Fits daily conversions to daily spend per channel (see docs/media-mix.md). Throws MediaMixDataError, naming the
 * field, when the days or options are invalid or the data cannot identify the channels (too few days, a channel
 * that never varies or rarely spends, two channels that move together). Deterministic: the same input gives the
 * same output.
 */
export function fitMediaMix(days: readonly MediaMixDay[], options: MediaMixOptions = {}): MediaMixFit {
  const data = identifyMediaMix(days, options.priors ?? {});
  checkOptions(options, days.length);
  const n = days.length;
  const draws = options.draws ?? DEFAULT_DRAWS;
  checkWork(n, data.channels.length, draws);
  const setup = fitSetup(data.spend, data.conversions, priorsOf(data, options));
  const point = fitPoint(setup);
  const seed = options.seed ?? 1;
  const blockDays = options.blockDays ?? DEFAULT_BLOCK_DAYS;
  const sampled = draws > 0 ? bootstrapDraws(setup, point, { draws, seed, blockDays }) : [];
  const spendTotal = data.spend.map((s) => total(s));
  const current = data.spend.map(
    (s) => total(s.subarray(Math.max(0, n - CURRENT_SPEND_DAYS))) / Math.min(n, CURRENT_SPEND_DAYS),
  );

  const derive = (d: BootstrapDraw): Derived => {
    const contribution = d.responses.map((r, c) => total(channelEffects(data.spend[c]!, r)));
    const media = contribution.reduce((a, b) => a + b, 0);
    const all = d.baseline * n + media;
    return {
      baseline: d.baseline,
      contribution,
      share: contribution.map((x) => (all > 0 ? x / all : 0)),
      mediaShare: contribution.map((x) => (media > 0 ? x / media : 0)),
      marginalRoi: d.responses.map((r, c) => marginal(r, current[c]!, setup.meanSpend[c]!)),
    };
  };
  const at = derive(point);
  const around = sampled.map(derive);
  const value = options.conversionValue;

  const channels = data.channels.map((name, c): MediaMixChannel => {
    const response = point.responses[c]!;
    const responseDraws = sampled.map((d) => d.responses[c]!);
    const of = (pick: (x: Derived) => number, scale = 1) =>
      estimate(
        pick(at) * scale,
        around.map((x) => pick(x) * scale),
      );
    const param = (key: keyof ChannelResponse) =>
      estimate(
        response[key],
        responseDraws.map((r) => r[key]),
      );
    const roi = (x: Derived) => x.contribution[c]! / spendTotal[c]!;
    return {
      name,
      response,
      intervals: {
        decay: param('decay'),
        halfSaturation: param('halfSaturation'),
        shape: param('shape'),
        maxEffect: param('maxEffect'),
      },
      spend: spendTotal[c]!,
      contribution: of((x) => x.contribution[c]!),
      share: of((x) => x.share[c]!),
      mediaShare: of((x) => x.mediaShare[c]!),
      roi: of(roi),
      ...(value !== undefined ? { roiValue: of(roi, value) } : {}),
      marginalRoi: of((x) => x.marginalRoi[c]!),
      ...(value !== undefined ? { marginalRoiValue: of((x) => x.marginalRoi[c]!, value) } : {}),
      currentDailySpend: current[c]!,
      draws: responseDraws,
    };
  });

  const predicted = predictConversions(data.spend, point.baseline, point.responses);
  const inSample = fitQuality(data.conversions, predicted);
  return {
    days: n,
    from: data.dates[0]!,
    to: data.dates[n - 1]!,
    channels,
    baseline: estimate(
      point.baseline,
      sampled.map((d) => d.baseline),
    ),
    quality: { r2: inSample.r2 ?? 1, mape: inSample.mape ?? 0, holdout: holdoutQuality(days, data, options) },
    series: data.dates.map((date, t) => ({ date, conversions: data.conversions[t]!, predicted: predicted[t]! })),
    method: describeMethod(draws, blockDays, seed),
  };
}

function describeMethod(draws: number, blockDays: number, seed: number): string {
  const intervals =
    draws > 0
      ? `Intervals: 5th to 95th percentile of ${draws} refits on a moving-block bootstrap of the residuals ` +
        `(${blockDays}-day blocks, seed ${seed}), each warm-started from the point fit.`
      : 'No bootstrap draws: every interval is the point value.';
  return (
    'Per channel, geometric adstock (warm-started at the first week’s mean spend) into Hill saturation, plus a ' +
    'constant daily baseline. Penalised non-linear least squares by variable projection: baseline and maxEffects by ' +
    'non-negative least squares; decay, half-saturation and shape by Levenberg–Marquardt on logit/log scales from ' +
    '13 deterministic starts, with a weak Gaussian prior (decay 0.4, half-saturation at the mean daily spend ' +
    'in steady state, shape 1.5, unless priors were given). ' +
    intervals
  );
}
