import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Role } from '../../db/stores/apiKeys';
import { MessageStore } from '../../db/stores/messages';
import { eventually } from '../harness';
import { freshPage, launchChromium, signInWithPassword, type Browser } from '../harness/browser';
import { client, startTestStack, type TestStack } from '../harness/stack';

// Code passed to page.evaluate runs in the browser; the project compiles without the DOM library, so these stand in.
declare const document: any;
declare const window: any;

const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');

let t: TestStack;
let browser: Browser;
/** Console errors and uncaught exceptions of every page: a CSP refusal or a script error fails the test. */
const errors: string[] = [];

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  [t, browser] = await Promise.all([startTestStack({ DEMO_DATA: 'true' }), launchChromium()]);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

afterEach(() => {
  expect(errors).toEqual([]);
  errors.length = 0;
});

async function signedIn(role: Role, viewport?: { width: number; height: number }, shotName?: string): Promise<Page> {
  // The browser logs every 4xx fetch; the refusals a test provokes on purpose (403, 409) are answers, not faults.
  const page = await freshPage(browser, role, errors, /status of 4(03|09)/);
  if (viewport) await page.setViewportSize(viewport);
  await page.goto(t.api);
  await page.waitForSelector('#email');
  if (shotName) await shot(page, shotName);
  await signInWithPassword(page, t.users[role].email, t.users[role].password);
  await page.waitForSelector(`#role:text("${role}")`);
  return page;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

test('the chairman signs in and approves the pending request from the inbox', async () => {
  // The approval workflow writes the request a moment after the demo's campaign starts.
  const deadline = Date.now() + 20_000;
  let pending: { id: string; title: string } | undefined;
  while (!pending && Date.now() < deadline) {
    const res = await client(t, 'chairman')('GET', '/v1/approvals?status=pending');
    pending = res.body.approvals.find((a: { title: string }) => a.title.includes('Spring Launch'));
    if (!pending) await new Promise((r) => setTimeout(r, 200));
  }
  expect(pending).toBeDefined();

  const page = await signedIn('chairman', undefined, 'sign-in');
  await page.click('a[data-page=approvals]');
  const item = page.locator(`[data-approval="${pending!.id}"]`);
  await item.waitFor();
  await shot(page, 'approvals-inbox');
  await item.locator('textarea').fill('Go ahead: the plan is sound.');
  await item.locator('[data-decision=approve]').click();
  await page.waitForSelector('#inbox-empty');
  const decided = await client(t, 'chairman')('GET', `/v1/approvals/${pending!.id}`);
  expect(decided.body).toEqual(
    expect.objectContaining({
      status: 'approved',
      decidedBy: 'test chairman',
      decisionComment: 'Go ahead: the plan is sound.',
    }),
  );
  await page.click('a[href="#/approvals/decided"]');
  await page.waitForSelector(`[data-approval="${pending!.id}"] .badge.approved`);
  await shot(page, 'approvals-decided');
  await page.close();
}, 45_000);

test('a marketer sees a campaign’s charts drawn with data, its influencers and the overview', async () => {
  // The demo's campaign goes live a moment after start-up; the page shows Pause only for a live one.
  const call = client(t, 'marketer');
  const list = await call('GET', '/v1/campaigns');
  const search = list.body.campaigns.find((c: { name: string }) => c.name === 'Always-on Search');
  const deadline = Date.now() + 20_000;
  while ((await call('GET', `/v1/campaigns/${search.id}`)).body.live?.state !== 'active') {
    if (Date.now() > deadline) throw new Error('the demo campaign did not go live');
    await new Promise((r) => setTimeout(r, 200));
  }
  const page = await signedIn('marketer');
  await page.waitForSelector('#overview-chart canvas');
  await page.waitForSelector('#reallocation');
  await shot(page, 'overview');
  await page.click('a[data-page=campaigns]');
  await page.click('#campaigns a:text("Always-on Search")');
  await page.waitForSelector('#channel-chart canvas');
  await page.waitForSelector('#funnel-chart canvas');
  const drawn = await page.evaluate(() =>
    ['#channel-chart canvas', '#funnel-chart canvas'].map((sel) => {
      const canvas = document.querySelector(sel);
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
      return painted;
    }),
  );
  expect(drawn[0]).toBeGreaterThan(1000);
  expect(drawn[1]).toBeGreaterThan(1000);
  const reach = await page.locator('#campaign-metrics .metric').first().locator('.value').textContent();
  expect(reach).not.toBe('–');
  await expect(page.locator('#pause').isVisible()).resolves.toBe(true);
  await shot(page, 'campaign');

  await page.click('a[data-page=campaigns]');
  await page.click('#campaigns a:text("Creator Collab")');
  await page.waitForSelector('#campaign-influencers tbody tr');
  expect(await page.locator('#campaign-influencers tbody tr').count()).toBe(3);
  await page.close();
}, 45_000);

test('influencer search filters the scored catalogue, and a phone gets the same page', async () => {
  const page = await signedIn('marketer');
  await page.click('a[data-page=influencers]');
  await page.waitForSelector('#result-count');
  const all = await page.locator('[data-influencer]').count();
  expect(all).toBeGreaterThan(5);
  await page.fill('#f-category', 'productivity');
  await page.fill('#f-min', '50000');
  await page.click('#search');
  await page.waitForFunction(
    (n) =>
      document.querySelectorAll('[data-influencer]').length > 0 &&
      document.querySelectorAll('[data-influencer]').length < n,
    all,
  );
  const handles = await page
    .locator('[data-influencer]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-influencer')));
  expect(handles).toEqual(expect.arrayContaining(['mayaworks', 'deepworksam', 'priyaplans']));
  await shot(page, 'influencers');
  await page.close();

  const phone = await signedIn('marketer', { width: 390, height: 844 });
  await phone.click('a[data-page=influencers]');
  await phone.waitForSelector('[data-influencer]');
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  await shot(phone, 'influencers-phone');
  await phone.close();
}, 45_000);

test('a command typed in the box is answered on the page', async () => {
  const page = await signedIn('operator');
  await page.fill('#command', 'how many users are in onboarding');
  await page.press('#command', 'Enter');
  await page.waitForSelector('[data-intent=sequence_count]');
  expect(await page.textContent('#answer .speech')).toBe('4 contacts are in Onboarding right now.');
  await page.fill('#command', 'approve the spring launch campaign');
  await page.press('#command', 'Enter');
  await page.waitForSelector('.answer.refused[data-intent=approve]');
  expect(await page.textContent('#answer .speech')).toContain('Only the chairman');
  await page.click('a[data-page=sequences]');
  await page.waitForSelector('#flow .step');
  await page.fill('#contact-id', 'demo-ada');
  await page.click('form.row button[type=submit]');
  await page.waitForSelector('#enrollments table');
  await shot(page, 'sequences');
  await page.close();
}, 45_000);

test('a marketer finds a contact, reads a message’s timeline with the machine open greyed, and the sequence funnel', async () => {
  const call = client(t, 'marketer');
  const welcome = await eventually(async () => {
    const res = await call('GET', '/v1/contacts/demo-ada/messages');
    return (res.body.messages as { id: string; status: string }[] | undefined)?.find((m) => m.status === 'sent');
  });
  await new MessageStore(t.stack.db).record({
    messageId: welcome.id,
    status: 'opened',
    source: 'tracking',
    eventKey: `${welcome.id}:dashboard-test-open`,
    occurredAt: new Date(),
    machineReason: 'Apple Mail Privacy Protection',
  });

  const page = await signedIn('marketer');
  await page.click('a[data-page=contacts]');
  await page.fill('#contact-search-id', 'demo-ada');
  await page.click('#contact-search button[type=submit]');
  const row = page.locator(`#contact-messages tr[data-message="${welcome.id}"]`);
  await row.waitFor();
  // A machine's open does not move the status.
  await expect(row.locator('.badge').textContent()).resolves.toContain('sent');
  await row.click();
  await page.waitForSelector('#message-timeline li.event');
  const statuses = await page
    .locator('#message-timeline li.event')
    .evaluateAll((items) => items.map((li) => li.getAttribute('data-status')));
  expect(statuses).toEqual(['queued', 'sent', 'opened']);
  await expect(page.locator('#message-timeline li.event.machine .machine-reason').textContent()).resolves.toContain(
    'Apple Mail Privacy Protection',
  );
  await shot(page, 'contact-timeline');

  await page.goto(`${t.api}/#/sequences/onboarding`);
  const step = page.locator('#funnel tr[data-funnel-step="welcome"]');
  await step.waitFor();
  expect(Number(await step.locator('td[data-stage="sent"]').textContent())).toBeGreaterThanOrEqual(1);
  await step.click();
  await page.waitForSelector(`#step-messages tr[data-message="${welcome.id}"]`);
  await shot(page, 'sequence-funnel');
  await page.close();
}, 60_000);
