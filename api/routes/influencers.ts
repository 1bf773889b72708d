import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { Db } from '../../db/knex';
import type { InfluencerRecord } from '../../db/stores/influencers';
import { getInfluencerScoringWorkflowId, TASK_QUEUES } from '../../domain/ids';
import {
  calculateInfluencerScore,
  parseInfluencerRow,
  platforms,
  type Influencer,
} from '../../domain/influencerScoring';
import type { LruCache } from '../../infra/lruCache';
import type { Metrics } from '../../infra/metrics';
import { csvRecords } from '../../infra/csvStream';
import { CatalogueFormatError, InfluencerCatalogue } from '../../services/influencerCatalogue';
import { loadVenture, scoringVenture } from '../../services/ventureContext';
import { ventureIdKey } from '../../workflows/searchAttributes';
import { influencerScoringWorkflow, progressQuery } from '../../workflows/influencerScoringWorkflow';
import { requireRole } from '../auth';
import { badRequest, HttpError, notFound, parseOr400 } from '../errors';

/** Whether a request is a CSV catalogue upload, which the /v1 router lets through its JSON-only rule. */
export function isCsvImport(req: Request): boolean {
  return req.method === 'POST' && req.path === '/influencers/import' && Boolean(req.is('text/csv'));
}

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
export function influencerRoutes(deps: {
  db: Db;
  temporal: Client;
  taskQueue?: string;
  metrics?: Metrics;
  influencerCache?: LruCache<unknown>;
  /** Largest CSV upload, in bytes. */
  maxImportBytes: number;
}): Router {
  const { db, temporal } = deps;
  const router = Router();
  const catalogue = new InfluencerCatalogue(db, deps.influencerCache);
  const writers = requireRole(db, 'marketer', 'operator');

  router.post('/influencers/import', writers, async (req, res) => {
    let records: AsyncIterable<unknown> | unknown[];
    if (req.is('text/csv')) {
      const declared = Number(req.get('content-length'));
      if (Number.isFinite(declared) && declared > deps.maxImportBytes) {
        throw new HttpError(413, `the CSV is larger than ${deps.maxImportBytes} bytes`);
      }
      records = csvRecords(req, {
        maxBytes: deps.maxImportBytes,
        tooLarge: () => new HttpError(413, `the CSV is larger than ${deps.maxImportBytes} bytes`),
      });
    } else {
      records = parseOr400(importBody, req.body).influencers;
    }
    try {
      const result = await catalogue.import(records);
      res.status(200).json(result);
    } catch (err) {
      if (err instanceof CatalogueFormatError) throw badRequest(err.message);
      // The rest of an oversized upload is not read: the connection closes after the answer.
      if (err instanceof HttpError && err.status === 413) res.set('Connection', 'close');
      throw err;
    }
  });

  router.get('/influencers/search', async (req, res) => {
    const q = parseOr400(searchQuery, req.query, 'query');
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
  });

  router.post('/influencers/score', async (req, res) => {
    const body = parseOr400(scoreBody, req.body);
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
      score: calculateInfluencerScore(influencer, scoringVenture(venture)),
    });
  });

  router.post('/ventures/:id/influencer-scoring', writers, async (req, res) => {
    const ventureId = String(req.params.id);
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
    res
      .status(202)
      .json({ workflowId, runId, ventureId, progress: `/v1/influencer-scoring/${encodeURIComponent(workflowId)}` });
  });

  router.get('/influencer-scoring/:workflowId', async (req, res) => {
    const workflowId = String(req.params.workflowId);
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
  });

  return router;
}
