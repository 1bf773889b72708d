import { ContactStore, type Contact } from '../../db/stores/contacts';
import { EnrollmentService } from '../../services/enrollment';
import { client, startTestStack, type TestStack } from '../harness/stack';

// A sequence that starts when a contact enters a segment, through the API as the marketer drives it. The segment
// events go in the way the audience sends them: through the enrollment service (POST /v1/events keeps the
// `segment.` names for the product itself).

let t: TestStack;
let enrollment: EnrollmentService;

beforeAll(async () => {
  t = await startTestStack({ PRODUCT_NAME: 'Acme Notes' });
  enrollment = new EnrollmentService(t.stack.db, t.stack.temporal, undefined, t.taskQueue);
  // Segments that match nobody: who enters and leaves is what this test sends, not what the engine computes.
  const marketer = client(t, 'marketer');
  for (const key of ['pro-de', 'free-us']) {
    const definition = { trait: 'plan', op: 'eq', value: `${key}-nobody` };
    expect((await marketer('POST', '/v1/segments', { key, name: key, definition })).status).toBe(201);
  }
}, 60_000);
afterAll(async () => t?.stop());

const definition = (segment: string) => ({
  key: 'pro-welcome',
  name: 'Welcome to Pro',
  topic: 'onboarding',
  triggers: [{ segmentEntered: segment }],
  exits: [{ segmentLeft: segment }],
  steps: [
    { id: 'welcome', type: 'send', template: 'welcome', subject: 'Welcome to {{product_name}} Pro' },
    { id: 'pause', type: 'wait', duration: 'P7D' },
    { id: 'follow-up', type: 'send', template: 'next_steps', subject: 'A week of Pro' },
  ],
});

async function segmentEvent(contact: Contact, name: 'segment.entered' | 'segment.left', segment: string) {
  const [outcome] = await enrollment.ingest([
    { contact, contactId: contact.id, name, properties: { segment }, occurredAt: new Date() },
  ]);
  return outcome!;
}

test('a sequence naming a segment that does not exist is refused, naming the field and the segments there are', async () => {
  const marketer = client(t, 'marketer');
  const res = await marketer('POST', '/v1/sequences', definition('pro-dee'));
  expect(res.status).toBe(400);
  expect(res.body.problems).toEqual([
    { path: 'triggers.0.segmentEntered', message: "there is no segment 'pro-dee'; the segments are: free-us, pro-de" },
    { path: 'exits.0.segmentLeft', message: "there is no segment 'pro-dee'; the segments are: free-us, pro-de" },
  ]);
  expect((await marketer('GET', '/v1/sequences/pro-welcome')).status).toBe(404);
});

test('entering the segment sends the welcome; leaving it ends the enrollment as exited', async () => {
  const marketer = client(t, 'marketer');
  const created = await marketer('POST', '/v1/sequences', definition('pro-de'));
  expect(created.status).toBe(201);
  // Stored as written: the segment trigger and exit, not the events they stand for.
  expect(created.body.definition).toMatchObject({
    topic: 'onboarding',
    triggers: [{ segmentEntered: 'pro-de' }],
    exits: [{ segmentLeft: 'pro-de' }],
  });
  expect((await marketer('PUT', '/v1/sequences/pro-welcome', definition('nope'))).status).toBe(400);

  for (const id of ['greta', 'hans'])
    expect((await marketer('POST', '/v1/contacts', { id, email: `${id}@example.com` })).status).toBe(201);
  const contacts = new ContactStore(t.stack.db);
  const greta = (await contacts.getByExternalId('greta'))!;
  const hans = (await contacts.getByExternalId('hans'))!;

  expect((await segmentEvent(greta, 'segment.entered', 'pro-de')).enrolled).toEqual(['pro-welcome']);
  expect((await segmentEvent(hans, 'segment.entered', 'free-us')).enrolled).toEqual([]);
  await t.smtp.waitFor(() => t.smtp.to('greta@example.com').length === 1);
  expect(t.smtp.to('greta@example.com').map((m) => m.subject)).toEqual(['Welcome to Acme Notes Pro']);

  // The segment events are in the contact's timeline like any other event.
  const stored = await t.stack.db('events').where({ contact_id: greta.id }).orderBy('id').pluck('name');
  expect(stored).toEqual(['segment.entered']);

  await segmentEvent(greta, 'segment.left', 'pro-de');
  const exited = async () => {
    const res = await marketer('GET', '/v1/contacts/greta/enrollments');
    return res.body.enrollments.find((e: { sequenceKey: string }) => e.sequenceKey === 'pro-welcome');
  };
  const deadline = Date.now() + 20_000;
  while ((await exited())?.status !== 'exited' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  expect(await exited()).toMatchObject({ status: 'exited', exitReason: 'left segment pro-de' });
  expect(t.smtp.to('hans@example.com')).toEqual([]);
  expect(t.smtp.to('greta@example.com')).toHaveLength(1);
});
