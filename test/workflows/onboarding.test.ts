import request from 'supertest';
import type { Contact } from '../../db/stores/contacts';
import { readClickToken } from '../../domain/tracking';
import { signer, startSequenceHarness, type SequenceHarness } from './sequenceHarness';
import { createTestApp } from '../harness';

// The built-in onboarding sequence, end to end through every branch, on a time-skipping server:
// 24 hours and 14 days pass in milliseconds. Emails are real, received by an SMTP server on loopback.
let h: SequenceHarness;
beforeAll(async () => {
  h = await startSequenceHarness();
});
afterAll(async () => h?.teardown());

const WELCOME = 'Welcome to Acme Notes';
const TIP = 'Quick tip to get started';
const ON_FIRE = "You're on fire! Here's what's next";
const HOUR = 3600_000;

/** Steps of the onboarding sequence the outbox recorded for the contact, in order. */
const outboxSteps = (c: Contact): Promise<string[]> =>
  h.db('email_outbox').where({ contact_id: c.id }).orderBy('created_at').pluck('step_id');

test('no profile and no item: welcome, the tip after 24 hours, then "You\'re on fire" on the first item', async () => {
  const c = await h.contact();
  const signupAt = await h.env.currentTimeMs();
  expect((await h.send(c, 'signup')).enrolled).toEqual(['onboarding']);
  await h.sink.waitFor(() => h.subjects(c).length === 1);
  expect(h.subjects(c)).toEqual([WELCOME]);

  // Not a minute early: 23 hours on, the run still waits for the profile, until 24 hours after the signup (plus
  // the moments the welcome took), with one send made.
  await h.env.sleep('23h');
  const waiting = await h.state('onboarding', c);
  expect(waiting).toMatchObject({
    currentStep: 'wait_profile',
    sends: 1,
    waitingFor: { event: 'profile_completed or first_item_created' },
  });
  const until = Date.parse(waiting.waitingFor!.until);
  expect(until).toBeGreaterThanOrEqual(signupAt + 24 * HOUR);
  expect(until).toBeLessThan(signupAt + 24 * HOUR + 60_000);
  expect(until).toBeGreaterThan(await h.env.currentTimeMs());
  expect(await outboxSteps(c)).toEqual(['welcome']);

  await h.env.sleep('2h');
  await h.sink.waitFor(() => h.subjects(c).length === 2);
  expect(h.subjects(c)).toEqual([WELCOME, TIP]);
  expect((await h.state('onboarding', c)).waitingFor?.event).toBe('first_item_created');

  await h.send(c, 'first_item_created');
  const result = await h.handle('onboarding', c).result();
  expect(result).toEqual(expect.objectContaining({ outcome: 'completed', sends: 3 }));
  expect(h.subjects(c)).toEqual([WELCOME, TIP, ON_FIRE]);
  const enrollment = await h.db('enrollments').where({ contact_id: c.id }).first();
  expect(enrollment).toEqual(expect.objectContaining({ status: 'completed', exit_reason: 'onboarding finished' }));
  await h.recordHistory('onboarding', c, 'onboarding-tip-then-first-item');
});

test('profile completed within the day: no tip; "You\'re on fire" when the first item comes', async () => {
  const c = await h.contact();
  await h.send(c, 'signup');
  await h.sink.waitFor(() => h.subjects(c).length === 1);
  await h.env.sleep('3h');
  await h.send(c, 'profile_completed');
  // Three days on, past the day the tip would have come: the run moved to the first-item wait with one send, which
  // it reaches only through the profile event (the tip's way there is a second send).
  await h.env.sleep('3d');
  expect(await h.state('onboarding', c)).toMatchObject({
    currentStep: 'wait_first_item',
    sends: 1,
    waitingFor: { event: 'first_item_created' },
  });
  expect(await outboxSteps(c)).toEqual(['welcome']);
  await h.send(c, 'first_item_created');
  expect(await h.handle('onboarding', c).result()).toMatchObject({ outcome: 'completed', sends: 2 });
  expect(h.subjects(c)).toEqual([WELCOME, ON_FIRE]);
  expect(await outboxSteps(c)).toEqual(['welcome', 'on_fire']);
  await h.recordHistory('onboarding', c, 'onboarding-profile-completed');
});

test('first item on day one: "You\'re on fire" at once, and never the tip', async () => {
  const c = await h.contact();
  await h.send(c, 'signup');
  await h.sink.waitFor(() => h.subjects(c).length === 1);
  await h.env.sleep('1h');
  await h.send(c, 'first_item_created');
  await h.sink.waitFor(() => h.subjects(c).length === 2);
  expect(h.subjects(c)).toEqual([WELCOME, ON_FIRE]);
  expect((await h.handle('onboarding', c).result()).outcome).toBe('completed');
});

test('nothing for 15 days: welcome and tip only, then the enrollment ends', async () => {
  const c = await h.contact();
  await h.send(c, 'signup');
  await h.sink.waitFor(() => h.subjects(c).length === 1);
  const result = await h.handle('onboarding', c).result(); // awaiting the result skips time to each timer
  expect(result.outcome).toBe('completed');
  expect(h.subjects(c)).toEqual([WELCOME, TIP]);
});

test('the goal event converts the contact with its revenue and stops the emails', async () => {
  const c = await h.contact();
  await h.send(c, 'signup');
  await h.sink.waitFor(() => h.subjects(c).length === 1);
  await h.send(c, 'subscription_started', { amount: 49, plan: 'pro' });
  const result = await h.handle('onboarding', c).result();
  // The run is over, so nothing can follow: what it sent is all it will ever send.
  expect(result).toEqual(expect.objectContaining({ outcome: 'converted', revenue: 49, sends: 1 }));
  expect(await outboxSteps(c)).toEqual(['welcome']);
  expect(h.subjects(c)).toEqual([WELCOME]);
  expect(await h.db('enrollments').where({ contact_id: c.id }).first()).toEqual(
    expect.objectContaining({ status: 'converted', revenue: 49 }),
  );
});

test('leaving onboarding by the link in the welcome email mid-wait ends the enrollment; no tip follows', async () => {
  const c = await h.contact();
  await h.send(c, 'signup');
  const [welcome] = await h.sink.waitFor(() => h.subjects(c).length === 1).then(() => h.sink.to(c.email));
  const link = /^<(.+)>$/.exec(welcome!.headers['list-unsubscribe']!)![1]!;
  expect(welcome!.text).toContain(link);
  const app = createTestApp(h.db, h.env.client, { signer });
  // RFC 8058 one-click: the mail client POSTs to the link.
  await request(app).post(new URL(link).pathname).type('form').send('List-Unsubscribe=One-Click').expect(200);
  const result = await h.handle('onboarding', c).result();
  expect(result.outcome).toBe('unsubscribed');
  expect(h.subjects(c)).toEqual([WELCOME]);
  // The link leaves the topic the email was sent under, not every email.
  expect(await h.db('contact_topics').where({ contact_id: c.id }).select('topic_key', 'state')).toEqual([
    { topic_key: 'onboarding', state: 'unsubscribed' },
  ]);
  expect((await h.db('contacts').where({ id: c.id }).first()).unsubscribed_at).toBeNull();
  // A forged token for the same contact does nothing.
  await request(app)
    .get(`/u/${link.split('/u/')[1]!.slice(0, -3)}abc`)
    .expect(400);
});

test('re-entry "never": a second signup after onboarding ended does not enroll again', async () => {
  const c = await h.contact();
  await h.send(c, 'signup');
  await h.handle('onboarding', c).result();
  const again = await h.send(c, 'signup');
  expect(again.enrolled).toEqual([]);
  expect(await h.db('enrollments').where({ contact_id: c.id }).count({ n: '*' }).first()).toEqual({ n: 1 });
});

test('a signup while already enrolled is delivered to the running enrollment, not a second one', async () => {
  const c = await h.contact();
  expect((await h.send(c, 'signup')).enrolled).toEqual(['onboarding']);
  expect((await h.send(c, 'signup')).enrolled).toEqual([]);
  // Run to the end (time skips to each timer): one welcome and the tip, as for a single signup, and nothing more.
  expect(await h.handle('onboarding', c).result()).toMatchObject({ outcome: 'completed', sends: 2 });
  expect(h.subjects(c)).toEqual([WELCOME, TIP]);
  expect(await outboxSteps(c)).toEqual(['welcome', 'quick_tip']);
  expect(await h.db('enrollments').where({ contact_id: c.id }).count({ n: '*' }).first()).toEqual({ n: 1 });
});

test('the welcome email is personalised, escapes what the contact typed, and links with UTM tags', async () => {
  const c = await h.contact({ first_name: '<script>alert(1)</script>{{product_name}}' });
  await h.send(c, 'signup');
  const [mail] = await h.sink.waitFor(() => h.subjects(c).length === 1).then(() => h.sink.to(c.email));
  expect(mail!.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;{{product_name}}');
  expect(mail!.html).not.toContain('<script>');
  // The HTML's button goes through our click redirect, whose signed token carries the UTM-tagged link.
  const clicks = [...mail!.html.matchAll(/href="http:\/\/localhost:3000\/t\/c\/([^"]+)"/g)].map((m) => m[1]!);
  expect(clicks).toHaveLength(1);
  expect(readClickToken(signer, clicks[0]!)?.url).toBe(
    'https://app.acme.test/?utm_source=gtm-strategist&utm_medium=email&utm_campaign=onboarding&utm_content=complete_profile',
  );
  expect(mail!.text).toContain(
    'https://app.acme.test/?utm_source=gtm-strategist&utm_medium=email&utm_campaign=onboarding',
  );
  expect(mail!.html).toContain('1 Main St, Springfield');
});

test('a run terminated by an operator does not block the contact: the next trigger enrolls them again', async () => {
  await h.define({
    key: 'check-in',
    name: 'Check-in',
    triggers: [{ event: 'trial_started' }],
    reentry: { mode: 'always' },
    steps: [
      { id: 'hello', type: 'send', template: 'nurture_intro', subject: 'Checking in' },
      { id: 'pause', type: 'wait', duration: 'P30D' },
    ],
  });
  const c = await h.contact();
  await h.send(c, 'trial_started');
  await h.sink.waitFor(() => h.subjects(c).length === 1);
  await h.handle('check-in', c).terminate('operator reset');
  expect((await h.send(c, 'trial_started')).enrolled).toEqual(['check-in']);
  await h.sink.waitFor(() => h.subjects(c).length === 2);
  const rows = await h.db('enrollments').where({ contact_id: c.id }).orderBy('enrolled_at').pluck('status');
  expect(rows).toEqual(['failed', 'active']);
});

test('an unsubscribed contact is not enrolled into a marketing sequence', async () => {
  const c = await h.contact();
  await h.db('contacts').where({ id: c.id }).update({ unsubscribed_at: new Date() });
  const unsubscribed = { ...c, unsubscribedAt: new Date() };
  expect((await h.send(unsubscribed, 'signup')).enrolled).toEqual([]);
  expect(await h.db('enrollments').where({ contact_id: c.id })).toEqual([]);
});
