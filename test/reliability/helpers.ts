import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { Db } from '../../db/knex';
import { SequenceStore } from '../../db/stores/sequences';
import { sequenceDefinitionSchema, type SequenceDefinitionInput } from '../../domain/sequences/definition';
import { freePort } from '../../infra/ports';

const root = path.resolve(__dirname, '../..');

/** Polls until the check holds; fails with the message (and the last value seen) after timeoutMs. */
export async function waitUntil<T>(
  check: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs: number,
  what: string,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await sleep(everyMs);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The send activities' settings for tests that run a worker of their own. */
export const TEST_MAIL_SETTINGS = {
  from: 'Acme <hello@acme.test>',
  productName: 'Acme',
  companyName: 'Acme',
  publicUrl: 'http://localhost',
  appUrl: 'http://localhost',
  frequencyCap: { max: 10, windowMs: 3600_000 },
};

export interface Child {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Starts a TypeScript entry point of the product (bin/start.ts, the worker process) in one node process with tsx
 * as its loader (tsx's CLI would put a wrapper process between us and it, and a SIGKILL would only kill that).
 */
export function spawnTs(
  script: string,
  env: Record<string, string>,
  readyLine: string,
): Child & { ready: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes(readyLine)) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`${script} exited with ${code} before it was ready:\n${out}`));
    });
  });
  ready.catch(() => undefined);
  return { child, output: () => out, exited, ready };
}

/** The product's worker in a process of its own (see workerProcess.ts), started and ready. */
export async function startWorkerProcess(env: Record<string, string>): Promise<Child> {
  const w = spawnTs('test/reliability/workerProcess.ts', env, 'worker ready');
  await w.ready;
  return w;
}

/** Stores a sequence definition as the API would (validated, version 1). */
export async function defineSequence(db: Db, input: SequenceDefinitionInput): Promise<void> {
  await new SequenceStore(db).create(sequenceDefinitionSchema.parse(input));
}

export interface HeldMail {
  to: string[];
  raw: string;
}

/**
 * An SMTP server whose reply to DATA can be held back, as a slow provider's is. A message counts as received only
 * when the server has answered 250 on a connection that is still open: that is when SMTP hands responsibility for
 * it over, and a client that died before the answer never learnt it was accepted. Also refuses mail with 451 on
 * demand, as a provider in an outage does.
 */
export class HoldingSmtpSink {
  holdMs = 0;
  refuse = false;
  /** Messages whose reply is being held right now. */
  held = 0;
  /** Messages dropped because their connection closed while the reply was held. */
  abandoned = 0;
  readonly mails: HeldMail[] = [];
  /** Passwords clients logged in with (any login is accepted). */
  readonly logins: string[] = [];
  private readonly closed = new Set<string>();
  private server?: SMTPServer;
  port = 0;

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth: (auth, _session, callback) => {
        this.logins.push(auth.password ?? '');
        callback(null, { user: auth.username });
      },
      onClose: (session) => {
        this.closed.add(session.id);
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (this.refuse) {
            callback(Object.assign(new Error('Mailbox temporarily unavailable'), { responseCode: 451 }));
            return;
          }
          const accept = () => {
            if (this.closed.has(session.id)) {
              this.abandoned++;
              return;
            }
            this.mails.push({
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              raw: Buffer.concat(chunks).toString(),
            });
            callback();
          };
          if (this.holdMs <= 0) return accept();
          this.held++;
          setTimeout(() => {
            this.held--;
            accept();
          }, this.holdMs);
        });
      },
    });
    // A sender killed mid-message resets its connection: an 'error' event that must not end the test process.
    this.server.on('error', () => undefined);
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  /** How many messages each address received. */
  counts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const m of this.mails) for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1);
    return counts;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
