import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createApp } from '../api/app';
import type { Config } from '../config/config';
import { createDb, migrateLatest, type Db } from '../db/knex';
import { ApiKeyStore, ROLES } from '../db/stores/apiKeys';
import { installBuiltinSequences } from '../db/builtinSequences';
import { missingTemplates } from '../db/stores/templates';
import { createEmailProvider } from '../providers/email';
import { createChannelProviders } from './channelProviders';
import { createMetrics } from '../infra/metrics';
import { instrumentedEmail } from './instrumentedEmail';
import { mailSettingsFrom } from '../services/mailSettings';
import { createWorker, type WorkerTuning } from '../workers/worker';
import { adConsentOf, adPlatformModes } from '../config/adPlatforms';
import { ensureAdCredentialCheckSchedule } from './adPlatformSchedules';
import { AudienceSyncService } from '../services/audienceSyncs';
import { createCampaignAdPlatforms } from '../providers/ads/configured';
import { TASK_QUEUES } from '../domain/ids';
import { createInfluencerCache } from '../services/influencerCatalogue';
import { loadDemoData } from '../services/demoData';
import { ensureChurnScanSchedule } from './churnSchedule';
import { ensureReallocationSchedule } from './reallocationSchedule';
import { ensureSegmentRefreshSchedule } from './segmentSchedule';
import { SEARCH_ATTRIBUTES } from '../workflows/searchAttributes';
import { ensureDatabase, EMBEDDED_DATABASE_NAME } from '../infra/databaseLocation';
import { EmbeddedPostgres } from '../infra/embeddedPostgres';
import type { Logger } from '../infra/logger';
import { MailCatcher } from '../infra/mailCatcher';
import { assertPortFree } from '../infra/ports';
import { ensurePrivateDir, makePrivate, writePrivateFile } from '../infra/privateFiles';
import { LinkSigner } from '../infra/signing';
import { startDevServer, type ManagedProcess } from '../infra/temporalServer';

export interface Stack {
  db: Db;
  temporal: Client;
  mailCatcher?: MailCatcher;
  urls: { api?: string; temporalUi?: string; temporalAddress: string; smtp: string; database: string };
  stop(): Promise<void>;
}

export interface StackOptions {
  /** A prebuilt workflow bundle (tests, benchmarks); otherwise workflows are bundled at start-up. */
  workflowBundlePath?: string;
  taskQueue?: string;
  /** Worker concurrency and cache settings (the benchmark's); the worker's defaults otherwise. */
  tuning?: WorkerTuning;
}

/**
 * Brings up the product in order: PostgreSQL, migrations, Temporal, mail, the worker and the API, each on
 * its environment variable or the embedded default, with one log line each. `stop` takes it down in reverse.
 */
export async function startStack(config: Config, log: Logger, options: StackOptions = {}): Promise<Stack> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err) => log.error({ err }, 'error while stopping'));
    stops.length = 0;
  };
  try {
    ensurePrivateDir(config.dataDir);
    // Check the ports we will listen on before starting anything, so a clash costs nothing to report.
    if (config.RUN_API === 'true') await assertPortFree(config.PORT, 'the API', 'PORT');
    if (!config.SMTP_URL) await assertPortFree(config.MAIL_CATCHER_PORT, 'the local SMTP catcher', 'MAIL_CATCHER_PORT');

    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      await assertPortFree(config.EMBEDDED_POSTGRES_PORT, 'the embedded PostgreSQL', 'EMBEDDED_POSTGRES_PORT');
      const pg = new EmbeddedPostgres(path.join(config.dataDir, 'postgres'), config.EMBEDDED_POSTGRES_PORT);
      await pg.start();
      stops.push(() => pg.stop());
      databaseUrl = await ensureDatabase(pg.url, EMBEDDED_DATABASE_NAME);
      log.info(
        { port: config.EMBEDDED_POSTGRES_PORT, dir: path.join(config.dataDir, 'postgres') },
        'PostgreSQL: embedded, started',
      );
    } else {
      log.info({ host: new URL(databaseUrl).host }, 'PostgreSQL: using DATABASE_URL');
    }
    const db = createDb(databaseUrl, config.DATABASE_POOL_MAX);
    stops.push(() => db.destroy());

    const applied = await migrateLatest(db);
    await installBuiltinSequences(db);
    const unknownMustDeliver = await missingTemplates(db, config.MUST_DELIVER_TEMPLATES ?? []);
    if (unknownMustDeliver.length > 0) {
      log.warn({ templates: unknownMustDeliver }, 'MUST_DELIVER_TEMPLATES names templates that do not exist (yet)');
    }
    log.info({ applied: applied.length }, 'migrations: at latest');

    let temporalAddress = config.TEMPORAL_ADDRESS;
    let temporalUi: string | undefined;
    if (!temporalAddress) {
      await assertPortFree(config.TEMPORAL_PORT, 'the Temporal dev server', 'TEMPORAL_PORT');
      await assertPortFree(config.TEMPORAL_UI_PORT, 'the Temporal UI', 'TEMPORAL_UI_PORT');
      const server: ManagedProcess = await startDevServer({
        port: config.TEMPORAL_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        dbFile: path.join(config.dataDir, 'temporal.sqlite'),
        namespace: config.TEMPORAL_NAMESPACE,
        logFile: path.join(config.dataDir, 'temporal.log'),
        searchAttributes: SEARCH_ATTRIBUTES,
      });
      stops.push(() => server.stop('SIGTERM'));
      temporalAddress = `127.0.0.1:${config.TEMPORAL_PORT}`;
      temporalUi = config.temporalUiUrl;
      log.info({ address: temporalAddress, ui: temporalUi }, 'Temporal: dev server started');
    } else {
      temporalUi = config.TEMPORAL_UI_URL;
      log.info({ address: temporalAddress }, 'Temporal: using TEMPORAL_ADDRESS');
    }
    const connection = await Connection.connect({ address: temporalAddress });
    stops.push(() => connection.close());
    const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });

    let smtpUrl = config.SMTP_URL;
    let mailCatcher: MailCatcher | undefined;
    if (!smtpUrl) {
      mailCatcher = new MailCatcher({ port: config.MAIL_CATCHER_PORT, dir: path.join(config.dataDir, 'mail') });
      await mailCatcher.start();
      stops.push(() => mailCatcher!.stop());
      smtpUrl = mailCatcher.url;
      log.info({ smtp: smtpUrl }, 'mail: local SMTP catcher started (messages at GET /v1/dev/mail)');
    } else {
      log.info({ provider: config.EMAIL_PROVIDER }, 'mail: using SMTP_URL');
    }

    const signer = new LinkSigner(signingSecret(config));
    // One registry for the API's /metrics and the worker's sends when both run in this process.
    const metrics = createMetrics();
    // One influencer cache for the API and the scoring activities, so a finished scoring run shows at once.
    const influencerCache = createInfluencerCache();

    if (config.RUN_WORKER === 'true') {
      const workerConnection = await NativeConnection.connect({ address: temporalAddress });
      const email = instrumentedEmail(createEmailProvider(config, smtpUrl), metrics);
      const worker: Worker = await createWorker({
        connection: workerConnection,
        namespace: config.TEMPORAL_NAMESPACE,
        ...(options.taskQueue ? { taskQueue: options.taskQueue } : {}),
        ...(options.workflowBundlePath ? { workflowBundlePath: options.workflowBundlePath } : {}),
        ...(options.tuning ? { tuning: options.tuning } : {}),
        deps: {
          db,
          email,
          channels: createChannelProviders(config, metrics),
          signer,
          mail: mailSettingsFrom(config),
          temporal,
          taskQueue: options.taskQueue ?? TASK_QUEUES.main,
          influencerCache,
          churn: { cooldown: config.CHURN_INTERVENTION_COOLDOWN, customerSuccessEmail: config.CUSTOMER_SUCCESS_EMAIL },
          ads: createCampaignAdPlatforms(config),
          adConsent: adConsentOf(config.AUDIENCE_SYNC_CONSENT),
          audience: {
            importDir: path.join(config.dataDir, 'imports'),
            broadcastRatePerSecond: config.BROADCAST_RATE_LIMIT_PER_SECOND,
            broadcastCapped: config.BROADCAST_CAPPED,
          },
        },
      });
      const running = worker.run();
      stops.push(async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await email.close();
        await workerConnection.close();
      });
      log.info({ taskQueue: options.taskQueue ?? 'gtm-main' }, 'worker: running');
      // A platform without credentials is simulated; say which, so nobody believes money is moving when it is not.
      log.info({ adPlatforms: adPlatformModes(config) }, 'ad platforms: live where credentials are set, else sandbox');
    }

    let apiUrl: string | undefined;
    if (config.RUN_API === 'true') {
      const app = createApp({
        db,
        temporal,
        config,
        log,
        signer,
        metrics,
        influencerCache,
        ...(mailCatcher ? { mailCatcher } : {}),
        ...(options.taskQueue ? { taskQueue: options.taskQueue } : {}),
      });
      const server = http.createServer(app);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.PORT, config.HOST, () => resolve());
      });
      stops.push(
        () =>
          new Promise<void>((resolve) => {
            // Stop taking connections, let requests in flight finish, then close idle keep-alives.
            server.close(() => resolve());
            server.closeIdleConnections();
            setTimeout(() => server.closeAllConnections(), 10_000).unref();
          }),
      );
      apiUrl = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${config.PORT}`;
      log.info({ url: apiUrl }, 'API: listening');
    }

    if (config.RUN_WORKER === 'true') {
      await ensureChurnScanSchedule(temporal, config, log, options.taskQueue);
      await ensureSegmentRefreshSchedule(temporal, config, log, options.taskQueue);
      await ensureReallocationSchedule(temporal, config, log, options.taskQueue);
      await ensureAdCredentialCheckSchedule(temporal, config, log, options.taskQueue);
      await new AudienceSyncService({ db, temporal, config, log, taskQueue: options.taskQueue }).ensureSchedules();
    }
    if (config.DEMO_DATA === 'true') {
      // The demo is a convenience: if it cannot load, the product still starts and says why.
      try {
        const demo = await loadDemoData({
          db,
          temporal,
          config,
          influencerCache,
          ...(options.taskQueue ? { taskQueue: options.taskQueue } : {}),
        });
        log.info({ venture: demo.venture.slug, created: demo.venture.created }, 'demo data: loaded');
      } catch (err) {
        log.warn({ err }, 'demo data: not loaded (POST /v1/demo retries)');
      }
    }
    await ensureDevKeys(db, config, log, !config.DATABASE_URL);

    return {
      db,
      temporal,
      ...(mailCatcher ? { mailCatcher } : {}),
      urls: {
        ...(apiUrl ? { api: apiUrl } : {}),
        ...(temporalUi ? { temporalUi } : {}),
        temporalAddress,
        smtp: smtpUrl.replace(/\/\/[^@/]*@/, '//'),
        database: databaseUrl.replace(/\/\/[^@/]*@/, '//'),
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** SIGNING_SECRET, or on a local run a random one kept in DATA_DIR so links survive a restart. */
function signingSecret(config: Config): string {
  if (config.SIGNING_SECRET) return config.SIGNING_SECRET;
  if (config.NODE_ENV === 'production') throw new Error('SIGNING_SECRET: required when NODE_ENV is production');
  const file = path.join(config.dataDir, 'signing-secret');
  if (!fs.existsSync(file)) writePrivateFile(file, randomBytes(32).toString('hex'));
  else makePrivate(file);
  return fs.readFileSync(file, 'utf8').trim();
}

/**
 * On a local run with no key at all, creates one key per role and writes them to a file only the owner can
 * read, so the dashboard can be signed into at once. The keys never go to the log.
 */
async function ensureDevKeys(db: Db, config: Config, log: Logger, embedded: boolean): Promise<void> {
  if (!embedded || config.NODE_ENV === 'production') return;
  const keys = new ApiKeyStore(db);
  if ((await keys.list()).length > 0) return;
  const created: Record<string, string> = {};
  for (const role of ROLES) created[role] = (await keys.create(`local ${role}`, role)).key;
  const file = path.join(config.dataDir, 'api-keys.json');
  writePrivateFile(file, JSON.stringify(created, null, 2));
  log.info({ file }, 'API keys: one per role created for this local run');
}
