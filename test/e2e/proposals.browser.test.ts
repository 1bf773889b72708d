import { ReallocationProposalStore } from '../../db/stores/reallocationProposals';
import { eventually } from '../harness';
import { expectAccessible } from '../harness/axe';
import { browserSuite, screenshot, signedIn, type Browser } from '../harness/browser';
import { client, type TestStack } from '../harness/stack';
import { storeHistory } from '../workflows/curvePlatform';

// A reallocation that moves more than the chairman's percentage, in the dashboard: the marketer's split is sent to
// the chairman, who reads the evidence on the approval page and approves; the campaign page lists the proposal.

let t: TestStack;
let browser: Browser;
const errors = browserSuite({ CHAIRMAN_EMAIL: 'chair@acme.test' }, (stack, chromium) => {
  t = stack;
  browser = chromium;
});

const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

test('a split that moves 30% goes to the chairman with its evidence; approved, the campaign applies it', async () => {
  const call = client(t);
  const venture = await call('POST', '/v1/ventures', { name: 'Acme', slug: 'acme', productName: 'Acme Notes' });
  const created = await call('POST', '/v1/campaigns', {
    ventureId: venture.body.id,
    name: 'Search and social',
    type: 'launch',
    channel: 'paid_search',
    platforms: ['google', 'meta'],
    startDate: day(0),
    endDate: day(20),
    budget: 4000,
    currency: 'USD',
  });
  const id: string = created.body.id;
  await eventually(async () => {
    const b = (await call('GET', `/v1/campaigns/${id}`)).body;
    return b.live?.state === 'active' ? b : undefined;
  });
  await storeHistory(t.stack.db, { campaignId: id, ventureId: venture.body.id, channel: 'paid_search' }, 90);

  const page = await signedIn(browser, t, 'marketer', errors);
  await page.goto(`${t.api}/#/campaigns/${id}`);
  await page.waitForSelector('#proposals-empty');
  await page.click('#reallocate-open');
  await page.waitForSelector('#reallocation input#share-google');
  await page.fill('#share-google', '80');
  await page.fill('#share-meta', '20');
  await page.click('#reallocate-apply');
  await page.waitForSelector('#campaign-message:has-text("Sent to the chairman")');
  expect(await page.textContent('#campaign-message')).toContain('moves 30% of the daily budget, more than 10%');
  // The platforms keep their split; the proposal is listed, waiting, with its evidence.
  expect(await page.textContent('#campaign-platforms tr[data-platform=google]')).toContain('50%');
  const card = await page.waitForSelector('#proposal-list [data-status=awaiting_approval]');
  expect(await card.textContent()).toContain('waiting for the chairman');
  expect(await page.textContent('#proposal-evidence-1 tr[data-platform=google] .share-proposed')).toBe('80%');
  await expectAccessible(page, 'campaign proposals');
  await screenshot(page, 'campaign-proposal-waiting');

  const approval = (await client(t, 'chairman')('GET', '/v1/approvals?status=pending&subjectType=reallocation')).body
    .approvals[0];
  const chairman = await signedIn(browser, t, 'chairman', errors);
  await chairman.goto(`${t.api}/#/approvals/${approval.id}`);
  await chairman.waitForSelector('#proposal-evidence');
  expect(await chairman.textContent('#proposal-evidence tr[data-platform=meta] .share-now')).toBe('50%');
  expect(await chairman.textContent('#proposal-evidence tr[data-platform=meta] .share-proposed')).toBe('20%');
  expect(await chairman.textContent('#proposal-evidence .proposal-gain')).toMatch(/conversions a day/);
  await expectAccessible(chairman, 'reallocation approval');
  await screenshot(chairman, 'reallocation-approval');
  await chairman.click('[data-decision=approve]');
  await chairman.waitForSelector('#approval-outcome:has-text("The campaign applies the new split")');

  await eventually(async () => {
    const live = (await call('GET', `/v1/campaigns/${id}`)).body.live;
    return live.platforms[0].share === 0.8 ? live : undefined;
  });
  await page.reload();
  await page.waitForSelector('#proposal-list [data-status=applied]');
  expect(await page.textContent('#campaign-platforms tr[data-platform=google]')).toContain('80%');
  expect(await page.textContent('#proposal-list [data-status=applied]')).toContain('Decided by test chairman');

  // Once its window is over the proposal's outcome is stored (as the workflow does after 14 days): the page says
  // how the measured proposals did against their predictions.
  const store = new ReallocationProposalStore(t.stack.db);
  const [applied] = await store.forCampaign(id);
  const perDay = applied!.expectedProposed!;
  const predicted = { value: perDay.value * 14, low: perDay.low * 14, high: perDay.high * 14 };
  await store.measure(applied!.id, { actual: Math.round(predicted.value * 0.9), days: 14, predicted, at: new Date() });
  await page.reload();
  await page.waitForSelector('#proposal-record');
  expect(await page.textContent('#proposal-record')).toBe(
    `1 measured: ${Math.round(predicted.value * 0.9) >= predicted.low ? 1 : 0} came in within the predicted interval; ` +
      `together they brought ${Math.round((Math.round(predicted.value * 0.9) / predicted.value) * 100)}% of the conversions predicted.`,
  );
  expect(await page.textContent('#proposal-list [data-status=applied] .proposal-actual')).toBe(
    `${Math.round(predicted.value * 0.9).toLocaleString('en-US')} conversions`,
  );
});
