import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from './logger';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Routes the Temporal SDK's own logs (worker state, workflow `log`) into our logger. Once per process. */
export function installTemporalRuntime(log: Logger, level: LogLevel = 'WARN'): void {
  Runtime.install({
    // `npm start` owns Ctrl-C and SIGTERM and takes the stack down in order (the API stops taking requests before
    // the worker drains); the runtime's own handlers would start shutting the worker down beside it.
    shutdownSignals: [],
    // The SDK's native core logs through the same logger (and its redaction), not straight to stderr.
    telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
    logger: new DefaultLogger(level, (entry) => {
      const { sdkComponent, ...meta } = entry.meta ?? {};
      log[LEVELS[entry.level]]({ component: sdkComponent ?? 'temporal', ...meta }, entry.message);
    }),
  });
}
