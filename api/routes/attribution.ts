import { z } from 'zod';
import {
  attribute,
  AttributionInputError,
  attributionModels,
  attributionRequestSchema,
  DEFAULT_HALF_LIFE_DAYS,
} from '../../domain/attribution';
import { ventureAttribution } from '../../services/ventureAttribution';
import { loadVenture } from '../../services/ventureContext';
import type { RouteDeps } from '../deps';
import { badRequest, notFound } from '../errors';
import { queryNumber } from '../queryNumber';
import { defineRoute, ok, r400, r404, type AnyRoute } from '../registry';

const ventureQuery = z
  .object({
    model: z.enum(attributionModels).default('position-based'),
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
    halfLifeDays: queryNumber('halfLifeDays', {
      what: 'days after which a touchpoint counts half as much (time-decay model)',
      example: 7,
      gt: 0,
      max: 3650,
    }).optional(),
    conversionEvents: z
      .string()
      .trim()
      .min(1)
      .transform((s) =>
        s
          .split(',')
          .map((e) => e.trim())
          .filter((e) => e !== ''),
      )
      .pipe(z.array(z.string().min(1).max(200)).min(1).max(50))
      .optional()
      .describe('comma-separated event names that count as conversions, replacing the defaults and sequence goals'),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

/** Three prospects: two converted after several touches, one did not. */
const attributionExample = {
  model: 'position-based',
  journeys: [
    {
      touchpoints: [
        { channel: 'paid_search', at: '2026-03-02T09:15:00Z' },
        { channel: 'email', at: '2026-03-05T17:40:00Z' },
        { channel: 'organic', at: '2026-03-09T11:05:00Z' },
      ],
      converted: true,
      value: 120,
    },
    { touchpoints: [{ channel: 'social' }, { channel: 'email' }], converted: true, value: 80 },
    { touchpoints: [{ channel: 'paid_search' }], converted: false },
  ],
  spend: { paid_search: 150, email: 20, social: 60 },
};

/** A model that cannot run on the input given (bad options, too many channels) is the client's to fix. */
function asBadRequest(err: unknown): never {
  if (err instanceof AttributionInputError) throw badRequest(err.message);
  throw err;
}

/** Multi-touch attribution: of journeys given in the request, and of a venture's stored events. */
export function attributionRoutes({ db }: Pick<RouteDeps, 'db'>): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/attribution',
      summary: 'Attribute conversions of the journeys given',
      tag: 'Intelligence',
      access: 'any',
      body: attributionRequestSchema,
      responses: { ...ok('credit per channel'), ...r400 },
      example: { body: attributionExample },
      handler: ({ body }, _req, res) => {
        try {
          res.json(attribute(body.journeys, body.model, body.options ?? {}, body.spend));
        } catch (err) {
          asBadRequest(err);
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/ventures/:id/attribution',
      summary: 'Attribution over a venture’s stored events',
      tag: 'Intelligence',
      access: 'any',
      query: ventureQuery,
      responses: { ...ok('credit per channel'), ...r400, ...r404 },
      handler: async ({ params, query }, _req, res) => {
        if (!(await loadVenture(db, params.id))) throw notFound(`venture ${params.id}`);
        try {
          res.json(
            await ventureAttribution(db, params.id, {
              model: query.model,
              ...(query.from ? { from: query.from } : {}),
              ...(query.to ? { to: query.to } : {}),
              ...(query.conversionEvents ? { conversionEvents: query.conversionEvents } : {}),
              modelOptions: { halfLifeDays: query.halfLifeDays ?? DEFAULT_HALF_LIFE_DAYS },
            }),
          );
        } catch (err) {
          asBadRequest(err);
        }
      },
    }),
  ];
}
