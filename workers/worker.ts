import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { TASK_QUEUES } from '../domain/ids';

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDeps;
  taskQueue?: string;
  /** A prebuilt bundle (tests, benchmarks); without one the workflows are bundled at start-up. */
  workflowBundlePath?: string;
  tuning?: WorkerTuning;
}

/** The worker options a deployment (or the benchmark) may tune; the SDK's defaults apply to what is not set. */
export type WorkerTuning = Pick<
  WorkerOptions,
  | 'maxConcurrentActivityTaskExecutions'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxCachedWorkflows'
  | 'workflowTaskPollerBehavior'
  | 'activityTaskPollerBehavior'
>;

/** The product's tuning, measured by `npm run bench` (bench/README.md says what each setting moved). */
export const DEFAULT_WORKER_TUNING: WorkerTuning = {
  // Sequences spend days asleep, so a cached workflow is rarely woken again before it is evicted; what a large cache
  // keeps is garbage in the workflow thread's heap. 3,000 enrollments put to sleep left the worker at +37 to +65 MiB
  // over idle with 25 cached, +69 with 50, +96 to +145 with 100, +190 with 500 (the SDK's default of ~2,300: +570
  // at 10,000). Below 100, a burst of signups evicts workflows between their first and second task, each eviction
  // replays the history, and enrollment throughput fell by a tenth; an event for an evicted enrollment replays its
  // short history. The cache also caps concurrent workflow tasks at 100, far more than 2 cores run at once.
  maxCachedWorkflows: 100,
};

/** The worker that runs every workflow and activity of the product on the main task queue. */
export async function createWorker(setup: WorkerSetup): Promise<Worker> {
  return Worker.create({
    connection: setup.connection,
    namespace: setup.namespace,
    taskQueue: setup.taskQueue ?? TASK_QUEUES.main,
    activities: createActivities(setup.deps),
    ...(setup.workflowBundlePath
      ? { workflowBundle: { codePath: setup.workflowBundlePath } }
      : { workflowsPath: require.resolve('../workflows') }),
    // A SIGTERM lets in-flight activities (an email mid-send) finish before the worker exits.
    shutdownGraceTime: '20s',
    ...DEFAULT_WORKER_TUNING,
    ...setup.tuning,
  });
}
