import { createInfluencerActivities } from '../../activities/influencerActivities';
import { InfluencerStore } from '../../db/stores/influencers';
import { VentureStore } from '../../db/stores/ventures';
import { getInfluencerScoringWorkflowId } from '../../domain/ids';
import { calculateInfluencerScore, platforms } from '../../domain/influencerScoring';
import { InfluencerCatalogue } from '../../services/influencerCatalogue';
import { scoringVenture } from '../../services/ventureContext';
import { influencerScoringWorkflow, progressQuery } from '../../workflows/influencerScoringWorkflow';
import {
  createTestDatabase,
  createTestWorker,
  createTimeSkippingEnv,
  uniqueId,
  type TestDatabase,
  type TimeSkippingEnv,
} from '../harness';
import { recordHistory } from '../harness/histories';

let database: TestDatabase;
let temporal: TimeSkippingEnv;
beforeAll(async () => {
  [database, temporal] = await Promise.all([createTestDatabase(), createTimeSkippingEnv()]);
}, 60_000);
afterAll(async () => {
  await temporal?.teardown();
  await database?.destroy();
});

const TOPICS = [
  'fitness',
  'home workouts',
  'nutrition',
  'gaming',
  'travel',
  'personal finance',
  'yoga',
  'tech reviews',
];

/** A deterministic catalogue of n influencers across platforms, tiers and topics, numbered from `from`. */
function catalogue(n: number, from = 0) {
  return Array.from({ length: n }, (_, k) => from + k).map((i) => ({
    name: `Creator ${i}`,
    handle: `creator_${i}`,
    platform: platforms[i % platforms.length],
    category: TOPICS[i % TOPICS.length],
    followers_count: 1_000 + ((i * 7919) % 2_000_000),
    engagement_rate: ((i % 50) + 1) / 1000,
    average_views: i % 3 === 0 ? null : 500 + (i % 40_000),
    content_types: i % 2 ? ['reels', 'reviews'] : ['tutorials'],
    brand_safety_score: i % 5 === 0 ? null : 40 + (i % 61),
    pricing_info: i % 4 === 0 ? null : { per_post: 50 + (i % 3000) },
    performance_history:
      i % 6 === 0 ? [{ category: 'fitness', conversion_rate: 0.004 + (i % 10) / 1000, roi: 1 + (i % 4) }] : null,
    relevance_topics: [TOPICS[i % TOPICS.length]!, TOPICS[(i + 3) % TOPICS.length]!],
    blacklisted: i % 97 === 0,
    verification_status: i % 3 === 0 ? 'verified' : 'unverified',
  }));
}

test('scores 1,000 influencers in batches of 100 when asked, twice, without duplicating a match', async () => {
  const { db } = database;
  const venture = await new VentureStore(db).create({
    name: 'HomeGym',
    slug: uniqueId('homegym'),
    productName: 'HomeGym',
    category: 'fitness',
    industry: 'consumer health',
    keywords: ['home workout', 'fitness app', 'strength training'],
    brand: { values: ['wellness'], tone: 'encouraging' },
  });
  const imported = await new InfluencerCatalogue(db).import(catalogue(1000));
  expect(imported).toEqual({
    imported: 1000,
    updated: 0,
    rejected: [],
    rejectedCount: 0,
    unknownFields: [],
    warnings: [],
  });

  const taskQueue = uniqueId('scoring');
  const worker = await createTestWorker(temporal.env, { taskQueue, activities: createInfluencerActivities({ db }) });
  await worker.runUntil(async () => {
    for (const runId of ['first', 'second']) {
      const handle = await temporal.env.client.workflow.start(influencerScoringWorkflow, {
        workflowId: getInfluencerScoringWorkflowId(venture.id, `${runId}-${uniqueId('run')}`),
        taskQueue,
        // Four batches per run: the 10 batches take three runs, so continue-as-new is exercised too.
        args: [{ version: 1, ventureId: venture.id, runId, batchSize: 100, batchesPerRun: 4 }],
      });
      const result = await handle.result();
      expect(result).toMatchObject({ scored: 1000, total: 1000, batches: 10, status: 'completed' });
      const progress = await handle.query(progressQuery);
      expect(progress).toMatchObject({ scored: 1000, total: 1000, batches: 10, status: 'completed' });
      expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId);
      if (runId === 'first') {
        await recordHistory(
          temporal.env.client,
          handle.workflowId,
          'influencer-scoring-first-of-three-runs',
          handle.firstExecutionRunId,
        );
        await recordHistory(temporal.env.client, handle.workflowId, 'influencer-scoring-last-run');
      }
    }
  });

  const counts = await db('influencer_venture_matches')
    .where({ venture_id: venture.id })
    .select(db.raw('count(*)::int AS n'), db.raw('count(DISTINCT influencer_id)::int AS distinct'))
    .first();
  expect(counts).toEqual({ n: 1000, distinct: 1000 });

  // A stored match holds exactly what the domain function computes for that influencer, its reasoning included.
  const store = new InfluencerStore(db);
  const [first] = await store.pageAfter(null, 1);
  const expected = calculateInfluencerScore(first!, scoringVenture(venture), { reasoning: true });
  const stored = await db('influencer_venture_matches')
    .where({ influencer_id: first!.id, venture_id: venture.id })
    .first();
  expect(Number(stored.composite_score)).toBeCloseTo(expected.compositeScore, 2);
  expect(stored.sub_scores.reachScore).toBeCloseTo(expected.reachScore, 10);
  expect(stored.risk_factors).toEqual(expected.riskFactors);
  expect(stored.match_reasoning).toBe(expected.matchReasoning);

  const top = await store.search({ ventureId: venture.id, limit: 5, offset: 0 });
  expect(top.total).toBe(1000 - 11); // 11 blacklisted (i % 97 === 0) are never listed
  const scores = top.results.map((r) => r.match.compositeScore);
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
}, 120_000);

test('a run scores in batches of 1,000 by default and stores every match with its reasoning', async () => {
  const { db } = database;
  const venture = await new VentureStore(db).create({
    name: 'LedgerLy',
    slug: uniqueId('ledgerly'),
    productName: 'LedgerLy',
    category: 'personal finance',
    industry: 'fintech',
    keywords: ['budgeting', 'saving money'],
    brand: { values: ['transparency'], tone: 'plain' },
  });
  await new InfluencerCatalogue(db).import(catalogue(2500, 5000));
  // With the other test's catalogue, 3,500: three full batches and a partial one; alone, 2,500.
  const total = Number((await db('influencers').count({ n: '*' }).first())!.n);

  const taskQueue = uniqueId('scoring');
  const worker = await createTestWorker(temporal.env, { taskQueue, activities: createInfluencerActivities({ db }) });
  const result = await worker.runUntil(async () => {
    const handle = await temporal.env.client.workflow.start(influencerScoringWorkflow, {
      workflowId: getInfluencerScoringWorkflowId(venture.id, uniqueId('run')),
      taskQueue,
      args: [{ version: 1, ventureId: venture.id, runId: 'default-batches' }],
    });
    const done = await handle.result();
    expect(await handle.query(progressQuery)).toEqual(done);
    return done;
  });
  expect(result).toMatchObject({ scored: total, total, batches: Math.ceil(total / 1000), status: 'completed' });

  const stored = await db('influencer_venture_matches')
    .where({ venture_id: venture.id })
    .select(db.raw('count(*)::int AS n'), db.raw('count(match_reasoning)::int AS explained'))
    .first();
  expect(stored).toEqual({ n: total, explained: total });
  const last = await db('influencers').orderBy('influencer_id', 'desc').first();
  const expected = calculateInfluencerScore(
    (await new InfluencerStore(db).getById(last.influencer_id))!,
    scoringVenture(venture),
    { reasoning: true },
  );
  const match = await db('influencer_venture_matches')
    .where({ influencer_id: last.influencer_id, venture_id: venture.id })
    .first();
  expect(match.match_reasoning).toBe(expected.matchReasoning);
  expect(match.risk_factors).toEqual(expected.riskFactors);
  expect(Number(match.composite_score)).toBeCloseTo(expected.compositeScore, 2);
  expect(match.sub_scores.brandAlignment).toBeCloseTo(expected.brandAlignment, 10);
}, 120_000);
