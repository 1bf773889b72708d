import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../config/config';
import { scheduleIdFor, TASK_QUEUES } from '../domain/ids';
import type { Logger } from '../infra/logger';
import { reallocationPolicy } from '../services/proposalRequests';
import { reallocationScanWorkflow } from '../workflows/proposalWorkflow';
import type { ReallocationScanInput } from '../workflows/proposalTypes';
import { upsertSchedule } from '../services/schedules';

/** The note a schedule paused by REALLOCATION_PROPOSALS_ENABLED=false carries, so enabling unpauses only that. */
const DISABLED_NOTE = 'paused because REALLOCATION_PROPOSALS_ENABLED is false';

export const reallocationScheduleId = (taskQueue?: string) => scheduleIdFor('reallocation-proposals', taskQueue);

type ScheduleConfig = Partial<Config> & Pick<Config, 'REALLOCATION_PROPOSALS_ENABLED' | 'REALLOCATION_PROPOSAL_CRON'>;

/**
 * Makes the weekly reallocation round's Temporal Schedule match the configuration, idempotently: created when
 * missing, its cron and policy (REALLOCATION_APPROVAL_PCT, REALLOCATION_MEASURE_DAYS, the approvers) brought up to
 * date when it exists, paused while REALLOCATION_PROPOSALS_ENABLED is false. A round missed while the cluster was
 * down is caught up within a day.
 */
export async function ensureReallocationSchedule(
  client: Client,
  config: ScheduleConfig,
  log: Logger,
  taskQueue: string = TASK_QUEUES.main,
): Promise<{ scheduleId: string; state: 'created' | 'updated' | 'paused' | 'absent' }> {
  const scheduleId = reallocationScheduleId(taskQueue);
  const handle = client.schedule.getHandle(scheduleId);
  if (config.REALLOCATION_PROPOSALS_ENABLED !== 'true') {
    try {
      const description = await handle.describe();
      if (!description.state.paused) await handle.pause(DISABLED_NOTE);
      log.info({ scheduleId }, 'reallocation proposals: schedule paused (REALLOCATION_PROPOSALS_ENABLED=false)');
      return { scheduleId, state: 'paused' };
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return { scheduleId, state: 'absent' };
      throw err;
    }
  }
  const args: [ReallocationScanInput] = [{ version: 1, policy: reallocationPolicy(config) }];
  const state = await upsertSchedule(
    client,
    {
      scheduleId,
      spec: { cronExpressions: [config.REALLOCATION_PROPOSAL_CRON] },
      // The schedule appends the scheduled time to the id, so each round has its own.
      action: {
        type: 'startWorkflow',
        workflowType: reallocationScanWorkflow,
        workflowId: scheduleId,
        taskQueue,
        args,
      },
      catchupWindow: '1 day',
    },
    log,
    'reallocation proposals',
  );
  if (state === 'created') return { scheduleId, state };
  const description = await handle.describe();
  if (description.state.paused && description.state.note === DISABLED_NOTE) {
    await handle.unpause('REALLOCATION_PROPOSALS_ENABLED is true');
  }
  return { scheduleId, state };
}
