import pino, { type Logger } from 'pino';

export type { Logger };

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
