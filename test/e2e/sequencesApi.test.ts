import type { CaughtMail } from '../../infra/mailCatcher';
import { client, startTestStack, type TestStack } from '../harness/stack';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ PRODUCT_NAME: 'Acme Notes' });
}, 60_000);
afterAll(async () => t?.stop());

/**
 * The "done when", in real time on the shared dev server: a marketer defines a sequence with a
 * 5-second wait through the API, events enroll contacts, and the emails reach the SMTP server in order, down
 * the branch the events chose.
 */
test('a marketer defines a sequence with a PT5S wait; events enroll contacts and decide the branch each gets', async () => {
  const marketer = client(t, 'marketer');
  const defined = await marketer('POST', '/v1/sequences', {
    key: 'trial-nudge',
    name: 'Trial nudge',
    topic: 'onboarding',
    triggers: [{ event: 'trial_started' }],
    steps: [
      { id: 'hello', type: 'send', template: 'welcome', subject: 'Your {{product_name}} trial has started' },
      { id: 'pause', type: 'wait', duration: 'PT5S' },
      {
        id: 'used',
        type: 'waitFor',
        event: 'feature_used',
        timeout: 'PT1S',
        onEvent: 'which_feature',
        onTimeout: 'nudge',
      },
      {
        id: 'which_feature',
        type: 'branch',
        condition: { field: 'event.properties.feature', op: 'eq', value: 'import' },
        then: 'import_tips',
        else: 'export_tips',
      },
      { id: 'import_tips', type: 'send', template: 'first_action', subject: 'Tips for importing', next: 'done' },
      { id: 'export_tips', type: 'send', template: 'next_steps', subject: 'Tips for exporting', next: 'done' },
      { id: 'nudge', type: 'send', template: 'first_action', subject: 'Need a hand getting started?' },
      { id: 'done', type: 'exit', reason: 'trial nudge finished' },
    ],
  });
  expect(defined.status).toBe(201);
  expect(defined.body).toMatchObject({ key: 'trial-nudge', version: 1, warnings: [] });

  const people = ['ana', 'ben', 'cyd'] as const;
  for (const id of people) {
    expect((await marketer('POST', '/v1/contacts', { id, email: `${id}@example.com` })).status).toBe(201);
  }
  const start = await marketer('POST', '/v1/events', {
    events: people.map((id) => ({ contactId: id, name: 'trial_started' })),
  });
  expect(start.status).toBe(202);
  expect(start.body.results.map((r: { enrolled: string[] }) => r.enrolled)).toEqual([
    ['trial-nudge'],
    ['trial-nudge'],
    ['trial-nudge'],
  ]);
  await t.smtp.waitFor(() => people.every((id) => t.smtp.to(`${id}@example.com`).length === 1));

  // While they wait: ana imports, ben exports, cyd does nothing.
  await marketer('POST', '/v1/events', { contactId: 'ana', name: 'feature_used', properties: { feature: 'import' } });
  await marketer('POST', '/v1/events', { contactId: 'ben', name: 'feature_used', properties: { feature: 'export' } });

  await t.smtp.waitFor(() => people.every((id) => t.smtp.to(`${id}@example.com`).length === 2), 20_000);
  const mails = (id: string): CaughtMail[] => t.smtp.to(`${id}@example.com`);
  const subjects = (id: string) => mails(id).map((m) => m.subject);
  expect(subjects('ana')).toEqual(['Your Acme Notes trial has started', 'Tips for importing']);
  expect(subjects('ben')).toEqual(['Your Acme Notes trial has started', 'Tips for exporting']);
  expect(subjects('cyd')).toEqual(['Your Acme Notes trial has started', 'Need a hand getting started?']);
  for (const id of people) {
    const [first, second] = mails(id).map((m) => Date.parse(m.receivedAt));
    // The wait is timed from the end of the first send, so the gap is the wait (less the catcher's parse time).
    expect(second! - first!).toBeGreaterThanOrEqual(4_800);
  }

  // Every enrollment ends at the exit step (a planned end: completed), as the contact's enrollments (through the API) show.
  for (const id of people) {
    let enrollment: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && enrollment?.status !== 'completed'; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      enrollment = (await marketer('GET', `/v1/contacts/${id}/enrollments`)).body.enrollments[0];
    }
    expect(enrollment).toMatchObject({
      sequenceKey: 'trial-nudge',
      status: 'completed',
      exitReason: 'trial nudge finished',
    });
  }
  const stats = await marketer('GET', '/v1/sequences/trial-nudge/stats');
  expect(stats.body.overall).toMatchObject({ enrollments: { total: 3, completed: 3 }, funnel: { sent: 6, failed: 0 } });
  // Our open pixel is in these marketing emails, so nobody opening them is a real zero.
  expect(stats.body.steps).toMatchObject([
    { stepId: 'export_tips', funnel: { sent: 1, failed: 0, opened: 0, clicked: 0 } },
    { stepId: 'hello', funnel: { sent: 3, failed: 0, opened: 0, clicked: 0 } },
    { stepId: 'import_tips', funnel: { sent: 1, failed: 0, opened: 0, clicked: 0 } },
    { stepId: 'nudge', funnel: { sent: 1, failed: 0, opened: 0, clicked: 0 } },
  ]);
}, 60_000);
