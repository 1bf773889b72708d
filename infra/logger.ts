import pino, { type Logger } from 'pino';

export type { Logger };

/** Environment variables whose values are credentials (a password may sit in a URL's user info). */
export const CREDENTIAL_SETTINGS = [
  'SIGNING_SECRET',
  'SENDGRID_API_KEY',
  'SMTP_URL',
  'DATABASE_URL',
  'GOOGLE_ADS_ACCESS_TOKEN',
  'GOOGLE_ADS_CLIENT_SECRET',
  'GOOGLE_ADS_REFRESH_TOKEN',
  'GOOGLE_ADS_DEVELOPER_TOKEN',
  'META_ACCESS_TOKEN',
  'META_APP_SECRET',
  'LINKEDIN_ACCESS_TOKEN',
  'LINKEDIN_CLIENT_SECRET',
  'LINKEDIN_REFRESH_TOKEN',
  'MAILGUN_API_KEY',
  'MAILGUN_WEBHOOK_SIGNING_KEY',
  'OIDC_CLIENT_SECRET',
  'SEGMENT_WRITE_KEY',
  'TWILIO_AUTH_TOKEN',
  'WEBHOOK_SIGNING_SECRET',
];

/**
 * Paths that may hold a secret or a message body. pino removes them before a line is written, so
 * neither an API key nor an email body can reach a log, whatever a caller passes.
 */
export const REDACTED_PATHS = [
  'authorization',
  'apiKey',
  'key',
  'password',
  'token',
  'taskToken',
  'secret',
  'html',
  'text',
  'body',
  '*.authorization',
  '*.apiKey',
  '*.key',
  '*.password',
  '*.token',
  '*.taskToken',
  '*.secret',
  '*.html',
  '*.text',
  '*.body',
  'req.headers.authorization',
  'req.headers.cookie',
  // Settings that hold credentials, should a whole configuration (or its environment) ever be logged.
  ...CREDENTIAL_SETTINGS,
  ...CREDENTIAL_SETTINGS.map((name) => `*.${name}`),
  'accessToken',
  '*.accessToken',
  '*.headers.authorization',
  '*.headers.cookie',
];

/** The one logger of a process: JSON lines on stdout (or the given destination). */
export function createLogger(level = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACTED_PATHS, remove: true },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
