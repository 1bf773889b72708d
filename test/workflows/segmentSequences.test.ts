import type { Contact } from '../../db/stores/contacts';
import { startSequenceHarness, type SequenceHarness } from './sequenceHarness';

// Sequences that start when a contact enters a segment and end when they leave it. The audience announces both as
// ordinary events (`segment.entered` / `segment.left` with `{ segment: <key> }`) through the enrollment service,
// which is what these tests send; days pass in milliseconds on the time-skipping server.

const PRO = 'pro-welcome';
const TRIAL = 'trial-tips';
const WELCOME = 'Welcome to Pro';
const FOLLOW_UP = 'Three days of Pro';
const TIP = 'A trial tip';

let h: SequenceHarness;

beforeAll(async () => {
  h = await startSequenceHarness();
  await h.define({
    key: PRO,
    name: 'Welcome to Pro (Germany)',
    triggers: [{ segmentEntered: 'pro-de' }],
    exits: [{ segmentLeft: 'pro-de' }, { event: 'account_closed' }],
    steps: [
      { id: 'welcome', type: 'send', template: 'welcome', subject: WELCOME },
      { id: 'pause', type: 'wait', duration: 'P3D' },
      { id: 'follow-up', type: 'send', template: 'next_steps', subject: FOLLOW_UP },
    ],
  });
  await h.define({
    key: TRIAL,
    name: 'Trial tips, every time someone is in trial',
    triggers: [{ segmentEntered: 'trial-us' }],
    goals: [{ event: 'plan_upgraded' }],
    // Also an exit, to show which wins: the goal.
    exits: [{ segmentLeft: 'trial-us' }, { event: 'plan_upgraded' }],
    reentry: { mode: 'always' },
    steps: [
      { id: 'tip', type: 'send', template: 'first_action', subject: TIP },
      { id: 'pause', type: 'wait', duration: 'P7D' },
    ],
  });
});
afterAll(async () => h?.teardown());

const enter = (c: Contact, segment: string) => h.send(c, 'segment.entered', { segment });
const leave = (c: Contact, segment: string) => h.send(c, 'segment.left', { segment });
const enrollmentRows = (c: Contact, key: string) =>
  h
    .db('enrollments')
    .where({ contact_id: c.id, sequence_key: key })
    .orderBy('enrolled_at')
    .select('status', 'exit_reason');

test('entering the segment enrolls; entering another segment does not', async () => {
  const c = await h.contact();
  expect((await enter(c, 'pro-fr')).enrolled).toEqual([]);
  expect((await enter(c, 'trial-us')).enrolled).toEqual([TRIAL]);
  expect((await enter(c, 'pro-de')).enrolled).toEqual([PRO]);
  await h.sink.waitFor(() => h.subjects(c).length === 2);
  expect(h.subjects(c).sort()).toEqual([TIP, WELCOME].sort());
});

test('a contact who stays in the segment gets the whole sequence', async () => {
  const c = await h.contact();
  expect((await enter(c, 'pro-de')).enrolled).toEqual([PRO]);
  await h.sink.waitFor(() => h.subjects(c).length === 1);
  // Leaving some other segment is no exit.
  await leave(c, 'pro-fr');
  await h.env.sleep('3d');
  expect(await h.handle(PRO, c).result()).toEqual({ outcome: 'completed', sends: 2 });
  expect(h.subjects(c)).toEqual([WELCOME, FOLLOW_UP]);
});

test('leaving the segment ends a waiting enrollment as exited, and the later email is never sent', async () => {
  const c = await h.contact();
  expect((await enter(c, 'pro-de')).enrolled).toEqual([PRO]);
  await h.sink.waitFor(() => h.subjects(c).length === 1);
  await h.env.sleep('1d');
  expect(await h.state(PRO, c)).toMatchObject({ status: 'active', currentStep: 'pause' });

  await leave(c, 'pro-de');
  expect(await h.handle(PRO, c).result()).toEqual({ outcome: 'exited', sends: 1, reason: 'left segment pro-de' });
  await h.env.sleep('5d');
  await h.settle();
  expect(h.subjects(c)).toEqual([WELCOME]);
  expect(await enrollmentRows(c, PRO)).toEqual([{ status: 'exited', exit_reason: 'left segment pro-de' }]);
  await h.recordHistory(PRO, c, 'segment-entered-then-left');

  // Re-entry is 'never' here, as for an event trigger: coming back into the segment enrolls nobody.
  expect((await enter(c, 'pro-de')).enrolled).toEqual([]);
  expect(await enrollmentRows(c, PRO)).toHaveLength(1);
});

test('an exit event ends the enrollment with its name as the reason', async () => {
  const c = await h.contact();
  await enter(c, 'pro-de');
  await h.sink.waitFor(() => h.subjects(c).length === 1);
  await h.send(c, 'account_closed');
  expect(await h.handle(PRO, c).result()).toEqual({ outcome: 'exited', sends: 1, reason: 'exit event account_closed' });
});

test("re-entry 'always': leaving and coming back enrolls again; a goal that is also an exit converts", async () => {
  const c = await h.contact();
  expect((await enter(c, 'trial-us')).enrolled).toEqual([TRIAL]);
  await h.sink.waitFor(() => h.subjects(c).length === 1);
  await leave(c, 'trial-us');
  expect(await h.handle(TRIAL, c).result()).toMatchObject({ outcome: 'exited', reason: 'left segment trial-us' });

  expect((await enter(c, 'trial-us')).enrolled).toEqual([TRIAL]);
  await h.sink.waitFor(() => h.subjects(c).length === 2);
  expect(h.subjects(c)).toEqual([TIP, TIP]);
  await h.send(c, 'plan_upgraded');
  expect(await h.handle(TRIAL, c).result()).toMatchObject({ outcome: 'converted', reason: 'goal plan_upgraded' });
  expect(await enrollmentRows(c, TRIAL)).toEqual([
    { status: 'exited', exit_reason: 'left segment trial-us' },
    { status: 'converted', exit_reason: 'goal plan_upgraded' },
  ]);
});
