import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../../activities';
import { DATABASE_ACTIVITY, SEND_ACTIVITY } from '../activityOptions';

type Activities = ReturnType<typeof createActivities>;

/** Campaign rows and audit entries. */
export const db = proxyActivities<Activities>(DATABASE_ACTIVITY);

/**
 * Ad platform calls: throttling and outages are retried with backoff for up to a day; a refusal is final. A
 * platform that cannot pause or resume for a day fails the run, where operators see it.
 */
export const ads = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '1 day',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '5m',
    nonRetryableErrorTypes: ['AdPlatformRejected', 'AdCredentialInvalid', 'UnknownAdPlatform'],
  },
});

/** Metrics syncs read every platform in turn, heartbeating after each; one that cannot finish in an hour is skipped. */
export const metrics = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '3m',
  scheduleToCloseTimeout: '1h',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '5m',
    nonRetryableErrorTypes: ['AdPlatformRejected', 'AdCredentialInvalid', 'UnknownAdPlatform'],
  },
});

/** Alerts to the chairman. */
export const mail = proxyActivities<Activities>(SEND_ACTIVITY);
