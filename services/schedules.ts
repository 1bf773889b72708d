import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsAction,
  type ScheduleSpec,
} from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { Logger } from '../infra/logger';

/**
 * Makes a Temporal Schedule match what the product wants, idempotently: created when missing, its spec and action
 * brought up to date when it exists (a restart with new settings takes effect). Overlapping runs are skipped (or as
 * `overlap` says); a run
 * missed while the cluster was down is caught up within `catchupWindow`.
 */
export async function upsertSchedule(
  client: Client,
  schedule: {
    scheduleId: string;
    spec: ScheduleSpec;
    action: ScheduleOptionsAction;
    catchupWindow: Duration;
    /** Skipped unless said otherwise. */
    overlap?: ScheduleOverlapPolicy;
  },
  log: Logger,
  what: string,
): Promise<'created' | 'updated'> {
  const { scheduleId, spec, action, catchupWindow, overlap = ScheduleOverlapPolicy.SKIP } = schedule;
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies: { overlap, catchupWindow },
    });
    log.info({ scheduleId, spec }, `${what}: schedule created`);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
  log.info({ scheduleId, spec }, `${what}: schedule up to date`);
  return 'updated';
}
