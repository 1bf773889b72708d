/**
 * The product's worker alone in a process of its own (as `RUN_API=false npm start` runs it), so the footprint
 * scenario reads its resident memory and nothing else's. Started by bench/run.ts with an IPC channel:
 * it says `ready` once polling, answers `gc` with a settled collection, and stops on `stop` or SIGTERM.
 */
import v8 from 'node:v8';
import { loadConfig } from '../config/config';
import { createLogger } from '../infra/logger';
import { startStack } from '../app/stack';
import { installTemporalRuntime } from '../infra/temporalRuntime';
import type { WorkerTuning } from '../workers/worker';

type Message = { type: 'gc' } | { type: 'stop' };

async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  // Several rounds with pauses: finalizers run between them and free what the first round only marked.
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, RUN_API: 'false', RUN_WORKER: 'true' });
  const log = createLogger(config.LOG_LEVEL);
  installTemporalRuntime(log);
  const tuning = JSON.parse(process.env.BENCH_WORKER_TUNING ?? '{}') as WorkerTuning;
  const stack = await startStack(config, log, {
    workflowBundlePath: process.env.BENCH_WORKFLOW_BUNDLE!,
    taskQueue: process.env.BENCH_TASK_QUEUE!,
    tuning,
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('message', (msg: Message) => {
    if (msg.type === 'stop') void stop();
    if (msg.type === 'gc') void settle().then(() => process.send?.({ type: 'gc-done', memory: process.memoryUsage() }));
  });
  process.send?.({ type: 'ready', heapSizeLimit: v8.getHeapStatistics().heap_size_limit });
}

main().catch((err) => {
  console.error('bench worker:', err);
  process.exit(1);
});
