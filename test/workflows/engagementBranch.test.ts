import { MessageStore } from '../../db/stores/messages';
import type { Contact } from '../../db/stores/contacts';
import { DEFAULT_SOFT_BOUNCE_POLICY } from '../../domain/suppressionPolicy';
import { EngagementService } from '../../services/engagement';
import { unsubscriber } from '../../services/unsubscribe';
import { startSequenceHarness, type SequenceHarness } from './sequenceHarness';

// A sequence that branches on whether the reader opened its welcome email: the open comes in through the same
// engagement service our pixel and the providers' webhooks use, and two days pass in milliseconds.

const KEY = 'beta-welcome';
const WELCOME = 'Welcome to the beta';
const THANKS = 'Thanks for reading';
const NUDGE = 'Did you miss our welcome?';

let h: SequenceHarness;
let engagement: EngagementService;

beforeAll(async () => {
  h = await startSequenceHarness();
  engagement = new EngagementService({
    db: h.db,
    enrollment: h.service,
    unsubscribe: unsubscriber(h.db, h.env.client),
    softBounces: DEFAULT_SOFT_BOUNCE_POLICY,
  });
  await h.define({
    key: KEY,
    name: 'Beta welcome with a nudge for non-readers',
    triggers: [{ event: 'beta_joined' }],
    steps: [
      { id: 'welcome', type: 'send', template: 'welcome', subject: WELCOME },
      {
        id: 'wait_open',
        type: 'waitFor',
        event: 'email.opened',
        where: { field: 'event.properties.stepId', op: 'eq', value: 'welcome' },
        timeout: 'P2D',
        onEvent: 'thanks',
        onTimeout: 'nudge',
      },
      { id: 'thanks', type: 'send', template: 'next_steps', subject: THANKS, next: 'done' },
      { id: 'nudge', type: 'send', template: 'nurture_intro', subject: NUDGE, next: 'done' },
      { id: 'done', type: 'exit', reason: 'welcome branch finished' },
    ],
  });
});
afterAll(async () => h?.teardown());

/** Enrolls a new contact and resolves with the welcome message's id once the email arrived. */
async function welcomed(): Promise<{ contact: Contact; messageId: string }> {
  const contact = await h.contact();
  expect((await h.send(contact, 'beta_joined')).enrolled).toEqual([KEY]);
  await h.sink.waitFor(() => h.subjects(contact).length === 1);
  expect(h.subjects(contact)).toEqual([WELCOME]);
  const messageId = await h.eventually(async () => {
    const row = await h
      .db('email_outbox')
      .where({ contact_id: contact.id, sequence_key: KEY, step_id: 'welcome' })
      .first('id');
    return row?.id as string | undefined;
  });
  return { contact, messageId };
}

test('nobody opens the welcome: two days on, the nudge with its own subject arrives', async () => {
  const { contact } = await welcomed();
  await h.env.sleep('47h');
  expect(await h.state(KEY, contact)).toMatchObject({
    currentStep: 'wait_open',
    waitingFor: { event: 'email.opened' },
  });
  expect(h.subjects(contact)).toEqual([WELCOME]);

  await h.env.sleep('2h');
  await h.sink.waitFor(() => h.subjects(contact).length === 2);
  expect(await h.handle(KEY, contact).result()).toMatchObject({ sends: 2 });
  expect(h.subjects(contact)).toEqual([WELCOME, NUDGE]);
});

test('an open of the welcome email takes the event branch, and the nudge is never sent', async () => {
  const { contact, messageId } = await welcomed();
  const recorded = await engagement.recordTracking((await new MessageStore(h.db).byId(messageId))!, {
    key: 'open:1',
    status: 'opened',
    occurredAt: new Date(),
  });
  expect(recorded).toBe(true);

  await h.sink.waitFor(() => h.subjects(contact).length === 2);
  expect(await h.handle(KEY, contact).result()).toMatchObject({ sends: 2 });
  // Past the two days the nudge waited for, nothing more came.
  await h.env.sleep('3d');
  await h.settle();
  expect(h.subjects(contact)).toEqual([WELCOME, THANKS]);
  const [event] = await h.db('events').where({ contact_id: contact.id, name: 'email.opened' });
  expect(event.properties).toEqual({ messageId, sequenceKey: KEY, stepId: 'welcome' });
});

test('a machine open (a privacy proxy fetching the pixel) does not count: the nudge still comes', async () => {
  const { contact, messageId } = await welcomed();
  const recorded = await engagement.recordTracking((await new MessageStore(h.db).byId(messageId))!, {
    key: 'open:machine:1',
    status: 'opened',
    occurredAt: new Date(),
    userAgent: 'Mozilla/5.0',
    machineReason: 'Apple Mail Privacy Protection (user agent Mozilla/5.0)',
  });
  // Kept on the message's timeline, flagged, but not an event of the contact.
  expect(recorded).toBe(true);
  await h.settle();
  expect(await h.db('events').where({ contact_id: contact.id, name: 'email.opened' })).toEqual([]);
  expect(await h.state(KEY, contact)).toMatchObject({ currentStep: 'wait_open' });

  await h.env.sleep('49h');
  await h.sink.waitFor(() => h.subjects(contact).length === 2);
  expect(await h.handle(KEY, contact).result()).toMatchObject({ sends: 2 });
  expect(h.subjects(contact)).toEqual([WELCOME, NUDGE]);
});
