import { confirmUrl, getTopicConfirmationWorkflowId, preferencesUrl } from '../../domain/preferenceLinks';
import { LinkSigner } from '../../infra/signing';
import { uniqueId } from '../harness';
import { browserSuite, type Browser } from '../harness/browser';
import { client, type TestStack } from '../harness/stack';

// The preference centre as a reader meets it: the link from an email opened in Chromium, a checkbox changed, Save
// pressed, and the result read back through the API as the marketer sees it.

/** The stack's signing secret (test/harness/stack.ts), so this test can mint the links an email would carry. */
const signer = new LinkSigner('test-signing-secret-that-is-long-enough-000');

let t: TestStack;
let browser: Browser;
/** Console errors and uncaught exceptions of every page. */
const errors = browserSuite({}, (stack, chromium) => {
  t = stack;
  browser = chromium;
});

type TopicView = { key: string; subscribed: boolean; state: string };

async function openPage(url: string) {
  const page = await browser.context.newPage();
  const requested: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  page.on('console', (m) => {
    // Chromium asks every site for /favicon.ico; the pages carry no icon, on purpose (they load nothing).
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico'))
      errors.push(`${m.text()} ${m.location().url}`);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { page, requested };
}

test('a reader turns the newsletter off on the preference page; the API and the timeline show it, from the link', async () => {
  const call = client(t);
  const id = uniqueId('pref');
  const contact = (await call('POST', '/v1/contacts', { id, email: `${id}@example.com` })).body;
  const url = preferencesUrl(signer, t.api, contact.internalId);

  const { page, requested } = await openPage(url);
  expect(await page.locator('#topic-newsletter').isChecked()).toBe(true);
  expect(await page.locator('#topic-offers').isChecked()).toBe(true);
  expect(await page.locator('#unsubscribe-all').isChecked()).toBe(false);
  expect(await page.textContent('body')).toContain('Newsletter');

  await page.uncheck('#topic-newsletter');
  await page.click('button[type=submit]');
  await page.waitForSelector('#saved');
  // The saved page shows the saved state, and the page loaded nothing from anywhere else.
  expect(await page.locator('#topic-newsletter').isChecked()).toBe(false);
  expect(await page.locator('#topic-offers').isChecked()).toBe(true);
  expect(requested.every((r) => r.startsWith(`${t.api}/p/`))).toBe(true);

  const subs = (await call('GET', `/v1/contacts/${id}/subscriptions`)).body;
  const byKey = new Map((subs.topics as TopicView[]).map((x) => [x.key, x]));
  expect(byKey.get('newsletter')).toMatchObject({ subscribed: false, state: 'unsubscribed' });
  expect(byKey.get('offers')).toMatchObject({ subscribed: true });
  expect(subs.unsubscribedFromAll).toBe(false);

  const timeline = (await call('GET', `/v1/contacts/${id}/timeline`)).body.items;
  expect(timeline.filter((i: { kind: string }) => i.kind === 'subscription')).toEqual([
    expect.objectContaining({
      data: expect.objectContaining({
        change: 'topic_unsubscribed',
        source: 'link',
        actor: `contact:${contact.internalId}`,
      }),
    }),
  ]);

  // Unsubscribe from all, then take it back: the contact-wide switch, recorded from the link as well.
  await page.check('#unsubscribe-all');
  await page.click('button[type=submit]');
  await page.waitForSelector('#saved');
  expect((await call('GET', `/v1/contacts/${id}/subscriptions`)).body.unsubscribedFromAll).toBe(true);
  await page.uncheck('#unsubscribe-all');
  await page.click('button[type=submit]');
  await page.waitForSelector('#saved');
  expect((await call('GET', `/v1/contacts/${id}/subscriptions`)).body.unsubscribedFromAll).toBe(false);
  const changes = await t.stack.db('contact_subscription_changes').where({ contact_id: contact.internalId });
  expect(changes.map((c) => [c.change, c.source]).sort()).toEqual(
    [
      ['topic_unsubscribed', 'link'],
      ['unsubscribed', 'link'],
      ['resubscribed', 'link'],
    ].sort(),
  );
}, 90_000);

test('ticking an opt-in topic waits for the emailed confirmation; its Confirm button subscribes', async () => {
  const call = client(t);
  const topic = uniqueId('early').replace(/-/g, '_');
  expect((await call('POST', '/v1/topics', { key: topic, name: 'Early access', optIn: true })).status).toBe(201);
  const id = uniqueId('optin');
  const contact = (await call('POST', '/v1/contacts', { id, email: `${id}@example.com` })).body;

  const { page } = await openPage(preferencesUrl(signer, t.api, contact.internalId));
  expect(await page.locator(`#topic-${topic}`).isChecked()).toBe(false);
  await page.check(`#topic-${topic}`);
  await page.click('button[type=submit]');
  await page.waitForSelector('#saved');
  expect(await page.textContent('body')).toContain('confirm');
  const state = async () =>
    ((await call('GET', `/v1/contacts/${id}/subscriptions`)).body.topics as TopicView[]).find((x) => x.key === topic);
  expect(await state()).toMatchObject({ state: 'pending', subscribed: false });

  const confirm = await openPage(confirmUrl(signer, t.api, contact.internalId, topic));
  expect(await state()).toMatchObject({ state: 'pending' });
  expect(await confirm.page.textContent('body')).toContain('Early access');
  await confirm.page.click('button[type=submit]');
  await confirm.page.waitForSelector('#confirmed');
  expect(await state()).toMatchObject({ state: 'subscribed', subscribed: true });

  // The page's save started the confirmation email's run on the product's task queue; the email is its part.
  const run = t.stack.temporal.workflow.getHandle(getTopicConfirmationWorkflowId(contact.internalId, topic, 1));
  expect((await run.describe()).taskQueue).toBe(t.taskQueue);
  await run.terminate('preferences test over').catch(() => undefined);
}, 90_000);
