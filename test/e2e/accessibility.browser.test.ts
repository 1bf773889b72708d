import type { Page } from 'playwright-core';
import type { Role } from '../../db/stores/apiKeys';
import { eventually, uniqueId } from '../harness';
import { expectAccessible } from '../harness/axe';
import {
  browserSuite,
  freshPage,
  signedIn as signInto,
  signInWithPassword,
  type Browser,
  screenshot,
} from '../harness/browser';
import { client, type TestStack } from '../harness/stack';

// Code passed to page.waitForFunction runs in the browser; the project compiles without the DOM library.
declare const document: {
  querySelector(s: string): { firstElementChild: unknown } | null;
  activeElement: { matches(s: string): boolean } | null;
};
declare const window: { shown?: unknown };

// Every dashboard page, for every role, with nothing in it and with data: no serious or critical axe-core violation,
// an empty list that says what to do next, a line of help under each heading, and the main actions by keyboard.

let t: TestStack;
let browser: Browser;
/** Console errors and uncaught exceptions of every page: a script error fails the test. */
const errors = browserSuite({}, (stack, chromium) => {
  t = stack;
  browser = chromium;
});
const signedIn = (role: Role) => signInto(browser, t, role, errors, /status of 40[34]/);

const shot = screenshot;

/** The page has drawn: a heading, and nothing left loading. */
const settled = (page: Page) =>
  page.waitForFunction(() => !!document.querySelector('#page h1') && !document.querySelector('#page .loading'));

/** Opens a page from the navigation (or a route by hash), waits for it, and checks it with axe-core. */
async function check(page: Page, label: string, route: string, ready?: string): Promise<void> {
  // The router puts a fresh container in #page on every visit: waiting for a new one skips the page left behind.
  await page.evaluate(() => (window.shown = document.querySelector('#page')?.firstElementChild));
  if (/^[a-z]+$/.test(route)) await page.click(`a[data-page=${route}]`);
  else await page.goto(`${t.api}/#/${route}`);
  await page.waitForFunction(() => document.querySelector('#page')?.firstElementChild !== window.shown);
  if (ready) await page.waitForSelector(ready);
  await settled(page);
  await expectAccessible(page, label);
}

/** The line of help under the page's heading. */
const help = (page: Page) => page.locator('#page .page-help').first().textContent();

/** Presses Tab until the focus is on `selector` (as a keyboard user would reach it); fails after `max` presses. */
async function tabTo(page: Page, selector: string, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`${selector} was not reached with ${max} presses of Tab`);
}

test('the sign-in page, and every page with nothing in it yet, says what to do next', async () => {
  const front = await browser.context.newPage();
  await front.goto(t.api);
  await front.waitForSelector('#sign-in-form');
  await expectAccessible(front, 'sign-in');
  await front.close();

  const marketer = await signedIn('marketer');
  await check(marketer, 'overview, no venture', 'overview', '#overview-empty');
  expect(await marketer.textContent('#overview-empty')).toContain('There is no venture yet');
  await check(marketer, 'influencers, no venture', 'influencers', '#influencers-empty');

  await check(marketer, 'approvals, none', 'approvals', '#inbox-empty');
  expect(await marketer.textContent('#inbox-empty')).toContain('Nothing waiting for a decision.');
  expect(await help(marketer)).toMatch(/chairman/);

  await check(marketer, 'people, none', 'contacts', '#people-empty');
  expect(await marketer.textContent('#people-empty')).toContain('No people yet. Import a CSV or send events.');
  expect(await marketer.locator('#people-empty button#people-import').textContent()).toBe('Import a CSV…');
  expect(await marketer.locator('#people-empty a[href="/docs"]').count()).toBe(1);

  await check(marketer, 'segments, none', 'segments', '#segments-empty');
  expect(await marketer.textContent('#segments-empty')).toContain('No segments yet.');
  // The empty state's button takes the keyboard to the builder.
  await marketer.click('#segments-empty button:text("New segment")');
  expect(await marketer.evaluate(() => document.activeElement?.matches('#segment-builder input[name=key]'))).toBe(true);

  await check(marketer, 'broadcasts, none', 'broadcasts', '#broadcasts-empty');
  expect(await marketer.textContent('#broadcasts-empty')).toContain('No broadcasts yet.');
  expect(await marketer.locator('#broadcast-no-segment a[href="#/segments"]').count()).toBe(1);

  await check(marketer, 'templates', 'templates', '#templates');
  expect(await help(marketer)).toMatch(/template/i);

  // A contact with nothing sent to them: the messages say so.
  const id = uniqueId('quiet');
  await client(t)('POST', '/v1/contacts', { id, email: `${id}@example.com` });
  await check(marketer, 'a contact with no message', `contacts/${id}`, '#contact-messages .empty');
  expect(await marketer.textContent('#contact-messages .empty')).toContain('No message to this contact yet');
  await shot(marketer, 'accessibility-empty-contact');
  await marketer.close();

  const chairman = await signedIn('chairman');
  await check(chairman, 'chairman approvals, none', 'approvals', '#inbox-empty');
  await check(chairman, 'chairman segments, none', 'segments', '#segments-empty');
  expect(await chairman.locator('#segments-empty button').count()).toBe(0);
  await chairman.close();

  const operator = await signedIn('operator');
  await check(operator, 'operator overview, no venture', 'overview', '#load-demo');
  await shot(operator, 'accessibility-empty-overview');
  await check(operator, 'operator mail', 'mail');
  await operator.close();
}, 120_000);

test('by keyboard alone: the operator loads the demo, the chairman approves, a marketer starts a template', async () => {
  const operator = await signedIn('operator');
  await operator.waitForSelector('#load-demo');
  await tabTo(operator, '#load-demo');
  await operator.keyboard.press('Enter');
  await operator.waitForSelector('#overview-chart canvas', { timeout: 30_000 });
  await settled(operator);
  await expectAccessible(operator, 'overview after the demo loaded');
  await operator.close();

  const pending = await eventually(async () => {
    const res = await client(t, 'chairman')('GET', '/v1/approvals?status=pending');
    return (res.body.approvals as { id: string }[])[0];
  });
  const chairman = await signedIn('chairman');
  await check(chairman, 'approvals, one waiting', 'approvals', `[data-approval="${pending.id}"]`);
  await tabTo(chairman, `[data-approval="${pending.id}"] textarea`);
  await chairman.keyboard.type('Fine by me.');
  await tabTo(chairman, `[data-approval="${pending.id}"] [data-decision=approve]`, 3);
  await chairman.keyboard.press('Enter');
  await chairman.waitForSelector('#inbox-empty');
  expect((await client(t, 'chairman')('GET', `/v1/approvals/${pending.id}`)).body).toMatchObject({
    status: 'approved',
    decisionComment: 'Fine by me.',
  });
  await shot(chairman, 'accessibility-keyboard-approved');
  await chairman.close();

  const marketer = await signedIn('marketer');
  await check(marketer, 'templates list', 'templates', '#new-template');
  await tabTo(marketer, '#new-template');
  await marketer.keyboard.press('Enter');
  await marketer.waitForSelector('#template-body.ace_editor');
  expect(new URL(marketer.url()).hash).toBe('#/templates/new');
  await settled(marketer);
  await expectAccessible(marketer, 'new template');
  await marketer.close();
}, 120_000);

test('every page, for each role, with data in it', async () => {
  const call = client(t);
  expect((await client(t, 'operator')('POST', '/v1/demo')).status).toBe(200);
  const plan = uniqueId('plan');
  const people = ['ada', 'bo', 'cy'].map((n) => uniqueId(n));
  for (const id of people) await call('POST', '/v1/contacts', { id, email: `${id}@example.com`, traits: { plan } });
  await call('POST', '/v1/events', { contactId: people[0], name: 'signup' });
  const segment = uniqueId('launch');
  expect(
    (
      await call('POST', '/v1/segments', {
        key: segment,
        name: 'Launch list',
        definition: { trait: 'plan', op: 'eq', value: plan },
      })
    ).status,
  ).toBe(201);
  const later = new Date(Date.now() + 86_400_000).toISOString();
  const broadcast = await call('POST', '/v1/broadcasts', {
    name: 'Next week',
    segment,
    template: 'welcome',
    topic: 'newsletter',
    sendAt: later,
  });
  expect(broadcast.status).toBe(201);
  await call('POST', '/v1/suppressions', { email: `${people[2]}@example.com` });
  // The demo's campaign asks for approval a moment after it starts (decided already when the test before ran).
  const approval = await eventually(async () => {
    const res = await client(t, 'chairman')('GET', '/v1/approvals?limit=200');
    return (res.body.approvals as { id: string }[])[0];
  });

  for (const role of ['marketer', 'chairman', 'operator'] as const) {
    const page = await signedIn(role);
    await check(page, `${role} overview`, 'overview', '#overview-chart canvas');
    await check(page, `${role} influencers`, 'influencers', '[data-influencer]');
    await check(page, `${role} approvals`, 'approvals');
    await check(page, `${role} approvals decided`, 'approvals/decided');
    await check(page, `${role} an approval`, `approvals/${approval.id}`);
    await check(page, `${role} people`, 'contacts', `#people-list tr[data-contact]`);
    await check(page, `${role} a contact`, `contacts/${people[0]}`, '#contact-timeline li');
    await check(page, `${role} segments`, 'segments', `#segments tr[data-key="${segment}"]`);
    await check(page, `${role} a segment`, `segments/${segment}`, '#members td a');
    await check(page, `${role} broadcasts`, 'broadcasts', `#broadcasts tr[data-id="${broadcast.body.id}"]`);
    await check(page, `${role} a broadcast`, `broadcasts/${broadcast.body.id}`, '#broadcast-status[data-status]');
    await check(page, `${role} templates`, 'templates', '#templates tr[data-key="welcome"]');
    await check(page, `${role} a template`, 'templates/welcome', '#template-versions');
    await page.waitForSelector('#template-body.ace_editor');
    await expectAccessible(page, `${role} a template, editor ready`);
    if (role === 'operator') await check(page, 'operator mail', 'mail');
    for (const [route, words] of [
      ['overview', /venture|campaign/i],
      ['contacts', /people|contact/i],
      ['segments', /segment/i],
      ['broadcasts', /broadcast/i],
    ] as const) {
      await check(page, `${role} ${route} again`, route);
      expect(await help(page)).toMatch(words);
    }
    await shot(page, `accessibility-${role}`);
    await page.close();
  }
}, 240_000);

test('a person who is both marketer and chairman decides in the inbox by keyboard, and still builds', async () => {
  // A campaign over the approval threshold, in a venture of its own: its run asks the chairman.
  const slug = uniqueId('two-hats');
  const venture = await client(t)('POST', '/v1/ventures', { name: 'Two hats', slug, productName: 'Two hats' });
  const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
  const campaign = await client(t)('POST', '/v1/campaigns', {
    ventureId: venture.body.id,
    name: 'Two hats launch',
    type: 'launch',
    channel: 'paid_search',
    platforms: ['google'],
    startDate: day(3),
    endDate: day(20),
    budget: 9000,
    currency: 'USD',
  });
  expect(campaign.status).toBe(201);
  const pending = await eventually(async () => {
    const res = await client(t, 'chairman')('GET', '/v1/approvals?status=pending&subjectType=campaign');
    return (res.body.approvals as { id: string; subjectId: string }[]).find((a) => a.subjectId === campaign.body.id);
  });

  const email = `${uniqueId('both')}@gtm.test`;
  const password = 'two roles, one person';
  const roles = ['marketer', 'chairman'];
  const created = await client(t, 'operator')('POST', '/v1/users', { email, name: 'Mara Both', roles, password });
  expect(created.status).toBe(201);
  const page = await freshPage(browser, 'marketer and chairman', errors);
  await page.goto(t.api);
  await signInWithPassword(page, email, password);
  await page.waitForSelector('#role:text("marketer, chairman")');

  const item = `[data-approval="${pending.id}"]`;
  await check(page, 'approvals, marketer and chairman', 'approvals', `${item} [data-decision=approve]`);
  expect(await page.textContent('#page h1')).toBe('Your approvals');
  expect(await page.locator('#page :text("Read-only")').count()).toBe(0);
  await tabTo(page, `${item} textarea`);
  await page.keyboard.type('Approved with both hats on.');
  await tabTo(page, `${item} [data-decision=approve]`, 3);
  await page.keyboard.press('Enter');
  await page.waitForSelector(item, { state: 'detached' });
  expect((await client(t, 'chairman')('GET', `/v1/approvals/${pending.id}`)).body).toMatchObject({
    status: 'approved',
    decisionComment: 'Approved with both hats on.',
  });
  await shot(page, 'accessibility-marketer-and-chairman');

  // The same person builds as a marketer: the campaigns page offers a new venture.
  await check(page, 'campaigns, marketer and chairman', 'campaigns', '#new-venture');
  await page.close();
}, 90_000);
