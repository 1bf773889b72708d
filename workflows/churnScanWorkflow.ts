import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { ChurnScanCarry, ChurnScanInput, ChurnScanResult } from './types';
import { DATABASE_ACTIVITY, SEND_ACTIVITY } from './activityOptions';

type Activities = ReturnType<typeof createActivities>;

/** Reads and scoring against the database: a batch of scores takes up to a couple of minutes. */
const db = proxyActivities<Activities>({ ...DATABASE_ACTIVITY, startToCloseTimeout: '2m' });

/** Interventions (an enrollment, a trait, an email), timed as sends are. */
const act = proxyActivities<Activities>(SEND_ACTIVITY);

export const scanProgressQuery = defineQuery<ChurnScanResult & { status: 'running' | 'completed' }>('progress');

export const DEFAULT_CHURN_BATCH_SIZE = 200;
export const DEFAULT_CHURN_BATCHES_PER_RUN = 100;
/** A run hands over to the next before its history passes this many events (the server suggests it at ~4,000). */
const MAX_HISTORY_EVENTS = 4_000;

/**
 * Scores every contact's churn risk from their stored events (with the latest event-trained model, or the
 * documented heuristic), stores the scores, and intervenes on those above 0.7 that were not intervened on within
 * the cool-down: winback enrollment, in-app retention offer, or an alert to customer success.
 * @remarks Started daily by a Temporal Schedule. The scan id is the workflow id (unique per scheduled run), which
 * keys the score rows, the events and the alert emails, so retries never intervene twice. Continues as new after
 * 100 batches of 200 contacts, or sooner when interventions fill its history.
 */
export async function churnScanWorkflow(input: ChurnScanInput = { version: 1 }): Promise<ChurnScanResult> {
  const batchSize = input.batchSize ?? DEFAULT_CHURN_BATCH_SIZE;
  const batchesPerRun = input.batchesPerRun ?? DEFAULT_CHURN_BATCHES_PER_RUN;
  let state: ChurnScanCarry;
  if (input.carry) state = { ...input.carry, interventions: { ...input.carry.interventions } };
  else {
    const { modelId } = await db.prepareChurnScan();
    state = {
      scanId: workflowInfo().workflowId,
      asOf: new Date().toISOString(),
      modelId,
      afterId: null,
      scored: 0,
      atRisk: 0,
      interventions: { email: 0, in_app: 0, human: 0 },
      coolingDown: 0,
    };
  }
  let completed = false;
  const result = (): ChurnScanResult => ({
    scanId: state.scanId,
    asOf: state.asOf,
    method: state.modelId ? 'model' : 'heuristic',
    modelId: state.modelId,
    scored: state.scored,
    atRisk: state.atRisk,
    interventions: { ...state.interventions },
    coolingDown: state.coolingDown,
  });
  setHandler(scanProgressQuery, () => ({ ...result(), status: completed ? 'completed' : 'running' }));

  // Interventions add events per contact, so a fixed number of batches can still outgrow a history: the run also
  // hands over when the server suggests it or its history passes a bound.
  const boundedByHistory = patched('churn-scan-history-bound');
  const historyFull = () => {
    const now = workflowInfo();
    return now.continueAsNewSuggested || now.historyLength > MAX_HISTORY_EVENTS;
  };
  for (let inThisRun = 0; ; inThisRun++) {
    if (inThisRun >= batchesPerRun || (boundedByHistory && inThisRun > 0 && historyFull())) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof churnScanWorkflow>({ ...input, carry: state });
    }
    const batch = await db.scoreChurnBatch({
      scanId: state.scanId,
      asOf: state.asOf,
      afterId: state.afterId,
      limit: batchSize,
      modelId: state.modelId,
    });
    await Promise.all(
      batch.interventions.map(async (i) => {
        const applied = await act.applyChurnIntervention({ ...i, scanId: state.scanId, asOf: state.asOf });
        if (applied.notification) await act.sendNotification(applied.notification);
      }),
    );
    for (const i of batch.interventions) state.interventions[i.type]++;
    state.scored += batch.scored;
    state.atRisk += batch.atRisk;
    state.coolingDown += batch.coolingDown;
    state.afterId = batch.lastId;
    if (batch.done) break;
  }
  completed = true;
  log.info('churn scan finished', { ...result() });
  await condition(allHandlersFinished);
  return result();
}
