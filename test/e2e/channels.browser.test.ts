import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Locator, Page } from 'playwright-core';
import { eventually, uniqueId } from '../harness';
import { expectAccessible } from '../harness/axe';
import { browserSuite, screenshot, signedIn as signInto, type Browser } from '../harness/browser';
import { addStep } from '../harness/sequenceBuilder';
import { client, type TestStack } from '../harness/stack';

// The channels beyond email in the dashboard: a send step's channel in the sequence builder (with the templates of
// its format, a webhook's URL, a sender only for email), and a contact's phone and SMS consent, push devices,
// in-app inbox and the channel of each logged message; a reader sees all of it and changes none of it.

// Code passed to page.evaluate runs in the browser; the project compiles without the DOM library.
declare const document: { activeElement: { id: string } | null };

let t: TestStack;
let browser: Browser;
/** Console errors and uncaught exceptions of every page: a script error fails the test. */
const errors = browserSuite(
  {
    WEBHOOK_SIGNING_SECRET: 'webhook-signing-secret-for-tests',
    // The receiver is on loopback, which webhooks refuse unless a team allows its private network.
    WEBHOOK_ALLOW_PRIVATE: 'true',
    FREQUENCY_CAP: '10',
  },
  (stack, chromium) => {
    t = stack;
    browser = chromium;
  },
);
const signedIn = (role: 'marketer' | 'chairman', expectedStatus?: RegExp) =>
  signInto(browser, t, role, errors, expectedStatus);

/** A team's own system: it takes the webhooks' POSTs and counts them. */
let receiver: http.Server;
let receiverUrl: string;
let received = 0;
beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received += 1;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/gtm`;
});
afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
});

/** A text template (SMS, push), a JSON one (webhooks) and an HTML one for the inbox; made once, kept after. */
async function makeTemplates() {
  const made = [
    { key: 'chan_sms', name: 'Welcome text', format: 'text', body: 'Hi {{first_name}}. Reply STOP to opt out.' },
    { key: 'chan_hook', name: 'Signup hook', format: 'json', subject: 'New signup', body: '{"event":"{{email}}"}' },
    {
      key: 'chan_inbox',
      name: 'Welcome in the app',
      format: 'html',
      subject: 'Welcome, {{first_name}}',
      body: '<p>Your workspace is ready. <a href="{{cta_url}}">Open it</a></p><p><a href="{{unsubscribe_url}}">Unsubscribe</a></p>',
    },
  ];
  for (const tpl of made) {
    const res = await client(t)('POST', '/v1/templates', tpl);
    expect([tpl.key, res.status]).toEqual([tpl.key, res.status === 409 ? 409 : 201]);
  }
}

/** The values of a select's options, in order. */
const optionValues = (select: Locator) =>
  select.locator('option').evaluateAll((options) => options.map((o) => o.getAttribute('value')));

/** The id of the element with the focus. */
const activeId = (page: Page) => page.evaluate(() => document.activeElement?.id);

test('a marketer builds a sequence with an SMS step and a webhook step; each lists only the templates it sends', async () => {
  const page = await signedIn('marketer', /status of 400/);
  await page.goto(`${t.api}/#/sequences`);
  await page.click('#new-sequence');

  // A send step is an email unless its channel says otherwise; only an email has a sender.
  const first = await addStep(page, 'send');
  expect(await optionValues(first.locator('select[name=channel]'))).toEqual([
    'email',
    'sms',
    'webhook',
    'in_app',
    'push',
  ]);
  expect(await first.locator('select[name=channel]').inputValue()).toBe('email');
  expect(await first.locator('input[name=from]').count()).toBe(1);
  expect(await optionValues(first.locator('select[name=template]'))).toContain('welcome');

  // No text template exists yet: the card says so, and where one is made.
  await first.locator('select[name=channel]').selectOption('sms');
  const none = first.locator('.sb-template-none');
  await expect(none.textContent()).resolves.toContain('No template fits SMS');
  expect(await none.locator('a[href="#/templates"]').count()).toBe(1);
  expect(await optionValues(first.locator('select[name=template]'))).toEqual(['']);
  expect(await first.locator('input[name=from]').count()).toBe(0);
  expect(await first.locator('input[name=url]').count()).toBe(0);
  await expectAccessible(page, 'send step with no template for its channel');

  await makeTemplates();
  await page.reload();
  await page.click('#new-sequence');
  await page.fill('#sb-key', 'two-channels');
  await page.fill('#sb-name', 'Two channels');
  await page.selectOption('#sb-topic', 'onboarding');
  await page.fill('#sb-triggers-0-name', 'two_channels_started');

  const sms = await addStep(page, 'send');
  await sms.locator('select[name=channel]').selectOption('sms');
  const smsChoices = await optionValues(sms.locator('select[name=template]'));
  expect(smsChoices).toContain('chan_sms');
  for (const other of ['welcome', 'chan_hook', 'chan_inbox']) expect(smsChoices).not.toContain(other);
  await sms.locator('select[name=template]').selectOption('chan_sms');
  expect(await sms.getAttribute('data-channel')).toBe('sms');
  await expect(sms.locator('.step-kind').textContent()).resolves.toBe('Send an SMS');
  await expect(sms.locator('.step-summary').textContent()).resolves.toContain('by SMS');

  const hook = await addStep(page, 'send');
  await hook.locator('select[name=channel]').selectOption('webhook');
  const hookChoices = await optionValues(hook.locator('select[name=template]'));
  expect(hookChoices).toContain('chan_hook');
  for (const other of ['welcome', 'chan_sms', 'chan_inbox']) expect(hookChoices).not.toContain(other);
  await hook.locator('select[name=template]').selectOption('chan_hook');
  expect(await hook.locator('input[name=from]').count()).toBe(0);
  expect(await hook.locator('input[name=url]').getAttribute('required')).not.toBeNull();

  // A step that was a webhook for a moment and became an email again is stored as an email step always was.
  const mail = await addStep(page, 'send');
  await mail.locator('select[name=channel]').selectOption('webhook');
  await mail.locator('input[name=url]').fill('https://left.example.com/over');
  await mail.locator('select[name=channel]').selectOption('email');
  expect(await mail.locator('input[name=url]').count()).toBe(0);
  await mail.locator('select[name=template]').selectOption('welcome');

  // The URL left empty: the server's problem lands on the URL field, which takes the focus.
  await page.click('#sb-publish');
  const problem = page.locator('#flow > li.step.has-problem[data-step="send-2"] .step-problems');
  await problem.waitFor();
  await expect(problem.textContent()).resolves.toContain('url');
  const url = hook.locator('input[name=url]');
  expect(await url.getAttribute('aria-invalid')).toBe('true');
  expect(await activeId(page)).toBe(await url.getAttribute('id'));
  expect((await client(t)('GET', '/v1/sequences/two-channels')).status).toBe(404);
  await expectAccessible(page, 'webhook step without its URL');
  await screenshot(page, 'channels-webhook-url-missing');

  await url.fill('https://hooks.example.com/gtm');
  await expect(hook.locator('.step-summary').textContent()).resolves.toContain('https://hooks.example.com/gtm');
  await page.click('#sb-publish');
  await page.waitForSelector('#sb-status:text("Published version 1")');
  const stored = (await client(t)('GET', '/v1/sequences/two-channels')).body;
  expect(stored.definition.steps).toStrictEqual([
    { id: 'send-1', type: 'send', channel: 'sms', template: 'chan_sms' },
    { id: 'send-2', type: 'send', channel: 'webhook', url: 'https://hooks.example.com/gtm', template: 'chan_hook' },
    { id: 'send-3', type: 'send', template: 'welcome' },
  ]);
  // The stored steps read their channels on the cards.
  await page.waitForSelector('#flow > li.step[data-step="send-2"][data-channel="webhook"]');
  await expect(page.locator('#flow > li.step[data-step="send-1"] .step-kind').textContent()).resolves.toBe(
    'Send an SMS',
  );
  await expectAccessible(page, 'sequence with an SMS and a webhook step');
  await page.close();
}, 90_000);

test('on a contact’s page a marketer records and withdraws SMS consent, removes a device, and reads the inbox and each message’s channel; the chairman only reads', async () => {
  await makeTemplates();
  const call = client(t);
  const id = uniqueId('sms');
  const saved = await call('POST', '/v1/contacts', {
    id,
    email: `${id}@example.com`,
    phone: '+14155550123',
    traits: { first_name: 'Ana' },
  });
  expect([saved.status, saved.body.phone, saved.body.smsConsent]).toEqual([201, '+14155550123', null]);
  const device = await call('POST', `/v1/contacts/${id}/devices`, {
    token: 'fcm-registration-token-for-tests-a1b2c3d4',
    platform: 'ios',
  });
  expect(device.status).toBe(201);

  // An in-app message and a webhook reach her, so the inbox and the log have something on two channels.
  const seq = `chan-log-${id.slice(-6)}`;
  const defined = await call('POST', '/v1/sequences', {
    key: seq,
    name: 'Inbox and hook',
    topic: 'onboarding',
    triggers: [{ event: `${seq}_start` }],
    steps: [
      { id: 'inbox', type: 'send', channel: 'in_app', template: 'chan_inbox' },
      { id: 'crm', type: 'send', channel: 'webhook', url: receiverUrl, template: 'chan_hook' },
    ],
  });
  expect([defined.status, defined.body.problems]).toEqual([201, undefined]);
  expect((await call('POST', '/v1/events', { contactId: id, name: `${seq}_start` })).status).toBeLessThan(300);
  await eventually(async () => {
    const r = await call('GET', `/v1/contacts/${id}/messages`);
    const sent = (r.body.messages as { status: string }[]).filter((m) => m.status === 'sent');
    return sent.length === 2 && received >= 1 ? true : undefined;
  }, 30_000);

  const page = await signedIn('marketer');
  await page.goto(`${t.api}/#/contacts/${id}`);
  await expect(page.locator('#sms-phone').textContent()).resolves.toBe('+14155550123');
  expect(await page.getAttribute('#sms-consent-state', 'data-consent')).toBe('not_given');

  // The in-app inbox: its title, unread, and when.
  const inboxRow = page.locator('#contact-inbox tbody tr');
  await inboxRow.first().waitFor();
  expect(await inboxRow.count()).toBe(1);
  await expect(inboxRow.locator('td').first().textContent()).resolves.toBe('Welcome, Ana');
  await expect(inboxRow.locator('.badge').textContent()).resolves.toBe('unread');

  // Each message of the log says its channel.
  await page.waitForSelector('#contact-messages tr[data-message]');
  const channels = await page
    .locator('#contact-messages td.channel')
    .evaluateAll((cells) => cells.map((c) => c.textContent).sort());
  expect(channels).toEqual(['In-app', 'Webhook']);

  // The device: its platform and the end of its token, never the whole token.
  const deviceRow = page.locator(`#contact-devices tr[data-device="${device.body.id}"]`);
  await expect(deviceRow.textContent()).resolves.toContain('a1b2c3d4');
  await expect(deviceRow.textContent()).resolves.toContain('ios');
  expect(await page.locator('#contact-devices').textContent()).not.toContain('fcm-registration-token');
  await expectAccessible(page, 'contact with phone, device and inbox');

  // Consent is recorded with where it was given, after one more press.
  await page.fill('#sms-consent-source', 'support call, agent Bo');
  await page.click('#sms-consent-give');
  expect((await call('GET', `/v1/contacts/${id}/sms-consent`)).body.smsConsent).toBeNull();
  await page.click('#sms-consent-give');
  await page.waitForSelector('#sms-consent-state[data-consent="given"]');
  await expect(page.locator('#sms-consent-state').textContent()).resolves.toContain('support call, agent Bo');
  const given = (await call('GET', `/v1/contacts/${id}/sms-consent`)).body;
  expect(given.smsConsent).toMatchObject({ source: 'support call, agent Bo' });
  await expectAccessible(page, 'contact with SMS consent given');

  // Withdrawn, after one more press: the history lists both changes, newest first.
  await page.click('#sms-consent-withdraw');
  await page.click('#sms-consent-withdraw');
  await page.waitForSelector('#sms-consent-history li[data-action="opt_out"]');
  const withdrawn = (await call('GET', `/v1/contacts/${id}/sms-consent`)).body;
  expect(withdrawn.smsConsent).toBeNull();
  expect(withdrawn.history.map((h: { action: string }) => h.action)).toEqual(['opt_out', 'opt_in']);
  const history = await page
    .locator('#sms-consent-history li')
    .evaluateAll((items) => items.map((li) => li.getAttribute('data-action')));
  expect(history).toEqual(['opt_out', 'opt_in']);
  await expect(page.locator('#sms-consent-history').textContent()).resolves.toContain('support call, agent Bo');
  await expect(page.locator('#sms-consent-state').textContent()).resolves.toContain('not given');

  // The device is removed after one more press.
  await deviceRow.locator('button').click();
  expect((await call('GET', `/v1/contacts/${id}/devices`)).body.devices).toHaveLength(1);
  await deviceRow.locator('button').click();
  await page.waitForSelector('#contact-devices-empty');
  expect((await call('GET', `/v1/contacts/${id}/devices`)).body.devices).toEqual([]);
  await expectAccessible(page, 'contact after consent withdrawn and device removed');
  await screenshot(page, 'channels-contact-marketer');
  await page.close();

  // The chairman reads the same page and finds no control that changes it.
  const device2 = await call('POST', `/v1/contacts/${id}/devices`, {
    token: 'fcm-registration-token-for-tests-e5f6a7b8',
    platform: 'android',
  });
  expect(device2.status).toBe(201);
  const chairman = await signedIn('chairman');
  await chairman.goto(`${t.api}/#/contacts/${id}`);
  await chairman.waitForSelector('#sms-consent-history li[data-action="opt_in"]');
  await chairman.waitForSelector(`#contact-devices tr[data-device="${device2.body.id}"]`);
  await chairman.waitForSelector('#contact-inbox tbody tr');
  for (const control of [
    '#sms-consent-give',
    '#sms-consent-withdraw',
    '#sms-consent-source',
    '#contact-devices button',
  ])
    expect([control, await chairman.locator(control).count()]).toEqual([control, 0]);
  await expect(chairman.locator('#contact-sms').textContent()).resolves.toContain('Read-only');
  await expectAccessible(chairman, 'contact channels (chairman)');
  await chairman.close();
}, 120_000);
