import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { loadConfig, type Config } from '../../config/config';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { createLogger } from '../../infra/logger';
import { EmbeddedPostgres } from '../../infra/embeddedPostgres';
import { MailCatcher } from '../../infra/mailCatcher';
import { freePort } from '../../infra/ports';
import { startStack, type Stack } from '../../app/stack';
import { ensureDatabase } from '../../infra/databaseLocation';
import { startDevServer, type ManagedProcess } from '../../infra/temporalServer';
import { SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';
import type { WorkerTuning } from '../../workers/worker';

export interface BenchOptions {
  temporalStore: 'sqlite' | 'memory';
  /** DATABASE_POOL_MAX for the product; undefined keeps the product's default. */
  poolMax?: number;
  /** Worker tuning on top of the product's defaults (the same for the baseline worker). */
  tuning: WorkerTuning;
}

/**
 * Everything a run needs, on free ports in a temporary directory: PostgreSQL, a Temporal dev server, an SMTP
 * sink, both workflow bundles, and the product (worker and API in this process, as `npm start` runs it).
 */
export interface BenchInfra {
  dir: string;
  pgServerUrl: string;
  databaseUrl: string;
  temporalAddress: string;
  /** The dev server's process, whose CPU time the scenarios read. */
  temporalPid: number;
  sink: MailCatcher;
  productBundlePath: string;
  baselineBundlePath: string;
  config: Config;
  stack: Stack;
  taskQueue: string;
  api: string;
  /** A marketer's API key. */
  key: string;
  /** The environment a product process started for this run would read (the footprint worker). */
  productEnv: Record<string, string>;
  /** Signs SendGrid webhook deliveries as SendGrid would; its public half is the run's SENDGRID_WEBHOOK_PUBLIC_KEY. */
  sendGridSigningKey: KeyObject;
  stop(): Promise<void>;
}

const quiet = { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} };

export async function bundle(workflowsPath: string, file: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet });
  fs.writeFileSync(file, code);
  return file;
}

export async function startInfra(options: BenchOptions, say: (msg: string) => void): Promise<BenchInfra> {
  const stops: (() => Promise<unknown>)[] = [];
  // Once, however many callers ask (the end of the run and an interrupt can both): later callers wait for it.
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const s of stops.splice(0).reverse())
        await s().catch((err) => console.error('bench: error while stopping:', err));
    })());
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-bench-'));
    fs.chmodSync(dir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
    stops.push(async () => fs.rmSync(dir, { recursive: true, force: true }));

    const pg = new EmbeddedPostgres(path.join(dir, 'pg'), await freePort());
    const temporalPort = await freePort();
    const sink = new MailCatcher({ port: await freePort() });
    const [, temporal] = await Promise.all([
      pg.start(),
      startDevServer({
        port: temporalPort,
        ...(options.temporalStore === 'sqlite' ? { dbFile: path.join(dir, 'temporal.sqlite') } : {}),
        logFile: path.join(dir, 'temporal.log'),
        searchAttributes: SEARCH_ATTRIBUTES,
      }) as Promise<ManagedProcess>,
      sink.start(),
    ]);
    stops.push(() => pg.stop());
    stops.push(() => temporal.stop('SIGTERM'));
    stops.push(() => sink.stop());
    const databaseUrl = await ensureDatabase(pg.url, 'gtm_bench');
    const temporalAddress = `127.0.0.1:${temporalPort}`;
    say(
      `PostgreSQL on ${pg.port}, Temporal dev server (${options.temporalStore}) on ${temporalPort}, SMTP sink on ${sink.port}`,
    );

    const bundleStarted = Date.now();
    const [productBundlePath, baselineBundlePath] = await Promise.all([
      bundle(require.resolve('../../workflows'), path.join(dir, 'workflows.js')),
      bundle(require.resolve('../baselineWorkflow'), path.join(dir, 'baseline.js')),
    ]);
    say(`workflow bundles built once in ${((Date.now() - bundleStarted) / 1000).toFixed(1)} s`);

    const port = await freePort();
    const webhookKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const productEnv: Record<string, string> = {
      NODE_ENV: 'development',
      DATA_DIR: path.join(dir, 'data'),
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      SMTP_URL: sink.url,
      SIGNING_SECRET: 'bench-signing-secret-that-is-long-enough-0000',
      LOG_LEVEL: 'warn',
      CHURN_SCAN_ENABLED: 'false',
      // The per-key rate limit guards against runaway clients; the benchmark is one on purpose.
      RATE_LIMIT_PER_MINUTE: '100000000',
      RATE_LIMIT_BURST: '1000000',
      SENDGRID_WEBHOOK_PUBLIC_KEY: webhookKeys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
      ...(options.poolMax ? { DATABASE_POOL_MAX: String(options.poolMax) } : {}),
    };
    const config = loadConfig({ ...productEnv, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
    const taskQueue = 'bench-main';
    const stack = await startStack(config, createLogger('warn'), {
      workflowBundlePath: productBundlePath,
      taskQueue,
      tuning: options.tuning,
    });
    stops.push(() => stack.stop());
    const key = (await new ApiKeyStore(stack.db).create('bench marketer', 'marketer')).key;
    return {
      dir,
      pgServerUrl: pg.url,
      databaseUrl,
      temporalAddress,
      temporalPid: temporal.child.pid!,
      sink,
      productBundlePath,
      baselineBundlePath,
      config,
      stack,
      taskQueue,
      api: stack.urls.api!,
      key,
      productEnv,
      sendGridSigningKey: webhookKeys.privateKey,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** JSON over HTTP against the product's API with the run's key. */
export function apiClient(infra: Pick<BenchInfra, 'api' | 'key'>) {
  return async <T = any>(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${infra.api}${urlPath}`, {
      method,
      headers: {
        authorization: `Bearer ${infra.key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: json as T };
  };
}

export type Api = ReturnType<typeof apiClient>;

/** Throws unless the response has one of the expected statuses: a broken request is a broken benchmark. */
export function expectStatus(res: { status: number; body: unknown }, what: string, ...ok: number[]) {
  if (!ok.includes(res.status))
    throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
}
