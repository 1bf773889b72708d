import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { installBuiltinSequences } from '../../db/builtinSequences';
import type { Db } from '../../db/knex';
import { ContactStore, type Contact } from '../../db/stores/contacts';
import { SequenceStore } from '../../db/stores/sequences';
import { getSequenceWorkflowId } from '../../domain/ids';
import { sequenceDefinitionSchema, type SequenceDefinitionInput } from '../../domain/sequences/definition';
import type { MailCatcher } from '../../infra/mailCatcher';
import { LinkSigner } from '../../infra/signing';
import { createSmtpProvider } from '../../providers/email';
import { EnrollmentService, type EventOutcome } from '../../services/enrollment';
import { stateQuery } from '../../workflows/sequenceWorkflow';
import type { SequenceState } from '../../workflows/types';
import { createTestDatabase, createTestWorker, createTimeSkippingEnv, startSmtpSink, uniqueId } from '../harness';
import { recordHistory } from '../harness/histories';

export const signer = new LinkSigner('sequence-tests-signing-secret-0000000');

export interface SequenceHarness {
  env: TestWorkflowEnvironment;
  /** The worker's task queue, for workflows a test starts itself. */
  taskQueue: string;
  db: Db;
  sink: MailCatcher;
  service: EnrollmentService;
  contact(traits?: Record<string, unknown>, timezone?: string): Promise<Contact>;
  send(contact: Contact, name: string, properties?: Record<string, unknown>): Promise<EventOutcome>;
  define(def: SequenceDefinitionInput): Promise<void>;
  handle(sequenceKey: string, contact: Contact): ReturnType<TestWorkflowEnvironment['client']['workflow']['getHandle']>;
  state(sequenceKey: string, contact: Contact): Promise<SequenceState>;
  subjects(contact: Contact): string[];
  /** Lets the worker act on what just happened (signals, timers that fired) before the test looks. */
  settle(ms?: number): Promise<void>;
  /** Polls until the check returns a value (not undefined), for state a busy machine reaches late. */
  eventually<T>(check: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  recordHistory(sequenceKey: string, contact: Contact, name: string): Promise<void>;
  teardown(): Promise<void>;
}

/**
 * The sequence engine on a time-skipping Temporal server of its own, with the real activities against a fresh
 * database and a real SMTP sink; events go in through the same enrollment service the API uses.
 */
export async function startSequenceHarness(
  options: { frequencyCap?: number; rejectRecipients?: string[] } = {},
): Promise<SequenceHarness> {
  const ts = await createTimeSkippingEnv();
  const database = await createTestDatabase();
  const sink = await startSmtpSink({
    ...(options.rejectRecipients ? { rejectRecipients: options.rejectRecipients } : {}),
  });
  await installBuiltinSequences(database.db);
  const taskQueue = uniqueId('seq');
  const email = createSmtpProvider(sink.url);
  const activities = createActivities({
    db: database.db,
    email,
    signer,
    mail: {
      from: 'Acme <hello@acme.test>',
      productName: 'Acme Notes',
      companyName: 'Acme Inc.',
      companyAddress: '1 Main St, Springfield',
      publicUrl: 'http://localhost:3000',
      appUrl: 'https://app.acme.test',
      frequencyCap: { max: options.frequencyCap ?? 100, windowMs: 24 * 3600_000 },
    },
  });
  const worker: Worker = await createTestWorker(ts.env, { activities, taskQueue });
  const running = worker.run();
  const service = new EnrollmentService(database.db, ts.env.client, undefined, taskQueue);
  const contacts = new ContactStore(database.db);
  const sequences = new SequenceStore(database.db);
  let n = 0;

  const h: SequenceHarness = {
    env: ts.env,
    taskQueue,
    db: database.db,
    sink,
    service,
    async contact(traits = {}, timezone = 'UTC') {
      const id = uniqueId('c');
      n += 1;
      return (
        await contacts.upsert({
          externalId: id,
          email: `${id}@example.com`,
          timezone,
          traits: { first_name: `Person${n}`, ...traits },
        })
      ).contact;
    },
    async send(contact, name, properties = {}) {
      const [outcome] = await service.ingest([
        { contact, contactId: contact.id, name, properties, occurredAt: new Date(await ts.env.currentTimeMs()) },
      ]);
      return outcome!;
    },
    async define(def) {
      await sequences.create(sequenceDefinitionSchema.parse(def));
    },
    handle: (key, contact) => ts.env.client.workflow.getHandle(getSequenceWorkflowId(key, contact.id)),
    state: (key, contact) => ts.env.client.workflow.getHandle(getSequenceWorkflowId(key, contact.id)).query(stateQuery),
    subjects: (contact) => sink.to(contact.email).map((m) => m.subject),
    async settle(ms = 400) {
      await new Promise((r) => setTimeout(r, ms));
    },
    async eventually(check, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await check();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`condition not reached within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    recordHistory: (key, contact, name) => recordHistory(ts.env.client, getSequenceWorkflowId(key, contact.id), name),
    async teardown() {
      worker.shutdown();
      await running;
      await ts.teardown();
      await email.close();
      await sink.stop();
      await database.destroy();
    },
  };
  return h;
}
