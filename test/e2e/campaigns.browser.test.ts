import type { Page } from 'playwright-core';
import type { Role } from '../../db/stores/apiKeys';
import { CampaignPerformanceStore } from '../../db/stores/campaignPerformance';
import { eventually } from '../harness';
import { expectAccessible } from '../harness/axe';
import { browserSuite, signedIn as signInto, type Browser, screenshot } from '../harness/browser';
import { client, type TestStack } from '../harness/stack';

// Code passed to page.evaluate runs in the browser; the project compiles without the DOM library.
declare const document: any;

// The Campaigns page as a marketer builds and steers with it: ventures, the new-campaign form with the chairman's
// approval, budget changes, pause, resume, cancel, the reallocation and the daily trend; what the chairman may not do.

let t: TestStack;
let browser: Browser;
/** Console errors and uncaught exceptions of every page: a script error fails the test. */
// Every split here applies at once: splits that need the chairman are proposals.browser.test.ts's subject.
const errors = browserSuite({ REALLOCATION_APPROVAL_PCT: '100' }, (stack, chromium) => {
  t = stack;
  browser = chromium;
});
// A refusal a test provokes on purpose (409) is an answer the page shows, not a fault.
const signedIn = (role: Role = 'marketer') => signInto(browser, t, role, errors, /status of 409/);

const shot = screenshot;

const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

/** The venture the later tests put their campaigns in: the one the first test made, or a new one. */
async function ventureId(): Promise<string> {
  const call = client(t);
  const [first] = (await call('GET', '/v1/ventures')).body.ventures;
  if (first) return first.id;
  const created = await call('POST', '/v1/ventures', { name: 'Acme', slug: 'acme', productName: 'Acme Notes' });
  return created.body.id;
}

/** A campaign created through the API that starts today, once its run says it is active. */
async function activeCampaign(name: string, budget = 1000): Promise<string> {
  const call = client(t);
  const created = await call('POST', '/v1/campaigns', {
    ventureId: await ventureId(),
    name,
    type: 'launch',
    channel: 'paid_search',
    platforms: ['google', 'meta'],
    startDate: day(0),
    endDate: day(9),
    budget,
    currency: 'USD',
  });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  await eventually(async () => {
    const b = (await call('GET', `/v1/campaigns/${id}`)).body;
    return b.live?.state === 'active' ? b : undefined;
  });
  return id;
}

/** Four earlier days of results: google converts five times better than meta for the same spend. */
async function results(campaignId: string): Promise<void> {
  const store = new CampaignPerformanceStore(t.stack.db);
  const days = [4, 3, 2, 1].map((n, i) => ({ date: day(-n), spend: 50 + 10 * i, impressions: 4000, clicks: 200 }));
  for (const [platform, rate] of [
    ['google', 0.2],
    ['meta', 0.04],
  ] as const) {
    await store.upsertDays(
      { campaignId, ventureId: null, channel: 'paid_search', platform },
      days.map((d) => ({
        ...d,
        conversions: Math.round(d.spend * rate),
        revenue: d.spend * rate * 40,
      })),
    );
  }
}

/** Opens a campaign's page and waits until it has drawn. */
async function openCampaign(page: Page, id: string): Promise<void> {
  await page.goto(`${t.api}/#/campaigns/${id}`);
  await page.waitForSelector('#campaign-controls');
}

const live = async (id: string) => (await client(t)('GET', `/v1/campaigns/${id}`)).body;

test('a marketer creates a venture, edits it, and creates a campaign: the API has what was typed', async () => {
  const page = await signedIn();
  await page.click('a[data-page=campaigns]');
  // No venture yet: the page says to make one first, with the button that does it.
  await page.waitForSelector('#no-venture');
  expect(await page.textContent('#no-venture')).toContain('Create a venture first');
  await expectAccessible(page, 'campaigns, no venture');
  await page.click('#no-venture #new-venture');

  await page.waitForSelector('#venture-form');
  await page.fill('#venture-name', 'Acme');
  // The address name follows the name until it is typed in.
  expect(await page.inputValue('#venture-slug')).toBe('acme');
  await page.fill('#venture-product', 'Acme Notes');
  await page.fill('#venture-industry', 'Productivity software');
  await page.fill('#venture-website', 'https://acme.example');
  await page.fill('#venture-keywords', 'note taking, team wiki');
  await page.fill('#venture-tone', 'friendly');
  await expectAccessible(page, 'venture form');
  await page.click('#venture-form button[type=submit]');

  // Back on the list: the new venture is selected, and the list says what a campaign is.
  await page.waitForSelector('#no-campaigns');
  expect(await page.textContent('#no-campaigns')).toContain('A campaign spends a budget');
  const [venture] = (await client(t)('GET', '/v1/ventures')).body.ventures;
  expect(venture).toMatchObject({
    name: 'Acme',
    slug: 'acme',
    productName: 'Acme Notes',
    industry: 'Productivity software',
    website: 'https://acme.example',
    keywords: ['note taking', 'team wiki'],
    brand: { values: [], tone: 'friendly' },
  });
  expect(await page.inputValue('#venture')).toBe(venture.id);
  await expectAccessible(page, 'campaigns, none');

  await page.click('#edit-venture');
  await page.waitForSelector('#venture-form');
  expect(await page.inputValue('#venture-product')).toBe('Acme Notes');
  await page.fill('#venture-website', 'https://notes.acme.example');
  await page.click('#venture-form button[type=submit]');
  await page.waitForSelector('#no-campaigns');
  expect((await client(t)('GET', `/v1/ventures/${venture.id}`)).body.website).toBe('https://notes.acme.example');

  // The empty list's button opens the form; every field is typed by keyboard.
  await page.click('#no-campaigns #new-campaign');
  await page.waitForSelector('#campaign-form');
  await page.fill('#campaign-name', 'Spring search');
  await page.selectOption('#campaign-type', 'launch');
  await page.selectOption('#campaign-channel', 'paid_search');
  await page.check('#platform-google');
  await page.check('#platform-meta');
  await page.fill('#campaign-start', day(1));
  await page.fill('#campaign-end', day(30));
  await page.fill('#campaign-budget', '1200');
  await page.selectOption('#campaign-currency', 'EUR');
  // Within the approval threshold, in the currency chosen: the form says it starts without the chairman.
  expect(await page.textContent('#campaign-budget-approval')).toContain('Up to 5,000 EUR');
  await page.selectOption('#campaign-objective', 'conversions');
  await page.fill('#campaign-countries', 'US, ca');
  await page.fill('#campaign-ages', '25-44');
  await page.fill('#campaign-interests', 'productivity, remote work');
  await expectAccessible(page, 'new campaign form');
  await shot(page, 'campaign-form');
  await page.press('#campaign-name', 'Enter');

  await page.waitForSelector('#campaign-created');
  expect(await page.textContent('#campaign-created')).toContain('No approval needed');
  const { campaigns } = (await client(t)('GET', `/v1/campaigns?ventureId=${venture.id}`)).body;
  expect(campaigns).toHaveLength(1);
  expect(campaigns[0]).toMatchObject({
    name: 'Spring search',
    type: 'launch',
    channel: 'paid_search',
    platforms: [{ name: 'google' }, { name: 'meta' }],
    startDate: day(1),
    endDate: day(30),
    budget: 1200,
    currency: 'EUR',
    targetAudience: { countries: ['US', 'CA'], ageRange: '25-44', interests: ['productivity', 'remote work'] },
  });
  await page.click('#open-campaign');
  await page.waitForSelector('#campaign-controls');
  expect(await page.textContent('h1')).toContain('Spring search');
  expect(await page.textContent('#campaign-live')).toContain('1,200 EUR');

  await page.click('a:text("← Campaigns")');
  await page.waitForSelector(`#campaigns tr[data-id="${campaigns[0].id}"]`);
  // Money with its currency and dates in words.
  const row = await page.textContent(`#campaigns tr[data-id="${campaigns[0].id}"]`);
  expect(row).toContain('1,200 EUR');
  expect(row).toMatch(/\d{1,2} [A-Z][a-z]+ \d{4}|[A-Z][a-z]+ \d{1,2}/);
  expect(row).not.toContain(day(1));
  await expectAccessible(page, 'campaign list');
  await page.close();
}, 90_000);

test('a campaign over the approval threshold shows as waiting for the chairman, and is in his inbox', async () => {
  await ventureId();
  const page = await signedIn();
  await page.goto(`${t.api}/#/campaigns/new`);
  await page.waitForSelector('#campaign-form');
  await page.fill('#campaign-name', 'Big launch');
  await page.check('#platform-google');
  await page.fill('#campaign-start', day(2));
  await page.fill('#campaign-end', day(20));
  await page.fill('#campaign-budget', '7500');
  // Before it is sent, the form says who decides.
  await page.waitForSelector('#campaign-budget-approval:has-text("Over 5,000 USD: the chairman approves it first")');
  await page.fill('#campaign-budget', '5000');
  await page.waitForSelector('#campaign-budget-approval:not(:has-text("Over"))');
  await page.fill('#campaign-budget', '7500');
  await page.click('#campaign-form button[type=submit]');

  await page.waitForSelector('#campaign-created');
  const id = await page.getAttribute('#campaign-created', 'data-id');
  await page.waitForSelector('#approval-state:has-text("pending")');
  expect(await page.textContent('#campaign-created')).toContain("Waiting for the chairman's approval");
  const inbox = (await client(t, 'chairman')('GET', '/v1/approvals?status=pending')).body.approvals;
  expect(inbox).toEqual(expect.arrayContaining([expect.objectContaining({ subjectType: 'campaign', subjectId: id })]));

  await page.click('#open-campaign');
  await page.waitForSelector('#campaign-live .notice');
  expect(await page.textContent('#campaign-live')).toContain('Waiting for the chairman');
  // Nothing to change while the chairman decides, but it can be withdrawn.
  expect(await page.locator('#change-budget').count()).toBe(0);
  expect(await page.locator('#cancel').count()).toBe(1);
  await page.close();
}, 60_000);

test('on an active campaign a marketer changes the budget, pauses, resumes and cancels after confirming', async () => {
  const id = await activeCampaign('Always on');
  const page = await signedIn();
  await openCampaign(page, id);
  expect(await page.locator('#resume').count()).toBe(0);

  // Ten per cent more: applied at once.
  await page.click('#change-budget');
  expect(await page.inputValue('#new-budget')).toBe('1000');
  await page.fill('#new-budget', '1100');
  // The form says, before it is sent, whether the chairman has to approve the new amount.
  expect(await page.textContent('#budget-approval')).toContain('No approval needed');
  await page.fill('#budget-reason', 'good start');
  await page.click('#budget-form button[type=submit]');
  await page.waitForSelector('#campaign-message:text("The budget is now 1,100 USD")');
  expect((await live(id)).budget).toBe(1100);

  // Three times as much: the chairman is asked, and the page says so.
  await page.click('#change-budget');
  await page.fill('#new-budget', '3000');
  expect(await page.textContent('#budget-approval')).toContain("needs the chairman's approval");
  expect(await page.textContent('#budget-form')).toContain('more than 20%');
  await page.click('#budget-form button[type=submit]');
  await page.waitForSelector('#campaign-message:text("Waiting for the chairman\'s approval")');
  expect(await page.textContent('#campaign-message')).toContain('3,000 USD');
  const asked = (await client(t, 'chairman')('GET', '/v1/approvals?status=pending&subjectType=budget_change')).body;
  expect(asked.approvals.map((a: { details: { campaignId?: string } }) => a.details.campaignId)).toContain(id);
  expect((await live(id)).budget).toBe(1100);

  await page.click('#pause');
  await page.waitForSelector('#resume');
  expect((await live(id)).status).toBe('paused');
  await page.click('#resume');
  await page.waitForSelector('#pause');
  expect((await live(id)).status).toBe('active');

  // Paused elsewhere meanwhile: the page's Pause gets the server's 409, and shows its message.
  expect((await client(t)('POST', `/v1/campaigns/${id}/pause`, {})).status).toBe(200);
  await page.click('#pause');
  await page.waitForSelector('#campaign-message:text("cannot pause")');
  await page.click('#resume');
  await page.waitForSelector('#pause');

  // Cancel asks first; keeping it changes nothing.
  await page.click('#cancel');
  await page.waitForSelector('#cancel-confirm');
  await page.click('#keep-campaign');
  expect(await page.locator('#cancel-confirm').count()).toBe(0);
  expect((await live(id)).status).toBe('active');
  await expectAccessible(page, 'campaign detail');

  await page.click('#cancel');
  await page.fill('#cancel-reason', 'strategy changed');
  await page.focus('#confirm-cancel');
  await page.keyboard.press('Enter');
  await page.waitForSelector('h1 .badge.cancelled');
  expect(await live(id)).toMatchObject({ status: 'cancelled', statusReason: 'strategy changed' });
  expect(await page.locator('#campaign-controls button').count()).toBe(0);
  await page.close();
}, 90_000);

test("a reallocation shows the optimiser's suggestion first, applies it as is, then a split the marketer types", async () => {
  const id = await activeCampaign('Search and social');
  await results(id);
  // The server's own answer to a split it refuses is the 400 this test provokes.
  const page = await signInto(browser, t, 'marketer', errors, /status of (400|409)/);
  await openCampaign(page, id);
  const preview = (await client(t)('GET', `/v1/campaigns/${id}/reallocation`)).body;
  expect(preview.suggested.google).toBeGreaterThan(preview.suggested.meta);
  await page.click('#reallocate-open');
  await page.waitForSelector('#reallocation input#share-google');
  // The suggestion from the preview, in percent, next to the split now (even), with its reason.
  const pct = (share: number) => Math.round(share * 1000) / 10;
  const google = Number(await page.inputValue('#share-google'));
  const meta = Number(await page.inputValue('#share-meta'));
  expect(google).toBeCloseTo(pct(preview.suggested.google), 1);
  expect(meta).toBeCloseTo(pct(preview.suggested.meta), 1);
  const panel = await page.textContent('#reallocation');
  expect(panel).toContain('Suggested');
  expect(panel).toContain(preview.reason);
  expect(await page.textContent('#reallocation tr[data-platform=google] .share-now')).toBe('50%');
  expect(await page.textContent('#reallocation-expected')).toMatch(/\d conversions a day/);
  await expectAccessible(page, 'reallocation');
  await shot(page, 'campaign-reallocation');

  // A split that does not add up cannot be sent; back to the suggestion, it can.
  await page.fill('#share-meta', '50');
  await page.waitForSelector(`#reallocation-total:text("${Math.round((google + 50) * 10) / 10}")`);
  expect(await page.locator('#reallocate-apply').isDisabled()).toBe(true);
  expect(await page.textContent('#reallocation-note')).toContain('add up to 100%');
  await page.click('#reallocation-reset');
  expect(Number(await page.inputValue('#share-meta'))).toBeCloseTo(meta, 1);

  // The suggestion kept as it is: the request carries no split, and the run applies the optimiser's.
  const [kept] = await Promise.all([
    page.waitForRequest((r) => r.url().endsWith(`/v1/campaigns/${id}/reallocate`)),
    page.click('#reallocate-apply'),
  ]);
  expect(kept.postDataJSON() ?? {}).toEqual({});
  await page.waitForSelector('#campaign-message:text("New daily budgets")');
  const after = await live(id);
  const shares = Object.fromEntries(after.live.platforms.map((p: { name: string; share: number }) => [p.name, p]));
  expect(shares.google.share * 100).toBeCloseTo(google, 0);
  expect(shares.meta.share * 100).toBeCloseTo(meta, 0);
  const message = await page.textContent('#campaign-message');
  for (const p of ['google', 'meta']) {
    const amount: number = shares[p].dailyBudget;
    const cents = Number.isInteger(amount) ? 0 : 2;
    const words = amount.toLocaleString('en-US', { minimumFractionDigits: cents, maximumFractionDigits: cents });
    expect(message).toContain(`${p} ${words} USD`);
  }

  // The marketer's own split, typed in percent: the run takes it as fractions.
  await page.click('#reallocate-open');
  await page.waitForSelector('#reallocation input#share-google');
  await page.fill('#share-google', '30');
  await page.fill('#share-meta', '70');
  expect(await page.textContent('#reallocate-apply')).toContain('your split');
  await page.click('#reallocate-apply');
  // The page is drawn again with the run's answer: the split chosen, not the optimiser's.
  await page.waitForSelector('#campaign-message:has-text("split chosen by")');
  const typed = Object.fromEntries(
    (await live(id)).live.platforms.map((p: { name: string; share: number }) => [p.name, p.share]),
  );
  expect(typed).toEqual({ google: 0.3, meta: 0.7 });
  expect(await page.textContent('#campaign-message')).toMatch(/google .*\(30%\), meta .*\(70%\)/);

  // A split the server refuses (here one platform left out on the way): its message shows at the inputs.
  await page.click('#reallocate-open');
  await page.waitForSelector('#reallocation input#share-google');
  await page.route(`**/v1/campaigns/${id}/reallocate`, (route) =>
    route.continue({ postData: JSON.stringify({ shares: { google: 1 } }) }),
  );
  await page.fill('#share-google', '40');
  await page.fill('#share-meta', '60');
  await page.click('#reallocate-apply');
  await page.waitForSelector('#shares-problem:text("one share for each")');
  expect(await page.getAttribute('#share-google', 'aria-invalid')).toBe('true');
  expect(await page.locator('#reallocation').count()).toBe(1);
  await page.unroute(`**/v1/campaigns/${id}/reallocate`);
  expect(
    Object.fromEntries((await live(id)).live.platforms.map((p: { name: string; share: number }) => [p.name, p.share])),
  ).toEqual({ google: 0.3, meta: 0.7 });
  await shot(page, 'campaign-reallocation-refused');
  await page.close();
}, 120_000);

test('with nothing to learn from yet, the panel says why and still takes a split typed by hand', async () => {
  const id = await activeCampaign('No results yet');
  const page = await signedIn();
  await openCampaign(page, id);
  await page.click('#reallocate-open');
  await page.waitForSelector('#reallocation input#share-google');
  expect(await page.textContent('#reallocation')).toContain('nothing to learn from');
  // No suggestion: the inputs start from the split now.
  expect(Number(await page.inputValue('#share-google'))).toBe(50);
  await page.fill('#share-google', '25');
  await page.fill('#share-meta', '75');
  await expectAccessible(page, 'reallocation without a suggestion');
  await page.click('#reallocate-apply');
  await page.waitForSelector('#campaign-message:text("New daily budgets")');
  const shares = Object.fromEntries(
    (await live(id)).live.platforms.map((p: { name: string; share: number }) => [p.name, p.share]),
  );
  expect(shares).toEqual({ google: 0.25, meta: 0.75 });
  await page.close();
}, 90_000);

test('the daily trend chart draws spend, conversions and ROI per platform, with a text alternative', async () => {
  const id = await activeCampaign('Trend');
  await results(id);
  const page = await signedIn();
  await openCampaign(page, id);
  await page.waitForSelector('#trend-chart canvas');
  const painted = await page.evaluate(() => {
    const canvas = document.querySelector('#trend-chart canvas');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    return n;
  });
  expect(painted).toBeGreaterThan(1000);
  const summary = await page.textContent('#trend-summary');
  expect(summary).toContain('google');
  expect(summary).toContain('meta');
  expect(summary).toMatch(/ROI/);

  // The numbers as a table, by keyboard.
  await page.focus('#trend-table-toggle');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#trend-table tbody tr');
  expect(await page.locator('#trend-table tbody tr').count()).toBe(8);
  expect(await page.getAttribute('#trend-table-toggle', 'aria-expanded')).toBe('true');

  // One platform at a time.
  await page.selectOption('#trend-platform', 'meta');
  await page.waitForSelector('#trend-summary:not(:has-text("google"))');
  expect(await page.locator('#trend-table tbody tr').count()).toBe(4);
  await expectAccessible(page, 'campaign detail with trend');
  await shot(page, 'campaign-detail');
  await page.close();
}, 90_000);

test('the chairman sees no New campaign button, and may only pause or cancel', async () => {
  const id = await activeCampaign('Chairman view');
  const page = await signedIn('chairman');
  await page.click('a[data-page=campaigns]');
  await page.waitForSelector('#campaigns');
  expect(await page.locator('#new-campaign').count()).toBe(0);
  expect(await page.locator('#new-venture, #edit-venture').count()).toBe(0);
  await openCampaign(page, id);
  expect(await page.locator('#pause').count()).toBe(1);
  expect(await page.locator('#cancel').count()).toBe(1);
  expect(await page.locator('#change-budget, #reallocate-open, #resume').count()).toBe(0);
  await page.close();
}, 60_000);
