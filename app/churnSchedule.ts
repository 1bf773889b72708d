import { ScheduleNotFoundError, type Client, type ScheduleSpec } from '@temporalio/client';
import type { Config } from '../config/config';
import { scheduleIdFor, TASK_QUEUES } from '../domain/ids';
import { parseDuration } from '../domain/sequences/duration';
import { churnScanWorkflow } from '../workflows/churnScanWorkflow';
import type { Logger } from '../infra/logger';
import { upsertSchedule } from '../services/schedules';

/** The note a schedule paused by CHURN_SCAN_ENABLED=false carries, so enabling it again unpauses only that pause. */
const DISABLED_NOTE = 'paused because CHURN_SCAN_ENABLED is false';

export const churnScanScheduleId = (taskQueue?: string) => scheduleIdFor('churn-scan', taskQueue);

type ScheduleConfig = Pick<Config, 'CHURN_SCAN_ENABLED' | 'CHURN_SCAN_CRON' | 'CHURN_SCAN_INTERVAL'>;

function specOf(config: ScheduleConfig): ScheduleSpec {
  return config.CHURN_SCAN_INTERVAL
    ? { intervals: [{ every: parseDuration(config.CHURN_SCAN_INTERVAL) }] }
    : { cronExpressions: [config.CHURN_SCAN_CRON] };
}

/**
 * Makes the churn scan's Temporal Schedule match the configuration, idempotently: created when missing, its spec
 * and action updated when it exists (a restart with a new CHURN_SCAN_CRON takes effect), paused when
 * CHURN_SCAN_ENABLED is false and unpaused when it is true again (upsertSchedule: overlapping runs skipped, a run
 * missed while the cluster was down caught up within a day).
 */
export async function ensureChurnScanSchedule(
  client: Client,
  config: ScheduleConfig,
  log: Logger,
  taskQueue: string = TASK_QUEUES.main,
): Promise<{ scheduleId: string; state: 'created' | 'updated' | 'paused' | 'absent' }> {
  const scheduleId = churnScanScheduleId(taskQueue);
  const handle = client.schedule.getHandle(scheduleId);
  const enabled = config.CHURN_SCAN_ENABLED === 'true';
  const spec = specOf(config);
  const action = {
    type: 'startWorkflow' as const,
    workflowType: churnScanWorkflow,
    // The schedule appends the scheduled time, so each run has its own id, which is also the scan id.
    workflowId: scheduleId,
    taskQueue,
    args: [{ version: 1 as const }] as [{ version: 1 }],
  };
  if (!enabled) {
    try {
      const description = await handle.describe();
      if (!description.state.paused) await handle.pause(DISABLED_NOTE);
      log.info({ scheduleId }, 'churn scan: schedule paused (CHURN_SCAN_ENABLED=false)');
      return { scheduleId, state: 'paused' };
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return { scheduleId, state: 'absent' };
      throw err;
    }
  }
  const state = await upsertSchedule(client, { scheduleId, spec, action, catchupWindow: '1 day' }, log, 'churn scan');
  if (state === 'created') return { scheduleId, state };
  const description = await handle.describe();
  if (description.state.paused && description.state.note === DISABLED_NOTE)
    await handle.unpause('CHURN_SCAN_ENABLED is true');
  return { scheduleId, state };
}
