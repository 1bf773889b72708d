import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/** Recorded histories live in a folder per release (package.json's version), and every release's are replayed. */
export const HISTORIES_DIR = path.resolve(__dirname, '../histories');

/**
 * With RECORD_HISTORIES=1, writes a run's history to test/histories/<version>/<name>.pb, which the replay test
 * replays on today's workflow code; otherwise does nothing.
 */
export async function recordHistory(client: Client, workflowId: string, name: string, runId?: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const { version } = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as {
    version: string;
  };
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  // Binary protobuf: exact, compact, and read back with the same generated code.
  const bytes = temporal.api.history.v1.History.encode(temporal.api.history.v1.History.fromObject(history)).finish();
  fs.mkdirSync(path.join(HISTORIES_DIR, version), { recursive: true });
  fs.writeFileSync(path.join(HISTORIES_DIR, version, `${name}.pb`), bytes);
}
