/**
 * `npm run bench`: brings up its own PostgreSQL, Temporal dev server, SMTP sink and the product on free ports,
 * runs each scenario, prints a table, and writes bench/results/<timestamp>.json and .md. It measures and
 * reports; it exits non-zero only when something is broken, never because a figure is slow.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { createLogger } from '../infra/logger';
import { installTemporalRuntime } from '../infra/temporalRuntime';
import { DEFAULT_WORKER_TUNING, type WorkerTuning } from '../workers/worker';
import { add, MailWatch, type Ctx, type Flags } from './lib/context';
import { apiClient, startInfra } from './lib/infra';
import { markdownReport, textTable, type RunReport } from './lib/report';
import { machine } from './lib/util';
import { baselineScenario } from './scenarios/baseline';
import { enrollmentScenario } from './scenarios/enrollment';
import { footprintScenario } from './scenarios/footprint';
import { historyScenario } from './scenarios/history';
import { ingestionScenario } from './scenarios/ingestion';
import { latencyScenario } from './scenarios/latency';
import { scoringScenario } from './scenarios/scoring';
import { webhookScenario } from './scenarios/webhook';
import { contactImportScenario } from './scenarios/contactImport';
import { segmentsScenario } from './scenarios/segments';
import { broadcastScenario } from './scenarios/broadcast';

const SCENARIOS = {
  baseline: baselineScenario,
  enrollment: enrollmentScenario,
  history: historyScenario,
  latency: latencyScenario,
  ingestion: ingestionScenario,
  scoring: scoringScenario,
  footprint: footprintScenario,
  webhook: webhookScenario,
  contactImport: contactImportScenario,
  segments: segmentsScenario,
  broadcast: broadcastScenario,
} as const;
type ScenarioName = keyof typeof SCENARIOS;
/** Scenarios whose throughputs are printed as a ratio to the baseline, which then runs with them. */
const THROUGHPUT: ScenarioName[] = ['enrollment', 'ingestion', 'scoring', 'footprint'];

const HELP = `npm run bench -- [options]

  --only a,b              scenarios: ${Object.keys(SCENARIOS).join(', ')} (default: all)
  --baseline N            baseline workflows, each pass (500)
  --enrollments N         signups sent in batches (1000)
  --single N              signups sent one per request (250)
  --batch-size N          events per batch request, at most 1000 (1000)
  --batch-concurrency N   batch requests in flight (1)
  --connections N         concurrent HTTP clients for one-by-one requests and autocannon (16)
  --latency N             contacts in the reaction-latency scenario (100)
  --history-sample N      onboarding histories read (50)
  --ingest-seconds N      autocannon duration (10)
  --webhook N             emails whose SendGrid delivered and open events are posted (1000)
  --broadcast N           recipients of the broadcast, and of the pooled-nodemailer ceiling beside it (100000)
  --score-calls N         in-process scoring calls (1000000)
  --catalogue N           catalogue rows for the end-to-end scoring run, 0 to skip (100000)
  --footprint N           enrollments asleep in the footprint scenario (3000; the README's figure uses 10000)
  --temporal sqlite|memory  the dev server's store (sqlite, with WAL, as npm start runs it)
  --pool N                DATABASE_POOL_MAX of the product (product default)
  --max-cached N|sdk      worker maxCachedWorkflows (sticky cache); sdk: the SDK's default for this heap
  --wft-slots N           worker maxConcurrentWorkflowTaskExecutions
  --activity-slots N      worker maxConcurrentActivityTaskExecutions
  --wft-pollers N         worker workflow task pollers (simple maximum)
  --activity-pollers N    worker activity task pollers (simple maximum)
  --label TEXT            recorded with the results (e.g. "before tuning")
  --no-write              print only; write no result files
`;

function parseFlags(argv: string[]): Flags {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      baseline: { type: 'string' },
      enrollments: { type: 'string' },
      single: { type: 'string' },
      'batch-size': { type: 'string' },
      'batch-concurrency': { type: 'string' },
      connections: { type: 'string' },
      latency: { type: 'string' },
      'history-sample': { type: 'string' },
      'ingest-seconds': { type: 'string' },
      webhook: { type: 'string' },
      broadcast: { type: 'string' },
      'score-calls': { type: 'string' },
      catalogue: { type: 'string' },
      footprint: { type: 'string' },
      temporal: { type: 'string' },
      pool: { type: 'string' },
      'max-cached': { type: 'string' },
      'wft-slots': { type: 'string' },
      'activity-slots': { type: 'string' },
      'wft-pollers': { type: 'string' },
      'activity-pollers': { type: 'string' },
      label: { type: 'string' },
      'no-write': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const int = (name: keyof typeof values, fallback: number, min = 0): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(String(raw).replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: must be an integer >= ${min}, got ${raw}`);
    return n;
  };
  const optionalInt = (name: keyof typeof values, min = 1) =>
    values[name] === undefined ? undefined : int(name, 0, min);
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of only ?? [])
    if (!(name in SCENARIOS))
      throw new Error(`--only: unknown scenario ${name} (${Object.keys(SCENARIOS).join(', ')})`);
  const temporalStore = values.temporal ?? 'sqlite';
  if (temporalStore !== 'sqlite' && temporalStore !== 'memory') throw new Error('--temporal: sqlite or memory');
  const tuning: WorkerTuning = {};
  // `sdk` restores the SDK's own default, which it derives from the heap limit (worker-options.js).
  const sdkCache = Math.max(Math.floor(((v8.getHeapStatistics().heap_size_limit / 2 ** 20 - 200) * 600) / 1024), 10);
  const maxCached = values['max-cached'] === 'sdk' ? sdkCache : optionalInt('max-cached', 0);
  const wftSlots = optionalInt('wft-slots');
  const activitySlots = optionalInt('activity-slots');
  const wftPollers = optionalInt('wft-pollers');
  const activityPollers = optionalInt('activity-pollers');
  if (maxCached !== undefined) tuning.maxCachedWorkflows = maxCached;
  if (wftSlots !== undefined) tuning.maxConcurrentWorkflowTaskExecutions = wftSlots;
  if (activitySlots !== undefined) tuning.maxConcurrentActivityTaskExecutions = activitySlots;
  if (wftPollers !== undefined) tuning.workflowTaskPollerBehavior = { type: 'simple-maximum', maximum: wftPollers };
  if (activityPollers !== undefined)
    tuning.activityTaskPollerBehavior = { type: 'simple-maximum', maximum: activityPollers };
  return {
    only,
    baseline: int('baseline', 500, 1),
    enrollments: int('enrollments', 1000),
    single: int('single', 250),
    batchSize: int('batch-size', 1000, 1),
    batchConcurrency: int('batch-concurrency', 1, 1),
    connections: int('connections', 16, 1),
    latency: int('latency', 100, 1),
    historySample: int('history-sample', 50, 1),
    ingestSeconds: int('ingest-seconds', 10, 1),
    webhook: int('webhook', 1000, 1),
    broadcast: int('broadcast', 100_000, 1),
    scoreCalls: int('score-calls', 1_000_000, 1),
    catalogue: int('catalogue', 100_000),
    footprint: int('footprint', 3_000, 1),
    temporalStore,
    poolMax: optionalInt('pool'),
    tuning,
    label: values.label,
    write: !values['no-write'],
  };
}

const quoted = (arg: string) => (/[\s"']/.test(arg) ? JSON.stringify(arg) : arg);

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  installTemporalRuntime(createLogger('warn'));
  const startedAt = new Date();
  const before = machine();
  const t0 = Date.now();
  const say = (msg: string) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
  let selected = (Object.keys(SCENARIOS) as ScenarioName[]).filter((s) => !flags.only || flags.only.includes(s));
  if (!selected.includes('baseline') && selected.some((s) => THROUGHPUT.includes(s))) {
    selected = ['baseline', ...selected];
    say('the baseline runs too: every throughput is printed as a ratio to it');
  }
  say(`load average ${before.load.join(' / ')} on ${before.nproc} cores; scenarios: ${selected.join(', ')}`);

  const infra = await startInfra(
    { temporalStore: flags.temporalStore, poolMax: flags.poolMax, tuning: flags.tuning },
    say,
  );
  const ctx: Ctx = {
    flags,
    infra,
    api: apiClient(infra),
    mail: new MailWatch(infra.sink),
    runId: startedAt.getTime().toString(36),
    say,
    rows: [],
    shared: {},
  };
  const failures: RunReport['failures'] = [];
  // Interrupted: take the stack down (PostgreSQL, Temporal, the temporary directory) rather than leave it behind.
  process.once('SIGINT', () => {
    console.error('[bench] interrupted: stopping');
    void infra.stop().finally(() => process.exit(130));
  });
  try {
    for (const name of selected) {
      say(`${name}: running`);
      const started = Date.now();
      try {
        await SCENARIOS[name](ctx);
        say(`${name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } catch (err) {
        const error = (err as Error).stack ?? String(err);
        failures.push({ scenario: name, error: (err as Error).message });
        add(ctx, {
          scenario: name,
          figure: 'broken',
          value: null,
          unit: '',
          note: (err as Error).message.slice(0, 200),
        });
        console.error(`[bench] ${name} broke:`, error);
      }
    }
  } finally {
    await infra.stop();
  }

  const report: RunReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    seconds: (Date.now() - t0) / 1000,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).map(quoted).join(' ')}` : ''}`,
    ...(flags.label ? { label: flags.label } : {}),
    machine: before,
    loadAfter: os.loadavg().map((l) => Math.round(l * 100) / 100) as [number, number, number],
    flags,
    tuning: { ...DEFAULT_WORKER_TUNING, ...flags.tuning },
    rows: ctx.rows,
    failures,
  };
  console.log(`\n${textTable(ctx.rows)}\n`);
  if (flags.write) {
    const dir = path.join(__dirname, 'results');
    fs.mkdirSync(dir, { recursive: true });
    const stamp = report.startedAt.replace(/[:.]/g, '-');
    fs.writeFileSync(path.join(dir, `${stamp}.json`), JSON.stringify(report, null, 2));
    fs.writeFileSync(path.join(dir, `${stamp}.md`), markdownReport(report));
    say(`results: bench/results/${stamp}.json and .md`);
  }
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error('[bench] could not run:', err);
    process.exit(1);
  },
);
