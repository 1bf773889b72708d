import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { installBuiltinSequences } from '../../db/builtinSequences';
import { ContactStore, type Contact } from '../../db/stores/contacts';
import { getSequenceWorkflowId } from '../../domain/ids';
import { createSmtpProvider } from '../../providers/email';
import { EnrollmentService } from '../../services/enrollment';
import { SlowSmtpServer } from '../fakes';
import { connectDevServer, createTestDatabase, createTestWorker, uniqueId, type TestDatabase } from '../harness';
import { signer } from '../workflows/sequenceHarness';
import { startWorkerProcess, waitUntil, type Child, TEST_MAIL_SETTINGS } from './helpers';

// A provider that answers every SMTP command 8 s late takes about 50 s for one message: longer than the send
// activity's 30-second heartbeat timeout. These tests run on the shared dev server in real time, side by side.
const REPLY_DELAY_MS = 8_000;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await connectDevServer();
});
afterAll(async () => env?.teardown());

async function signup(database: TestDatabase, taskQueue: string): Promise<Contact> {
  await installBuiltinSequences(database.db);
  const { contact } = await new ContactStore(database.db).upsert({
    externalId: uniqueId('slow'),
    email: `${uniqueId('slow')}@example.com`,
  });
  await new EnrollmentService(database.db, env.client, undefined, taskQueue).ingest([
    { contact, contactId: contact.id, name: 'signup', properties: {}, occurredAt: new Date() },
  ]);
  return contact;
}

const outboxRows = (database: TestDatabase, contact: Contact) =>
  database.db('email_outbox').where({ contact_id: contact.id }).select('status', 'attempts');

test.concurrent(
  'a provider that answers every command 8 s late receives the welcome email once, and the outbox says sent once',
  async () => {
    const database = await createTestDatabase();
    const slow = new SlowSmtpServer(REPLY_DELAY_MS);
    await slow.start();
    const email = createSmtpProvider(slow.url);
    const taskQueue = uniqueId('slow');
    const worker = await createTestWorker(env, {
      taskQueue,
      activities: createActivities({
        db: database.db,
        email,
        signer,
        mail: TEST_MAIL_SETTINGS,
      }),
    });
    try {
      await worker.runUntil(async () => {
        const contact = await signup(database, taskQueue);
        const started = Date.now();
        await waitUntil(
          () => outboxRows(database, contact),
          (rows) => rows[0]?.status === 'sent',
          150_000,
          'the welcome email recorded as sent',
          500,
        );
        const tookMs = Date.now() - started;
        expect(tookMs).toBeGreaterThan(30_000); // the provider really was slower than the heartbeat timeout
        // A second attempt would have been started after the 30-second heartbeat timeout, on a connection of its
        // own, while the first was still sending; let any message still in progress finish before counting.
        await waitUntil(
          () => slow.busy,
          (n) => n === 0,
          120_000,
          'no message in progress at the provider',
        );
        expect(slow.accepted).toHaveLength(1);
        expect(slow.accepted[0]!.to).toEqual([contact.email]);
        expect(slow.connections).toBe(1);
        expect(await outboxRows(database, contact)).toEqual([{ status: 'sent', attempts: 1 }]);
        const history = await env.client.workflow
          .getHandle(getSequenceWorkflowId('onboarding', contact.id))
          .fetchHistory();
        const attempts = history.events!.flatMap((e) => e.activityTaskStartedEventAttributes?.attempt ?? []);
        expect(attempts).toEqual([1]);
      });
    } finally {
      await email.close();
      await slow.stop();
      await database.destroy();
    }
  },
  200_000,
);

test.concurrent(
  'a worker killed while a slow send is in flight: after recovery the email arrives once',
  async () => {
    const database = await createTestDatabase();
    const slow = new SlowSmtpServer(REPLY_DELAY_MS);
    await slow.start();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-slow-'));
    const taskQueue = uniqueId('slow-kill');
    const workerEnv = {
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: process.env.GTM_TEST_TEMPORAL_ADDRESS!,
      SMTP_URL: slow.url,
      SIGNING_SECRET: 'slow-provider-signing-secret-000000000000',
      TASK_QUEUE: taskQueue,
      LOG_LEVEL: 'error',
      CHURN_SCAN_ENABLED: 'false',
    };
    const workers: Child[] = [];
    try {
      workers.push(await startWorkerProcess(workerEnv));
      const contact = await signup(database, taskQueue);
      // In flight: the server has the envelope and is taking its time.
      await waitUntil(
        () => slow.received('RCPT TO'),
        (seen) => seen,
        60_000,
        'the send in flight at the provider',
      );
      workers[0]!.child.kill('SIGKILL');
      expect(await workers[0]!.exited).toBeNull();
      slow.delayMs = 0; // the provider recovers; the killed attempt's message never reached its end
      workers.push(await startWorkerProcess(workerEnv));
      await waitUntil(
        () => outboxRows(database, contact),
        (rows) => rows[0]?.status === 'sent',
        120_000,
        'the welcome email recorded as sent after recovery',
        500,
      );
      await new Promise((r) => setTimeout(r, 2_000));
      expect(slow.accepted).toHaveLength(1);
      expect(slow.abandoned).toBe(0);
      expect(await outboxRows(database, contact)).toEqual([{ status: 'sent', attempts: 2 }]);
    } finally {
      for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      await slow.stop();
      await database.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  },
  200_000,
);
