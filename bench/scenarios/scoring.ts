import fs from 'node:fs';
import path from 'node:path';
import {
  calculateInfluencerScore,
  parseInfluencerRow,
  platforms,
  type Influencer,
} from '../../domain/influencerScoring';
import { InfluencerCatalogue } from '../../services/influencerCatalogue';
import { add, type Ctx } from '../lib/context';
import { expectStatus } from '../lib/infra';

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

/** A deterministic catalogue row: platforms, tiers, topics, prices and histories vary with i. */
function catalogueRow(i: number, tag: string) {
  return {
    name: `Creator ${i}`,
    handle: `bench_${tag}_${i}`,
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
  };
}

const venture = {
  name: 'HomeGym',
  productName: 'HomeGym',
  category: 'fitness',
  industry: 'consumer health',
  keywords: ['home workout', 'fitness app', 'strength training'],
  brand: { values: ['wellness', 'consistency'], tone: 'encouraging' },
};

/**
 * Scoring: `calculateInfluencerScore` called in process over a varied set of influencers; then, when the
 * influencer scoring workflow exists, a whole catalogue scored end to end (started through the API, batches
 * of 100 as activities, every match upserted), timed from the request to the workflow's close.
 */
export async function scoringScenario(ctx: Ctx): Promise<void> {
  const influencers: Influencer[] = Array.from({ length: 1000 }, (_, i) => {
    const parsed = parseInfluencerRow(catalogueRow(i, 'mem'));
    if (!parsed.ok) throw new Error(`catalogue row ${i}: ${JSON.stringify(parsed.problems)}`);
    return parsed.value;
  });
  const calls = ctx.flags.scoreCalls;
  let checksum = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) checksum += calculateInfluencerScore(influencers[i % 1000]!, venture).compositeScore;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (!Number.isFinite(checksum)) throw new Error('scoring produced a non-finite score');
  add(ctx, {
    scenario: 'scoring',
    figure: `calculateInfluencerScore in process (${calls.toLocaleString('en')} calls)`,
    value: calls / seconds,
    unit: 'influencers/s',
    note: `${((seconds / calls) * 1e6).toFixed(2)} µs per call, one core`,
  });
  ctx.say(`scoring in process: ${(calls / seconds).toFixed(0)}/s`);

  const workflowFile = path.join(__dirname, '../../workflows/influencerScoringWorkflow.ts');
  if (!fs.existsSync(workflowFile)) {
    add(ctx, {
      scenario: 'scoring',
      figure: 'influencer scoring workflow, end to end',
      value: null,
      unit: 'influencers/s',
      note: 'skipped: workflows/influencerScoringWorkflow.ts does not exist yet',
    });
    return;
  }
  const n = ctx.flags.catalogue;
  if (n === 0) return;
  const importStarted = Date.now();
  const imported = await new InfluencerCatalogue(ctx.infra.stack.db).import(
    (function* () {
      for (let i = 0; i < n; i++) yield catalogueRow(i, ctx.runId);
    })(),
  );
  if (imported.imported !== n) throw new Error(`catalogue import: ${JSON.stringify(imported).slice(0, 300)}`);
  const importSeconds = (Date.now() - importStarted) / 1000;
  add(ctx, {
    scenario: 'scoring',
    figure: `catalogue import, in process (${n.toLocaleString('en')} rows, validated and upserted)`,
    value: n / importSeconds,
    unit: 'rows/s',
  });
  // Other runs' rows in the catalogue are scored too: count what the run has to go through.
  const total = Number((await ctx.infra.stack.db('influencers').count({ n: '*' }).first())!.n);

  const created = await ctx.api<{ id: string }>('POST', '/v1/ventures', { ...venture, slug: `homegym-${ctx.runId}` });
  expectStatus(created, 'creating the venture', 201);
  const t0 = Date.now();
  const startedRun = await ctx.api<{ workflowId: string }>(
    'POST',
    `/v1/ventures/${created.body.id}/influencer-scoring`,
  );
  expectStatus(startedRun, 'starting the scoring run', 202);
  const result = await ctx.infra.stack.temporal.workflow.getHandle(startedRun.body.workflowId).result();
  const e2eSeconds = (Date.now() - t0) / 1000;
  const matches = Number(
    (await ctx.infra.stack
      .db('influencer_venture_matches')
      .where({ venture_id: created.body.id })
      .count({ n: '*' })
      .first())!.n,
  );
  if (matches !== total) throw new Error(`scoring: ${matches} matches stored for ${total} influencers`);
  add(ctx, {
    scenario: 'scoring',
    figure: `influencer scoring workflow, end to end (${total.toLocaleString('en')} rows)`,
    value: total / e2eSeconds,
    unit: 'influencers/s',
    note: `${e2eSeconds.toFixed(1)} s from the API request to the workflow's result; ${result.batches} batches, ${matches} matches stored`,
  });
  ctx.say(`scoring end to end: ${(total / e2eSeconds).toFixed(0)}/s`);
}
