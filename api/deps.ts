import type { Client } from '@temporalio/client';
import type { Config } from '../config/config';
import type { Db } from '../db/knex';
import type { Logger } from '../infra/logger';
import type { LruCache } from '../infra/lruCache';
import type { MailCatcher } from '../infra/mailCatcher';
import type { Metrics } from '../infra/metrics';
import type { LinkSigner } from '../infra/signing';
import type { CampaignConfig } from '../services/campaigns';
import { SignInService } from '../services/signIn';
import type { ApprovalGate } from '../workflows/approvalTypes';

/** The configuration the approval gate is built from. */
export type ApprovalConfig = Pick<
  Config,
  | 'APPROVAL_REMINDER_EVERY'
  | 'APPROVAL_ESCALATE_AFTER'
  | 'APPROVAL_EXPIRE_AFTER'
  | 'CHAIRMAN_EMAIL'
  | 'ESCALATION_EMAIL'
>;

/** What the API's routes are built from; the app and every route file share this one declaration. */
export interface AppDeps {
  db: Db;
  temporal: Client;
  config: Pick<Config, 'publicUrl' | 'temporalUiUrl' | 'TEMPORAL_NAMESPACE'> &
    Partial<ApprovalConfig & Pick<Config, 'INFLUENCER_IMPORT_MAX_BYTES'>> &
    Partial<CampaignConfig> &
    Partial<
      Pick<
        Config,
        | 'RATE_LIMIT_PER_MINUTE'
        | 'RATE_LIMIT_BURST'
        | 'UNSUBSCRIBE_RATE_LIMIT_PER_MINUTE'
        | 'SIGN_IN_RATE_LIMIT_PER_MINUTE'
      >
    > &
    Partial<
      Pick<
        Config,
        | 'MAIL_FROM'
        | 'mailFromAllowed'
        | 'mailReplyToAllowed'
        | 'PRODUCT_NAME'
        | 'COMPANY_NAME'
        | 'COMPANY_ADDRESS'
        | 'appUrl'
        | 'MUST_DELIVER_TEMPLATES'
        | 'TRACKING_ENABLED'
      >
    > &
    Partial<
      Pick<
        Config,
        | 'dataDir'
        | 'CONTACTS_FROM_EVENTS'
        | 'IMPORT_INLINE_MAX_BYTES'
        | 'IMPORT_MAX_BYTES'
        | 'BROADCAST_RATE_LIMIT_PER_SECOND'
        | 'APPROVAL_BROADCAST_RECIPIENTS_THRESHOLD'
        | 'SEGMENT_WRITE_KEY'
        | 'FREQUENCY_CAP'
        | 'FREQUENCY_WINDOW_HOURS'
      >
    > &
    Partial<
      Pick<
        Config,
        | 'SENDGRID_WEBHOOK_PUBLIC_KEY'
        | 'TWILIO_AUTH_TOKEN'
        | 'SMS_DEFAULT_COUNTRY'
        | 'MAILGUN_WEBHOOK_SIGNING_KEY'
        | 'WEBHOOK_MAX_AGE_SECONDS'
        | 'TRACKING_SCANNER_WINDOW_SECONDS'
        | 'softBounces'
      >
    > &
    Partial<
      Pick<
        Config,
        | 'SESSION_TTL_HOURS'
        | 'SIGN_IN_LOCK_AFTER'
        | 'SIGN_IN_LOCK_MINUTES'
        | 'PASSWORD_RESET_TTL_MINUTES'
        | 'OIDC_ISSUER'
        | 'OIDC_CLIENT_ID'
        | 'OIDC_CLIENT_SECRET'
        | 'OIDC_ROLES_CLAIM'
        | 'AUDIENCE_SYNC_INTERVAL'
        | 'AD_CREDENTIAL_WARN_DAYS'
      >
    >;
  log: Logger;
  signer: LinkSigner;
  /** The embedded SMTP catcher, when the product runs on its defaults. */
  mailCatcher?: MailCatcher;
  taskQueue?: string;
  metrics?: Metrics;
  /** Influencer data cache, shared with the worker's scoring activities when both run in this process. */
  influencerCache?: LruCache<unknown>;
}

/** What a route factory receives: the app's dependencies with the metrics registry and sign-in settled. */
export type RouteDeps = AppDeps & { metrics: Metrics; signIn: SignInService };

/** Sign-in as the configuration sets it, with the defaults when the app is built with less. */
export function signInService(deps: Pick<AppDeps, 'db' | 'signer' | 'config'>): SignInService {
  const c = deps.config;
  return new SignInService(deps.db, deps.signer, {
    sessionTtlMs: (c.SESSION_TTL_HOURS ?? 12) * 3_600_000,
    lockAfter: c.SIGN_IN_LOCK_AFTER ?? 5,
    lockMs: (c.SIGN_IN_LOCK_MINUTES ?? 15) * 60_000,
    resetTtlMs: (c.PASSWORD_RESET_TTL_MINUTES ?? 60) * 60_000,
  });
}

/** Who the chairman's approval gate asks and how long it waits (strategies, broadcasts), with the configuration's defaults when the app is built with less. */
export function approvalGate(config: AppDeps['config']): ApprovalGate {
  return {
    policy: {
      reminderEvery: config.APPROVAL_REMINDER_EVERY ?? 'PT24H',
      escalateAfter: config.APPROVAL_ESCALATE_AFTER ?? 'P2D',
      expireAfter: config.APPROVAL_EXPIRE_AFTER ?? 'P7D',
    },
    approvers: [config.CHAIRMAN_EMAIL ?? 'chairman@gtm.localhost'],
    escalateTo: [config.ESCALATION_EMAIL ?? 'escalations@gtm.localhost'],
  };
}
