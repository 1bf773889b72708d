import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { SegmentRefreshInput, SegmentRefreshResult } from '../activities/segmentActivities';
import { DATABASE_ACTIVITY } from './activityOptions';

type Activities = ReturnType<typeof createActivities>;

/** A full evaluation of a big segment takes seconds to minutes; the heartbeat proves the attempt is alive. */
const refresh = proxyActivities<Activities>({
  ...DATABASE_ACTIVITY,
  startToCloseTimeout: '30m',
  heartbeatTimeout: '2m',
});

/**
 * Evaluates the segments with time windows again, so whoever's qualifying events or dates left the window leaves
 * the segment (and whoever's entered it, enters), with the `segment.*` events that follow.
 * @remarks Started by a Temporal Schedule every SEGMENT_REFRESH_INTERVAL, overlapping runs skipped. One activity,
 * retried with backoff for up to a day.
 */
export async function segmentRefreshWorkflow(
  input: { version: 1 } & SegmentRefreshInput = { version: 1 },
): Promise<SegmentRefreshResult> {
  return refresh.refreshWindowedSegments(input.asOf ? { asOf: input.asOf } : {});
}
