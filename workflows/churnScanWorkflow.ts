import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { ChurnScanCarry, ChurnScanInput, ChurnScanResult } from './types';

type Activities = ReturnType<typeof createActivities>;

/** Reads and scoring against the database: retried until the database answers. */
const db = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Interventions (an enrollment, a trait, an email): retried with backoff for as long as a dependency is down. */
const act = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m' },
});

export const scanProgressQuery = defineQuery<ChurnScanResult & { status: 'running' | 'completed' }>('progress');

export const DEFAULT_CHURN_BATCH_SIZE = 200;
export const DEFAULT_CHURN_BATCHES_PER_RUN = 100;

/**
 * Scores every contact's churn risk from their stored events (with the latest event-trained model, or the
 * documented heuristic), stores the scores, and intervenes on those above 0.7 that were not intervened on within
 * the cool-down: winback enrollment, in-app retention offer, or an alert to customer success.
 * @remarks Started daily by a Temporal Schedule. The scan id is the workflow id (unique per scheduled run), which
 * keys the score rows, the events and the alert emails, so retries never intervene twice. Continues as new after
 * 100 batches of 200 contacts.
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

  for (let inThisRun = 0; ; inThisRun++) {
    if (inThisRun >= batchesPerRun) {
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
