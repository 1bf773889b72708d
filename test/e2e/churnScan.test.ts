import path from 'node:path';
import { createChurnActivities } from '../../activities/churnActivities';
import { trainAndStore } from '../../bin/churn-train';
import { uniqueId } from '../harness';
import { recordHistory } from '../harness/histories';
import { client, startTestStack, type TestStack } from '../harness/stack';
import { churnScanScheduleId } from '../../app/churnSchedule';
import { churnScanWorkflow } from '../../workflows/churnScanWorkflow';
import { churnFeaturesFromEvents } from '../../domain/churnModel';
import { churnRisk, heuristicChurnScore } from '../../domain/churnScoring';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({
    CHURN_SCAN_ENABLED: 'true',
    CUSTOMER_SUCCESS_EMAIL: 'success@example.com',
    CHURN_SCAN_CRON: '15 4 * * *',
  });
}, 60_000);
afterAll(async () => t?.stop());

const DAY = 86_400_000;

/** Polls until the check passes (it throws until then), for up to `ms`. */
async function eventually<T>(check: () => Promise<T>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

type Plan = {
  login: (day: number) => boolean;
  feature: (day: number) => boolean;
  extra?: { name: string; day: number; properties?: object }[];
};

/** Day d counts back from now (events at its middle): days 15-69 fall in the baseline window, days 1-14 in the recent one. */
const plans: Record<string, Plan> = {
  // Logins stopped, usage down a quarter, two tickets and a detractor NPS: usage drop < 50%, so email.
  'churn-email': {
    login: (d) => d > 14,
    feature: (d) => d > 14 || d % 3 !== 0,
    extra: [
      { name: 'support_ticket_created', day: 3 },
      { name: 'support_ticket_created', day: 5 },
      { name: 'nps_submitted', day: 4, properties: { score: 3 } },
    ],
  },
  // Logins and usage both stopped: usage drop 100%, so in-app.
  'churn-inapp': { login: (d) => d > 14, feature: (d) => d > 14 },
  // Logins stopped and two payments failed: a billing problem, so a person.
  'churn-human': {
    login: (d) => d > 14,
    feature: () => true,
    extra: [
      { name: 'payment_failed', day: 2 },
      { name: 'payment_failed', day: 6 },
    ],
  },
  healthy: { login: () => true, feature: () => true },
};

test('the scheduled churn scan scores everyone, intervenes once per at-risk contact, and not again within the cool-down', async () => {
  const call = client(t);
  const now = Date.now();
  const expected: Record<string, number> = {};
  for (const [id, plan] of Object.entries(plans)) {
    expect(
      (
        await call('POST', '/v1/contacts', {
          id,
          email: `${id}@example.com`,
          traits: { company: `${id} Inc`, plan: 'pro' },
        })
      ).status,
    ).toBe(201);
    const events: { contactId: string; name: string; occurredAt: string; properties: Record<string, unknown> }[] = [];
    const at = (d: number, h = 0) => new Date(now - (d - 0.5) * DAY + h * 3600_000).toISOString();
    for (let d = 69; d >= 1; d--) {
      if (plan.login(d)) events.push({ contactId: id, name: 'login', occurredAt: at(d), properties: {} });
      if (plan.feature(d)) events.push({ contactId: id, name: 'feature_used', occurredAt: at(d, 1), properties: {} });
    }
    for (const e of plan.extra ?? []) {
      events.push({ contactId: id, name: e.name, occurredAt: at(e.day), properties: { ...e.properties } });
    }
    const posted = await call('POST', '/v1/events', { events });
    expect(posted.status).toBe(202);
    expected[id] = heuristicChurnScore(churnFeaturesFromEvents(events, new Date()));
  }
  // The documented heuristic on these histories: 0.904, 0.818, 0.870 and 0.076.
  expect(expected['churn-email']).toBeCloseTo(0.904, 3);
  expect(expected['churn-inapp']).toBeCloseTo(0.818, 3);
  expect(expected['churn-human']).toBeCloseTo(0.87, 3);
  expect(expected['healthy']).toBeCloseTo(0.076, 3);

  // The schedule exists (created at start-up from the configuration); fire it now rather than at 04:15.
  const schedule = t.stack.temporal.schedule.getHandle(churnScanScheduleId(t.taskQueue));
  const description = await schedule.describe();
  expect(description.action).toMatchObject({
    type: 'startWorkflow',
    workflowType: 'churnScanWorkflow',
    taskQueue: t.taskQueue,
  });
  expect(description.spec.calendars?.[0]).toMatchObject({
    hour: [{ start: 4, end: 4, step: 1 }],
    minute: [{ start: 15, end: 15, step: 1 }],
  });
  await schedule.trigger();

  const db = t.stack.db;
  const scores = await eventually(async () => {
    const rows = await db('churn_risk_scores as s')
      .join('contacts as c', 'c.id', 's.user_id')
      .select(
        'c.external_id',
        's.risk_score',
        's.intervention_type',
        's.intervention_triggered',
        's.method',
        's.scan_id',
      );
    expect(rows).toHaveLength(4);
    return Object.fromEntries(rows.map((r) => [r.external_id, r]));
  });
  expect(scores['churn-email']).toMatchObject({
    intervention_type: 'email',
    intervention_triggered: true,
    method: 'heuristic',
  });
  expect(scores['churn-email'].risk_score).toBeCloseTo(expected['churn-email']!, 6);
  expect(scores['churn-inapp']).toMatchObject({ intervention_type: 'in_app', intervention_triggered: true });
  expect(scores['churn-inapp'].risk_score).toBeCloseTo(expected['churn-inapp']!, 6);
  expect(scores['churn-human']).toMatchObject({ intervention_type: 'human', intervention_triggered: true });
  expect(scores['churn-human'].risk_score).toBeCloseTo(expected['churn-human']!, 6);
  expect(scores['healthy']).toMatchObject({ intervention_type: null, intervention_triggered: false });
  expect(scores['healthy'].risk_score).toBeCloseTo(expected['healthy']!, 6);
  expect(scores['healthy'].scan_id).toMatch(new RegExp(`^${churnScanScheduleId(t.taskQueue)}-`));

  // email: a churn_risk_high event, which enrolled the contact in the built-in winback sequence.
  const emailContact = await eventually(async () => {
    const c = await call('GET', '/v1/contacts/churn-email');
    expect(c.body.enrollments).toEqual([expect.objectContaining({ sequenceKey: 'winback' })]);
    return c.body;
  });
  expect(emailContact.recentEvents.filter((e: any) => e.name === 'churn_risk_high')).toHaveLength(1);
  // in_app: the retention offer, a message in the contact's in-app inbox, and the trait for a product that reads it.
  const inbox = await eventually(async () => {
    const r = await call('GET', '/v1/contacts/churn-inapp/inbox');
    return r.body.messages?.length > 0 ? r.body : undefined;
  });
  expect(inbox.unread).toBe(1);
  expect(inbox.messages).toEqual([expect.objectContaining({ title: expect.stringContaining('A month on us') })]);
  expect(inbox.messages[0].html).toContain('Pick up where you left off');
  const inApp = await eventually(async () => {
    const c = await call('GET', '/v1/contacts/churn-inapp');
    expect(c.body.traits.retention_offer).toBeDefined();
    return c.body;
  });
  expect(inApp.traits.retention_offer.risk_score).toBeCloseTo(0.818, 2);
  expect(inApp.enrollments).toEqual([]);
  // human: an alert to customer success.
  const toSuccess = (x: { envelopeTo: string[] }) => x.envelopeTo.includes('success@example.com');
  // waitFor answers every mail caught so far: the alert is the one to customer success, wherever it came in.
  const [alert] = (await t.smtp.waitFor((m) => m.some(toSuccess), 20_000)).filter(toSuccess);
  expect(alert!.subject).toBe('Churn risk: churn-human Inc needs a personal touch');
  expect(alert!.text).toContain('2 failed payment(s) in the last two weeks');
  expect(alert!.text).toMatch(/\(87% in our model\)/);

  // A second scan within the 30-day cool-down scores everyone again and intervenes on nobody.
  const firstScanId = scores['healthy'].scan_id as string;
  await eventually(async () => {
    const d = await t.stack.temporal.workflow.getHandle(firstScanId).describe();
    expect(d.status.name).toBe('COMPLETED');
  });
  await recordHistory(t.stack.temporal, firstScanId, 'churn-scan-three-interventions');
  const secondId = uniqueId('churn-scan-manual');
  const second = await t.stack.temporal.workflow.execute(churnScanWorkflow, {
    workflowId: secondId,
    taskQueue: t.taskQueue,
    args: [{ version: 1 }],
  });
  expect(second).toMatchObject({
    scored: 4,
    atRisk: 3,
    coolingDown: 3,
    interventions: { email: 0, in_app: 0, human: 0 },
  });
  expect(await db('churn_risk_scores').count({ n: '*' }).first()).toEqual({ n: 8 });
  expect(await db('churn_risk_scores').where({ intervention_triggered: true }).count({ n: '*' }).first()).toEqual({
    n: 3,
  });
  expect(await db('enrollments').where({ sequence_key: 'winback' }).count({ n: '*' }).first()).toEqual({ n: 1 });
  expect(t.smtp.to('success@example.com')).toHaveLength(1);
  await recordHistory(t.stack.temporal, secondId, 'churn-scan-all-cooling-down');
});

test('a model trained on a CSV export scores contacts from their events, and each score row names that model', async () => {
  const call = client(t);
  const db = t.stack.db;
  const now = Date.now();
  const at = (d: number, h = 0) => new Date(now - (d - 0.5) * DAY + h * 3600_000).toISOString();
  // Both log in and use the product every day; one gave a detractor score and opened two support tickets.
  const extra: Record<string, { name: string; day: number; properties?: object }[]> = {
    'csv-detractor': [
      { name: 'support_ticket_created', day: 2 },
      { name: 'support_ticket_created', day: 3 },
      { name: 'nps_submitted', day: 4, properties: { score: 3 } },
    ],
    'csv-calm': [],
  };
  const histories: Record<string, { name: string; occurredAt: string; properties: Record<string, unknown> }[]> = {};
  for (const [id, more] of Object.entries(extra)) {
    expect((await call('POST', '/v1/contacts', { id, email: `${id}@example.com` })).status).toBe(201);
    const events = [];
    for (let d = 69; d >= 1; d--) {
      events.push({ contactId: id, name: 'login', occurredAt: at(d), properties: {} });
      events.push({ contactId: id, name: 'feature_used', occurredAt: at(d, 1), properties: {} });
    }
    for (const e of more)
      events.push({ contactId: id, name: e.name, occurredAt: at(e.day), properties: { ...e.properties } });
    expect((await call('POST', '/v1/events', { events })).status).toBe(202);
    histories[id] = events;
  }
  // Until a model is trained that reads event features, the scan scores with the heuristic.
  expect(await createChurnActivities({ db }).prepareChurnScan()).toEqual({ modelId: null, method: 'heuristic' });

  const csv = path.resolve(__dirname, '../../data/churn/saas-churn.csv');
  const trained = await trainAndStore(db, { csv, label: 'churned', exclude: ['months_active'] });
  const mapped = trained.eventForm!.stored;
  expect(mapped.source).toMatch(/^csv:.*saas-churn\.csv/);

  const scanId = uniqueId('churn-scan-csv');
  const result = await t.stack.temporal.workflow.execute(churnScanWorkflow, {
    workflowId: scanId,
    taskQueue: t.taskQueue,
    args: [{ version: 1 }],
  });
  expect(result).toMatchObject({ method: 'model', modelId: mapped.id });

  const rows = await db('churn_risk_scores as s')
    .join('contacts as c', 'c.id', 's.user_id')
    .where('s.scan_id', scanId)
    .whereIn('c.external_id', Object.keys(extra))
    .select('c.external_id', 's.risk_score', 's.method', 's.risk_factors', 's.intervention_type');
  const byId = Object.fromEntries(rows.map((r) => [r.external_id, r]));
  for (const id of Object.keys(extra)) {
    const features = churnFeaturesFromEvents(histories[id]!, new Date());
    const expected = churnRisk(features, mapped.model);
    expect(expected.method).toBe('model');
    expect(byId[id]).toMatchObject({
      method: 'model',
      risk_factors: expect.objectContaining({ model: { id: mapped.id, source: mapped.source } }),
    });
    expect(byId[id].risk_score).toBeCloseTo(expected.score, 6);
  }
  // The CSV's model weighs a detractor heavily; the heuristic would have let this contact pass (0.43).
  const detractor = byId['csv-detractor'];
  expect(detractor.risk_score).toBeGreaterThan(0.7);
  expect(heuristicChurnScore(churnFeaturesFromEvents(histories['csv-detractor']!, new Date()))).toBeLessThan(0.5);
  expect(detractor.intervention_type).toBe('email');
  expect(detractor.risk_factors.factors.map((f: { feature: string }) => f.feature)).toEqual([
    'nps_score_low',
    'support_tickets_increase',
  ]);
  expect(byId['csv-calm'].risk_score).toBeLessThan(0.5);
  expect(byId['csv-calm'].intervention_type).toBeNull();
});
