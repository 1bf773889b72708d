import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Config } from '../config/config';
import { TASK_QUEUES } from '../domain/ids';
import { parseDuration } from '../domain/sequences/duration';
import type { Logger } from '../infra/logger';
import type { Db } from '../db/knex';
import { AudienceSyncStore } from '../db/stores/audienceSyncs';
import { audienceSyncSchedule } from '../services/audienceSyncs';
import { adCredentialCheckWorkflow } from '../workflows/adPlatformWorkflows';
import { scheduleIdFor, upsertSchedule } from './schedules';

export const adCredentialCheckScheduleId = (taskQueue?: string) => scheduleIdFor('ad-credential-check', taskQueue);

/**
 * The Temporal Schedule that checks the ad platforms' credentials every AD_CREDENTIAL_CHECK_INTERVAL and tells
 * OPERATOR_EMAIL about any refused, or expiring within AD_CREDENTIAL_WARN_DAYS.
 */
export async function ensureAdCredentialCheckSchedule(
  client: Client,
  config: Partial<Pick<Config, 'AD_CREDENTIAL_CHECK_INTERVAL' | 'AD_CREDENTIAL_WARN_DAYS' | 'OPERATOR_EMAIL'>>,
  log: Logger,
  taskQueue: string = TASK_QUEUES.main,
): Promise<{ scheduleId: string; state: 'created' | 'updated' }> {
  const scheduleId = adCredentialCheckScheduleId(taskQueue);
  const state = await upsertSchedule(
    client,
    {
      scheduleId,
      spec: { intervals: [{ every: parseDuration(config.AD_CREDENTIAL_CHECK_INTERVAL ?? 'P1D') }] },
      action: {
        type: 'startWorkflow',
        workflowType: adCredentialCheckWorkflow,
        workflowId: scheduleId,
        taskQueue,
        args: [
          {
            version: 1 as const,
            alertTo: [config.OPERATOR_EMAIL ?? 'operators@gtm.localhost'],
            warnDays: config.AD_CREDENTIAL_WARN_DAYS ?? 14,
          },
        ],
      },
      catchupWindow: '1 day',
    },
    log,
    'ad credential check',
  );
  return { scheduleId, state };
}

/**
 * Brings every audience sync's schedule up to date (a restart with a new AUDIENCE_SYNC_INTERVAL takes effect), and
 * recreates one lost with the cluster's data.
 */
export async function ensureAudienceSyncSchedules(
  client: Client,
  db: Db,
  config: Partial<Pick<Config, 'AUDIENCE_SYNC_INTERVAL'>>,
  log: Logger,
  taskQueue: string = TASK_QUEUES.main,
): Promise<number> {
  const syncs = await new AudienceSyncStore(db).list();
  for (const sync of syncs) {
    const schedule = audienceSyncSchedule(sync, config.AUDIENCE_SYNC_INTERVAL ?? 'PT6H', taskQueue);
    await upsertSchedule(
      client,
      { ...schedule, catchupWindow: '1 hour', overlap: ScheduleOverlapPolicy.BUFFER_ONE },
      log,
      'audience sync',
    );
  }
  return syncs.length;
}
