import type { Client } from '@temporalio/client';
import { until } from './util';

/** Waits until visibility counts `n` closed runs for the query, then returns the first start and last close. */
export async function closedSpan(
  client: Client,
  query: string,
  n: number,
  timeoutMs: number,
): Promise<{ firstStart: number; lastClose: number; count: number; failed: number }> {
  await until(
    `${n} closed runs for ${query}`,
    async () => (await client.workflow.count(`${query} AND ExecutionStatus != "Running"`)).count >= n,
    timeoutMs,
    250,
  );
  let firstStart = Infinity;
  let lastClose = 0;
  let count = 0;
  let failed = 0;
  for await (const wf of client.workflow.list({ query })) {
    count++;
    if (wf.status.name !== 'COMPLETED') failed++;
    firstStart = Math.min(firstStart, wf.startTime.getTime());
    if (wf.closeTime) lastClose = Math.max(lastClose, wf.closeTime.getTime());
  }
  return { firstStart, lastClose, count, failed };
}
