import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { requireTemporalBinary } from './binaries';
import { waitForPort } from './ports';
import { makePrivate, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, withPrivateUmask } from './privateFiles';

export interface DevServerOptions {
  port: number;
  uiPort?: number;
  /** SQLite file; without one the server keeps everything in memory. */
  dbFile?: string;
  namespace?: string;
  logFile?: string;
  /** Custom search attributes to register, name to type (e.g. `{ SequenceKey: 'Keyword' }`). */
  searchAttributes?: Record<string, string>;
}

/** A process we started and must stop. */
export class ManagedProcess {
  private exited = false;
  constructor(readonly child: ChildProcess) {
    child.once('exit', () => {
      this.exited = true;
    });
  }
  get alive(): boolean {
    return !this.exited;
  }
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await done;
    clearTimeout(timer);
  }
}

/** The log and every file the server creates (its SQLite database and journals) are readable by the owner only. */
function spawnLogged(bin: string, args: string[], logFile?: string): ManagedProcess {
  const out = logFile ? fs.openSync(logFile, 'a', PRIVATE_FILE_MODE) : 'ignore';
  if (logFile) makePrivate(logFile);
  return new ManagedProcess(withPrivateUmask(() => spawn(bin, args, { stdio: ['ignore', out, out] })));
}

/** Starts `temporal server start-dev` and waits until it answers and knows our search attributes. */
export async function startDevServer(opts: DevServerOptions): Promise<ManagedProcess> {
  const bin = requireTemporalBinary('temporal');
  const namespace = opts.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--namespace', namespace];
  args.push('--log-level', 'error');
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true, mode: PRIVATE_DIR_MODE });
    // An older version left the database and its journals readable by everyone; new ones are made private.
    for (const suffix of ['', '-wal', '-shm'])
      if (fs.existsSync(opts.dbFile + suffix)) makePrivate(opts.dbFile + suffix);
    args.push(
      '--db-filename',
      opts.dbFile,
      '--sqlite-pragma',
      'journal_mode=WAL',
      '--sqlite-pragma',
      'synchronous=NORMAL',
    );
  }
  for (const [name, type] of Object.entries(opts.searchAttributes ?? {}))
    args.push('--search-attribute', `${name}=${type}`);
  args.push('--dynamic-config-value', 'system.enableEagerWorkflowStart=true');
  // A deleted run that had closed leaves visibility when its queues next save their ack levels: every 30 s by default,
  // at once with these. An erased contact's runs are then gone from the UI and the tests' checks within a second.
  for (const queue of ['transfer', 'visibility'])
    args.push('--dynamic-config-value', `history.${queue}ProcessorUpdateAckInterval="1s"`);
  const proc = spawnLogged(bin, args, opts.logFile);
  try {
    await waitForPort(opts.port, 60_000, () => proc.alive);
    await waitForSearchAttributes(`127.0.0.1:${opts.port}`, namespace, Object.keys(opts.searchAttributes ?? {}));
  } catch (err) {
    await proc.stop('SIGKILL');
    throw new Error(`Temporal dev server did not start: ${(err as Error).message}`);
  }
  return proc;
}

/** Starts the time-skipping test server on a port. */
export async function startTestServer(port: number): Promise<ManagedProcess> {
  const bin = requireTemporalBinary('temporal-test-server');
  const proc = spawnLogged(bin, [String(port)]);
  await waitForPort(port, 60_000, () => proc.alive);
  return proc;
}

/** Search attributes are registered just after the port opens; workflows that set them must wait. */
async function waitForSearchAttributes(address: string, namespace: string, names: string[]): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await connection.operatorService.listSearchAttributes({ namespace }).catch(() => undefined);
      const known = { ...res?.customAttributes };
      if (names.every((name) => name in known)) return;
      if (Date.now() > deadline) throw new Error('search attributes were not registered within 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await connection.close();
  }
}
