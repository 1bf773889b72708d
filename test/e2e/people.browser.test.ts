import type { Role } from '../../db/stores/apiKeys';
import { eventually, uniqueId } from '../harness';
import { browserSuite, signedIn as signInto, type Browser } from '../harness/browser';
import { client, type TestStack } from '../harness/stack';

let t: TestStack;
let browser: Browser;
/** Console errors and uncaught exceptions of every page: a script error fails the test. */
const errors = browserSuite({}, (stack, chromium) => {
  t = stack;
  browser = chromium;
});
const signedIn = (role: Role) => signInto(browser, t, role, errors, /status of 4(03|04|09)/);

test('a marketer searches people, pages with the cursor, reads a timeline and unsubscribes; an operator erases', async () => {
  const call = client(t);
  const tag = uniqueId('ppl');
  for (let i = 0; i < 30; i++)
    await call('POST', '/v1/contacts', { id: `${tag}-${i}`, email: `p${i}.${tag}@example.com` });
  await call('POST', '/v1/events', { contactId: `${tag}-3`, name: 'signup' });

  const page = await signedIn('marketer');
  await page.goto(`${t.api}/#/contacts`);
  await page.fill('#people-q', `${tag}-`);
  await page.click('#people-search button[type=submit]');
  await page.waitForSelector(`#people-list tr[data-contact="${tag}-29"]`);
  expect(await page.locator('#people-list tbody tr').count()).toBe(25);
  await page.click('#people-next');
  await page.waitForSelector(`#people-list tr[data-contact="${tag}-0"]`);
  expect(await page.locator('#people-list tbody tr').count()).toBe(5);
  expect(await page.locator('#people-next').isDisabled()).toBe(true);

  await page.click(`#people-list tr[data-contact="${tag}-3"] a`);
  await page.waitForSelector('#contact-timeline li[data-kind="event"]');
  await page.waitForSelector('#contact-timeline li[data-kind="enrollment.started"]');
  expect(await page.locator('#contact-export').count()).toBe(0);
  await page.click('#contact-unsubscribe');
  await page.click('#contact-unsubscribe');
  await page.waitForSelector('#contact-timeline li[data-kind="subscription"]');
  await page.waitForSelector('#contact-resubscribe');
  const internal = (await call('GET', `/v1/contacts/${tag}-3`)).body.internalId;
  expect(await t.stack.db('contact_subscription_changes').where({ contact_id: internal })).toEqual([
    expect.objectContaining({ change: 'unsubscribed', actor: 'test marketer' }),
  ]);

  const operator = await signedIn('operator');
  await operator.goto(`${t.api}/#/contacts/${tag}-3`);
  await operator.click('#contact-erase');
  await operator.click('#contact-erase');
  await operator.waitForSelector('#contact-erased');
  await eventually(async () => ((await call('GET', `/v1/contacts/${tag}-3`)).status === 404 ? true : undefined));
}, 90_000);
