import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Config } from '../config/config';
import { TASK_QUEUES } from '../domain/ids';
import { parseDuration } from '../domain/sequences/duration';
import type { Logger } from '../infra/logger';
import { segmentRefreshWorkflow } from '../workflows/segmentRefreshWorkflow';

/** One schedule per task queue: the product's is `segment-refresh`; a stack on a queue of its own gets its own. */
export function segmentRefreshScheduleId(taskQueue: string = TASK_QUEUES.main): string {
  return taskQueue === TASK_QUEUES.main ? 'segment-refresh' : `segment-refresh:${taskQueue}`;
}

/**
 * The Temporal Schedule that evaluates time-windowed segments again every SEGMENT_REFRESH_INTERVAL: created when
 * missing, brought up to date when it exists (a restart with a new interval takes effect). Overlapping runs are
 * skipped; a run missed while the cluster was down is caught up within an hour.
 */
export async function ensureSegmentRefreshSchedule(
  client: Client,
  config: Partial<Pick<Config, 'SEGMENT_REFRESH_INTERVAL'>>,
  log: Logger,
  taskQueue: string = TASK_QUEUES.main,
): Promise<{ scheduleId: string; state: 'created' | 'updated' }> {
  const scheduleId = segmentRefreshScheduleId(taskQueue);
  const spec = { intervals: [{ every: parseDuration(config.SEGMENT_REFRESH_INTERVAL ?? 'PT10M') }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: segmentRefreshWorkflow,
    workflowId: scheduleId,
    taskQueue,
    args: [{ version: 1 as const }] as [{ version: 1 }],
  };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    });
    log.info({ scheduleId, spec }, 'segment refresh: schedule created');
    return { scheduleId, state: 'created' };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
  log.info({ scheduleId, spec }, 'segment refresh: schedule up to date');
  return { scheduleId, state: 'updated' };
}
