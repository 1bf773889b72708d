import { createApprovalActivities, type ApprovalActivityDeps } from './approvalActivities';
import { createNotificationActivities, type NotificationActivityDeps } from './notificationActivities';
import { createSequenceActivities, type SequenceActivityDeps } from './sequenceActivities';

export type ActivityDeps = SequenceActivityDeps & NotificationActivityDeps & ApprovalActivityDeps;

/** Every activity the workers register, built from their dependencies (tests pass their own). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSequenceActivities(deps),
    ...createNotificationActivities(deps),
    ...createApprovalActivities(deps),
  };
}
