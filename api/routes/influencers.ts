import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import type { InfluencerRecord } from '../../db/stores/influencers';
import { getInfluencerScoringWorkflowId, TASK_QUEUES } from '../../domain/ids';
import {
  calculateInfluencerScore,
  parseInfluencerRow,
  platforms,
  type Influencer,
} from '../../domain/influencerScoring';
import { csvRecords } from '../../infra/csvStream';
import { CatalogueFormatError, InfluencerCatalogue } from '../../services/influencerCatalogue';
import { loadVenture, scoringVenture } from '../../services/ventureContext';
import { ventureIdKey } from '../../workflows/searchAttributes';
import { influencerScoringWorkflow, progressQuery } from '../../workflows/influencerScoringWorkflow';
import type { RouteDeps } from '../deps';
import { badRequest, HttpError, notFound } from '../errors';
import { defineRoute, ok, r400, r404, WRITERS, type AnyRoute } from '../registry';

const searchQuery = z
  .object({
    ventureId: z.string().uuid('must be a venture id'),
    category: z.string().trim().min(1).max(100).optional(),
    platform: z.enum(platforms).optional(),
    minFollowers: z.coerce.number().int().min(0).optional(),
    maxFollowers: z.coerce.number().int().min(0).optional(),
    minScore: z.coerce.number().min(0).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

const scoreBody = z
  .object({
    ventureId: z.string().uuid('must be a venture id'),
    influencer: z.record(z.string(), z.unknown()).optional(),
    influencerId: z.string().uuid('must be an influencer id').optional(),
  })
  .strict()
  .refine((b) => (b.influencer === undefined) !== (b.influencerId === undefined), {
    message: 'give either influencer or influencerId',
    path: ['influencer'],
  });

const importBody = z.object({ influencers: z.array(z.unknown()).max(10_000) }).strict();

const importResponse = z.object({
  imported: z.number().int(),
  updated: z.number().int(),
  rejected: z
    .array(
      z.object({
        row: z.number().int().describe('1-based among the data rows (a CSV header is not counted)'),
        problems: z.array(z.object({ field: z.string(), message: z.string() })),
      }),
    )
    .describe('the first 1,000 rejected rows'),
  rejectedCount: z.number().int(),
  unknownFields: z.array(z.string()).describe('CSV columns or JSON fields the catalogue does not know: not kept'),
  warnings: z.array(z.string()),
});

const publicInfluencerSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  handle: z.string(),
  platform: z.enum(platforms),
  category: z.string(),
  followersCount: z.number().int(),
  engagementRate: z.number().describe('0..1'),
  averageViews: z.number().nullable(),
  contentTypes: z.array(z.string()).nullable(),
  audienceDemographics: z.record(z.string(), z.unknown()).nullable(),
  brandSafetyScore: z.number().nullable().describe('0..100'),
  pricingInfo: z.record(z.string(), z.unknown()).nullable(),
  performanceHistory: z.unknown(),
  relevanceTopics: z.array(z.string()).nullable(),
  blacklisted: z.boolean().nullable(),
  verificationStatus: z.string().nullable(),
});

const searchResponse = z.object({
  ventureId: z.uuid(),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  results: z.array(
    z.object({
      influencer: publicInfluencerSchema,
      match: z.object({
        compositeScore: z.number(),
        subScores: z.record(z.string(), z.unknown()),
        riskFactors: z.array(z.string()),
        riskScore: z.number(),
        recommendedCollaborationType: z.string().nullable(),
        estimatedReach: z.number().nullable(),
        estimatedCost: z.number().nullable(),
        matchReasoning: z.string().nullable(),
        scoredAt: z.iso.datetime(),
      }),
    }),
  ),
});

const exampleInfluencer = {
  name: 'Ada Fit',
  handle: 'adafit',
  platform: 'instagram',
  category: 'fitness',
  followersCount: 48_000,
  engagementRate: 0.035,
  averageViews: 12_000,
  relevanceTopics: ['home workouts', 'mobility'],
  pricingInfo: { perPost: 450, currency: 'USD' },
};

function publicInfluencer(i: InfluencerRecord) {
  return {
    id: i.id,
    name: i.name,
    handle: i.handle,
    platform: i.platform,
    category: i.category,
    followersCount: i.followers_count,
    engagementRate: i.engagement_rate,
    averageViews: i.average_views,
    contentTypes: i.content_types,
    audienceDemographics: i.audience_demographics,
    brandSafetyScore: i.brand_safety_score,
    pricingInfo: i.pricing_info,
    performanceHistory: i.performance_history,
    relevanceTopics: i.relevance_topics,
    blacklisted: i.blacklisted,
    verificationStatus: i.verification_status,
  };
}

/**
 * The influencer catalogue: import (CSV streamed, or JSON), search by a venture's match scores, score one
 * influencer, and catalogue-wide scoring runs as workflows.
 */
export function influencerRoutes(
  deps: Pick<RouteDeps, 'db' | 'temporal' | 'taskQueue' | 'metrics' | 'influencerCache'> & {
    /** Largest CSV upload, in bytes. */
    maxImportBytes: number;
  },
): AnyRoute[] {
  const { db, temporal, maxImportBytes } = deps;
  const catalogue = new InfluencerCatalogue(db, deps.influencerCache);
  const tag = 'Influencers';
  const tooLarge = () => new HttpError(413, `the CSV is larger than ${maxImportBytes} bytes`);

  /** The rows of an import: a CSV streamed from the request, or the JSON body's list. */
  function importRecords(req: Request, body: z.infer<typeof importBody>) {
    if (req.is('text/csv')) {
      const declared = Number(req.get('content-length'));
      if (Number.isFinite(declared) && declared > maxImportBytes) throw tooLarge();
      return { format: 'csv' as const, records: csvRecords(req, { maxBytes: maxImportBytes, tooLarge }) };
    }
    return { format: 'json' as const, records: body.influencers };
  }

  return [
    defineRoute({
      method: 'post',
      path: '/v1/influencers/import',
      summary: 'Import influencers (CSV streamed, or JSON)',
      description:
        'A `text/csv` file with a header row (snake_case columns such as `followers_count`, or their camelCase ' +
        'spellings), streamed; or a JSON body `{"influencers": [...]}` of up to 10,000 rows with camelCase fields. ' +
        'Rows are upserted by platform and handle; invalid rows and unknown columns are listed in the answer.',
      tag,
      access: WRITERS,
      // The CSV is streamed by the handler; the registry validates only the JSON form.
      bodyMediaTypes: ['text/csv', 'application/json'],
      body: importBody,
      response: importResponse,
      responses: { ...ok('imported, updated and rejected rows'), ...r400, '413': 'the CSV is too large' },
      example: {
        body: { influencers: [exampleInfluencer] },
        response: { imported: 1, updated: 0, rejected: [], rejectedCount: 0, unknownFields: [], warnings: [] },
      },
      handler: async ({ body }, req, res) => {
        const { format, records } = importRecords(req, body);
        try {
          res.status(200).json(await catalogue.import(records, format));
        } catch (err) {
          if (err instanceof CatalogueFormatError) throw badRequest(err.message);
          // The rest of an oversized upload is not read: the connection closes after the answer.
          if (err instanceof HttpError && err.status === 413) res.set('Connection', 'close');
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/influencers/search',
      summary: 'Search a venture’s scored influencers',
      tag,
      access: 'any',
      query: searchQuery,
      response: searchResponse,
      responses: { ...ok('matches, best first'), ...r400, ...r404 },
      handler: async ({ query: q }, _req, res) => {
        if (!(await loadVenture(db, q.ventureId))) throw notFound(`venture ${q.ventureId}`);
        const { total, results } = await catalogue.search(q);
        res.json({
          ventureId: q.ventureId,
          total,
          limit: q.limit,
          offset: q.offset,
          results: results.map(({ influencer, match }) => ({
            influencer: publicInfluencer(influencer),
            match: {
              compositeScore: match.compositeScore,
              subScores: match.subScores,
              riskFactors: match.riskFactors,
              riskScore: match.riskScore,
              recommendedCollaborationType: match.recommendedCollaborationType,
              estimatedReach: match.estimatedReach,
              estimatedCost: match.estimatedCost,
              matchReasoning: match.matchReasoning,
              scoredAt: match.updatedAt,
            },
          })),
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/influencers/score',
      summary: 'Score one influencer for a venture',
      description: 'Give either `influencer` (a catalogue row, camelCase fields) or `influencerId`.',
      tag,
      access: 'any',
      body: scoreBody,
      responses: { ...ok('the score'), ...r400, ...r404 },
      example: { body: { ventureId: '6f1d2c3b-4a59-4e8f-9b7a-0c1d2e3f4a5b', influencer: exampleInfluencer } },
      handler: async ({ body }, _req, res) => {
        const venture = await loadVenture(db, body.ventureId);
        if (!venture) throw notFound(`venture ${body.ventureId}`);
        let influencer: Influencer;
        if (body.influencerId) {
          const found = await catalogue.get(body.influencerId);
          if (!found) throw notFound(`influencer ${body.influencerId}`);
          influencer = found;
        } else {
          const parsed = parseInfluencerRow(body.influencer);
          if (!parsed.ok) {
            throw badRequest(
              'invalid request body',
              parsed.problems.map((p) => ({ path: `influencer.${p.field}`, message: p.message })),
            );
          }
          influencer = parsed.value;
        }
        res.json({
          ventureId: venture.id,
          ...(body.influencerId ? { influencerId: body.influencerId } : {}),
          score: calculateInfluencerScore(influencer, scoringVenture(venture), { reasoning: true }),
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/ventures/:id/influencer-scoring',
      summary: 'Start a scoring run over the catalogue',
      tag,
      access: WRITERS,
      params: z.object({ id: z.string() }),
      responses: { '202': 'started; poll the progress link', ...r404 },
      handler: async ({ params }, _req, res) => {
        const ventureId = params.id;
        if (!(await loadVenture(db, ventureId))) throw notFound(`venture ${ventureId}`);
        const runId = randomUUID();
        const workflowId = getInfluencerScoringWorkflowId(ventureId, runId);
        await temporal.workflow.start(influencerScoringWorkflow, {
          workflowId,
          taskQueue: deps.taskQueue ?? TASK_QUEUES.main,
          args: [{ version: 1, ventureId, runId }],
          typedSearchAttributes: [{ key: ventureIdKey, value: ventureId }],
        });
        deps.metrics?.workflowStarts.inc({ workflow: 'influencerScoringWorkflow' });
        const progress = `/v1/influencer-scoring/${encodeURIComponent(workflowId)}`;
        res.status(202).json({ workflowId, runId, ventureId, progress });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/influencer-scoring/:workflowId',
      summary: 'Progress of a scoring run',
      tag,
      access: 'any',
      params: z.object({ workflowId: z.string() }),
      responses: { ...ok('progress'), ...r404 },
      handler: async ({ params: { workflowId } }, _req, res) => {
        const [prefix, ventureId] = workflowId.split(':');
        if (prefix !== 'influencers' || !ventureId) throw notFound(`scoring run ${workflowId}`);
        const handle = temporal.workflow.getHandle(workflowId);
        try {
          const description = await handle.describe();
          const progress = await handle.query(progressQuery).catch(() => undefined);
          res.json({
            workflowId,
            workflowStatus: description.status.name,
            ...(progress ?? { ventureId, status: 'running', scored: 0, total: 0, batches: 0 }),
          });
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) throw notFound(`scoring run ${workflowId}`);
          throw err;
        }
      },
    }),
  ];
}
