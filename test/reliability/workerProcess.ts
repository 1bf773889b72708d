import { loadConfig } from '../../config/config';
import { createLogger } from '../../infra/logger';
import { startStack } from '../../app/stack';
import { installTemporalRuntime } from '../../infra/temporalRuntime';

/**
 * The product's worker as `npm start` builds it with RUN_API=false, in a process of its own, so that a test can
 * kill it (SIGKILL) or stop it (SIGTERM) while it works. Configured by the environment like the product, plus
 * GTM_TEST_WORKFLOW_BUNDLE (the run's prebuilt bundle, so start-up takes no bundling). Prints `worker ready`.
 */
async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, RUN_API: 'false' });
  const log = createLogger(config.LOG_LEVEL);
  installTemporalRuntime(log);
  const stack = await startStack(config, log, {
    ...(process.env.GTM_TEST_WORKFLOW_BUNDLE ? { workflowBundlePath: process.env.GTM_TEST_WORKFLOW_BUNDLE } : {}),
    ...(config.TASK_QUEUE ? { taskQueue: config.TASK_QUEUE } : {}),
  });
  process.stdout.write('worker ready\n');
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    void stack.stop().then(() => {
      process.stdout.write('worker stopped\n');
      process.exit(0);
    });
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
