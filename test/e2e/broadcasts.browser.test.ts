import { uniqueId } from '../harness';
import { browserSuite, signedIn as signInto, type Browser } from '../harness/browser';
import { client, type TestStack } from '../harness/stack';

let t: TestStack;
let browser: Browser;
/** Console errors and uncaught exceptions of every page: a script error fails the test. */
const errors = browserSuite({ PRODUCT_NAME: 'Acme Notes' }, (stack, chromium) => {
  t = stack;
  browser = chromium;
});
const signedIn = (role: 'marketer' | 'chairman') => signInto(browser, t, role, errors);

test('a marketer sees the audience, sends a broadcast and watches it complete; a scheduled one takes a test and a cancel', async () => {
  const call = client(t);
  const plan = uniqueId('plan');
  const people = ['ada', 'bo', 'cy', 'dee', 'eve', 'flo', 'gus', 'hal'].map((n) => uniqueId(n));
  for (const id of people)
    expect((await call('POST', '/v1/contacts', { id, email: `${id}@example.com`, traits: { plan } })).status).toBe(201);
  const outsider = uniqueId('zed');
  await call('POST', '/v1/contacts', { id: outsider, email: `${outsider}@example.com`, traits: { plan: 'free' } });
  const [ada, bo, ...rest] = people;
  expect((await call('POST', `/v1/contacts/${ada}/unsubscribe`)).status).toBe(200);
  expect((await call('POST', '/v1/suppressions', { email: `${bo}@example.com` })).status).toBe(201);
  const key = uniqueId('launch');
  expect(
    (
      await call('POST', '/v1/segments', {
        key,
        name: 'Launch list',
        definition: { trait: 'plan', op: 'eq', value: plan },
      })
    ).status,
  ).toBe(201);

  const page = await signedIn('marketer');
  await page.goto(`${t.api}/#/broadcasts`);
  await page.waitForSelector('#broadcast-form');
  await page.getByLabel('Name', { exact: true }).fill('Spring launch');
  await page.getByLabel('Segment', { exact: true }).selectOption(key);
  // Eight members, seven not unsubscribed: shown before anything is sent.
  await page.waitForSelector('#audience-count[data-members="8"][data-eligible="7"]');
  expect(await page.locator('#audience-count').getAttribute('aria-live')).toBe('polite');
  await page.getByLabel('Template', { exact: true }).selectOption('welcome');
  await page.getByLabel('Subject', { exact: true }).fill('Spring at {{product_name}}');
  await page.getByLabel('Rate (emails per second, optional)', { exact: true }).fill('1');
  await page.click('#broadcast-form button[type=submit]');

  // The broadcast's page: the progress line is a live region, and it reaches the final counts.
  await page.waitForURL(/#\/broadcasts\/[0-9a-f-]{36}$/);
  const id = page.url().split('/').pop()!;
  expect(await page.locator('#broadcast-progress-text').getAttribute('aria-live')).toBe('polite');
  // One a second: a pause while it sends holds it (the page keeps polling) until Resume.
  await page.waitForSelector('#broadcast-status[data-status="sending"]', { timeout: 15_000 });
  await page.click('#broadcast-pause');
  await page.waitForSelector('#broadcast-status[data-status="paused"]');
  await page.waitForSelector('#broadcast-progress-text:text-matches("^[1-7] of 8 done")');
  // A send in flight when the pause lands finishes (the batch looks at the status once a second), and the page shows
  // it at its next poll; from then on nothing moves.
  // On a busy machine that send can take longer: wait until the sink and the page have both been still for a while.
  let held = '';
  let caught = -1;
  for (let i = 0; i < 20; i++) {
    // Longer than the page's poll (1.5 s), so two equal reads span a poll.
    await page.waitForTimeout(2_000);
    const now = await page.locator('#broadcast-progress-text').textContent();
    if (now === held && t.smtp.count === caught) break;
    held = now ?? '';
    caught = t.smtp.count;
  }
  await page.waitForTimeout(2_500);
  expect(await page.locator('#broadcast-progress-text').textContent()).toBe(held);
  expect(t.smtp.count).toBe(caught);
  await page.click('#broadcast-resume');
  await page.waitForSelector('#broadcast-status[data-status="completed"]', { timeout: 30_000 });
  expect(await page.locator('#broadcast-progress-text').textContent()).toBe(
    '8 of 8 done: 6 sent, 2 skipped (1 unsubscribed, 1 suppressed), 0 failed',
  );
  expect(await page.locator('#broadcast-progress').getAttribute('aria-valuenow')).toBe('8');
  expect(await page.locator('#broadcast-pause').count()).toBe(0);
  for (const p of rest) expect(t.smtp.to(`${p}@example.com`).map((m) => m.subject)).toEqual(['Spring at Acme Notes']);
  for (const p of [ada, bo, outsider]) expect(t.smtp.to(`${p}@example.com`)).toEqual([]);

  // The list shows it with its counts.
  await page.click('text=← Broadcasts');
  const row = page.locator(`#broadcasts tr[data-id="${id}"]`);
  await row.waitFor();
  expect(await row.locator('.sent').textContent()).toBe('6 of 8');
  expect(await row.locator('.skipped').textContent()).toBe('2');

  // Scheduled for tomorrow: there is time to send a test, and to cancel it.
  await page.getByLabel('Name', { exact: true }).fill('Next week');
  await page.getByLabel('Segment', { exact: true }).selectOption(key);
  await page.getByLabel('Subject', { exact: true }).fill('Soon at {{product_name}}');
  await page.check('input[name=when][value=later]');
  const tomorrow = new Date(Date.now() + 86_400_000);
  const local = new Date(tomorrow.getTime() - tomorrow.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  await page.fill('input[name=sendAt]', local);
  await page.click('#broadcast-form button[type=submit]');
  await page.waitForURL((u) => /#\/broadcasts\/[0-9a-f-]{36}$/.test(u.hash) && !u.hash.endsWith(id));
  const later = page.url().split('/').pop()!;
  await page.waitForSelector('#broadcast-status[data-status="scheduled"]');
  // The page and this process share a clock and a time zone: the local date-time names the same instant.
  expect(new Date((await call('GET', `/v1/broadcasts/${later}`)).body.sendAt).getTime()).toBe(
    new Date(local).getTime(),
  );

  // Polling stops once the page is left: no request for this broadcast while another page shows.
  const asked: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes(`/v1/broadcasts/${later}`)) asked.push(r.url());
  });
  await page.waitForRequest((r) => r.url().endsWith(`/v1/broadcasts/${later}`), { timeout: 5_000 });
  await page.goto(`${t.api}/#/segments`);
  await page.waitForSelector('#segments');
  const seen = asked.length;
  await page.waitForTimeout(3_500);
  expect(asked.length).toBe(seen);

  await page.goto(`${t.api}/#/broadcasts/${later}`);
  await page.getByLabel('Email address', { exact: true }).fill('me@example.com');
  await page.click('#broadcast-test button[type=submit]');
  await page.waitForSelector('#broadcast-test-result:text("A test went to me@example.com.")');
  expect(t.smtp.to('me@example.com').map((m) => m.subject)).toEqual(['[Test] Soon at Acme Notes']);
  await page.click('#broadcast-cancel');
  await page.waitForSelector('#broadcast-status[data-status="cancelled"]');
  expect(await page.locator('#broadcast-cancel').count()).toBe(0);
  for (const p of rest) expect(t.smtp.to(`${p}@example.com`)).toHaveLength(1);

  // The chairman reads but does not write.
  const chairman = await signedIn('chairman');
  await chairman.goto(`${t.api}/#/broadcasts/${id}`);
  await chairman.waitForSelector('#broadcast-status[data-status="completed"]');
  expect(await chairman.locator('#broadcast-test').count()).toBe(0);
  await chairman.goto(`${t.api}/#/broadcasts`);
  await chairman.waitForSelector('#broadcasts');
  expect(await chairman.locator('#broadcast-form').count()).toBe(0);
}, 90_000);
