import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR } from '../harness/histories';

// Recorded histories of every built-in workflow, kept per release in test/histories/<version>/ (written by the
// workflow tests with RECORD_HISTORIES=1), must replay on today's workflow code: a change that breaks determinism
// for runs already in flight, started by this release or an earlier one, fails here and must go behind patched().
const releases = fs
  .readdirSync(HISTORIES_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
const files = releases.flatMap((release) =>
  fs
    .readdirSync(path.join(HISTORIES_DIR, release))
    .filter((f) => f.endsWith('.pb'))
    .map((f) => path.join(release, f)),
);

test('histories of at least two releases are kept, each with every built-in sequence', () => {
  expect(releases.length).toBeGreaterThanOrEqual(2);
  for (const release of releases) {
    const names = files.filter((f) => f.startsWith(`${release}${path.sep}`)).join(' ');
    for (const key of ['onboarding', 'nurture', 'winback', 'expansion'])
      expect([release, names]).toEqual([release, expect.stringContaining(key)]);
  }
});

test('every recorded history of every release replays without a determinism error', async () => {
  const histories = files.map((file) => ({
    workflowId: file.replace(/\.pb$/, ''),
    history: temporal.api.history.v1.History.decode(fs.readFileSync(path.join(HISTORIES_DIR, file))),
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
