import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Client } from '@temporalio/client';
import type { Config } from '../config/config';
import type { Db } from '../db/knex';
import type { Logger } from '../infra/logger';
import type { MailCatcher } from '../infra/mailCatcher';
import type { LinkSigner } from '../infra/signing';
import { authenticate } from './auth';
import { rateLimitPerIp, rateLimitPerKey } from './rateLimit';
import { limitBodyDepth } from './bodyDepth';
import { errorHandler, HttpError } from './errors';
import { createMetrics, type Metrics } from '../infra/metrics';
import { contactRoutes } from './routes/contacts';
import { devMailRoutes } from './routes/devMail';
import { eventRoutes } from './routes/events';
import { healthRoutes } from './routes/health';
import { sequenceRoutes } from './routes/sequences';
import { unsubscribeRoutes } from './routes/unsubscribe';
import { attributionRoutes } from './routes/attribution';
import { channelMixRoutes } from './routes/channelMix';
import { influencerRoutes, isCsvImport } from './routes/influencers';
import { readinessRoutes } from './routes/readiness';
import { strategyRoutes, type StrategyApprovalConfig } from './routes/strategies';
import type { LruCache } from '../infra/lruCache';
import type { CampaignConfig } from '../services/campaigns';
import { approvalRoutes } from './routes/approvals';
import { campaignRoutes } from './routes/campaigns';
import { ventureRoutes } from './routes/ventures';
import { openApiRoutes } from './openapi';
import { dashboardRoutes } from './routes/dashboard';
import { seoPageRoutes, seoReportRoutes } from './routes/seoPages';
import { metaRoutes } from './routes/meta';
import { demoRoutes } from './routes/demo';
import { commandRoutes } from './routes/commands';
import { overviewRoutes } from './routes/overview';
import { campaignInfluencerRoutes } from './routes/campaignInfluencers';

export interface AppDeps {
  db: Db;
  temporal: Client;
  config: Pick<Config, 'publicUrl' | 'temporalUiUrl' | 'TEMPORAL_NAMESPACE'> &
    Partial<StrategyApprovalConfig & Pick<Config, 'INFLUENCER_IMPORT_MAX_BYTES'>> &
    Partial<CampaignConfig> &
    Partial<Pick<Config, 'RATE_LIMIT_PER_MINUTE' | 'RATE_LIMIT_BURST' | 'UNSUBSCRIBE_RATE_LIMIT_PER_MINUTE'>> &
    Partial<Pick<Config, 'MAIL_FROM' | 'mailFromAllowed'>>;
  log: Logger;
  signer: LinkSigner;
  /** The embedded SMTP catcher, when the product runs on its defaults. */
  mailCatcher?: MailCatcher;
  taskQueue?: string;
  metrics?: Metrics;
  /** Influencer data cache, shared with the worker's scoring activities when both run in this process. */
  influencerCache?: LruCache<unknown>;
}

/** JSON bodies up to 2 MB: a batch of 1,000 events fits; anything larger is a 413. */
const BODY_LIMIT = '2mb';

/** Builds the Express app without listening, so tests drive it as production assembles it. */
export function createApp(deps: AppDeps): Express {
  const metrics = deps.metrics ?? createMetrics();
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(helmet());
  app.use((req: Request, res: Response, next: NextFunction) => {
    const end = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      end({ method: req.method, route });
      if (res.statusCode >= 500) deps.log.warn({ method: req.method, route, status: res.statusCode }, 'request failed');
    });
    next();
  });

  app.use(healthRoutes({ ...deps, metrics }));
  // Unsubscribe links need no key, so they are limited per address; a burst of 10 covers a mail client's prefetch.
  app.use('/u', rateLimitPerIp({ perMinute: deps.config.UNSUBSCRIBE_RATE_LIMIT_PER_MINUTE ?? 60, burst: 10 }));
  app.use(unsubscribeRoutes(deps));
  app.use(openApiRoutes());
  app.use(seoPageRoutes(deps));

  const v1 = express.Router();
  // Who is asking, and whether they are over their rate, is settled before a body is read: nobody without a
  // valid key, and no key over its limit, makes the server parse up to 2 MB of JSON.
  v1.use(authenticate(deps.db));
  v1.use(
    rateLimitPerKey({
      perMinute: deps.config.RATE_LIMIT_PER_MINUTE ?? 600,
      burst: deps.config.RATE_LIMIT_BURST ?? 120,
    }),
  );
  v1.use((req, _res, next) => {
    // req.is answers null when there is no body, false when the body is of another type. An empty body
    // (Content-Length: 0, as fetch sends for a POST without one) has no type to check.
    if (req.is('application/json') === false && req.get('content-length') !== '0' && !isCsvImport(req))
      return next(new HttpError(415, 'request bodies must be application/json'));
    next();
  });
  v1.use(express.json({ limit: BODY_LIMIT, strict: false }));
  v1.use(limitBodyDepth());
  v1.use(contactRoutes(deps));
  v1.use(eventRoutes({ ...deps, metrics }));
  v1.use(sequenceRoutes({ ...deps, metrics }));
  v1.use(
    influencerRoutes({
      ...deps,
      metrics,
      maxImportBytes: deps.config.INFLUENCER_IMPORT_MAX_BYTES ?? 200 * 1024 * 1024,
    }),
  );
  v1.use(attributionRoutes(deps));
  v1.use(channelMixRoutes(deps));
  v1.use(readinessRoutes(deps));
  v1.use(strategyRoutes({ ...deps, metrics, config: strategyApprovalConfig(deps.config) }));
  v1.use(ventureRoutes(deps));
  v1.use(approvalRoutes(deps));
  v1.use(campaignRoutes(deps));
  v1.use(metaRoutes(deps));
  v1.use(demoRoutes({ ...deps, metrics }));
  v1.use(commandRoutes(deps));
  v1.use(overviewRoutes(deps));
  v1.use(seoReportRoutes(deps));
  v1.use(campaignInfluencerRoutes(deps));
  if (deps.mailCatcher) v1.use(devMailRoutes(deps.mailCatcher, deps.db));
  app.use('/v1', v1);
  app.use(dashboardRoutes());

  app.use((req, _res, next) => next(new HttpError(404, `no route for ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.log));
  return app;
}

/** The strategy approval gate's settings, with the configuration's defaults when the app is built with less. */
function strategyApprovalConfig(config: AppDeps['config']): StrategyApprovalConfig {
  return {
    APPROVAL_REMINDER_EVERY: config.APPROVAL_REMINDER_EVERY ?? 'PT24H',
    APPROVAL_ESCALATE_AFTER: config.APPROVAL_ESCALATE_AFTER ?? 'P2D',
    APPROVAL_EXPIRE_AFTER: config.APPROVAL_EXPIRE_AFTER ?? 'P7D',
    CHAIRMAN_EMAIL: config.CHAIRMAN_EMAIL ?? 'chairman@gtm.localhost',
    ESCALATION_EMAIL: config.ESCALATION_EMAIL ?? 'escalations@gtm.localhost',
  };
}
