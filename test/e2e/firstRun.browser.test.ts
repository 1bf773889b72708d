import type { CaughtMail } from '../../infra/mailCatcher';
import { eventually } from '../harness';
import { browserSuite, freshPage, signedIn, signInWithPassword, screenshot, type Browser } from '../harness/browser';
import { buildWelcomeTrio } from '../harness/sequenceBuilder';
import { client, type TestStack } from '../harness/stack';

// The first day of the product, in one browser as people use it: a marketer signs in, builds and publishes a
// sequence, creates a campaign big enough to need the chairman; the chairman follows the emailed link, signs in,
// approves; the audit log names each of them for what they did. The API only checks what the dashboard did.

const CHAIRMAN_EMAIL = 'chair@acme.test';

let t: TestStack;
let browser: Browser;
/** Console errors and uncaught exceptions of every page: a script error fails the test. */
const errors = browserSuite({ CHAIRMAN_EMAIL }, (stack, chromium) => {
  t = stack;
  browser = chromium;
});

const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
/** Money as the dashboard writes it: "7,500 USD". */
const money = (amount: number, currency: string) => `${amount.toLocaleString('en-US')} ${currency}`;

/** The "Review and decide" link of the approval email: the button's href, or the address in the text part. */
function reviewLink(mail: CaughtMail): string | undefined {
  const fromHtml = /<a href="([^"]+)"[^>]*>\s*Review and decide\s*<\/a>/.exec(mail.html)?.[1];
  return fromHtml ?? /(https?:\/\/\S+\/approvals\/[0-9a-f-]{36})/.exec(mail.text)?.[1];
}

test('a marketer builds a sequence and a campaign, the chairman approves it from the email, the audit names both', async () => {
  const { marketer: marketerPerson, chairman: chairmanPerson } = t.users;
  const chairman = client(t, 'chairman');

  // 1. The marketer signs in with a password.
  const page = await signedIn(browser, t, 'marketer', errors);

  // 2. A three-step sequence: send with a template, wait two days, send again; published as version 1.
  await page.click('a[data-page=sequences]');
  const { wait } = await buildWelcomeTrio(page, {
    key: 'first-week',
    name: 'First week',
    trigger: 'first_week_started',
  });
  await expect(wait.locator('.step-summary').textContent()).resolves.toBe('Wait 2 days');
  await page.click('#sb-publish');
  await page.waitForSelector('#sb-status:text("Published version 1")');
  await page.waitForSelector('.seq-list button.selected:text("First week")');
  await screenshot(page, 'first-run-sequence');
  const sequence = (await client(t)('GET', '/v1/sequences/first-week')).body;
  expect([sequence.version, sequence.definition.steps]).toEqual([
    1,
    [
      { id: 'send-1', type: 'send', template: 'welcome' },
      { id: 'wait-1', type: 'wait', duration: 'P2D' },
      { id: 'send-2', type: 'send', template: 'first_action' },
    ],
  ]);

  // 3. A venture when there is none, then a campaign over the approval threshold, from the Campaigns page.
  const { campaignBudgetThreshold } = (await client(t)('GET', '/v1/meta')).body.approvalPolicy;
  const budget = campaignBudgetThreshold + 2500;
  await page.click('a[data-page=campaigns]');
  await page.waitForSelector('#no-venture, #new-campaign');
  if (await page.locator('#no-venture').count()) {
    await page.click('#no-venture #new-venture');
    await page.fill('#venture-name', 'Acme');
    await page.fill('#venture-product', 'Acme Notes');
    await page.click('#venture-form button[type=submit]');
  }
  await page.click('#new-campaign');
  await page.waitForSelector('#campaign-form');
  await page.fill('#campaign-name', 'Spring launch');
  await page.check('#platform-google');
  await page.fill('#campaign-start', day(1));
  await page.fill('#campaign-end', day(21));
  await page.fill('#campaign-budget', String(budget));
  await page.waitForSelector(
    `#campaign-budget-approval:has-text("Over ${money(campaignBudgetThreshold, 'USD')}: the chairman approves it first")`,
  );
  await page.click('#campaign-form button[type=submit]');
  await page.waitForSelector('#campaign-created');
  const campaignId = (await page.getAttribute('#campaign-created', 'data-id'))!;
  expect(await page.textContent('#campaign-created')).toContain("Waiting for the chairman's approval");
  await page.waitForSelector('#approval-state:has-text("pending")');
  await screenshot(page, 'first-run-campaign-waiting');
  await page.close();

  // 4. The chairman's email links to the request; a browser with no session is asked to sign in first.
  const approval = await eventually(async () => {
    const pending = (await chairman('GET', '/v1/approvals?status=pending')).body.approvals;
    return pending.find((a: { subjectId: string }) => a.subjectId === campaignId);
  });
  const mails = await t.smtp.waitFor((all) => all.some((m) => m.envelopeTo.includes(CHAIRMAN_EMAIL)), 20_000);
  const asked = mails.find((m) => m.envelopeTo.includes(CHAIRMAN_EMAIL))!;
  const href = reviewLink(asked);
  expect(href).toBe(`${t.api}/approvals/${approval.id}`);

  const review = await freshPage(browser, 'chairman from the email', errors);
  await review.goto(href!);
  await review.waitForSelector('#sign-in-notice:text("Sign in to review this request")');
  await signInWithPassword(review, chairmanPerson.email, chairmanPerson.password);
  const detail = review.locator(`[data-approval-detail="${approval.id}"]`);
  await detail.waitFor();
  expect(await review.textContent('#page h1')).toContain('Spring launch');
  expect(await detail.locator('#approval-amount').textContent()).toBe(money(budget, 'USD'));
  expect(await detail.locator('#approval-requested-by').textContent()).toBe('test marketer');
  expect(await detail.locator('#approval-status').textContent()).toBe('pending');
  await screenshot(review, 'first-run-approval');
  await review.click('[data-decision=approve]');
  await review.waitForSelector('#approval-outcome:text("Approved by test chairman")');
  expect(await detail.locator('#approval-status').textContent()).toBe('approved');

  // 5. The audit log names each person for what they did, and that they did it in the dashboard.
  const audit = await eventually(async () => {
    const entries = (await chairman('GET', '/v1/audit?limit=500')).body.entries as { action: string }[];
    return entries.some((e) => e.action === 'approval.approved') ? entries : undefined;
  });
  const byMarketer = { actorUserId: marketerPerson.id, actorEmail: marketerPerson.email, via: 'dashboard' };
  const byChairman = { actorUserId: chairmanPerson.id, actorEmail: chairmanPerson.email, via: 'dashboard' };
  expect(audit).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ action: 'sequence.created', subjectId: 'first-week', ...byMarketer }),
      expect.objectContaining({ action: 'campaign.created', subjectId: campaignId, ...byMarketer }),
      expect.objectContaining({ action: 'approval.approved', subjectId: campaignId, ...byChairman }),
    ]),
  );

  // The same, read by the chairman on the dashboard's Audit log page.
  await review.click('a[data-page=audit]');
  await review.waitForSelector('#audit tbody tr');
  const who = (action: string) => review.textContent(`#audit tr[data-action="${action}"] td.who`);
  expect(await who('sequence.created')).toContain('test marketer');
  expect(await who('campaign.created')).toContain('test marketer');
  expect(await who('approval.approved')).toContain('test chairman');
  expect(await review.textContent(`#audit tr[data-action="approval.approved"] td.via`)).toBe('Dashboard');
  await screenshot(review, 'first-run-audit');
  await review.close();
}, 150_000);
