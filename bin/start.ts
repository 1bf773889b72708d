import { UserStore } from '../db/stores/users';
import { loadConfig, ConfigError } from '../config/config';
import { MissingBinaryError } from '../infra/binaries';
import { createLogger } from '../infra/logger';
import { PortInUseError } from '../infra/ports';
import { startStack } from '../app/stack';
import { installTemporalRuntime } from '../infra/temporalRuntime';

/** `npm start`: the whole product on its embedded defaults, or on what the environment names. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.LOG_LEVEL);
  installTemporalRuntime(log);
  let stack;
  try {
    stack = await startStack(config, log, config.TASK_QUEUE ? { taskQueue: config.TASK_QUEUE } : {});
  } catch (err) {
    if (err instanceof PortInUseError || err instanceof MissingBinaryError || err instanceof ConfigError) {
      console.error(`Cannot start: ${err.message}`);
      process.exit(1);
    }
    console.error(`Cannot start: ${(err as Error).message}`);
    process.exit(1);
  }
  // Until someone can sign in, say how the first person gets access.
  const firstUser =
    (await new UserStore(stack.db).count()) === 0
      ? [`  First sign-in      npm run users:create -- --email you@example.com --role marketer --role chairman`]
      : [];
  const lines = [
    '',
    'GTM Strategist is running.',
    ...(stack.urls.api ? [`  Dashboard and API  ${stack.urls.api}`] : []),
    ...(stack.urls.temporalUi ? [`  Temporal UI        ${stack.urls.temporalUi}`] : []),
    `  Temporal           ${stack.urls.temporalAddress}`,
    `  SMTP               ${stack.urls.smtp}`,
    ...firstUser,
    `  API keys           ${config.DATABASE_URL ? 'npm run --silent keys:create -- --role chairman' : `${config.dataDir}/api-keys.json`}`,
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await stack.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

void main();
