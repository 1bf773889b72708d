import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { ContactStore } from '../../db/stores/contacts';
import { SequenceStore } from '../../db/stores/sequences';
import { sequenceDefinitionSchema } from '../../domain/sequences/definition';
import type { MailCatcher } from '../../infra/mailCatcher';
import { LinkSigner } from '../../infra/signing';
import { createSmtpProvider } from '../../providers/email';
import { EnrollmentService } from '../../services/enrollment';
import {
  connectDevServer,
  createTestDatabase,
  createTestWorker,
  eventually,
  startSmtpSink,
  uniqueId,
  type TestDatabase,
} from '../harness';

// Operators find an enrollment by the contact id their product uses, the one given to POST /v1/contacts.
// Visibility queries need the full dev server, not the time-skipping one.
let env: TestWorkflowEnvironment;
let t: TestDatabase;
let sink: MailCatcher;
let worker: Worker;
let running: Promise<void>;
let service: EnrollmentService;
const email = { provider: undefined as ReturnType<typeof createSmtpProvider> | undefined };

beforeAll(async () => {
  env = await connectDevServer();
  t = await createTestDatabase();
  sink = await startSmtpSink();
  email.provider = createSmtpProvider(sink.url);
  const activities = createActivities({
    db: t.db,
    email: email.provider,
    signer: new LinkSigner('contact-search-signing-secret-000000000'),
    mail: {
      from: 'Acme <hello@acme.test>',
      productName: 'Acme Notes',
      companyName: 'Acme Inc.',
      publicUrl: 'http://localhost:3000',
      appUrl: 'https://app.acme.test',
      frequencyCap: { max: 100, windowMs: 24 * 3600_000 },
    },
  });
  const taskQueue = uniqueId('search');
  worker = await createTestWorker(env, { activities, taskQueue });
  running = worker.run();
  service = new EnrollmentService(t.db, env.client, undefined, taskQueue);
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await email.provider?.close();
  await sink?.stop();
  await t?.destroy();
  await env?.teardown();
});

test('a workflow list query ContactId = "user-1" finds the enrollment of the contact posted as user-1', async () => {
  const key = uniqueId('search').toLowerCase();
  await new SequenceStore(t.db).create(
    sequenceDefinitionSchema.parse({
      key,
      name: 'Search',
      triggers: [{ event: 'signup' }],
      steps: [
        { id: 'hello', type: 'send', template: 'welcome', subject: 'Hello' },
        { id: 'pause', type: 'wait', duration: 'P7D' },
      ],
    }),
  );
  const { contact } = await new ContactStore(t.db).upsert({ externalId: 'user-1', email: `${key}@example.com` });
  const [outcome] = await service.ingest([
    { contact, contactId: contact.id, name: 'signup', properties: {}, occurredAt: new Date() },
  ]);
  expect(outcome?.enrolled).toEqual([key]);
  // The run has taken its first step (the welcome went out), so whatever it sets of its own is set by now.
  await sink.waitFor(() => sink.to(contact.email).length === 1);
  const handle = env.client.workflow.getHandle(
    (await t.db('enrollments').where({ contact_id: contact.id }).first()).workflow_id,
  );

  const found = await eventually(async () => {
    const ids: string[] = [];
    for await (const run of env.client.workflow.list({ query: `ContactId = "user-1" AND SequenceKey = "${key}"` })) {
      ids.push(run.workflowId);
    }
    return ids.length > 0 ? ids : undefined;
  });
  expect(found).toEqual([handle.workflowId]);
  const described = await handle.describe();
  expect(described.memo).toEqual({ contactId: 'user-1' });
  await handle.terminate('test over');
});
