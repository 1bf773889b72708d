import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ContactStore, type Contact } from '../../db/stores/contacts';
import { SequenceStore } from '../../db/stores/sequences';
import { sequenceDefinitionSchema } from '../../domain/sequences/definition';
import { EnrollmentService } from '../../services/enrollment';
import { DEFAULT_WORKER_TUNING } from '../../workers/worker';
import { add, type Ctx } from '../lib/context';
import { mapLimit } from '../../services/mapLimit';
import { chunks, CpuMeter, rssOf, sleep, until } from '../lib/util';

const MiB = 2 ** 20;
const INGEST_BATCH = 250;
const INGEST_LANES = 8;

function request<T>(child: ChildProcess, message: object, answer: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bench worker: no ${answer} within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (msg: { type: string }) => {
      if (msg.type !== answer) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(msg as T);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`bench worker exited with ${code}`)));
    if (Object.keys(message).length > 0) child.send(message);
  });
}

/** RSS after the child collected its garbage, sampled three times a second apart; the lowest counts. */
async function settledRss(child: ChildProcess): Promise<{ rss: number; heapUsed: number }> {
  let best = { rss: Infinity, heapUsed: Infinity };
  for (let i = 0; i < 3; i++) {
    const { memory } = await request<{ memory: NodeJS.MemoryUsage }>(child, { type: 'gc' }, 'gc-done', 30_000);
    const rss = rssOf(child.pid!);
    if (rss < best.rss) best = { rss, heapUsed: memory.heapUsed };
    await sleep(1_000);
  }
  return best;
}

/**
 * Footprint: the product's worker in a child process, idle, then with N enrollments asleep in a `wait` step of
 * a month. The sequence splits before it sleeps, so the variant on each enrollment row says it got there.
 */
export async function footprintScenario(ctx: Ctx): Promise<void> {
  const n = ctx.flags.footprint;
  const taskQueue = `bench-footprint-${ctx.runId}`;
  const child = fork(path.join(__dirname, '../worker.ts'), [], {
    execArgv: [...process.execArgv, '--expose-gc'],
    env: {
      ...process.env,
      ...ctx.infra.productEnv,
      BENCH_TASK_QUEUE: taskQueue,
      BENCH_WORKFLOW_BUNDLE: ctx.infra.productBundlePath,
      BENCH_WORKER_TUNING: JSON.stringify(ctx.flags.tuning),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const { heapSizeLimit } = await request<{ heapSizeLimit: number }>(child, {}, 'ready', 60_000);
    // The SDK's default sticky cache size, from the heap limit (worker-options.js, reuseV8Context on).
    const cacheSize =
      ctx.flags.tuning.maxCachedWorkflows ??
      DEFAULT_WORKER_TUNING.maxCachedWorkflows ??
      Math.max(Math.floor(((heapSizeLimit / MiB - 200) * 600) / 1024), 10);
    await sleep(2_000);
    const idle = await settledRss(child);
    add(ctx, {
      scenario: 'footprint',
      figure: 'worker resident memory, idle',
      value: idle.rss / MiB,
      unit: 'MiB',
      note: `JS heap ${(idle.heapUsed / MiB).toFixed(0)} MiB`,
    });

    const db = ctx.infra.stack.db;
    const key = `bench-sleep-${ctx.runId}`;
    const event = `bench_sleep_${ctx.runId}`;
    await new SequenceStore(db).create(
      sequenceDefinitionSchema.parse({
        key,
        name: 'Benchmark: asleep',
        category: 'transactional',
        triggers: [{ event }],
        steps: [
          {
            id: 'mark',
            type: 'split',
            variants: [
              { key: 'a', weight: 1, next: 'sleep' },
              { key: 'b', weight: 1, next: 'sleep' },
            ],
          },
          { id: 'sleep', type: 'wait', duration: 'P30D' },
          { id: 'end', type: 'exit' },
        ],
      }),
    );
    // Contacts in bulk straight into the table: this scenario measures the worker, not the API.
    const store = new ContactStore(db);
    const service = new EnrollmentService(db, ctx.infra.stack.temporal, undefined, taskQueue);
    const parts = chunks(
      Array.from({ length: n }, (_, i) => `fp-${ctx.runId}-${i}`),
      1000,
    );
    const contacts: Contact[][] = [];
    for (const part of parts) {
      await db('contacts').insert(part.map((id) => ({ external_id: id, email: `${id}@bench.test` })));
      contacts.push([...(await store.getManyByExternalId(part)).values()]);
    }
    // Several ingest calls at once keep the worker busy.
    const cpu = new CpuMeter({ temporal: ctx.infra.temporalPid, worker: child.pid! });
    const t0 = Date.now();
    await mapLimit(
      contacts.flatMap((part) => chunks(part, INGEST_BATCH)),
      INGEST_LANES,
      (part) =>
        service.ingest(
          part.map((contact) => ({
            contact,
            contactId: contact.id,
            name: event,
            properties: {},
            occurredAt: new Date(),
          })),
        ),
    );
    await until(
      `${n} enrollments asleep`,
      async () =>
        Number(
          (await db('enrollments').where({ sequence_key: key }).whereNotNull('variant').count({ n: '*' }).first())!.n,
        ) >= n,
      Math.max(300_000, n * 60),
      500,
    );
    const seconds = (Date.now() - t0) / 1000;
    const used = cpu.read();
    await sleep(3_000);
    const asleep = await settledRss(child);
    add(ctx, {
      scenario: 'footprint',
      figure: `worker resident memory, ${n.toLocaleString('en')} enrollments asleep in a wait step`,
      value: asleep.rss / MiB,
      unit: 'MiB',
      note: `sticky cache of ${cacheSize} workflows; +${((asleep.rss - idle.rss) / MiB).toFixed(0)} MiB over idle, ${((asleep.rss - idle.rss) / n / 1024).toFixed(1)} KiB per enrollment; JS heap ${(asleep.heapUsed / MiB).toFixed(0)} MiB`,
    });
    add(ctx, {
      scenario: 'footprint',
      figure: `enrolled and asleep (${n.toLocaleString('en')}, enrollment service, ${INGEST_LANES} batches of ${INGEST_BATCH} at a time)`,
      value: n / seconds,
      unit: 'enrollments/s',
    });
    add(ctx, {
      scenario: 'footprint',
      figure: 'CPU per enrollment put to sleep: Temporal server + worker process',
      value: ((used.temporal! + used.worker!) / n) * 1000,
      unit: 'CPU ms',
      note: `server ${((used.temporal! / n) * 1000).toFixed(1)} ms, worker ${((used.worker! / n) * 1000).toFixed(1)} ms (1 activity, 2 workflow tasks each)`,
    });
    ctx.say(`footprint: idle ${(idle.rss / MiB).toFixed(0)} MiB, asleep ${(asleep.rss / MiB).toFixed(0)} MiB`);
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'stop' });
      await Promise.race([exited, sleep(30_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }
}
