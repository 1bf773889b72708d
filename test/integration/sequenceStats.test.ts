import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import { routesOf } from '../../api/app';
import { routeKey } from '../../api/registry';
import { createDb, type Db } from '../../db/knex';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { SequenceStatsStore } from '../../db/stores/sequenceStats';
import { SequenceStore } from '../../db/stores/sequences';
import { conversionLift } from '../../domain/lift';
import { sequenceDefinitionSchema } from '../../domain/sequences/definition';
import { connectDevServer, createTestApp, createTestDatabase, uniqueId, type TestDatabase } from '../harness';

let database: TestDatabase;
let env: TestWorkflowEnvironment;
let app: Express;
let auth: { authorization: string };
let store: SequenceStatsStore;
/** The reading side's sessions run at UTC+14, so a day taken in the session's zone instead of UTC would show. */
let farEast: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  farEast = createDb(`${database.url}?options=${encodeURIComponent('-c TimeZone=Pacific/Kiritimati')}`, 3);
  env = await connectDevServer();
  app = createTestApp(farEast, env.client);
  auth = { authorization: `Bearer ${(await new ApiKeyStore(database.db).create('stats reader', 'chairman')).key}` };
  store = new SequenceStatsStore(farEast);
});
afterAll(async () => {
  await farEast?.destroy();
  await env?.teardown();
  await database?.destroy();
});

/** A time in March 2026, UTC, written `D HH:MM`: `3 10:00` is 2026-03-03T10:00:00Z. */
const at = (when: string) => new Date(`2026-03-0${when.slice(0, 1)}T${when.slice(2)}:00Z`);

async function createSequence(key: string) {
  const definition = sequenceDefinitionSchema.parse({
    key,
    name: `Stats ${key}`,
    triggers: [{ event: `${key}_start` }],
    steps: [
      { id: 's1', type: 'send', template: 'welcome', subject: 'One' },
      { id: 'pause', type: 'wait', duration: 'P1D' },
      { id: 's2', type: 'send', template: 'first_action', subject: 'Two' },
    ],
  });
  expect(await new SequenceStore(database.db).create(definition)).toBe(true);
}

interface EnrollmentSeed {
  name: string;
  status: 'active' | 'completed' | 'converted' | 'exited' | 'unsubscribed' | 'failed';
  variant?: string;
  holdout?: boolean;
  revenue?: number;
  ended?: string;
}

type Enrolled = Record<string, { workflowId: string; variant: string | null }>;

/** Inserts the enrollments as the engine would have left them, all enrolled on March 1st; returns them by name. */
async function enroll(sequenceKey: string, seeds: EnrollmentSeed[]): Promise<Enrolled> {
  const enrolled: Enrolled = {};
  for (const s of seeds) {
    const external = uniqueId(s.name);
    const [contact] = await database
      .db('contacts')
      .insert({ external_id: external, email: `${external}@example.com` })
      .returning('id');
    const workflowId = `seq:${sequenceKey}:${external}`;
    enrolled[s.name] = { workflowId, variant: s.variant ?? null };
    await database.db('enrollments').insert({
      sequence_key: sequenceKey,
      sequence_version: 1,
      contact_id: contact.id,
      workflow_id: workflowId,
      run_id: uniqueId('run'),
      status: s.status,
      variant: s.variant ?? null,
      holdout: s.holdout ?? false,
      revenue: s.revenue ?? null,
      enrolled_at: at('1 08:00'),
      ended_at: s.ended ? at(s.ended) : null,
    });
  }
  return enrolled;
}

const OUTCOMES = ['sent', 'delivered', 'opened', 'clicked', 'bounced', 'complained', 'unsubscribed'] as const;
type Outcome = Exclude<(typeof OUTCOMES)[number], 'sent'>;

/** One message of an enrollment (`who`), with the first time of each outcome it had, as `D HH:MM`. */
type MessageSeed = { who: string; step: 's1' | 's2' } & Partial<Record<Outcome, string>> & {
    status?: 'pending' | 'sent' | 'failed' | 'deferred' | 'suppressed';
    provider?: string;
    /** Opens and clicks only a machine made (an image proxy, a link scanner): on the timeline, not the message. */
    machine?: ('opened' | 'clicked')[];
  };

/** Queued at 09:00 on the 1st (step s1) or the 2nd (step s2); sent then through SendGrid unless the status says. */
async function message(sequenceKey: string, enrolled: Enrolled, m: MessageSeed): Promise<void> {
  const status = m.status ?? 'sent';
  const queued = at(m.step === 's1' ? '1 09:00' : '2 09:00');
  const time = (outcome: Outcome) => (m[outcome] ? at(m[outcome]) : null);
  const [row] = await database
    .db('email_outbox')
    .insert({
      idempotency_key: uniqueId('msg'),
      workflow_id: enrolled[m.who]!.workflowId,
      step_id: m.step,
      sequence_key: sequenceKey,
      variant: enrolled[m.who]!.variant,
      template: 'welcome',
      to_email: 'someone@example.com',
      subject: 'Hello',
      status,
      provider: status === 'sent' ? (m.provider ?? 'sendgrid') : null,
      created_at: queued,
      sent_at: status === 'sent' ? queued : null,
      ...Object.fromEntries((OUTCOMES.slice(1) as Outcome[]).map((o) => [`${o}_at`, time(o)])),
      bounce_type: m.bounced ? 'hard' : null,
    })
    .returning('id');
  for (const event of m.machine ?? [])
    await database.db('message_events').insert({
      message_id: row.id,
      status: event,
      source: 'sendgrid',
      event_key: uniqueId('ev'),
      occurred_at: queued,
      machine: true,
      machine_reason: 'image proxy',
    });
}

const zeros = (keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, 0]));
const STAGES = [...OUTCOMES, 'suppressed', 'failed', 'converted'];
const funnel = (counts: Partial<Record<string, number>> = {}) => ({ ...zeros(STAGES), ...counts });
const day = (date: string, counts: Partial<Record<string, number>> = {}) => ({
  date,
  ...zeros([...OUTCOMES, 'converted']),
  ...counts,
});

describe('a sequence with two variants, two steps, bounces, machine opens and a holdout group', () => {
  const key = uniqueId('funnel').toLowerCase();

  beforeAll(async () => {
    await createSequence(key);
    const who = await enroll(key, [
      { name: 'a1', status: 'converted', variant: 'a', revenue: 30, ended: '3 10:00' },
      { name: 'a2', status: 'converted', variant: 'a', revenue: 20, ended: '5 09:00' },
      { name: 'a3', status: 'active', variant: 'a' },
      { name: 'a4', status: 'exited', variant: 'a', ended: '2 00:00' },
      { name: 'b1', status: 'converted', variant: 'b', revenue: 50.5, ended: '3 12:00' },
      { name: 'b2', status: 'completed', variant: 'b', ended: '3 00:00' },
      { name: 'b3', status: 'unsubscribed', variant: 'b', ended: '1 10:00' },
      // The control group: enrolled and followed, never messaged. One of five converted, which no line counts.
      { name: 'h1', status: 'converted', holdout: true, revenue: 99, ended: '3 15:00' },
      { name: 'h2', status: 'completed', holdout: true, ended: '4 00:00' },
      { name: 'h3', status: 'active', holdout: true },
      { name: 'h4', status: 'active', holdout: true },
      { name: 'h5', status: 'active', holdout: true },
    ]);
    const messages: MessageSeed[] = [
      // Step s1, variant a: four sent, one bounced; a click without a recorded open still proves an open.
      { who: 'a1', step: 's1', delivered: '1 09:01', opened: '1 10:00', clicked: '1 10:01' },
      { who: 'a2', step: 's1', delivered: '1 09:01', clicked: '2 08:00' },
      { who: 'a3', step: 's1', delivered: '1 09:01', machine: ['opened', 'clicked'] },
      { who: 'a4', step: 's1', bounced: '1 09:02' },
      // Step s1, variant b: two sent (one opened and complained, one opened late at night and unsubscribed), one
      // never handed to a provider because the address is suppressed.
      { who: 'b1', step: 's1', delivered: '1 09:01', opened: '2 11:00', complained: '2 12:00' },
      { who: 'b2', step: 's1', delivered: '1 09:01', opened: '1 23:30', unsubscribed: '1 23:45' },
      { who: 'b3', step: 's1', status: 'suppressed' },
      // Step s2, variant a: one sent and opened, one the mail server refused for good (a failed send that bounced,
      // so it was sent and bounced), one that failed without a bounce.
      { who: 'a1', step: 's2', delivered: '2 09:01', opened: '2 09:30' },
      { who: 'a2', step: 's2', status: 'failed', bounced: '2 09:00' },
      { who: 'a3', step: 's2', status: 'failed' },
      // Step s2, variant b: one sent whose only open was a machine's, and one still waiting to go out.
      { who: 'b1', step: 's2', delivered: '2 09:01', machine: ['opened'] },
      { who: 'b2', step: 's2', status: 'pending' },
    ];
    for (const m of messages) await message(key, who, m);

    // Another sequence's messages and enrollments, on the same step ids, count nowhere here.
    const otherKey = uniqueId('other').toLowerCase();
    await createSequence(otherKey);
    const other = await enroll(otherKey, [{ name: 'o1', status: 'converted', variant: 'a', ended: '3 00:00' }]);
    await message(otherKey, other, { who: 'o1', step: 's1', delivered: '1 09:01', opened: '1 10:00' });
  });

  test('the funnel counts messages overall, per variant, per step and per step and variant, with their rates', async () => {
    const stats = await store.forSequence(key);

    expect(stats.overall.funnel).toEqual(
      funnel({
        sent: 9,
        delivered: 7,
        opened: 5,
        clicked: 2,
        bounced: 2,
        complained: 1,
        unsubscribed: 1,
        suppressed: 1,
        failed: 1,
        converted: 6,
      }),
    );
    expect(stats.overall.rates).toEqual({
      openRate: 5 / 7,
      clickRate: 2 / 7,
      clickToOpenRate: 2 / 5,
      bounceRate: 2 / 9,
      complaintRate: 1 / 7,
      unsubscribeRate: 1 / 7,
      deliveryRate: 7 / 9,
    });

    const [a, b] = stats.variants;
    expect(stats.variants.map((v) => v.variant)).toEqual(['a', 'b']);
    expect(a!.funnel).toEqual(
      funnel({ sent: 6, delivered: 4, opened: 3, clicked: 2, bounced: 2, failed: 1, converted: 4 }),
    );
    expect(a!.rates).toMatchObject({ openRate: 3 / 4, clickToOpenRate: 2 / 3, bounceRate: 2 / 6, deliveryRate: 4 / 6 });
    expect(b!.funnel).toEqual(
      funnel({ sent: 3, delivered: 3, opened: 2, complained: 1, unsubscribed: 1, suppressed: 1, converted: 2 }),
    );
    expect(b!.rates).toEqual({
      openRate: 2 / 3,
      clickRate: 0,
      clickToOpenRate: 0,
      bounceRate: 0,
      complaintRate: 1 / 3,
      unsubscribeRate: 1 / 3,
      deliveryRate: 1,
    });

    expect(stats.steps.map((s) => s.stepId)).toEqual(['s1', 's2']);
    const [s1, s2] = stats.steps;
    expect(s1!.funnel).toEqual(
      funnel({
        sent: 6,
        delivered: 5,
        opened: 4,
        clicked: 2,
        bounced: 1,
        complained: 1,
        unsubscribed: 1,
        suppressed: 1,
        converted: 3,
      }),
    );
    expect(s2!.funnel).toEqual(funnel({ sent: 3, delivered: 2, opened: 1, bounced: 1, failed: 1, converted: 3 }));
    expect(s1!.variants.map((v) => [v.variant, v.funnel])).toEqual([
      ['a', funnel({ sent: 4, delivered: 3, opened: 2, clicked: 2, bounced: 1, converted: 2 })],
      ['b', funnel({ sent: 2, delivered: 2, opened: 2, complained: 1, unsubscribed: 1, suppressed: 1, converted: 1 })],
    ]);
    expect(s2!.variants.map((v) => [v.variant, v.funnel])).toEqual([
      ['a', funnel({ sent: 2, delivered: 1, opened: 1, bounced: 1, failed: 1, converted: 2 })],
      // Only a machine opened it: no open, so no click-to-open rate either.
      ['b', funnel({ sent: 1, delivered: 1, converted: 1 })],
    ]);
    expect(s2!.variants[1]!.rates).toEqual({
      openRate: 0,
      clickRate: 0,
      clickToOpenRate: null,
      bounceRate: 0,
      complaintRate: 0,
      unsubscribeRate: 0,
      deliveryRate: 1,
    });
  });

  test('enrollments, conversions and revenue leave the holdout group out of the overall and variant lines', async () => {
    const stats = await store.forSequence(key);
    expect(stats.overall).toMatchObject({
      enrollments: { total: 7, active: 1, completed: 1, converted: 3, exited: 1, unsubscribed: 1, failed: 0 },
      conversions: 3,
      conversionRate: 3 / 7,
      revenue: 100.5,
    });
    expect(
      stats.variants.map((v) => [v.variant, v.enrollments.total, v.conversions, v.conversionRate, v.revenue]),
    ).toEqual([
      ['a', 4, 2, 0.5, 50],
      ['b', 3, 1, 1 / 3, 50.5],
    ]);
  });

  test('the daily series counts each outcome on the UTC day it happened, zero-filled between the first and last', async () => {
    const stats = await store.forSequence(key);
    expect(stats.daily).toEqual([
      day('2026-03-01', { sent: 6, delivered: 5, opened: 2, clicked: 1, bounced: 1, unsubscribed: 1 }),
      day('2026-03-02', { sent: 3, delivered: 2, opened: 3, clicked: 1, bounced: 1, complained: 1 }),
      // Enrollments that converted, on the day they did; the held-out one that converted on the 3rd is not here.
      day('2026-03-03', { converted: 2 }),
      day('2026-03-04'),
      day('2026-03-05', { converted: 1 }),
    ]);
  });

  test('the holdout compares the treated enrollments with the control group', async () => {
    const stats = await store.forSequence(key);
    expect(stats.holdout).toEqual({
      control: { enrolled: 5, converted: 1, conversionRate: 0.2 },
      treated: { enrolled: 7, converted: 3, conversionRate: 3 / 7 },
      lift: conversionLift({ enrolled: 7, converted: 3 }, { enrolled: 5, converted: 1 }),
    });
    // 3/7 against 1/5 on so few people: a lift of about 23 points whose interval still holds 0.
    expect(stats.holdout!.lift!.absolute).toBeCloseTo(3 / 7 - 1 / 5, 12);
    expect(stats.holdout!.lift!.relative).toBeCloseTo((3 / 7 - 1 / 5) / (1 / 5), 12);
    expect(stats.holdout!.lift!.significant).toBe(false);
  });

  test('a window takes messages by when they went out, enrollments by when they started, and each daily count by its own time', async () => {
    const stats = await store.forSequence(key, { from: at('2 00:00'), to: at('3 00:00') });
    // Only step s2 went out that day; everyone enrolled on the 1st, so no enrollment and no holdout in the window.
    expect(stats.overall.funnel).toEqual(
      funnel({ sent: 3, delivered: 2, opened: 1, bounced: 1, failed: 1, converted: 3 }),
    );
    expect(stats.steps.map((s) => s.stepId)).toEqual(['s2']);
    expect(stats.overall.enrollments.total).toBe(0);
    expect(stats.holdout).toBeNull();
    expect(stats.daily).toEqual([
      day('2026-03-02', { sent: 3, delivered: 2, opened: 3, clicked: 1, bounced: 1, complained: 1 }),
    ]);
  });

  test('the HTTP route answers the same, in the shape its declaration documents', async () => {
    const res = await request(app).get(`/v1/sequences/${key}/stats`).set(auth).expect(200);
    const expected = JSON.parse(JSON.stringify(await store.forSequence(key)));
    expect(res.body).toEqual({ sequenceKey: key, from: null, to: null, ...expected });

    const route = routesOf(app).find((r) => routeKey(r) === 'GET /v1/sequences/:key/stats')!;
    // The schema keeps every field the answer has (nothing is stripped), and the reference's example fits it.
    expect(route.response!.parse(res.body)).toEqual(res.body);
    expect(route.response!.parse(route.example!.response)).toEqual(route.example!.response);

    const windowed = await request(app)
      .get(`/v1/sequences/${key}/stats`)
      .query({ from: '2026-03-02T00:00:00Z', to: '2026-03-03T00:00:00Z' })
      .set(auth)
      .expect(200);
    expect(windowed.body.daily).toHaveLength(1);
    expect(windowed.body.holdout).toBeNull();
  });
});

test('mail through a provider that reports nothing, without our tracking: no open, click or delivery rate to show', async () => {
  const key = uniqueId('smtp').toLowerCase();
  await createSequence(key);
  const who = await enroll(key, [
    { name: 'p1', status: 'active', variant: 'a' },
    { name: 'p2', status: 'active', variant: 'a' },
  ]);
  for (const name of ['p1', 'p2']) await message(key, who, { who: name, step: 's1', provider: 'smtp' });
  const stats = await store.forSequence(key);
  expect(stats.overall.funnel).toEqual(funnel({ sent: 2 }));
  expect(stats.overall.rates).toEqual({
    openRate: null,
    clickRate: null,
    clickToOpenRate: null,
    bounceRate: 0,
    complaintRate: 0,
    unsubscribeRate: 0,
    deliveryRate: null,
  });
  expect(stats.overall.funnel).toMatchObject({ sent: 2, opened: 0, clicked: 0 });
  expect(stats.holdout).toBeNull();
  expect(stats.daily).toEqual([day('2026-03-01', { sent: 2 })]);

  // With our open pixel in the messages, nobody opening is a real zero.
  await database.db('email_outbox').where({ sequence_key: key }).update({ tracked: true });
  const tracked = await store.forSequence(key);
  expect(tracked.overall.rates).toMatchObject({ openRate: 0, clickRate: 0, clickToOpenRate: null, deliveryRate: null });
});

test('a sequence with nothing in it answers zeros, nulls and an empty series', async () => {
  const key = uniqueId('empty').toLowerCase();
  await createSequence(key);
  const stats = await store.forSequence(key);
  expect(stats.overall).toMatchObject({ enrollments: { total: 0 }, funnel: funnel({}), conversionRate: null });
  expect(Object.values(stats.overall.rates)).toEqual([null, null, null, null, null, null, null]);
  expect(stats).toMatchObject({ variants: [], steps: [], daily: [], holdout: null });
});

test('holdout enrollees with no treated enrollee in the window: the groups are shown, the lift is not', async () => {
  const key = uniqueId('allheld').toLowerCase();
  await createSequence(key);
  await enroll(key, [
    { name: 'h1', status: 'converted', holdout: true, ended: '2 00:00' },
    { name: 'h2', status: 'active', holdout: true },
  ]);
  const stats = await store.forSequence(key);
  expect(stats.holdout).toEqual({
    control: { enrolled: 2, converted: 1, conversionRate: 0.5 },
    treated: { enrolled: 0, converted: 0, conversionRate: null },
    lift: null,
  });
  expect(stats.overall.enrollments.total).toBe(0);
  expect(stats.daily).toEqual([]);
});
