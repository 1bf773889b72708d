import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  patched,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type {
  InfluencerScoringCarry,
  InfluencerScoringInput,
  InfluencerScoringProgress,
  InfluencerScoringResult,
} from './types';
import { DATABASE_ACTIVITY } from './activityOptions';

type Activities = ReturnType<typeof createActivities>;

/** Quick reads. */
const db = proxyActivities<Activities>({
  ...DATABASE_ACTIVITY,
  retry: { ...DATABASE_ACTIVITY.retry, nonRetryableErrorTypes: ['VentureNotFound'] },
});

/** One batch scored and stored; it heartbeats per chunk, so a stuck worker is noticed in 30 s, not 5 min. */
const scoring = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  scheduleToCloseTimeout: '1h',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: ['VentureNotFound'],
  },
});

export const progressQuery = defineQuery<InfluencerScoringProgress>('progress');

/** Influencers per batch activity of runs started before larger batches (the product requirements' first size). */
export const FIRST_SCORING_BATCH_SIZE = 100;
/**
 * Influencers per batch activity. Each batch costs the run a round trip through Temporal (40 to 80 ms on the
 * benchmark's 2 cores): batches of 100 took a 100,000-row run to 61 s, batches of 1,000 score it in 11 to 17 s.
 */
export const DEFAULT_SCORING_BATCH_SIZE = 1000;
/** Marks runs that score in batches of {@link DEFAULT_SCORING_BATCH_SIZE}; runs without it replay with 100. */
export const LARGER_BATCHES_PATCH = 'influencer-scoring-larger-batches';
/** Batches per run: a batch is two events per activity plus its markers, so 200 keep the history near 1,500 events. */
export const DEFAULT_BATCHES_PER_RUN = 200;

/**
 * Scores a venture's whole influencer catalogue in batches of 1,000, storing every match, and answers `progress`.
 * @remarks Each batch is an activity that heartbeats per chunk and resumes after its last stored chunk when
 * retried; matches are upserted, so running the workflow twice never duplicates them. Continues as new after
 * 200 batches (200,000 influencers), carrying its position and counts.
 */
export async function influencerScoringWorkflow(input: InfluencerScoringInput): Promise<InfluencerScoringResult> {
  // Runs started before the larger batches scheduled batches of 100, and must replay the same activities.
  const largerBatches = patched(LARGER_BATCHES_PATCH);
  const batchSize = input.batchSize ?? (largerBatches ? DEFAULT_SCORING_BATCH_SIZE : FIRST_SCORING_BATCH_SIZE);
  const batchesPerRun = input.batchesPerRun ?? DEFAULT_BATCHES_PER_RUN;
  const state: InfluencerScoringCarry = input.carry ?? {
    scored: 0,
    batches: 0,
    total: 0,
    afterId: null,
    startedAt: new Date().toISOString(),
  };
  let completedAt: string | undefined = undefined;
  const progress = (): InfluencerScoringProgress => ({
    ventureId: input.ventureId,
    runId: input.runId,
    status: completedAt ? 'completed' : 'running',
    scored: state.scored,
    // The catalogue can grow during a run (an import): never report more scored than total.
    total: Math.max(state.total, state.scored),
    batches: state.batches,
    startedAt: state.startedAt,
    ...(completedAt ? { completedAt } : {}),
  });
  setHandler(progressQuery, progress);

  if (!input.carry) state.total = (await db.startInfluencerScoring({ ventureId: input.ventureId })).total;

  for (let inThisRun = 0; ; inThisRun++) {
    if (inThisRun >= batchesPerRun) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof influencerScoringWorkflow>({ ...input, carry: { ...state } });
    }
    const batch = await scoring.scoreInfluencerBatch({
      ventureId: input.ventureId,
      afterId: state.afterId,
      limit: batchSize,
    });
    state.scored += batch.scored;
    state.afterId = batch.lastId;
    if (batch.scored > 0) state.batches++;
    if (batch.done) break;
  }
  completedAt = new Date().toISOString();
  await condition(allHandlersFinished);
  return progress();
}
