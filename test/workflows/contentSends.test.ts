import { recordHistory } from '../harness/histories';
import { UserStore } from '../../db/stores/users';
import { PasswordResetStore } from '../../db/stores/sessions';
import {
  accountEmailWorkflow,
  templateTestWorkflow,
  topicConfirmationWorkflow,
} from '../../workflows/templateWorkflows';
import { startSequenceHarness, type SequenceHarness } from './sequenceHarness';

// What the content release changed in what workflows send, on the time-skipping server with the real activities:
// a send step without a subject takes its template's, a topic the contact left stops the send, and the two new
// one-email workflows (a template's test, a topic's confirmation). Their histories are recorded for the replay test.

let h: SequenceHarness;
beforeAll(async () => {
  h = await startSequenceHarness();
}, 60_000);
afterAll(async () => h?.teardown());

test('a send step without a subject sends its template’s; one under a topic the contact left is not sent', async () => {
  await h.define({
    key: 'subjectless',
    name: 'Subjectless',
    topic: 'newsletter',
    triggers: [{ event: 'subjectless_start' }],
    steps: [{ id: 'intro', type: 'send', template: 'nurture_intro' }],
  });
  const reader = await h.contact();
  await h.send(reader, 'subjectless_start');
  expect(await h.handle('subjectless', reader).result()).toMatchObject({ outcome: 'completed' });
  const template = await h.db('template_versions').where({ template_key: 'nurture_intro', version: 1 }).first();
  expect(h.subjects(reader)).toEqual([template.content.en.subject.replace('{{product_name}}', 'Acme Notes')]);
  await h.recordHistory('subjectless', reader, 'sequence-template-subject');

  const left = await h.contact();
  await h
    .db('contact_topics')
    .insert({ contact_id: left.id, topic_key: 'newsletter', state: 'unsubscribed', source: 'api' });
  await h.send(left, 'subjectless_start');
  expect(await h.handle('subjectless', left).result()).toMatchObject({ outcome: 'completed' });
  expect(h.subjects(left)).toEqual([]);
  const row = await h.db('email_outbox').where({ contact_id: left.id }).first();
  expect(row).toMatchObject({
    status: 'suppressed',
    error: expect.stringMatching(/^unsubscribed_topic: .*'newsletter'/),
  });
});

test('a template’s test send and a topic’s confirmation: one email each', async () => {
  const tester = 'tester@example.com';
  const testId = 'template-test:welcome:history';
  const tested = await h.env.client.workflow.execute(templateTestWorkflow, {
    workflowId: testId,
    taskQueue: h.taskQueue,
    args: [{ templateKey: 'welcome', email: tester, variables: { first_name: 'Tess' } }],
  });
  expect(tested).toEqual({ status: 'sent' });
  expect(h.sink.to(tester).map((m) => m.subject)).toEqual(['[Test] Welcome to Acme Notes']);
  await recordHistory(h.env.client, testId, 'template-test-sent');

  await h.db('topics').insert({ key: 'beta', name: 'Beta programme', opt_in: true });
  const reader = await h.contact();
  const confirmId = `topic-confirm:${reader.id}:beta:1`;
  const confirmed = await h.env.client.workflow.execute(topicConfirmationWorkflow, {
    workflowId: confirmId,
    taskQueue: h.taskQueue,
    args: [{ contactId: reader.id, topic: 'beta' }],
  });
  expect(confirmed).toEqual({ status: 'sent' });
  const [mail] = h.sink.to(reader.email);
  expect(mail?.subject).toBe('Confirm your subscription to Beta programme');
  expect(mail?.text).toMatch(/\/p\/confirm\//);
  await recordHistory(h.env.client, confirmId, 'topic-confirmation-sent');
});

test('a set-password email: one per reset, with a signed link that is in no workflow history', async () => {
  const user = (await new UserStore(h.db).create({
    email: 'newcomer@example.com',
    name: 'Nia New',
    roles: ['marketer'],
  }))!;
  const reset = await new PasswordResetStore(h.db).create(user.id, 3_600_000);
  const run = (workflowId: string) =>
    h.env.client.workflow.execute(accountEmailWorkflow, {
      workflowId,
      taskQueue: h.taskQueue,
      args: [{ userId: user.id, resetId: reset.id, invited: true }],
    });
  expect(await run(`account-email:${reset.id}`)).toEqual({ status: 'sent' });
  // A second run for the same reset (a retried start) finds the email sent and sends nothing.
  await run(`account-email:${reset.id}:again`);
  const mails = h.sink.to('newcomer@example.com');
  expect(mails).toHaveLength(1);
  expect(mails[0]!.subject).toBe('Choose your Acme Notes password');
  expect(mails[0]!.text).toMatch(/Hi Nia,/);
  const link = /\/#\/reset-password\/(\S+)/.exec(mails[0]!.text)?.[1];
  expect(link).toBeDefined();
  const history = JSON.stringify(await h.env.client.workflow.getHandle(`account-email:${reset.id}`).fetchHistory());
  expect(history).not.toContain(link!.slice(-20));
  await recordHistory(h.env.client, `account-email:${reset.id}`, 'account-email-sent');
});
