import type { Contact } from '../../db/stores/contacts';
import { getSequenceWorkflowId } from '../../domain/ids';
import { startSequenceHarness, type SequenceHarness } from './sequenceHarness';

// An enrollment whose history fills up while it sleeps (events keep coming) continues as new in the middle of the
// wait. The next run must wake at the instant the first one chose, and send the step after the wait once.
// (test/reliability/eventFlood.test.ts floods an enrollment with 5,000 events on the full dev server.)
let h: SequenceHarness;
beforeAll(async () => {
  h = await startSequenceHarness();
  await h.define({
    key: 'flooded',
    name: 'Asleep for a week, then waits for a feature',
    triggers: [{ event: 'flood_trial_started' }],
    steps: [
      { id: 'hello', type: 'send', template: 'nurture_intro', subject: 'Hello' },
      { id: 'week', type: 'wait', duration: 'P7D' },
      { id: 'later', type: 'send', template: 'nurture_quick_wins', subject: 'A week later' },
      { id: 'used', type: 'waitFor', event: 'feature_used', timeout: 'P1D', onEvent: 'end', onTimeout: 'end' },
      { id: 'end', type: 'exit', reason: 'done' },
    ],
  });
});
afterAll(async () => h?.teardown());

const featureUsed = (c: Contact, from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    contact: c,
    contactId: c.id,
    name: 'feature_used',
    properties: { n: from + i },
    occurredAt: new Date(),
  }));

test('continued as new in the middle of a 7-day wait: it wakes at the same instant and sends the next step once', async () => {
  const c = await h.contact();
  await h.send(c, 'flood_trial_started');
  await h.sink.waitFor(() => h.subjects(c).length === 1);
  const asleep = await h.eventually(async () => (await h.state('flooded', c)).waitingFor);

  for (let sent = 0; sent < 600; sent += 100) await h.service.ingest(featureUsed(c, sent, 100));
  const workflowId = getSequenceWorkflowId('flooded', c.id);
  const enrollment = await h.db('enrollments').where({ workflow_id: workflowId }).first();
  const first = await h.eventually(async () => {
    const run = await h.env.client.workflow.getHandle(workflowId, enrollment.run_id).describe();
    return run.status.name === 'CONTINUED_AS_NEW' ? run : undefined;
  }, 60_000);
  expect(first.historyLength).toBeGreaterThan(500);
  const state = await h.eventually(async () => {
    const s = await h.state('flooded', c);
    return s.waitingFor ? s : undefined;
  });
  expect(state).toEqual(expect.objectContaining({ currentStep: 'week', sends: 1, waitingFor: asleep }));

  await h.env.sleep(Date.parse(asleep.until) - (await h.env.currentTimeMs()) - 60_000);
  await h.settle();
  expect(h.subjects(c)).toEqual(['Hello']); // not a minute early
  await h.env.sleep('2m');
  // The events that came during the wait count for the waitFor after it, so it ends at once.
  const result = await h.handle('flooded', c).result();
  expect(result).toEqual(expect.objectContaining({ outcome: 'completed', sends: 2, reason: 'done' }));
  expect(h.subjects(c)).toEqual(['Hello', 'A week later']);
  expect(await h.db('email_outbox').where({ contact_id: c.id }).orderBy('created_at').pluck('step_id')).toEqual([
    'hello',
    'later',
  ]);
  await h.recordHistory('flooded', c, 'sequence-resumed-mid-wait');
}, 180_000);
