import { eventually } from '../harness';
import { expectAccessible } from '../harness/axe';
import { browserSuite, freshPage, signedIn, signInWithPassword, type Browser, screenshot } from '../harness/browser';
import { client, type TestStack } from '../harness/stack';

// The approval email's button opens the dashboard on that one request: someone not signed in is asked to sign in
// first, and the chairman then decides there; the campaign goes on, and the audit log names both people.

const CHAIRMAN_EMAIL = 'chairman@gtm.test';

let t: TestStack;
let browser: Browser;
const errors = browserSuite({ CHAIRMAN_EMAIL }, (stack, chromium) => {
  t = stack;
  browser = chromium;
});

const shot = screenshot;

const today = () => new Date().toISOString().slice(0, 10);
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

test('the chairman opens the emailed link, signs in, approves; the campaign runs and the audit names both', async () => {
  const marketer = client(t, 'marketer');
  const chairman = client(t, 'chairman');
  const venture = await marketer('POST', '/v1/ventures', { name: 'Acme', slug: 'acme-link', productName: 'Acme' });
  expect(venture.status).toBe(201);
  // Over APPROVAL_CAMPAIGN_BUDGET_THRESHOLD (5000 by default): it waits for the chairman.
  const created = await marketer('POST', '/v1/campaigns', {
    ventureId: venture.body.id,
    name: 'Spring launch',
    type: 'launch',
    channel: 'paid',
    platforms: ['google'],
    startDate: today(),
    endDate: inDays(2),
    budget: 7500,
    currency: 'USD',
    targetAudience: { country: 'US' },
  });
  expect(created.status).toBe(201);
  const campaignId: string = created.body.id;

  const approval = await eventually(async () => {
    const inbox = await chairman('GET', '/v1/approvals?status=pending');
    return inbox.body.approvals.find((a: { subjectId: string }) => a.subjectId === campaignId);
  });
  const [asked] = (await t.smtp.waitFor((m) => m.some((x) => x.envelopeTo.includes(CHAIRMAN_EMAIL)))).filter((m) =>
    m.envelopeTo.includes(CHAIRMAN_EMAIL),
  );
  const href = /<a href="([^"]+)"[^>]*>Review and decide<\/a>/.exec(asked!.html)?.[1];
  expect(href).toBe(`${t.api}/approvals/${approval.id}`);

  // A browser with no session: asked to sign in, and why.
  const page = await freshPage(browser, 'approval link', errors);
  await page.goto(href!);
  await page.waitForSelector('#sign-in-notice:text("Sign in to review this request")');
  await expectAccessible(page, 'sign-in for an approval');
  await signInWithPassword(page, t.users.chairman.email, t.users.chairman.password);
  const detail = page.locator(`[data-approval-detail="${approval.id}"]`);
  await detail.waitFor();
  expect(await page.textContent('#page h1')).toBe('Campaign Spring launch: 7500.00 USD');
  expect(await detail.locator('#approval-amount').textContent()).toBe('7,500 USD');
  expect(await detail.locator('#approval-requested-by').textContent()).toBe('test marketer');
  expect(await detail.locator('#approval-status').textContent()).toBe('pending');
  await expectAccessible(page, 'approval');
  await shot(page, 'approval-link-pending');

  // A marketer reads the same link, and cannot decide.
  const reader = await signedIn(browser, t, 'marketer', errors);
  await reader.goto(`${t.api}/approvals/${approval.id}`);
  await reader.waitForSelector(`[data-approval-detail="${approval.id}"]`);
  expect(await reader.locator('[data-decision]').count()).toBe(0);
  expect(await reader.textContent('#page')).toContain('only the chairman decides');
  await reader.close();

  await page.fill('#approval-comment', 'Within the quarter’s budget.');
  await page.click('[data-decision=approve]');
  await page.waitForSelector('#approval-outcome:text("Approved by test chairman")');
  expect(await detail.locator('#approval-status').textContent()).toBe('approved');
  expect(await page.locator('[data-decision]').count()).toBe(0);
  await shot(page, 'approval-link-decided');
  await page.close();

  const running = await eventually(async () => {
    const c = await marketer('GET', `/v1/campaigns/${campaignId}`);
    return ['scheduled', 'active'].includes(c.body.status) ? c.body : undefined;
  });
  expect(running.status).toMatch(/scheduled|active/);

  const audit = (await chairman('GET', '/v1/audit?limit=500')).body.entries;
  expect(audit).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        action: 'campaign.created',
        subjectId: campaignId,
        actorEmail: 'marketer@gtm.test',
        via: 'api_key',
      }),
      expect.objectContaining({
        action: 'approval.approved',
        subjectId: campaignId,
        actorUserId: t.users.chairman.id,
        actorEmail: 'chairman@gtm.test',
        via: 'dashboard',
      }),
    ]),
  );
}, 90_000);
