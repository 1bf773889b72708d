import { proxyActivities } from '@temporalio/workflow';
import type { createBaselineActivities } from './baselineActivities';

const { noop } = proxyActivities<ReturnType<typeof createBaselineActivities>>({ startToCloseTimeout: '10s' });

/**
 * The least a workflow can do: one no-op activity. Bundled for the benchmark's baseline worker only, so bare
 * Temporal's throughput on this machine is measured with the product's worker settings.
 * @remarks The activity is retried with the SDK's default policy; it never fails.
 */
export async function benchBaselineWorkflow(): Promise<void> {
  await noop();
}
