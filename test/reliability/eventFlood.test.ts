import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { ContactStore, type Contact } from '../../db/stores/contacts';
import { getSequenceWorkflowId } from '../../domain/ids';
import type { MailCatcher } from '../../infra/mailCatcher';
import { createSmtpProvider, type EmailProvider } from '../../providers/email';
import { EnrollmentService } from '../../services/enrollment';
import { stateQuery } from '../../workflows/sequenceWorkflow';
import {
  connectDevServer,
  createTestDatabase,
  createTestWorker,
  startSmtpSink,
  uniqueId,
  type TestDatabase,
} from '../harness';
import { signer } from '../workflows/sequenceHarness';
import { defineSequence, waitUntil, TEST_MAIL_SETTINGS } from './helpers';

// Product events reach an enrollment by signal. A contact that sends thousands of events while an enrollment sleeps
// in a 7-day wait must not grow that run without bound. On the full dev server, whose handling of a continue-as-new
// racing new signals is the production server's.
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let sink: MailCatcher;
let email: EmailProvider;
beforeAll(async () => {
  env = await connectDevServer();
  database = await createTestDatabase();
  sink = await startSmtpSink();
  email = createSmtpProvider(sink.url);
  await defineSequence(database.db, {
    key: 'flooded',
    name: 'Asleep for a week, then waits for a feature',
    triggers: [{ event: 'flood_trial_started' }],
    steps: [
      { id: 'hello', type: 'send', template: 'nurture_intro', subject: 'Hello' },
      { id: 'week', type: 'wait', duration: 'P7D' },
      { id: 'used', type: 'waitFor', event: 'feature_used', timeout: 'P1D', onEvent: 'end', onTimeout: 'end' },
      { id: 'end', type: 'exit', reason: 'done' },
    ],
  });
});
afterAll(async () => {
  await email?.close();
  await sink?.stop();
  await database?.destroy();
  await env?.teardown();
});

const events = (c: Contact, name: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    contact: c,
    contactId: c.id,
    name,
    properties: { n: i },
    occurredAt: new Date(),
  }));

test('5,000 events during a 7-day wait: the ones it cannot react to are not delivered; the 5,000 it can land in runs of ~500 events; the wait keeps its instant', async () => {
  const taskQueue = uniqueId('flood');
  const worker = await createTestWorker(env, {
    taskQueue,
    activities: createActivities({
      db: database.db,
      email,
      signer,
      mail: TEST_MAIL_SETTINGS,
    }),
  });
  const service = new EnrollmentService(database.db, env.client, undefined, taskQueue);
  await worker.runUntil(async () => {
    const { contact: c } = await new ContactStore(database.db).upsert({
      externalId: uniqueId('flood'),
      email: `${uniqueId('flood')}@example.com`,
    });
    await service.ingest(events(c, 'flood_trial_started', 1));
    await sink.waitFor((mails) => mails.length === 1, 20_000);
    const workflowId = getSequenceWorkflowId('flooded', c.id);
    const enrollment = await database.db('enrollments').where({ workflow_id: workflowId }).first();
    const state = () => env.client.workflow.getHandle(workflowId).query(stateQuery);
    const asleep = await waitUntil(state, (s) => s.waitingFor !== undefined, 20_000, 'asleep in the week');
    /** Every run from the first: history sizes, and the events signalled to all of them. */
    const runs = async () => {
      const sizes: number[] = [];
      let signals = 0;
      let runId: string | undefined = enrollment.run_id;
      while (runId) {
        const history = (await env.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
        sizes.push(history.length);
        signals += history.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
        runId = history.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      }
      return { sizes, signals };
    };
    const before = await runs();

    for (let i = 0; i < 5; i++) await service.ingest(events(c, 'page_viewed', 1_000));
    expect(await runs()).toEqual(before); // no event it cannot react to reached it

    for (let i = 0; i < 5; i++) await service.ingest(events(c, 'feature_used', 1_000));
    const after = await waitUntil(runs, (r) => r.signals === 5_000, 60_000, 'all 5,000 events recorded', 500);
    expect(after.sizes.length).toBeGreaterThanOrEqual(5);
    for (const size of after.sizes) expect(size).toBeLessThan(700);
    // The latest run sleeps on to the instant the first one chose, on the same step, with nothing sent twice.
    const now = await waitUntil(state, (s) => s.waitingFor !== undefined, 20_000, 'the latest run asleep');
    expect(now).toEqual(expect.objectContaining({ currentStep: 'week', sends: 1, waitingFor: asleep.waitingFor }));
    expect(sink.count).toBe(1);
  });
}, 240_000);
