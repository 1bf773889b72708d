import path from 'node:path';
import { z } from 'zod';
import { isDuration } from '../domain/sequences/duration';
import { allowedSenders, parseAllowedSenders, parseMailbox } from '../domain/sequences/senders';
import { DEFAULT_SOFT_BOUNCE_POLICY, type SoftBouncePolicy } from '../domain/suppressionPolicy';
import { parseSendGridPublicKey } from '../providers/email/sendgridWebhook';

const port = z.coerce.number().int().min(1).max(65535);
/** Audience syncs send the members of the `advertising` topic unless AUDIENCE_SYNC_CONSENT says otherwise. */
export const DEFAULT_AUDIENCE_SYNC_CONSENT = 'topic:advertising';

const optionalUrl = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

/** The sender of every email when MAIL_FROM is not set. */
/** A comma-separated list of addresses and `@domain` entries, lower-cased. */
const senderList = z.string().transform((v, ctx) => {
  const { allowed, invalid } = parseAllowedSenders(v);
  if (invalid.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `${invalid.map((e) => `'${e}'`).join(', ')}: each entry must be an address (hello@example.com) or a domain (@example.com)`,
    });
  }
  return allowed;
});

export const DEFAULT_PRODUCT_NAME = 'GTM Strategist';
export const DEFAULT_MAIL_FROM = 'GTM Strategist <hello@gtm.localhost>';

/** Every environment variable the product reads, with its default. README's configuration table mirrors this. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: port.default(3000),
  HOST: z.string().default('127.0.0.1'),
  PUBLIC_URL: optionalUrl.pipe(z.url().optional()),
  /**
   * The customer's product, where every email's button leads (UTM-tagged). The first thing to set: the default is
   * this service's own address, whose page is its sign-in, so the buttons would lead nowhere a user can go.
   */
  APP_URL: optionalUrl.pipe(z.url().optional()),
  DATA_DIR: z.string().default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: optionalUrl.pipe(z.url().optional()),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  EMBEDDED_POSTGRES_PORT: port.default(5433),
  TEMPORAL_ADDRESS: optionalUrl,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_UI_URL: optionalUrl.pipe(z.url().optional()),
  TEMPORAL_CLI_PATH: z.string().optional(),
  TEMPORAL_TEST_SERVER_PATH: z.string().optional(),
  SMTP_URL: optionalUrl.pipe(z.url().optional()),
  MAIL_CATCHER_PORT: port.default(1025),
  MAIL_FROM: z
    .string()
    .refine((v) => parseMailbox(v) !== undefined, 'must be one address with an optional name: Name <hello@example.com>')
    .default(DEFAULT_MAIL_FROM),
  /**
   * The senders a sequence step's `from` may name, as verified with the email provider: addresses and `@domain`
   * entries, comma-separated. MAIL_FROM's address is always allowed; unset, it is the only one.
   */
  MAIL_FROM_ALLOWED: optionalUrl.pipe(senderList.optional()),
  /**
   * The reply-to addresses a template may name: addresses and `@domain` entries, comma-separated. Unset, the
   * allowed senders.
   */
  MAIL_REPLY_TO_ALLOWED: optionalUrl.pipe(senderList.optional()),
  EMAIL_PROVIDER: z.enum(['smtp', 'sendgrid', 'mailgun']).default('smtp'),
  SENDGRID_API_KEY: z.string().optional(),
  SENDGRID_API_URL: z.url().default('https://api.sendgrid.com'),
  /** The verification key SendGrid shows for the signed Event Webhook (base64); without it the webhook refuses all. */
  SENDGRID_WEBHOOK_PUBLIC_KEY: z
    .string()
    .trim()
    .superRefine((v, ctx) => {
      try {
        parseSendGridPublicKey(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .optional(),
  MAILGUN_API_KEY: z.string().optional(),
  MAILGUN_DOMAIN: z.string().trim().min(1).optional(),
  /** https://api.mailgun.net, or https://api.eu.mailgun.net for a domain in Mailgun's EU region. */
  MAILGUN_API_URL: z.url().default('https://api.mailgun.net'),
  /** Mailgun's HTTP webhook signing key; without it the Mailgun webhook refuses all. */
  MAILGUN_WEBHOOK_SIGNING_KEY: z.string().min(1).optional(),
  /** How old a signed webhook may be before it is refused as stale (a replay). */
  WEBHOOK_MAX_AGE_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  /** Our open pixel and click redirect in marketing email. */
  TRACKING_ENABLED: z.enum(['true', 'false']).default('true'),
  /** A click this soon after the send is a link scanner's, not a reader's. */
  TRACKING_SCANNER_WINDOW_SECONDS: z.coerce.number().int().min(0).max(600).default(10),
  /** Templates sent even to a suppressed address (a password reset), comma-separated. */
  MUST_DELIVER_TEMPLATES: z
    .string()
    .transform((v, ctx) => {
      const names = v
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      // Templates are data: a key is checked for its form here, and names whatever template has it when it sends.
      const malformed = names.filter((t) => !/^[a-z0-9][a-z0-9_-]{0,99}$/.test(t));
      if (malformed.length) {
        ctx.addIssue({
          code: 'custom',
          message: `${malformed.map((t) => `'${t}'`).join(', ')}: each entry must be a template key (lowercase letters, digits, _ and -)`,
        });
      }
      return names;
    })
    .default([]),
  /** SOFT_BOUNCE_LIMIT soft bounces within SOFT_BOUNCE_WINDOW_DAYS suppress the address for SOFT_BOUNCE_SUPPRESS_DAYS. */
  SOFT_BOUNCE_LIMIT: z.coerce.number().int().min(1).default(DEFAULT_SOFT_BOUNCE_POLICY.limit),
  SOFT_BOUNCE_WINDOW_DAYS: z.coerce.number().int().min(1).default(DEFAULT_SOFT_BOUNCE_POLICY.windowDays),
  SOFT_BOUNCE_SUPPRESS_DAYS: z.coerce.number().int().min(1).default(DEFAULT_SOFT_BOUNCE_POLICY.suppressDays),
  SIGNING_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  PRODUCT_NAME: z.string().min(1).default(DEFAULT_PRODUCT_NAME),
  /** The sender named in every marketing email's footer, with the postal address the law asks for. */
  COMPANY_NAME: z.string().min(1).optional(),
  COMPANY_ADDRESS: z.string().min(1).optional(),
  FREQUENCY_CAP: z.coerce.number().int().min(1).default(3),
  FREQUENCY_WINDOW_HOURS: z.coerce.number().min(1).default(24),
  /** 'all': FREQUENCY_CAP marketing messages per contact across every channel; 'channel': that many per channel. */
  FREQUENCY_CAP_SCOPE: z.enum(['all', 'channel']).default('all'),
  /** Twilio's account and auth token for SMS; without them a step that sends an SMS records it as failed. */
  TWILIO_ACCOUNT_SID: z.string().trim().min(1).optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  /** The sending number (E.164), or a Messaging Service SID (MG...) that picks one. */
  TWILIO_FROM: z.string().trim().min(1).optional(),
  TWILIO_MESSAGING_SERVICE_SID: z.string().trim().min(1).optional(),
  TWILIO_API_URL: z.url().default('https://api.twilio.com'),
  /** The country a phone number without a +country code is read in (ISO 3166 alpha-2), e.g. US or GB. */
  SMS_DEFAULT_COUNTRY: z
    .string()
    .trim()
    .regex(/^[A-Z]{2}$/, 'must be a two-letter country code such as US or GB')
    .optional(),
  /** The secret webhook sends are signed with (X-GTM-Signature); without it a webhook send is recorded as failed. */
  WEBHOOK_SIGNING_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Lets webhook sends reach private and loopback addresses (a team's own systems on its network). */
  WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  /** A Firebase service account's JSON key file, for push through FCM's HTTP v1 API. */
  FCM_SERVICE_ACCOUNT_FILE: z.string().trim().min(1).optional(),
  FCM_API_URL: z.url().default('https://fcm.googleapis.com'),
  CHURN_SCAN_ENABLED: z.enum(['true', 'false']).default('true'),
  CHURN_SCAN_CRON: z.string().trim().min(1).default('0 3 * * *'),
  CHURN_SCAN_INTERVAL: optionalUrl.pipe(
    z.string().refine(isDuration, 'must be an ISO-8601 duration such as PT6H or P1D').optional(),
  ),
  CHURN_INTERVENTION_COOLDOWN: z
    .string()
    .refine(isDuration, 'must be an ISO-8601 duration such as P30D')
    .default('P30D'),
  CUSTOMER_SUCCESS_EMAIL: z.email().default('customer-success@gtm.localhost'),
  INFLUENCER_IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(200 * 1024 * 1024),
  APPROVAL_CAMPAIGN_BUDGET_THRESHOLD: z.coerce.number().min(0).default(5000),
  APPROVAL_BUDGET_INCREASE_PCT: z.coerce.number().min(0).default(20),
  /** A reallocation proposal moving more than this percentage of a campaign's daily budget waits for the chairman. */
  REALLOCATION_APPROVAL_PCT: z.coerce.number().min(0).max(100).default(10),
  /** Days after a reallocation is applied that its predicted conversions are measured against the actual. */
  REALLOCATION_MEASURE_DAYS: z.coerce.number().int().min(1).max(90).default(14),
  /** When the weekly reallocation proposals run (cron, UTC); `false` in REALLOCATION_PROPOSALS_ENABLED pauses them. */
  REALLOCATION_PROPOSAL_CRON: z.string().trim().min(1).default('0 6 * * 1'),
  REALLOCATION_PROPOSALS_ENABLED: z.enum(['true', 'false']).default('true'),
  APPROVAL_REMINDER_EVERY: z.string().refine(isDuration, 'must be an ISO-8601 duration such as PT24H').default('PT24H'),
  APPROVAL_ESCALATE_AFTER: z.string().refine(isDuration, 'must be an ISO-8601 duration such as P2D').default('P2D'),
  APPROVAL_EXPIRE_AFTER: z.string().refine(isDuration, 'must be an ISO-8601 duration such as P7D').default('P7D'),
  CHAIRMAN_EMAIL: z.email().default('chairman@gtm.localhost'),
  ESCALATION_EMAIL: z.email().default('escalations@gtm.localhost'),
  METRICS_SYNC_EVERY: z.string().refine(isDuration, 'must be an ISO-8601 duration such as PT1H').default('PT1H'),
  BUDGET_ALERT_PCT: z.coerce.number().gt(0).lt(100).default(80),
  GOOGLE_ADS_BASE_URL: optionalUrl.pipe(z.url().optional()),
  GOOGLE_ADS_ACCESS_TOKEN: optionalUrl,
  GOOGLE_ADS_CLIENT_ID: optionalUrl,
  GOOGLE_ADS_CLIENT_SECRET: optionalUrl,
  GOOGLE_ADS_REFRESH_TOKEN: optionalUrl,
  /** Google's OAuth token endpoint; only tests point it elsewhere. */
  GOOGLE_ADS_TOKEN_URL: optionalUrl.pipe(z.url().optional()),
  GOOGLE_ADS_DEVELOPER_TOKEN: optionalUrl,
  GOOGLE_ADS_CUSTOMER_ID: optionalUrl,
  GOOGLE_ADS_LOGIN_CUSTOMER_ID: optionalUrl,
  GOOGLE_ADS_CURRENCY: optionalUrl.pipe(z.string().length(3).optional()),
  META_BASE_URL: optionalUrl.pipe(z.url().optional()),
  META_ACCESS_TOKEN: optionalUrl,
  META_APP_ID: optionalUrl,
  META_APP_SECRET: optionalUrl,
  META_AD_ACCOUNT_ID: optionalUrl,
  META_CURRENCY: z.string().length(3).default('USD'),
  LINKEDIN_BASE_URL: optionalUrl.pipe(z.url().optional()),
  LINKEDIN_ACCESS_TOKEN: optionalUrl,
  LINKEDIN_CLIENT_ID: optionalUrl,
  LINKEDIN_CLIENT_SECRET: optionalUrl,
  LINKEDIN_REFRESH_TOKEN: optionalUrl,
  /** LinkedIn's OAuth endpoints (accessToken, introspectToken) live below this; only tests point it elsewhere. */
  LINKEDIN_OAUTH_URL: optionalUrl.pipe(z.url().optional()),
  LINKEDIN_AD_ACCOUNT_ID: optionalUrl,
  LINKEDIN_CAMPAIGN_GROUP_ID: optionalUrl,
  LINKEDIN_CURRENCY: z.string().length(3).default('USD'),
  /** How often each audience sync uploads its segment's changes to the platform. */
  AUDIENCE_SYNC_INTERVAL: z.string().refine(isDuration, 'must be an ISO-8601 duration such as PT6H').default('PT6H'),
  /** Who audience syncs may send: `topic:<key>` (the topic's opt-in or opt-out rule) or `trait:<name>` (set true). */
  AUDIENCE_SYNC_CONSENT: z
    .string()
    .trim()
    .regex(/^(topic|trait):[A-Za-z0-9_.-]{1,100}$/, 'must be topic:<key> or trait:<name>, such as topic:advertising')
    .default(DEFAULT_AUDIENCE_SYNC_CONSENT),
  /** How often the ad platforms' credentials are checked, and how many days before an expiry operators are told. */
  AD_CREDENTIAL_CHECK_INTERVAL: z
    .string()
    .refine(isDuration, 'must be an ISO-8601 duration such as P1D')
    .default('P1D'),
  AD_CREDENTIAL_WARN_DAYS: z.coerce.number().int().min(1).max(90).default(14),
  /** Who is told when an ad platform credential is refused or about to expire. */
  OPERATOR_EMAIL: z.email().default('operators@gtm.localhost'),
  /** Load the demo venture, contacts, influencers and campaigns at start-up (idempotent); POST /v1/demo does the same. */
  DEMO_DATA: z.enum(['true', 'false']).default('false'),
  RUN_WORKER: z.enum(['true', 'false']).default('true'),
  RUN_API: z.enum(['true', 'false']).default('true'),
  /** The worker's and the API's task queue; several deployments can share one Temporal namespace on their own. */
  TASK_QUEUE: optionalUrl,
  /** Requests per minute each API key may make, sustained; a key over it gets 429 with Retry-After. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /** Requests a key may make at once before the per-minute rate applies. */
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(120),
  /** Unsubscribe link requests per minute from one address (the links need no key, so they are limited by IP). */
  UNSUBSCRIBE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  /** Sign-in attempts per minute per client address, on top of each account's own lock; reset requests take a sixth. */
  SIGN_IN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  /** An event for an unknown contact id that carries `properties.email` creates the contact, instead of a 404. */
  CONTACTS_FROM_EVENTS: z.enum(['true', 'false']).default('false'),
  /** A contact import up to this size is answered at once with its report; a larger one runs as a workflow. */
  IMPORT_INLINE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(1024 * 1024),
  /** The largest contact import accepted, in bytes. */
  IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(4 * 1024 * 1024 * 1024),
  /** How often segments with time windows are evaluated again (someone whose last login leaves the window leaves). */
  SEGMENT_REFRESH_INTERVAL: z
    .string()
    .refine(isDuration, 'must be an ISO-8601 duration such as PT10M')
    .default('PT10M'),
  /** A broadcast's send rate when it names none, in messages per second. */
  BROADCAST_RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(1).max(10_000).default(100),
  /** What a marketing broadcast does with a recipient over the frequency cap: skip them, or send once the cap allows. */
  BROADCAST_CAPPED: z.enum(['skip', 'defer']).default('skip'),
  /** A broadcast to more recipients than this waits for the chairman's approval. */
  APPROVAL_BROADCAST_RECIPIENTS_THRESHOLD: z.coerce.number().int().min(0).default(10_000),
  /** How long a dashboard sign-in lasts, in hours. */
  SESSION_TTL_HOURS: z.coerce
    .number()
    .min(0.1)
    .max(24 * 90)
    .default(12),
  /** After this many wrong passwords in a row an account is locked for SIGN_IN_LOCK_MINUTES. */
  SIGN_IN_LOCK_AFTER: z.coerce.number().int().min(2).max(100).default(5),
  SIGN_IN_LOCK_MINUTES: z.coerce
    .number()
    .min(1)
    .max(24 * 60)
    .default(15),
  /** How long a password reset link stays usable, in minutes. */
  PASSWORD_RESET_TTL_MINUTES: z.coerce
    .number()
    .int()
    .min(5)
    .max(24 * 60)
    .default(60),
  /** Single sign-on with OpenID Connect: all three, or none. */
  OIDC_ISSUER: optionalUrl.pipe(z.url().optional()),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** The ID token claim that lists a person's roles (marketer, chairman, operator). */
  OIDC_ROLES_CLAIM: z.string().min(1).default('roles'),
  /** The write key a Segment or RudderStack source sends (HTTP basic auth user name); the ingestion routes answer 503 without it. */
  SEGMENT_WRITE_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Env {
  dataDir: string;
  publicUrl: string;
  appUrl: string;
  temporalUiUrl: string;
  /** The senders a step may name: MAIL_FROM's address first, then MAIL_FROM_ALLOWED's entries, lower-cased. */
  mailFromAllowed: string[];
  /** The reply-to addresses a template may name: MAIL_REPLY_TO_ALLOWED, or the allowed senders. */
  mailReplyToAllowed: string[];
  softBounces: SoftBouncePolicy;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the environment once; a bad value throws a ConfigError that names each variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  if (e.EMAIL_PROVIDER === 'sendgrid' && !e.SENDGRID_API_KEY) {
    throw new ConfigError(['SENDGRID_API_KEY: required when EMAIL_PROVIDER is sendgrid']);
  }
  const oidc = (['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const).filter((k) => !e[k]);
  if (oidc.length > 0 && oidc.length < 3) {
    throw new ConfigError(oidc.map((k) => `${k}: required when any OIDC_ setting is given (single sign-on)`));
  }
  const twilio = (['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN'] as const).filter((k) => !e[k]);
  if (twilio.length === 1) throw new ConfigError(twilio.map((k) => `${k}: required when any TWILIO_ setting is given`));
  if (twilio.length === 0 && !e.TWILIO_FROM && !e.TWILIO_MESSAGING_SERVICE_SID) {
    throw new ConfigError(['TWILIO_FROM: a sending number (or TWILIO_MESSAGING_SERVICE_SID) is required for SMS']);
  }
  if (e.EMAIL_PROVIDER === 'mailgun') {
    const missing = (['MAILGUN_API_KEY', 'MAILGUN_DOMAIN'] as const).filter((k) => !e[k]);
    if (missing.length) throw new ConfigError(missing.map((k) => `${k}: required when EMAIL_PROVIDER is mailgun`));
  }
  return {
    ...e,
    dataDir: path.resolve(e.DATA_DIR),
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    appUrl: e.APP_URL ?? e.PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    temporalUiUrl: (e.TEMPORAL_UI_URL ?? `http://localhost:${e.TEMPORAL_UI_PORT}`).replace(/\/$/, ''),
    mailFromAllowed: allowedSenders(e.MAIL_FROM, e.MAIL_FROM_ALLOWED),
    mailReplyToAllowed: e.MAIL_REPLY_TO_ALLOWED ?? allowedSenders(e.MAIL_FROM, e.MAIL_FROM_ALLOWED),
    softBounces: {
      limit: e.SOFT_BOUNCE_LIMIT,
      windowDays: e.SOFT_BOUNCE_WINDOW_DAYS,
      suppressDays: e.SOFT_BOUNCE_SUPPRESS_DAYS,
    },
  };
}
