import { inHoldout } from '../../domain/sequences/split';
import { client, startTestStack, type TestStack } from '../harness/stack';
import { eventually, uniqueId } from '../harness';

// A sequence with a control group, through the API: held-out enrollees are enrolled and counted but never mailed,
// and the stats compare their conversion with everyone else's.
let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
}, 60_000);
afterAll(async () => t?.stop());

test('a 50% holdout: the control group is enrolled and converts but gets no email, and the stats report the lift', async () => {
  const call = client(t);
  const key = `trial-${uniqueId('h')
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '')}`.slice(0, 60);
  const defined = await call('POST', '/v1/sequences', {
    key,
    name: 'Trial nudges with a control group',
    holdout: 0.5,
    topic: 'onboarding',
    triggers: [{ event: 'trial_started' }],
    goals: [{ event: 'paid' }],
    steps: [
      { id: 'nudge', type: 'send', template: 'welcome', subject: 'Your trial' },
      { id: 'linger', type: 'wait', duration: 'P7D' },
    ],
  });
  expect(defined.status).toBe(201);

  const people = Array.from({ length: 24 }, (_, i) => `${key}-p${i}`);
  const internal = new Map<string, string>();
  for (const id of people) {
    expect((await call('POST', '/v1/contacts', { id, email: `${id}@example.com` })).status).toBe(201);
    internal.set(id, (await call('GET', `/v1/contacts/${id}`)).body.internalId);
    const started = await call('POST', '/v1/events', { contactId: id, name: 'trial_started' });
    expect(started.body.enrolled).toEqual([key]);
  }
  const control = people.filter((id) => inHoldout(0.5, key, internal.get(id)!));
  const treated = people.filter((id) => !control.includes(id));
  // 24 people split by a hash: both groups exist (the hash is fixed, so this is not luck at test time).
  expect(control.length).toBeGreaterThan(0);
  expect(treated.length).toBeGreaterThan(0);

  await eventually(async () => (treated.every((id) => t.smtp.to(`${id}@example.com`).length === 1) ? true : undefined));
  const rows = await t.stack.db('enrollments').where({ sequence_key: key }).select('contact_id', 'holdout');
  expect(
    rows
      .filter((r) => r.holdout)
      .map((r) => r.contact_id)
      .sort(),
  ).toEqual(control.map((id) => internal.get(id)).sort());

  // Half of each group pays (rounded down for the control group, up for the treated: a lift to find).
  const payers = [
    ...control.slice(0, Math.floor(control.length / 4)),
    ...treated.slice(0, Math.ceil(treated.length / 2)),
  ];
  for (const id of payers) await call('POST', '/v1/events', { contactId: id, name: 'paid' });
  const stats = await eventually(async () => {
    const res = await call('GET', `/v1/sequences/${key}/stats`);
    const h = res.body.holdout;
    return h && h.control.converted + h.treated.converted === payers.length ? res.body : undefined;
  });
  // Nobody in the control group was mailed, ever.
  for (const id of control) expect(t.smtp.to(`${id}@example.com`)).toHaveLength(0);
  const controlPaid = Math.floor(control.length / 4);
  const treatedPaid = Math.ceil(treated.length / 2);
  expect(stats.holdout.control).toEqual({
    enrolled: control.length,
    converted: controlPaid,
    conversionRate: controlPaid / control.length,
  });
  expect(stats.holdout.treated).toEqual({
    enrolled: treated.length,
    converted: treatedPaid,
    conversionRate: treatedPaid / treated.length,
  });
  expect(stats.holdout.lift.absolute).toBeCloseTo(treatedPaid / treated.length - controlPaid / control.length, 10);
  // The funnel counts the treated group's emails only.
  expect(stats.overall.funnel).toMatchObject({ sent: treated.length });
  expect(stats.overall.enrollments.total).toBe(treated.length);
}, 90_000);
