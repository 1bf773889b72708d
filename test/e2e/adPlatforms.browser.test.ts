import { eventually, uniqueId } from '../harness';
import { expectAccessible } from '../harness/axe';
import { browserSuite, screenshot, signedIn as signInto, type Browser } from '../harness/browser';
import { client, type TestStack } from '../harness/stack';

// The ad platforms' page: a marketer starts a sandbox audience sync with the form and sees its run; the chairman
// reads the page without the form, and a credential to renew is an alert.

// Code passed to page.evaluate runs in the browser; the project compiles without the DOM library.
declare const document: {
  querySelector(s: string): { append(n: unknown): void } | null;
  createElement(tag: string): { value: string; textContent: string };
};

let t: TestStack;
let browser: Browser;
/** Console errors and uncaught exceptions of every page: a script error fails the test. */
const errors = browserSuite({}, (stack, chromium) => {
  t = stack;
  browser = chromium;
});

test('a marketer syncs a segment to the sandbox and sees the run; the chairman reads the page and its alerts', async () => {
  const call = client(t);
  const plan = uniqueId('plan');
  for (const n of ['ada', 'bo', 'cy']) {
    const id = uniqueId(n);
    expect((await call('POST', '/v1/contacts', { id, email: `${id}@example.com`, traits: { plan } })).status).toBe(201);
  }
  const key = uniqueId('ads');
  const segment = await call('POST', '/v1/segments', {
    key,
    name: 'Ad audience',
    definition: { trait: 'plan', op: 'eq', value: plan },
  });
  expect(segment.body.count).toBe(3);

  // The bad segment below answers 400 on purpose.
  const page = await signInto(browser, t, 'marketer', errors, /status of 400/);
  await page.goto(`${t.api}/#/ad-platforms`);
  await page.waitForSelector('#audience-sync-form');
  await page.waitForSelector('#audience-syncs-empty');
  expect(await page.locator('#ad-platforms tr[data-platform=sandbox]').getAttribute('data-mode')).toBe('sandbox');
  await expectAccessible(page, 'ad platforms, no sync');

  // A segment deleted since the form was drawn: the API's problem shows under the segment's field.
  await page.evaluate(() => {
    const gone = document.createElement('option');
    gone.value = 'no-such-segment';
    gone.textContent = 'gone';
    document.querySelector('#audience-sync-segment')!.append(gone);
  });
  await page.getByLabel('Segment', { exact: true }).selectOption('no-such-segment');
  await page.click('#audience-sync-form button[type=submit]');
  await page.waitForSelector('[data-problem=segment]:text("there is no segment")');
  expect(await page.getAttribute('#audience-sync-segment', 'aria-invalid')).toBe('true');

  await page.getByLabel('Segment', { exact: true }).selectOption(key);
  await page.getByLabel('Platform', { exact: true }).selectOption('sandbox');
  await page.getByLabel('Audience name (optional)', { exact: true }).fill('Browser audience');
  await page.click('#audience-sync-form button[type=submit]');
  // The list asks again until the first run has finished.
  const row = page.locator('#audience-syncs tbody tr[data-status=succeeded]');
  await row.waitFor({ timeout: 20_000 });
  expect(await row.locator('.added').textContent()).toBe('3');
  expect(await row.locator('.eligible').textContent()).toBe('3');
  expect(await row.locator('.errors').textContent()).toBe('none');
  expect(await row.locator('.platform').textContent()).toContain('sandbox');
  const [sync] = (await call('GET', '/v1/audience-syncs')).body.audienceSyncs;
  expect(sync).toMatchObject({ segment: key, platform: 'sandbox', name: 'Browser audience', sandbox: true });
  await expectAccessible(page, 'ad platforms, a sync');
  await screenshot(page, 'ad-platforms-sync');

  // Run now: a second run, nothing new to add; the row settles again.
  await row.locator('button[data-action=run]').click();
  await eventually(async () => {
    const runs: { status: string }[] = (await call('GET', `/v1/audience-syncs/${sync.id}`)).body.runs;
    return runs.filter((r) => r.status === 'succeeded').length === 2 ? runs : undefined;
  });
  await page.waitForSelector('#audience-syncs tbody tr[data-busy=no] td.added:text("0")');
  await page.waitForSelector('#audience-syncs tbody tr [role=status]:text("The run succeeded.")');

  // The chairman reads it all, without the form or the buttons; a credential to renew is an alert.
  const chairman = await signInto(browser, t, 'chairman', errors);
  const soon = new Date(Date.now() + 5 * 86_400_000).toISOString();
  await chairman.route('**/v1/ad-platforms', (route) =>
    route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({
        platforms: [
          {
            name: 'google',
            mode: 'live',
            credentials: [
              {
                setting: 'GOOGLE_ADS_REFRESH_TOKEN',
                valid: false,
                detail: 'invalid_grant',
                checkedAt: new Date().toISOString(),
                attention: 'refused',
              },
            ],
          },
          {
            name: 'meta',
            mode: 'live',
            credentials: [
              {
                setting: 'META_ACCESS_TOKEN',
                valid: true,
                expiresAt: soon,
                checkedAt: new Date().toISOString(),
                attention: 'expiring',
              },
            ],
          },
          { name: 'linkedin', mode: 'sandbox', credentials: [] },
          { name: 'sandbox', mode: 'sandbox', credentials: [] },
        ],
      }),
    }),
  );
  await chairman.goto(`${t.api}/#/ad-platforms`);
  await chairman.waitForSelector(`#audience-syncs tr[data-id="${sync.id}"]`);
  expect(await chairman.locator('#audience-sync-form').count()).toBe(0);
  expect(await chairman.locator('#audience-syncs button').count()).toBe(0);
  expect(await chairman.textContent('[role=alert][data-setting=GOOGLE_ADS_REFRESH_TOKEN]')).toContain(
    'GOOGLE_ADS_REFRESH_TOKEN was refused: renew it',
  );
  expect(await chairman.textContent('[role=alert][data-setting=META_ACCESS_TOKEN]')).toContain(
    'META_ACCESS_TOKEN expires on',
  );
  await expectAccessible(chairman, 'ad platforms, chairman');
  await screenshot(chairman, 'ad-platforms-chairman');
  await chairman.close();

  // Stop asks once more, then the sync is gone.
  const stop = page.locator(`#audience-syncs tr[data-id="${sync.id}"] button[data-action=stop]`);
  await stop.click();
  await stop.click();
  await page.waitForSelector(`#audience-syncs tr[data-id="${sync.id}"]`, { state: 'detached' });
  expect((await call('GET', '/v1/audience-syncs')).body.audienceSyncs).toEqual([]);
  await page.close();
}, 60_000);
