import { z } from 'zod';
import {
  channelEffects,
  channelsOf,
  dayProblems,
  fitMediaMix,
  MAX_CHANNELS,
  MAX_DAYS,
  MAX_DRAWS,
  MediaMixDataError,
} from '../../domain/mediaMix';
import { loadVenture } from '../../services/ventureContext';
import { ventureMediaMix, VentureMediaMixMissingData } from '../../services/ventureMediaMix';
import type { RouteDeps } from '../deps';
import { badRequest, notFound } from '../errors';
import { queryNumber } from '../queryNumber';
import { defineRoute, ok, r400, r404, type AnyRoute } from '../registry';

const CHANNEL_NAME = /^[\p{L}\p{N}][\p{L}\p{N} _.:/&+-]{0,49}$/u;
const CHANNEL_RULE =
  'a channel name is 1 to 50 letters, digits, spaces or _ . : / & + -, starting with a letter or digit';
const channelName = z.string().regex(CHANNEL_NAME, CHANNEL_RULE);

/**
 * An object keyed by channel name. zod's record drops a `__proto__` key without a word; the names are checked
 * here first, so such a key is refused by name instead of silently losing a channel.
 */
function byChannel<T extends z.ZodType>(value: T) {
  return z.preprocess(
    (input, ctx) => {
      if (input && typeof input === 'object' && !Array.isArray(input)) {
        for (const key of Object.keys(input)) {
          if (!CHANNEL_NAME.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: CHANNEL_RULE, input });
        }
      }
      return input;
    },
    z.record(channelName, value),
  );
}
const amount = z.number().min(0).max(1e12);

const day = z
  .object({
    date: z.iso.date({ error: 'must be a date written YYYY-MM-DD' }),
    spend: byChannel(amount).describe('spend per channel that day; a channel left out spent 0'),
    conversions: amount,
  })
  .strict();

const prior = z
  .object({
    decay: z.number().min(0).lt(1).optional(),
    halfSaturation: z.number().gt(0).max(1e12).optional(),
    shape: z.number().min(0.5).max(5).optional(),
    maxEffect: z.number().gt(0).max(1e12).optional(),
  })
  .strict();

/** The body of POST /v1/media-mix/fit: consecutive days, oldest first, with optional priors per channel. */
const fitBody = z
  .object({
    days: z.array(day).min(1).max(MAX_DAYS),
    channels: byChannel(prior).optional().describe('prior values per channel, leaned on where data are thin'),
    draws: z.number().int().min(0).max(MAX_DRAWS).optional().describe('bootstrap refits behind the intervals (100)'),
    conversionValue: z.number().min(0).max(1e9).optional().describe('money one conversion is worth'),
    holdoutDays: z.number().int().min(0).optional().describe('last days held out to score a refit (15% of the days)'),
  })
  .strict()
  .superRefine((body, ctx) => {
    // Numbers are the fields' own checks; the dates' order is checked across days here.
    for (const p of dayProblems(body.days).filter((x) => x.path.endsWith('.date'))) {
      ctx.addIssue({
        code: 'custom',
        path: p.path.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s)),
        message: p.message,
      });
    }
    const channels = channelsOf(body.days);
    if (channels.length > MAX_CHANNELS) {
      ctx.addIssue({ code: 'custom', path: ['days'], message: `${channels.length} channels; at most ${MAX_CHANNELS}` });
    }
    for (const name of Object.keys(body.channels ?? {})) {
      if (!channels.includes(name)) {
        const message = `no day spends on ${name}; the channels are ${channels.join(', ')}`;
        ctx.addIssue({ code: 'custom', path: ['channels', name], message });
      }
    }
    if (body.holdoutDays !== undefined && body.holdoutDays >= body.days.length) {
      const message = `must be less than the ${body.days.length} days given`;
      ctx.addIssue({ code: 'custom', path: ['holdoutDays'], message });
    }
  });

const estimate = z.object({ value: z.number(), low: z.number(), high: z.number() });
const response = z.object({ decay: z.number(), halfSaturation: z.number(), shape: z.number(), maxEffect: z.number() });
const quality = z.object({ r2: z.number().nullable(), mape: z.number().nullable() });

/** The answer of POST /v1/media-mix/fit. */
const fitResponse = z.object({
  days: z.number().int(),
  from: z.string(),
  to: z.string(),
  channels: z.array(
    z.object({
      name: z.string(),
      response,
      intervals: z.object({ decay: estimate, halfSaturation: estimate, shape: estimate, maxEffect: estimate }),
      spend: z.number(),
      contribution: estimate,
      share: estimate.describe('of all fitted conversions, baseline included'),
      mediaShare: estimate.describe('of the conversions the channels brought'),
      roi: estimate.describe('conversions per unit of spend'),
      roiValue: estimate.optional(),
      marginalRoi: estimate.describe('extra daily conversions per extra unit of daily spend, at currentDailySpend'),
      marginalRoiValue: estimate.optional(),
      currentDailySpend: z.number(),
      draws: z.array(response),
    }),
  ),
  baseline: estimate,
  quality: quality.extend({
    holdout: quality.extend({ days: z.number().int(), skipped: z.string().optional() }),
  }),
  series: z.array(z.object({ date: z.string(), conversions: z.number(), predicted: z.number() })),
  method: z.string(),
});

/** The answer of GET /v1/ventures/:id/media-mix: the fit, and where its data came from. */
const ventureResponse = fitResponse.extend({
  ventureId: z.string(),
  conversionsSource: z.enum(['events', 'platform']),
  conversionEvents: z.array(z.string()),
});

const ventureQuery = z
  .object({
    days: queryNumber('days', {
      what: 'days of history to fit, up to the last day with spend',
      example: 365,
      int: true,
      min: 1,
      max: MAX_DAYS,
    }).default(365),
    draws: queryNumber('draws', {
      what: 'bootstrap refits behind the intervals',
      example: 100,
      int: true,
      min: 0,
      max: MAX_DRAWS,
    }).default(100),
    conversionValue: queryNumber('conversionValue', {
      what: 'money one conversion is worth',
      example: 40,
      min: 0,
      max: 1e9,
    }).optional(),
  })
  .strict();

/**
 * Ninety days of two channels, worked out from a known truth: search drifts, social runs two weeks on and one off;
 * conversions are a baseline of 300 plus both channels' effects and a little noise.
 */
function fitExample() {
  const days = Array.from({ length: 90 }, (_, t) => ({
    date: new Date(Date.UTC(2026, 0, 5 + t)).toISOString().slice(0, 10),
    search: Math.round(1000 + 400 * Math.sin((2 * Math.PI * t) / 17) + 200 * Math.sin((2 * Math.PI * t) / 5)),
    social: Math.floor(t / 7) % 3 === 2 ? 0 : Math.round(800 + 150 * Math.sin((2 * Math.PI * t) / 11)),
  }));
  const search = channelEffects(
    days.map((d) => d.search),
    { decay: 0.3, halfSaturation: 1200, shape: 1.5, maxEffect: 250 },
  );
  const social = channelEffects(
    days.map((d) => d.social),
    { decay: 0.6, halfSaturation: 1600, shape: 2, maxEffect: 200 },
  );
  return {
    days: days.map((d, t) => ({
      date: d.date,
      spend: { search: d.search, social: d.social },
      conversions: Math.round((300 + search[t]! + social[t]! + 12 * Math.sin(1.7 * t)) * 10) / 10,
    })),
    channels: { social: { decay: 0.5 } },
    draws: 20,
    conversionValue: 40,
  };
}

/** The fit's refusals are the client's to fix: 400 listing what is wrong, by field. */
function asBadRequest(err: unknown): never {
  if (err instanceof MediaMixDataError) throw badRequest(err.message, err.problems);
  throw err;
}

/** Media-mix fits: of daily spend and conversions given in the request, and of a venture's own campaign history. */
export function mediaMixRoutes({ db }: Pick<RouteDeps, 'db'>): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/media-mix/fit',
      summary: 'Fit adstock and saturation curves per channel to daily spend and conversions',
      description:
        'Geometric adstock into Hill saturation per channel plus a constant baseline, fitted by penalised least ' +
        'squares, with bootstrap intervals; refuses data that cannot tell the channels apart (see docs/media-mix.md).',
      tag: 'Intelligence',
      access: 'any',
      body: fitBody,
      response: fitResponse,
      responses: { ...ok('the fit'), ...r400 },
      example: { body: fitExample() },
      handler: ({ body }, _req, res) => {
        try {
          res.json(
            fitMediaMix(body.days, {
              ...(body.channels ? { priors: body.channels } : {}),
              ...(body.draws !== undefined ? { draws: body.draws } : {}),
              ...(body.conversionValue !== undefined ? { conversionValue: body.conversionValue } : {}),
              ...(body.holdoutDays !== undefined ? { holdoutDays: body.holdoutDays } : {}),
            }),
          );
        } catch (err) {
          asBadRequest(err);
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/ventures/:id/media-mix',
      summary: 'Fit a venture’s channels from its campaign spend and conversions',
      description:
        'Daily spend per channel from campaign performance, conversions per day from the venture’s conversion ' +
        'events (or, without any, the platforms’ reported conversions). When the data cannot be fitted, 400 with ' +
        '`missing`: what the history lacks.',
      tag: 'Intelligence',
      access: 'any',
      query: ventureQuery,
      response: ventureResponse,
      responses: { ...ok('the fit'), ...r400, ...r404 },
      handler: async ({ params, query }, _req, res) => {
        if (!(await loadVenture(db, params.id))) throw notFound(`venture ${params.id}`);
        try {
          const result = await ventureMediaMix(db, params.id, {
            days: query.days,
            draws: query.draws,
            ...(query.conversionValue !== undefined ? { conversionValue: query.conversionValue } : {}),
          });
          res.json({ ventureId: params.id, ...result });
        } catch (err) {
          if (!(err instanceof VentureMediaMixMissingData)) throw err;
          res.status(400).json({ error: err.message, problems: err.problems, missing: err.missing });
        }
      },
    }),
  ];
}
