import { uniqueId } from '../harness';
import { browserSuite, signedIn as signInto, type Browser } from '../harness/browser';
import { client, type TestStack } from '../harness/stack';

let t: TestStack;
let browser: Browser;
/** Console errors and uncaught exceptions of the page: a script error fails the test. */
const errors = browserSuite({}, (stack, chromium) => {
  t = stack;
  browser = chromium;
});
const signedIn = () => signInto(browser, t, 'marketer', errors);

test('a marketer builds a segment with the form, sees the live count, saves it and sees its members', async () => {
  const call = client(t);
  const plan = uniqueId('plan');
  const members = ['ada', 'bo', 'cy'].map((n) => uniqueId(n));
  for (const id of members)
    expect(
      (await call('POST', '/v1/contacts', { id, email: `${id}@example.com`, traits: { plan, seats: 12 } })).status,
    ).toBe(201);
  const small = uniqueId('dee');
  await call('POST', '/v1/contacts', { id: small, email: `${small}@example.com`, traits: { plan, seats: 2 } });
  const free = uniqueId('eve');
  await call('POST', '/v1/contacts', { id: free, email: `${free}@example.com`, traits: { plan: 'free' } });

  const page = await signedIn();
  await page.goto(`${t.api}/#/segments`);
  await page.waitForSelector('#segment-builder');
  const key = uniqueId('big');
  await page.fill('#segment-builder input[name=key]', key);
  await page.fill('#segment-builder input[name=name]', 'Big teams on the plan');

  await page.click('#add-condition');
  const first = page.locator('#conditions .condition').nth(0);
  await first.locator('input[name=trait]').fill('plan');
  await first.locator('input[name=value]').fill(plan);
  await page.waitForSelector('#live-count:text("4 contacts match now")');

  await page.click('#add-condition');
  const second = page.locator('#conditions .condition').nth(1);
  await second.locator('input[name=trait]').fill('seats');
  await second.locator('select[name=op]').selectOption('gte');
  await second.locator('input[name=value]').fill('10');
  await page.waitForSelector('#live-count:text("3 contacts match now")');

  await page.click('#segment-builder button[type=submit]');
  const row = page.locator(`#segments tr[data-key="${key}"]`);
  await row.waitFor();
  expect(await row.locator('.count').textContent()).toBe('3');
  expect((await call('GET', `/v1/segments/${key}`)).body.definition).toEqual({
    all: [
      { trait: 'plan', op: 'eq', value: plan },
      { trait: 'seats', op: 'gte', value: 10 },
    ],
  });

  await row.locator('a').click();
  await page.waitForSelector('#segment-count:text("3 members")');
  const shown = await page.locator('#members td a').allTextContents();
  expect(shown.sort()).toEqual([...members].sort());
}, 90_000);
