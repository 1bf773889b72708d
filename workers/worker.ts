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
  // Sequences spend days asleep; each cached one holds ~150 KiB, and the SDK's default (~2,300 with a 4 GB heap)
  // kept 10,000 sleeping enrollments at 860 MiB. 500 still covers every workflow in the middle of a burst.
  maxCachedWorkflows: 500,
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
