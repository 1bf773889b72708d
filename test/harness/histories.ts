import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/**
 * With RECORD_HISTORIES=1, writes a run's history to test/histories/<name>.pb, which the replay test replays on
 * today's workflow code; otherwise does nothing.
 */
export async function recordHistory(client: Client, workflowId: string, name: string, runId?: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const bytes = temporal.api.history.v1.History.encode(temporal.api.history.v1.History.fromObject(history)).finish();
  fs.writeFileSync(path.resolve(__dirname, '../histories', `${name}.pb`), bytes);
}
