import type { Client } from '@temporalio/client';
import type { Config } from '../config/config';
import { scheduleIdFor, TASK_QUEUES } from '../domain/ids';
import { parseDuration } from '../domain/sequences/duration';
import type { Logger } from '../infra/logger';
import { adCredentialCheckWorkflow } from '../workflows/adPlatformWorkflows';
import { upsertSchedule } from '../services/schedules';

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
