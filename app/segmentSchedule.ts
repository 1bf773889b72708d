import type { Client } from '@temporalio/client';
import type { Config } from '../config/config';
import { scheduleIdFor, TASK_QUEUES } from '../domain/ids';
import { parseDuration } from '../domain/sequences/duration';
import type { Logger } from '../infra/logger';
import { segmentRefreshWorkflow } from '../workflows/segmentRefreshWorkflow';
import { upsertSchedule } from '../services/schedules';

export const segmentRefreshScheduleId = (taskQueue?: string) => scheduleIdFor('segment-refresh', taskQueue);

/**
 * The Temporal Schedule that evaluates time-windowed segments again every SEGMENT_REFRESH_INTERVAL (and re-delivers
 * segment events left undelivered); a run missed while the cluster was down is caught up within an hour.
 */
export async function ensureSegmentRefreshSchedule(
  client: Client,
  config: Partial<Pick<Config, 'SEGMENT_REFRESH_INTERVAL'>>,
  log: Logger,
  taskQueue: string = TASK_QUEUES.main,
): Promise<{ scheduleId: string; state: 'created' | 'updated' }> {
  const scheduleId = segmentRefreshScheduleId(taskQueue);
  const state = await upsertSchedule(
    client,
    {
      scheduleId,
      spec: { intervals: [{ every: parseDuration(config.SEGMENT_REFRESH_INTERVAL ?? 'PT10M') }] },
      action: {
        type: 'startWorkflow',
        workflowType: segmentRefreshWorkflow,
        workflowId: scheduleId,
        taskQueue,
        args: [{ version: 1 as const }],
      },
      catchupWindow: '1 hour',
    },
    log,
    'segment refresh',
  );
  return { scheduleId, state };
}
