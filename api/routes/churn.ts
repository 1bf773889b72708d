import { z } from 'zod';
import { EVENT_FEATURES } from '../../domain/churnFeatures';
import { churnModelCard, ventureChurnPage } from '../../services/churnRisk';
import { decodeCursor, encodeCursor } from '../../services/timeline';
import { loadVenture } from '../../services/ventureContext';
import type { RouteDeps } from '../deps';
import { badRequest, notFound } from '../errors';
import { queryNumber } from '../queryNumber';
import { defineRoute, ok, r400, r404, type AnyRoute } from '../registry';

const atRiskFields = {
  limit: queryNumber('limit', {
    what: 'how many contacts a page holds',
    example: 50,
    int: true,
    min: 1,
    max: 200,
  }).default(50),
  minScore: queryNumber('minScore', {
    what: 'the lowest latest score listed, from 0 to 1',
    example: 0.5,
    min: 0,
    max: 1,
  }).default(0.5),
  cursor: z.string().max(400).optional(),
};

// Unknown parameters are refused by name (a strict object would report them without a field).
const atRiskQuery = z.looseObject(atRiskFields).superRefine((query, ctx) => {
  for (const key of Object.keys(query)) {
    if (!Object.hasOwn(atRiskFields, key))
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: 'is not a parameter of this list; its parameters are limit, minScore and cursor',
      });
  }
});

const feature = z.enum(EVENT_FEATURES);
const factor = z.object({ feature, label: z.string(), value: z.number(), contribution: z.number() });

const modelCardResponse = z.object({
  trained: z.boolean(),
  scoring: z.enum(['model', 'heuristic']),
  threshold: z.number(),
  model: z
    .object({
      id: z.uuid(),
      trainedAt: z.iso.datetime(),
      source: z.object({
        kind: z.enum(['csv', 'events', 'other']),
        file: z.string().nullable(),
        event: z.string().nullable(),
        description: z.string(),
      }),
      label: z.string().nullable(),
      rows: z.number().nullable(),
      trainedRows: z.number().nullable(),
      holdoutRows: z.number().nullable(),
      positives: z.number().nullable(),
      negatives: z.number().nullable(),
      holdout: z.object({
        auc: z.number().nullable(),
        accuracy: z.number().nullable(),
        precision: z.number().nullable(),
        recall: z.number().nullable(),
        threshold: z.number(),
      }),
      intercept: z.number(),
      features: z.array(z.object({ name: z.string(), label: z.string(), weight: z.number() })),
      unread: z.array(z.object({ name: feature, label: z.string() })),
      mapping: z
        .object({
          columns: z.array(z.object({ column: z.string(), feature, label: z.string(), how: z.string() })),
          dropped: z.array(z.object({ column: z.string(), reason: z.string() })),
          fullModel: z
            .object({ id: z.string(), auc: z.number().nullable(), accuracy: z.number().nullable() })
            .nullable(),
        })
        .nullable(),
      metrics: z.record(z.string(), z.unknown()),
    })
    .nullable(),
  heuristic: z
    .object({
      formula: z.string(),
      intercept: z.number(),
      features: z.array(z.object({ name: feature, label: z.string(), weight: z.number(), cap: z.number().optional() })),
    })
    .nullable(),
  skipped: z.array(z.object({ id: z.uuid(), source: z.string(), trainedAt: z.iso.datetime(), reason: z.string() })),
  howToTrain: z.array(z.string()),
});

const atRiskResponse = z.object({
  contacts: z.array(
    z.object({
      contact: z.object({ id: z.string(), internalId: z.uuid(), email: z.string(), name: z.string().nullable() }),
      score: z.number(),
      level: z.enum(['high', 'medium', 'low']),
      scoredAt: z.iso.datetime(),
      method: z.enum(['model', 'heuristic']),
      model: z.object({ id: z.string(), source: z.string() }).nullable(),
      intervention: z.string().nullable(),
      topFactors: z.array(factor),
    }),
  ),
  nextCursor: z.string().nullable(),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The page key inside a cursor of this list; a 400 naming `cursor` for anything else. */
function afterKey(cursor: string): { score: number; contactId: string } {
  const key = decodeCursor(cursor, ['score', 'id'] as const);
  const score = key && key.score.trim() !== '' ? Number(key.score) : Number.NaN;
  if (!key || !(score >= 0 && score <= 1) || !UUID.test(key.id))
    throw badRequest('invalid request query', [
      { path: 'cursor', message: 'is not a cursor from this list (pass the nextCursor of the previous page)' },
    ]);
  return { score, contactId: key.id };
}

/** Churn: the model the daily scan scores with, and a venture's contacts at risk. */
export function churnRoutes({ db }: Pick<RouteDeps, 'db'>): AnyRoute[] {
  const tag = 'Intelligence';
  return [
    defineRoute({
      method: 'get',
      path: '/v1/churn/model',
      summary: 'The churn model the daily scan scores with, its holdout figures and weights',
      description:
        'The newest trained model that reads the event features (trained on events, or a CSV export retrained on ' +
        'its columns that stand for event features), when it was trained and on what, its holdout AUC, accuracy, ' +
        'and precision and recall at the 0.7 intervention threshold, and each feature’s weight on its standardised ' +
        'value. With no such model, `trained: false` and the heuristic the scan scores with instead. `skipped` ' +
        'names newer models the scan cannot use, and why.',
      tag,
      access: 'any',
      response: modelCardResponse,
      responses: { ...ok('the model card') },
      handler: async (_input, _req, res) => {
        res.json(await churnModelCard(db));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/ventures/:id/churn',
      summary: 'A venture’s contacts by their latest churn score, highest first, a page at a time',
      description:
        'Each contact of the venture with a latest score of at least `minScore` (default 0.5): the score, its ' +
        'level (high above the 0.7 intervention threshold, medium from 0.5, low below), when it was computed and ' +
        'with which model, the intervention the scan decided, and the three features that raise it most (weight ' +
        'x standardised value). Pass the answer’s `nextCursor` as `cursor` for the next page.',
      tag,
      access: 'any',
      params: z.object({ id: z.string().max(100) }),
      query: atRiskQuery,
      response: atRiskResponse,
      responses: { ...ok('a page of contacts at risk'), ...r400, ...r404 },
      example: { response: { contacts: [], nextCursor: null } },
      handler: async ({ params, query }, _req, res) => {
        const after = query.cursor === undefined ? undefined : afterKey(query.cursor);
        if (!(await loadVenture(db, params.id))) throw notFound(`venture ${params.id}`);
        const page = await ventureChurnPage(db, params.id, {
          limit: query.limit,
          minScore: query.minScore,
          ...(after ? { after } : {}),
        });
        res.json({
          contacts: page.contacts,
          nextCursor: page.next && encodeCursor({ score: String(page.next.score), id: page.next.contactId }),
        });
      },
    }),
  ];
}
