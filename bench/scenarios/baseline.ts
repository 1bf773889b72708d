import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { DEFAULT_WORKER_TUNING } from '../../workers/worker';
import { createBaselineActivities } from '../baselineActivities';
import { add, type Ctx } from '../lib/context';
import { closedSpan } from '../lib/temporalTimes';
import { mapLimit } from '../../services/mapLimit';
import { CpuMeter } from '../lib/util';

/** Starts in flight at once: enough to keep the server busy without measuring the client's queueing. */
const START_CONCURRENCY = 32;

/**
 * Bare Temporal: N workflows of one no-op activity, started from a client, on a worker with the product's
 * settings. Throughput is N over the span from the first start to the last close, as the server recorded them.
 * Run twice: plain starts (as the product's signal-with-start works) and eager starts, where the server hands
 * the first workflow task back in the start response to a worker sharing the client's connection.
 */
export async function baselineScenario(ctx: Ctx): Promise<void> {
  const n = ctx.flags.baseline;
  const connection = await NativeConnection.connect({ address: ctx.infra.temporalAddress });
  try {
    for (const eager of [false, true]) {
      const taskQueue = `bench-baseline-${eager ? 'eager' : 'plain'}-${ctx.runId}`;
      const worker = await Worker.create({
        connection,
        namespace: 'default',
        taskQueue,
        workflowBundle: { codePath: ctx.infra.baselineBundlePath },
        activities: createBaselineActivities(),
        ...DEFAULT_WORKER_TUNING,
        ...ctx.flags.tuning,
      });
      // Eager start needs the client to share the worker's native connection.
      const client = eager ? new Client({ connection, namespace: 'default' }) : ctx.infra.stack.temporal;
      const cpu = new CpuMeter({ temporal: ctx.infra.temporalPid, worker: process.pid });
      const span = await worker.runUntil(async () => {
        const started = Date.now();
        await mapLimit(
          Array.from({ length: n }, (_, i) => i),
          START_CONCURRENCY,
          (i) =>
            client.workflow.start('benchBaselineWorkflow', {
              workflowId: `${taskQueue}-${i}`,
              taskQueue,
              ...(eager ? { requestEagerStart: true } : {}),
            }),
        );
        const startSeconds = (Date.now() - started) / 1000;
        const s = await closedSpan(client, `TaskQueue = "${taskQueue}"`, n, Math.max(120_000, n * 100));
        return { ...s, startSeconds };
      });
      const used = cpu.read();
      if (span.failed > 0) throw new Error(`baseline: ${span.failed} of ${n} workflows did not complete`);
      const rate = n / ((span.lastClose - span.firstStart) / 1000);
      if (!eager) ctx.baselineRate = rate;
      add(ctx, {
        scenario: 'baseline',
        figure: eager
          ? `bare Temporal, eager start (${n} workflows)`
          : `bare Temporal (${n} workflows, 1 no-op activity each)`,
        value: rate,
        unit: 'workflows/s',
        note: `started at ${(n / span.startSeconds).toFixed(0)}/s by ${START_CONCURRENCY} concurrent starts`,
      });
      if (!eager)
        add(ctx, {
          scenario: 'baseline',
          figure: 'CPU per workflow: Temporal server + worker process',
          value: ((used.temporal! + used.worker!) / n) * 1000,
          unit: 'CPU ms',
          note: `server ${((used.temporal! / n) * 1000).toFixed(1)} ms, worker process ${((used.worker! / n) * 1000).toFixed(1)} ms`,
        });
      ctx.say(`baseline${eager ? ' (eager)' : ''}: ${rate.toFixed(1)} workflows/s`);
    }
  } finally {
    await connection.close();
  }
}
