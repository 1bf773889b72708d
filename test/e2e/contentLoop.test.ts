import { eventually, uniqueId } from '../harness';
import { client, startTestStack, type TestStack } from '../harness/stack';

// The marketer writes an email and people choose what they get, through the HTTP API against the whole product: an
// MJML template previews with a contact's name, a sequence sends it, its preferences link works, an edit never
// changes a running enrollment's email, and leaving the newsletter stops the newsletter but not onboarding mail.

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ PRODUCT_NAME: 'Acme Notes' });
}, 60_000);
afterAll(async () => t?.stop());

const BODY = (greeting: string) =>
  `<mj-section><mj-column><mj-text>${greeting} {{first_name}}, your trial ends soon.</mj-text>` +
  '<mj-button href="{{cta_url}}">Choose a plan</mj-button></mj-column></mj-section>';

async function person(first_name: string) {
  const id = uniqueId('p');
  const res = await client(t)('POST', '/v1/contacts', { id, email: `${id}@example.com`, traits: { first_name } });
  expect(res.status).toBe(201);
  return { id, email: `${id}@example.com` };
}

const event = (contactId: string, name: string) =>
  client(t)('POST', '/v1/events', { events: [{ contactId, name, occurredAt: new Date().toISOString() }] });

const mailTo = async (email: string, count: number) => {
  await t.smtp.waitFor(() => t.smtp.to(email).length >= count, 20_000);
  return t.smtp.to(email);
};

test('an MJML template previews, a sequence sends it with a working preferences link, and a running enrollment keeps its version', async () => {
  const marketer = client(t);
  const key = uniqueId('trial').toLowerCase();
  const created = await marketer('POST', '/v1/templates', {
    key,
    name: 'Trial reminder',
    format: 'mjml',
    subject: 'Your {{product_name}} trial',
    body: BODY('Hi'),
  });
  expect(created.status).toBe(201);

  const ana = await person('Ana');
  const preview = await marketer('POST', `/v1/templates/${key}/preview`, { contactId: ana.id });
  expect(preview.body.text).toContain('Hi Ana, your trial ends soon.');

  // Sends the template, waits for the contact's next event, then sends it again.
  const seq = uniqueId('seq').toLowerCase();
  const start = `${seq}_start`;
  const defined = await marketer('POST', '/v1/sequences', {
    key: seq,
    name: 'Trial',
    topic: 'onboarding',
    triggers: [{ event: start }],
    steps: [
      { id: 'first', type: 'send', template: key },
      { id: 'wait', type: 'waitFor', event: 'nudge', timeout: 'P3D', onEvent: 'second', onTimeout: 'second' },
      { id: 'second', type: 'send', template: key, subject: 'Still thinking, {{first_name}}?' },
    ],
  });
  expect(defined.status).toBe(201);

  expect((await event(ana.id, start)).status).toBeLessThan(300);
  const [first] = await mailTo(ana.email, 1);
  expect(first?.subject).toBe('Your Acme Notes trial');
  expect(first?.text).toContain('Hi Ana, your trial ends soon.');

  // The email's preferences link opens Ana's page.
  const link = /Email preferences \[(http[^\]]+\/p\/[^\]]+)\]/.exec(first!.text)?.[1];
  expect(link).toBeDefined();
  const page = await fetch(link!);
  expect(page.status).toBe(200);
  expect(await page.text()).toMatch(/Newsletter/);

  // An edit while Ana is waiting: her second email is still version 1; a new enrollee gets version 2.
  expect((await marketer('PUT', `/v1/templates/${key}`, { body: BODY('Hello again') })).body.version).toBe(2);
  await event(ana.id, 'nudge');
  const mails = await mailTo(ana.email, 2);
  expect(mails[1]?.subject).toBe('Still thinking, Ana?');
  expect(mails[1]?.text).toContain('Hi Ana, your trial ends soon.');

  const ben = await person('Ben');
  await event(ben.id, start);
  const [benFirst] = await mailTo(ben.email, 1);
  expect(benFirst?.text).toContain('Hello again Ben, your trial ends soon.');
}, 90_000);

test('a contact who leaves the newsletter gets no newsletter but still gets onboarding mail', async () => {
  const marketer = client(t);
  const tag = uniqueId('topic').toLowerCase();
  const sequence = async (topic: string, template: string) => {
    const res = await marketer('POST', '/v1/sequences', {
      key: `${tag}-${topic}`,
      name: topic,
      topic,
      triggers: [{ event: `${tag}_${topic}` }],
      steps: [{ id: 'send', type: 'send', template }],
    });
    expect(res.status).toBe(201);
  };
  await sequence('newsletter', 'nurture_intro');
  await sequence('onboarding', 'welcome');

  const cara = await person('Cara');
  const left = await marketer('PUT', `/v1/contacts/${cara.id}/subscriptions`, { newsletter: false });
  expect(left.status).toBe(200);
  const subscriptions = await marketer('GET', `/v1/contacts/${cara.id}/subscriptions`);
  expect(subscriptions.body.topics).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ key: 'newsletter', subscribed: false }),
      expect.objectContaining({ key: 'onboarding', subscribed: true }),
    ]),
  );

  await event(cara.id, `${tag}_newsletter`);
  await event(cara.id, `${tag}_onboarding`);
  const mails = await mailTo(cara.email, 1);
  expect(mails.map((m) => m.subject)).toEqual(['Welcome to Acme Notes']);
  // The newsletter's send is in Cara's message log as not sent, with the topic as the reason.
  const log = await eventually(async () => {
    const { body } = await marketer('GET', `/v1/contacts/${cara.id}/messages`);
    const skipped = body.messages?.find((m: { sequenceKey: string }) => m.sequenceKey === `${tag}-newsletter`);
    return skipped;
  });
  expect(log).toMatchObject({
    status: 'suppressed',
    error: expect.stringMatching(/^unsubscribed_topic: .*'newsletter'/),
  });
  expect(t.smtp.to(cara.email)).toHaveLength(1);
}, 90_000);

test('double opt-in: an opt-in topic sends a confirmation, and only its signed link subscribes', async () => {
  const marketer = client(t);
  const topic = uniqueId('beta').toLowerCase().replace(/-/g, '_');
  const made = await marketer('POST', '/v1/topics', { key: topic, name: 'Beta programme', optIn: true });
  expect(made.status).toBe(201);
  const dana = await person('Dana');
  const subscribed = async () =>
    (await marketer('GET', `/v1/contacts/${dana.id}/subscriptions`)).body.topics.find(
      (x: { key: string }) => x.key === topic,
    );
  expect(await subscribed()).toMatchObject({ subscribed: false });

  expect((await marketer('PUT', `/v1/contacts/${dana.id}/subscriptions`, { [topic]: true })).status).toBe(200);
  expect(await subscribed()).toMatchObject({ state: 'pending', subscribed: false });
  const [mail] = await mailTo(dana.email, 1);
  expect(mail?.subject).toBe('Confirm your subscription to Beta programme');
  const link = /(http[^\s\]]+\/p\/confirm\/[^\s\]]+)/.exec(mail!.text)?.[1];
  expect(link).toBeDefined();

  // Fetching the link (as a mail scanner does) changes nothing; a tampered one is refused; the Confirm button does it.
  expect((await fetch(link!)).status).toBe(200);
  expect(await subscribed()).toMatchObject({ state: 'pending' });
  const tampered = await fetch(`${link!.slice(0, -2)}xx`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'confirm=yes',
  });
  expect(tampered.status).toBe(400);
  const confirmed = await fetch(link!, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: 'confirm=yes',
  });
  expect(confirmed.status).toBe(200);
  expect(await subscribed()).toMatchObject({ state: 'subscribed', subscribed: true });
  const { body } = await marketer('GET', `/v1/contacts/${dana.id}/timeline`);
  expect(body.items).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ kind: 'subscription', data: expect.objectContaining({ topic, source: 'link' }) }),
    ]),
  );
}, 60_000);

test('a fix that must reach people already in a sequence: move-running moves their next send to the current version', async () => {
  const marketer = client(t);
  const key = uniqueId('fix').toLowerCase();
  await marketer('POST', '/v1/templates', { key, name: 'Fix me', format: 'mjml', subject: 'Tip', body: BODY('Helo') });
  const seq = uniqueId('fixseq').toLowerCase();
  const start = `${seq}_start`;
  await marketer('POST', '/v1/sequences', {
    key: seq,
    name: 'Two tips',
    topic: 'onboarding',
    triggers: [{ event: start }],
    steps: [
      { id: 'first', type: 'send', template: key },
      { id: 'wait', type: 'waitFor', event: 'nudge', timeout: 'P3D', onEvent: 'second', onTimeout: 'second' },
      { id: 'second', type: 'send', template: key },
    ],
  });
  const finn = await person('Finn');
  await event(finn.id, start);
  expect((await mailTo(finn.email, 1))[0]?.text).toContain('Helo Finn');

  await marketer('PUT', `/v1/templates/${key}`, { body: BODY('Hello') });
  const moved = await marketer('POST', `/v1/templates/${key}/move-running`);
  expect(moved.body).toEqual({ moved: 1, version: 2 });
  await event(finn.id, 'nudge');
  expect((await mailTo(finn.email, 2))[1]?.text).toContain('Hello Finn');
}, 60_000);
