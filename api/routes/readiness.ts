import { z } from 'zod';
import { calculateMarketReadiness, suggestLaunchWindow, type MarketReadinessInput } from '../../domain/marketReadiness';
import {
  FLAT_SEASONALITY,
  marketReadinessInputSchema,
  readinessInputFromProfile,
  seasonalityFromProfile,
  seasonalitySchema,
} from '../../domain/readinessInput';
import { loadVenture } from '../../services/ventureContext';
import type { RouteDeps } from '../deps';
import { badRequest, notFound } from '../errors';
import { queryNumber } from '../queryNumber';
import { defineRoute, ok, r400, r404, type AnyRoute } from '../registry';

/** What the launch window's options mean, for the reference and for the query's error messages. */
const LEAD_TIME = 'weeks of preparation before a launch can start';
const HORIZON = 'how many months ahead to look for a window';
const WINDOW = 'the length of the launch window in months';

const launchOptions = {
  /** First day a launch may be planned from, YYYY-MM-DD; default today (UTC). */
  from: z.iso.date().optional(),
  leadTimeWeeks: z.number().finite().min(0).max(104).optional().describe(LEAD_TIME),
  horizonMonths: z.number().int().min(1).max(36).optional().describe(HORIZON),
  windowMonths: z.number().int().min(1).max(12).optional().describe(WINDOW),
};

const readinessBody = z
  .object({
    inputs: marketReadinessInputSchema,
    seasonality: seasonalitySchema.optional(),
    ...launchOptions,
  })
  .strict();

const ventureQuery = z
  .object({
    from: launchOptions.from,
    leadTimeWeeks: queryNumber('leadTimeWeeks', { what: LEAD_TIME, example: 8, min: 0, max: 104 }).optional(),
    horizonMonths: queryNumber('horizonMonths', { what: HORIZON, example: 12, int: true, min: 1, max: 36 }).optional(),
    windowMonths: queryNumber('windowMonths', { what: WINDOW, example: 3, int: true, min: 1, max: 12 }).optional(),
  })
  .strict();

/** A note-taking app with a waitlist, a few competitors and demand that peaks in the autumn. */
const readinessExample = {
  inputs: {
    searchVolumeTrend: 0.2,
    surveyedAwarenessPct: 55,
    competitorCount: 3,
    waitlistSize: 1200,
    waitlistTarget: 2000,
    avgBudgetUsd: 150,
    priceUsd: 100,
    techAdoptionPct: 90,
    regulatoryBurden: 'low',
  },
  seasonality: [70, 75, 85, 90, 80, 60, 55, 65, 100, 95, 85, 70],
  from: '2026-01-10',
  leadTimeWeeks: 8,
};

type LaunchOptions = { from?: string; leadTimeWeeks?: number; horizonMonths?: number; windowMonths?: number };

function assess(
  inputs: MarketReadinessInput,
  seasonality: readonly number[] | undefined,
  options: LaunchOptions,
  source: 'request' | 'profile',
) {
  const readiness = calculateMarketReadiness(inputs);
  const launchWindow = suggestLaunchWindow({
    readiness: readiness.overall,
    seasonality: seasonality ?? FLAT_SEASONALITY,
    from: options.from ?? new Date().toISOString().slice(0, 10),
    ...(options.leadTimeWeeks !== undefined ? { leadTimeWeeks: options.leadTimeWeeks } : {}),
    ...(options.horizonMonths !== undefined ? { horizonMonths: options.horizonMonths } : {}),
    ...(options.windowMonths !== undefined ? { windowMonths: options.windowMonths } : {}),
  });
  return { ...readiness, launchWindow, seasonality: seasonality ? source : 'flat' };
}

/** The venture's readiness inputs, or a 400 naming each profile field that is missing or invalid. */
function profileInputs(profile: Record<string, unknown>): MarketReadinessInput {
  const read = readinessInputFromProfile(profile);
  if (read.ok) return read.input;
  const missing = read.missing.map((m) => ({ path: `profile.readiness.${m}`, message: 'is required' }));
  const invalid = read.problems.map((p) => ({ path: `profile.readiness.${p.path}`, message: p.message }));
  throw badRequest(
    read.missing.length > 0
      ? `the venture's profile lacks readiness inputs: ${read.missing.join(', ')}`
      : "the venture's profile has invalid readiness inputs",
    [...missing, ...invalid],
  );
}

/** Market readiness and the launch window: from inputs in the request, or from a venture's profile. */
export function readinessRoutes({ db }: Pick<RouteDeps, 'db'>): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/readiness',
      summary: 'Market readiness and launch window of the inputs given',
      tag: 'Intelligence',
      access: 'any',
      body: readinessBody,
      responses: { ...ok('readiness'), ...r400 },
      example: { body: readinessExample },
      handler: ({ body }, _req, res) => {
        res.json({ inputs: body.inputs, ...assess(body.inputs, body.seasonality, body, 'request') });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/ventures/:id/readiness',
      summary: 'Market readiness from a venture’s profile',
      tag: 'Intelligence',
      access: 'any',
      query: ventureQuery,
      responses: { ...ok('readiness'), ...r400, ...r404 },
      handler: async ({ params, query }, _req, res) => {
        const venture = await loadVenture(db, params.id);
        if (!venture) throw notFound(`venture ${params.id}`);
        const inputs = profileInputs(venture.profile);
        const seasonality = seasonalityFromProfile(venture.profile);
        res.json({ ventureId: params.id, inputs, ...assess(inputs, seasonality, query, 'profile') });
      },
    }),
  ];
}
