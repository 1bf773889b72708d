import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
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

/** One batch of 100 scored and stored; it heartbeats per chunk, so a stuck worker is noticed in 30 s, not 5 min. */
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

/** The product requirements' batch size of influencer scoring. */
export const DEFAULT_SCORING_BATCH_SIZE = 100;
/** Batches per run: a batch is two events per activity plus its markers, so 200 keep the history near 1,500 events. */
export const DEFAULT_BATCHES_PER_RUN = 200;

/**
 * Scores a venture's whole influencer catalogue in batches of 100, storing every match, and answers `progress`.
 * @remarks Each batch is an activity that heartbeats per chunk and resumes after its last stored chunk when
 * retried; matches are upserted, so running the workflow twice never duplicates them. Continues as new after
 * 200 batches (20,000 influencers), carrying its position and counts.
 */
export async function influencerScoringWorkflow(input: InfluencerScoringInput): Promise<InfluencerScoringResult> {
  const batchSize = input.batchSize ?? DEFAULT_SCORING_BATCH_SIZE;
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
