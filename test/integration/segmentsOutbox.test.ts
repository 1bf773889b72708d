import { createSegmentActivities } from '../../activities/segmentActivities';
import { SegmentStore } from '../../db/stores/segments';
import { EnrollmentService } from '../../services/enrollment';
import { SegmentService } from '../../services/segments';
import { segmentRefreshScheduleId } from '../../app/segmentSchedule';
import type { SegmentRefreshResult } from '../../activities/segmentActivities';
import { eventually, uniqueId } from '../harness';
import { client, startTestStack, type TestStack } from '../harness/stack';

// A change of membership and its segment.entered / segment.left event are one statement: a process that dies before
// delivering leaves the event stored and undelivered, and the scheduled refresh delivers it; delivering it twice
// neither stores nor enrolls twice.

const DAY = 86_400_000;
let t: TestStack;
let store: SegmentStore;
let segments: SegmentService;

beforeAll(async () => {
  t = await startTestStack({ PRODUCT_NAME: 'Acme Notes' });
  store = new SegmentStore(t.stack.db);
  segments = new SegmentService(
    t.stack.db,
    new EnrollmentService(t.stack.db, t.stack.temporal, undefined, t.taskQueue),
  );
}, 60_000);
afterAll(async () => t?.stop());

const api = () => client(t);
const refresh = () =>
  createSegmentActivities({ db: t.stack.db, temporal: t.stack.temporal, taskQueue: t.taskQueue })
    .refreshWindowedSegments;

/** A trait segment, a sequence that starts on entering it, and a contact outside it. */
async function setUp() {
  const key = uniqueId('pro');
  const plan = uniqueId('plan');
  const definition = { trait: 'plan', op: 'eq', value: plan };
  expect((await api()('POST', '/v1/segments', { key, name: 'Pro', definition })).status).toBe(201);
  const sequence = uniqueId('welcome');
  const created = await api()('POST', '/v1/sequences', {
    key: sequence,
    name: 'Welcome to Pro',
    topic: 'onboarding',
    triggers: [{ segmentEntered: key }],
    steps: [{ id: 'welcome', type: 'send', template: 'welcome', subject: 'Welcome to {{product_name}} Pro' }],
  });
  expect(created.status).toBe(201);
  const id = uniqueId('p');
  const email = `${id}@example.com`;
  const contact = (await api()('POST', '/v1/contacts', { id, email, traits: { plan: 'free' } })).body as {
    internalId: string;
  };
  // The trait changes behind the product's back, so nothing evaluates the segment but the call the test makes.
  await t.stack
    .db('contacts')
    .where({ id: contact.internalId })
    .update({ traits: JSON.stringify({ plan }) });
  return { key, definition, sequence, id, email, internalId: contact.internalId };
}

const segmentEvents = (contactId: string) =>
  t.stack.db('events').where({ contact_id: contactId }).whereLike('name', 'segment.%').orderBy('id');

async function enrollments(id: string, sequence: string) {
  const res = await api()('GET', `/v1/contacts/${id}/enrollments`);
  return (res.body.enrollments as { sequenceKey: string }[]).filter((e) => e.sequenceKey === sequence);
}

/** What a while passing does to a stored event: the sweep leaves events younger than a minute to their ingest. */
const age = (contactId: string) =>
  t.stack
    .db('events')
    .where({ contact_id: contactId })
    .update({ received_at: t.stack.db.raw(`received_at - interval '2 minutes'`) });

test('a change whose delivery never happened is delivered by the refresh, and the sequence starts', async () => {
  const s = await setUp();
  // The statement runs and the process dies before delivering: nobody calls ingest.
  const change = await store.apply(s.key, s.definition as never, [s.internalId], new Date());
  expect(change.entered).toEqual([s.internalId]);
  expect(change.events).toEqual([
    expect.objectContaining({
      contactId: s.internalId,
      name: 'segment.entered',
      idempotencyKey: expect.stringMatching(new RegExp(`^segment:${s.key}:entered:${s.internalId}:\\d{13}$`)),
    }),
  ]);
  const [stored] = await segmentEvents(s.internalId);
  expect(stored).toMatchObject({
    name: 'segment.entered',
    properties: { segment: s.key },
    delivered_at: null,
    idempotency_key: change.events[0]!.idempotencyKey,
  });
  expect(await enrollments(s.id, s.sequence)).toEqual([]);

  // Under a minute old, the event may still be on its way: the sweep leaves it.
  expect((await refresh()({})).redelivered).toBe(0);
  expect(await enrollments(s.id, s.sequence)).toEqual([]);

  await age(s.internalId);
  expect((await refresh()({})).redelivered).toBe(1);
  expect(await enrollments(s.id, s.sequence)).toEqual([expect.objectContaining({ status: 'active' })]);
  await t.smtp.waitFor(() => t.smtp.to(s.email).length === 1);
  expect(t.smtp.to(s.email).map((m) => m.subject)).toEqual(['Welcome to Acme Notes Pro']);
  const after = await segmentEvents(s.internalId);
  expect(after).toHaveLength(1);
  expect(after[0]!.delivered_at).not.toBeNull();
  // Delivered once: the next sweep finds nothing.
  expect((await refresh()({})).redelivered).toBe(0);
}, 60_000);

test('delivering a change twice neither stores nor enrolls twice', async () => {
  const s = await setUp();
  const change = await store.apply(s.key, s.definition as never, [s.internalId], new Date());
  await segments.announce(change);
  await segments.announce(change);
  await age(s.internalId);
  expect((await refresh()({})).redelivered).toBe(0);
  await t.smtp.waitFor(() => t.smtp.to(s.email).length === 1);
  expect(await segmentEvents(s.internalId)).toHaveLength(1);
  expect(await enrollments(s.id, s.sequence)).toHaveLength(1);
  expect(await t.stack.db('enrollments').where({ contact_id: s.internalId })).toHaveLength(1);
  // A late second email would show here.
  await new Promise((r) => setTimeout(r, 1_000));
  expect(t.smtp.to(s.email)).toHaveLength(1);

  // A redelivery of an event delivered already, under its key, is a duplicate that goes nowhere.
  const [again] = await t.stack
    .db('events')
    .where({ contact_id: s.internalId })
    .update({ delivered_at: null })
    .returning('id');
  expect(again).toBeDefined();
  await age(s.internalId);
  expect((await refresh()({})).redelivered).toBe(1);
  expect(await segmentEvents(s.internalId)).toHaveLength(1);
  expect(await t.stack.db('enrollments').where({ contact_id: s.internalId })).toHaveLength(1);
}, 60_000);

test('the Schedule runs the refresh workflow: undelivered events delivered, an expired window left', async () => {
  const crashed = await setUp();
  await store.apply(crashed.key, crashed.definition as never, [crashed.internalId], new Date());
  await age(crashed.internalId);

  const key = uniqueId('recent');
  const name = uniqueId('login');
  const definition = { event: name, withinDays: 7 };
  expect((await api()('POST', '/v1/segments', { key, name: 'Recent', definition })).status).toBe(201);
  const id = uniqueId('p');
  const p = (await api()('POST', '/v1/contacts', { id, email: `${id}@example.com` })).body as { internalId: string };
  // Inside the window for two more seconds.
  const occurredAt = new Date(Date.now() - 7 * DAY + 2_000).toISOString();
  expect((await api()('POST', '/v1/events', { contactId: id, name, occurredAt })).status).toBeLessThan(300);
  expect(await t.stack.db('segment_members').where({ segment_key: key, contact_id: p.internalId })).toHaveLength(1);
  await new Promise((r) => setTimeout(r, 2_500));

  const schedule = t.stack.temporal.schedule.getHandle(segmentRefreshScheduleId(t.taskQueue));
  const before = new Set((await schedule.describe()).info.recentActions.map((a) => a.action.workflow.workflowId));
  await schedule.trigger();
  const workflowId = await eventually(async () => {
    const { info } = await schedule.describe();
    return [...info.recentActions, ...info.runningActions.map((action) => ({ action }))]
      .map((a) => a.action.workflow.workflowId)
      .find((w) => !before.has(w));
  });
  const result: SegmentRefreshResult = await t.stack.temporal.workflow.getHandle(workflowId).result();
  expect(result.redelivered).toBe(1);
  expect(result.segments).toEqual([{ key, entered: 0, left: 1 }]);
  expect(await t.stack.db('segment_members').where({ segment_key: key, contact_id: p.internalId })).toEqual([]);
  const events = await segmentEvents(p.internalId);
  expect(events.map((e: { name: string; properties: { segment: string } }) => [e.name, e.properties.segment])).toEqual([
    ['segment.entered', key],
    ['segment.left', key],
  ]);
  expect(events.every((e: { delivered_at: Date | null }) => e.delivered_at !== null)).toBe(true);
  expect(await enrollments(crashed.id, crashed.sequence)).toHaveLength(1);
}, 60_000);
