import { createApprovalActivities, type ApprovalActivityDeps } from './approvalActivities';
import { createCampaignActivities, type CampaignActivityDeps } from './campaignActivities';
import { createChurnActivities, type ChurnActivityDeps } from './churnActivities';
import { createInfluencerActivities, type InfluencerActivityDeps } from './influencerActivities';
import { createNotificationActivities, type NotificationActivityDeps } from './notificationActivities';
import { createSequenceActivities, type SequenceActivityDeps } from './sequenceActivities';
import { createStrategyActivities, type StrategyActivityDeps } from './strategyActivities';
import { createImportActivities, type ImportActivityDeps } from './importActivities';
import { createSegmentActivities, type SegmentActivityDeps } from './segmentActivities';
import { createBroadcastActivities, type BroadcastActivityDeps } from './broadcastActivities';
import { createAccountActivities } from './accountActivities';
import { createTemplateActivities, type TemplateActivityDeps } from './templateActivities';
import { createProposalActivities, type ProposalActivityDeps } from './proposalActivities';
import { createAdPlatformActivities, type AdPlatformActivityDeps } from './adPlatformActivities';

export type ActivityDeps = SequenceActivityDeps &
  NotificationActivityDeps &
  ApprovalActivityDeps &
  CampaignActivityDeps &
  InfluencerActivityDeps &
  StrategyActivityDeps &
  ChurnActivityDeps &
  ImportActivityDeps &
  SegmentActivityDeps &
  BroadcastActivityDeps &
  TemplateActivityDeps &
  ProposalActivityDeps &
  AdPlatformActivityDeps;

/** Every activity the workers register, built from their dependencies (tests pass their own). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSequenceActivities(deps),
    ...createNotificationActivities(deps),
    ...createApprovalActivities(deps),
    ...createCampaignActivities(deps),
    ...createInfluencerActivities(deps),
    ...createStrategyActivities(deps),
    ...createChurnActivities(deps),
    ...createImportActivities(deps),
    ...createSegmentActivities(deps),
    ...createBroadcastActivities(deps),
    ...createTemplateActivities(deps),
    ...createAccountActivities(deps),
    ...createProposalActivities(deps),
    ...createAdPlatformActivities(deps),
  };
}
