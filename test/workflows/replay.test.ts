import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';

// Recorded histories of every built-in sequence (test/histories/, written by the sequence tests with
// RECORD_HISTORIES=1) must replay on today's workflow code: a change that breaks determinism for runs already
// in flight fails here, and must go behind patched().
const dir = path.resolve(__dirname, '../histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.pb'));

test('there is a recorded history for every built-in sequence', () => {
  const names = files.join(' ');
  for (const key of ['onboarding', 'nurture', 'winback', 'expansion']) expect(names).toContain(key);
});

test('every recorded history replays without a determinism error', async () => {
  const histories = files.map((file) => ({
    workflowId: file.replace(/\.pb$/, ''),
    history: temporal.api.history.v1.History.decode(fs.readFileSync(path.join(dir, file))),
  }));
  const results = [];
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { codePath: process.env.GTM_TEST_WORKFLOW_BUNDLE! } },
    histories,
  )) {
    results.push({ workflowId: result.workflowId, error: result.error?.message });
  }
  expect(results).toHaveLength(files.length);
  expect(results.filter((r) => r.error)).toEqual([]);
});
