import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { AudienceSyncOutcome } from '../activities/adPlatformActivities';
import { credentialAttention, daysLeft } from '../domain/adCredentials';
import { DATABASE_ACTIVITY, SEND_ACTIVITY } from './activityOptions';

type Activities = ReturnType<typeof createActivities>;

/** Errors no retry can mend: a refused credential or request, a sync deleted meanwhile. */
const FINAL = ['AdPlatformRejected', 'AdCredentialInvalid', 'AudienceSyncGone'];

/**
 * An audience upload reads the segment and sends it in the platform's batches: minutes for a big one, heartbeated.
 * Throttling is retried after the platform's own delay (the activity's failure carries it), outages with backoff,
 * for up to six hours, after which the next scheduled run starts over from what was recorded.
 */
const audiences = proxyActivities<Activities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '2m',
  scheduleToCloseTimeout: '6h',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m', nonRetryableErrorTypes: FINAL },
});

/** Credential checks ask each platform one or two questions. */
const checks = proxyActivities<Activities>({
  ...DATABASE_ACTIVITY,
  startToCloseTimeout: '2m',
  retry: { ...DATABASE_ACTIVITY.retry, maximumInterval: '5m', nonRetryableErrorTypes: FINAL },
});

const mail = proxyActivities<Activities>(SEND_ACTIVITY);

/**
 * One run of an audience sync: the platform audience made equal to the segment's members who may be advertised to.
 * @remarks Started by the sync's Temporal Schedule every AUDIENCE_SYNC_INTERVAL (overlapping runs buffered, one at
 * a time) and by `POST /v1/audience-syncs/:id/run`. Each run is recorded with its counts and errors.
 */
export async function audienceSyncWorkflow(input: { version: 1; syncId: string }): Promise<AudienceSyncOutcome> {
  return audiences.runAudienceSync({ syncId: input.syncId });
}

/** What the credential check is told: whom to alert, and how long before an expiry. */
export interface AdCredentialCheckInput {
  version: 1;
  alertTo: string[];
  warnDays: number;
}

/**
 * Asks every configured ad platform whether its credentials are accepted and when they expire, and emails the
 * operators about each refused credential (daily while it stays refused) and each one that expires within
 * `warnDays` (once per expiry date), naming the setting to renew.
 * @remarks Started by a Temporal Schedule every AD_CREDENTIAL_CHECK_INTERVAL. The findings are recorded for the
 * dashboard by the activity; the emails go through the outbox, once per idempotency key.
 */
export async function adCredentialCheckWorkflow(input: AdCredentialCheckInput): Promise<{ alerts: number }> {
  const statuses = await checks.checkAdCredentials();
  const now = Date.now();
  const today = new Date(now).toISOString().slice(0, 10);
  let alerts = 0;
  for (const s of statuses) {
    if (!credentialAttention(s, now, input.warnDays)) continue;
    alerts++;
    const about = s.valid ? `expires/${s.expiresAt}` : `refused/${today}`;
    await Promise.all(
      input.alertTo.map((to) =>
        mail.sendNotification({
          idempotencyKey: `ad-credential/${s.platform}/${s.setting}/${about}/${to}`,
          to,
          template: 'ad_credential_alert',
          subject: s.valid
            ? 'Renew {{credential.setting}}: it expires in {{credential.days_left}} days'
            : '{{credential.setting}} was refused: ad platform work has stopped',
          vars: {
            credential: {
              platform: s.platform,
              setting: s.setting,
              valid: s.valid,
              ...(s.expiresAt ? { expires_on: s.expiresAt.slice(0, 10), days_left: daysLeft(s, now) } : {}),
              ...(s.detail ? { detail: s.detail } : {}),
            },
          },
          ctaPath: '/#/ad-platforms',
        }),
      ),
    );
  }
  return { alerts };
}
