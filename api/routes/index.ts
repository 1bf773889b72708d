import type { RouteDeps } from '../deps';
import type { AnyRoute } from '../registry';
import { adPlatformRoutes } from './adPlatforms';
import { approvalRoutes } from './approvals';
import { attributionRoutes } from './attribution';
import { campaignInfluencerRoutes } from './campaignInfluencers';
import { proposalRoutes } from './proposals';
import { campaignForecastRoutes } from './campaignForecast';
import { unitEconomicsRoutes } from './unitEconomics';
import { churnRoutes } from './churn';
import { mediaMixRoutes } from './mediaMix';
import { campaignRoutes } from './campaigns';
import { channelMixRoutes } from './channelMix';
import { commandRoutes } from './commands';
import { contactRoutes } from './contacts';
import { demoRoutes } from './demo';
import { vendorRoutes } from './dashboard';
import { devMailRoutes } from './devMail';
import { eventRoutes } from './events';
import { healthRoutes } from './health';
import { influencerRoutes } from './influencers';
import { metaRoutes } from './meta';
import { overviewRoutes } from './overview';
import { readinessRoutes } from './readiness';
import { seoPageRoutes, seoReportRoutes } from './seoPages';
import { sequenceRoutes } from './sequences';
import { strategyRoutes } from './strategies';
import { unsubscribeRoutes } from './unsubscribe';
import { ventureRoutes } from './ventures';
import { messageRoutes } from './messages';
import { inboxRoutes } from './inbox';
import { suppressionRoutes } from './suppressions';
import { trackingRoutes } from './tracking';
import { webhookRoutes } from './webhooks';
import { importRoutes } from './imports';
import { segmentRoutes } from './segments';
import { broadcastRoutes } from './broadcasts';
import { segmentSpecRoutes } from './segmentSpec';
import { templateRoutes } from './templates';
import { templatePreviewRoutes } from './templatePreview';
import { topicRoutes } from './topics';
import { preferenceRoutes } from './preferences';
import { sessionRoutes } from './session';
import { ssoRoutes } from './sso';
import { userRoutes } from './users';
import { DEFAULT_SOFT_BOUNCE_POLICY } from '../../domain/suppressionPolicy';
import { EngagementService } from '../../services/engagement';
import { EnrollmentService } from '../../services/enrollment';
import { unsubscriber } from '../../services/unsubscribe';
import { openApiRoutes } from '../openapi';
import { approvalGate } from '../deps';

/** Every route the app serves, in declaration order; /openapi.json and /docs describe this same list. */
export function buildRoutes(deps: RouteDeps): AnyRoute[] {
  const engagement = new EngagementService({
    db: deps.db,
    enrollment: new EnrollmentService(deps.db, deps.temporal, deps.metrics, deps.taskQueue),
    unsubscribe: unsubscriber(deps.db, deps.temporal, deps),
    softBounces: deps.config.softBounces ?? DEFAULT_SOFT_BOUNCE_POLICY,
    metrics: deps.metrics,
  });
  const routes: AnyRoute[] = [
    ...healthRoutes(deps),
    ...sessionRoutes(deps),
    ...ssoRoutes(deps),
    ...userRoutes(deps),
    ...vendorRoutes(),
    ...unsubscribeRoutes(deps),
    ...preferenceRoutes(deps),
    ...trackingRoutes({ ...deps, engagement }),
    ...webhookRoutes({ ...deps, engagement }),
    ...seoPageRoutes(deps),
    ...contactRoutes(deps),
    ...messageRoutes(deps),
    ...inboxRoutes({ ...deps, engagement }),
    ...suppressionRoutes(deps),
    ...eventRoutes(deps),
    ...importRoutes(deps),
    ...segmentRoutes(deps),
    ...broadcastRoutes(deps),
    ...segmentSpecRoutes(deps),
    // Before the template routes: `/v1/templates/variables` and `/preview` are not template keys.
    ...templatePreviewRoutes(deps),
    ...templateRoutes(deps),
    ...topicRoutes(deps),
    ...sequenceRoutes(deps),
    ...influencerRoutes({ ...deps, maxImportBytes: deps.config.INFLUENCER_IMPORT_MAX_BYTES ?? 200 * 1024 * 1024 }),
    ...attributionRoutes(deps),
    ...channelMixRoutes(deps),
    ...churnRoutes(deps),
    ...mediaMixRoutes(deps),
    ...readinessRoutes(deps),
    ...strategyRoutes({ ...deps, approval: approvalGate(deps.config) }),
    ...ventureRoutes(deps),
    ...approvalRoutes(deps),
    ...campaignRoutes(deps),
    ...adPlatformRoutes(deps),
    ...proposalRoutes(deps),
    ...campaignForecastRoutes(deps),
    ...unitEconomicsRoutes(deps),
    ...metaRoutes(deps),
    ...demoRoutes(deps),
    ...commandRoutes(deps),
    ...overviewRoutes(deps),
    ...seoReportRoutes(deps),
    ...campaignInfluencerRoutes(deps),
    ...(deps.mailCatcher ? devMailRoutes(deps.mailCatcher) : []),
  ];
  routes.push(...openApiRoutes(() => routes));
  return routes;
}
