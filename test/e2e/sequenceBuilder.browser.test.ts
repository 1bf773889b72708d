import type { Page } from 'playwright-core';
import { expectAccessible } from '../harness/axe';
import { browserSuite, signedIn as signInto, type Browser, screenshot } from '../harness/browser';
import { addStep, buildWelcomeTrio, stepCards } from '../harness/sequenceBuilder';
import { client, type TestStack } from '../harness/stack';

// Code passed to page.evaluate runs in the browser; the project compiles without the DOM library, so this stands in.
declare const document: { activeElement: { id: string; closest(sel: string): unknown } | null };

let t: TestStack;
let browser: Browser;
/** Console errors and uncaught exceptions of every page: a script error fails the test. */
const errors = browserSuite({}, (stack, chromium) => {
  t = stack;
  browser = chromium;
});
/** A page of a role; `expectedStatus` lets through the failed requests a test provokes on purpose (a 400 on publish). */
const signedIn = (role: 'marketer' | 'chairman', expectedStatus?: RegExp) =>
  signInto(browser, t, role, errors, expectedStatus);

const shot = screenshot;

const card = (page: Page, index: number) => stepCards(page).nth(index);

/** Stores a definition through the API (the builder is not what these tests look at first). */
async function define(definition: Record<string, unknown>) {
  const res = await client(t)('POST', '/v1/sequences', { topic: 'onboarding', ...definition });
  expect([res.status, res.body.problems]).toEqual([201, undefined]);
}

const stepsOf = async (key: string) => (await client(t)('GET', `/v1/sequences/${key}`)).body;

test('a marketer builds a three-step sequence, publishes it as version 1, edits it and publishes version 2', async () => {
  const page = await signedIn('marketer');
  await page.goto(`${t.api}/#/sequences`);
  const { first, wait } = await buildWelcomeTrio(page, {
    key: 'welcome-trio',
    name: 'Welcome trio',
    trigger: 'trio_started',
  });

  // Durations read as words on the card, never as the stored P2D.
  await expect(wait.locator('.step-summary').textContent()).resolves.toBe('Wait 2 days');
  await expect(first.locator('.step-summary').textContent()).resolves.toContain('welcome');

  await page.click('#sb-publish');
  await page.waitForSelector('#sb-status:text("Published version 1")');
  const v1 = await stepsOf('welcome-trio');
  expect(v1.version).toBe(1);
  expect(v1.definition.triggers).toEqual([{ event: 'trio_started' }]);
  expect(v1.definition.steps).toEqual([
    { id: 'send-1', type: 'send', template: 'welcome' },
    { id: 'wait-1', type: 'wait', duration: 'P2D' },
    { id: 'send-2', type: 'send', template: 'first_action' },
  ]);

  // The published sequence is listed and open; an exit is added and the wait becomes 3 days.
  await page.waitForSelector('.seq-list button.selected:text("Welcome trio")');
  const exit = await addStep(page, 'exit');
  await exit.locator('input[name=reason]').fill('welcomed');
  // A stored step shows as a card; its form opens on Edit.
  expect(await card(page, 1).locator('input[name=amount]').isVisible()).toBe(false);
  await card(page, 1).locator('.step-edit-toggle').click();
  await card(page, 1).locator('input[name=amount]').fill('3');
  await expect(card(page, 1).locator('.step-summary').textContent()).resolves.toBe('Wait 3 days');
  await expect(exit.locator('.step-summary').textContent()).resolves.toBe('Exit: welcomed');
  await page.click('#sb-publish');
  await page.waitForSelector('#sb-status:text("Published version 2")');
  const v2 = await stepsOf('welcome-trio');
  expect(v2.version).toBe(2);
  expect(v2.versions.map((v: { version: number }) => v.version).sort()).toEqual([1, 2]);
  expect(v2.definition.steps).toEqual([
    { id: 'send-1', type: 'send', template: 'welcome' },
    { id: 'wait-1', type: 'wait', duration: 'P3D' },
    { id: 'send-2', type: 'send', template: 'first_action' },
    { id: 'exit-1', type: 'exit', reason: 'welcomed' },
  ]);
  // The graph draws an edge for each way between the steps.
  expect(await page.locator('#sb-edges path.edge').count()).toBeGreaterThanOrEqual(3);
  await shot(page, 'sequence-builder-built');
  await page.close();
}, 60_000);

test('a missing amount is caught on its card; a subject the server refuses shows its message on that card', async () => {
  await define({
    key: 'subject-check',
    name: 'Subject check',
    triggers: [{ event: 'subject_check_started' }],
    steps: [
      { id: 'hello', type: 'send', template: 'welcome' },
      { id: 'pause', type: 'wait', duration: 'P1D' },
      { id: 'tip', type: 'send', template: 'first_action' },
    ],
  });
  const page = await signedIn('marketer', /status of 400/);
  await page.goto(`${t.api}/#/sequences/subject-check`);
  await card(page, 1).locator('.step-edit-toggle').click();

  // Nothing to send yet: the card says what is missing and the cursor goes there.
  await card(page, 1).locator('input[name=amount]').fill('');
  await page.click('#sb-publish');
  await page.waitForSelector('#flow > li.step.has-problem[data-step="pause"] .step-problems:has-text("amount")');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe(
    await card(page, 1).locator('input[name=amount]').getAttribute('id'),
  );
  await card(page, 1).locator('input[name=amount]').fill('1');

  // Only the server knows the subject cannot render: its problem (steps.0.subject) lands on the first card.
  await card(page, 0).locator('.step-edit-toggle').click();
  await card(page, 0).locator('input[name=subject]').fill('Hello {{#if first_name}}');
  await page.click('#sb-publish');
  const problem = page.locator('#flow > li.step.has-problem[data-step="hello"] .step-problems');
  await problem.waitFor();
  await expect(problem.textContent()).resolves.toContain('cannot be rendered');
  expect(await card(page, 1).getAttribute('class')).not.toContain('has-problem');
  expect(await page.evaluate(() => !!document.activeElement?.closest('li.step[data-step="hello"]'))).toBe(true);
  expect((await stepsOf('subject-check')).version).toBe(1);
  await shot(page, 'sequence-builder-server-problem');
  await page.close();
}, 60_000);

test('a branch’s condition reads as a sentence and follows the condition editor', async () => {
  await define({
    key: 'plan-branch',
    name: 'Plan branch',
    triggers: [{ event: 'plan_branch_started' }],
    steps: [
      {
        id: 'is_pro',
        type: 'branch',
        condition: { field: 'traits.plan', op: 'eq', value: 'pro' },
        then: 'pro_mail',
        else: 'done',
      },
      { id: 'pro_mail', type: 'send', template: 'next_steps' },
      { id: 'done', type: 'exit' },
    ],
  });
  const page = await signedIn('marketer');
  await page.goto(`${t.api}/#/sequences/plan-branch`);
  const branch = page.locator('#flow > li.step[data-step="is_pro"]');
  await expect(branch.locator('.step-summary').textContent()).resolves.toBe('If plan is pro');
  await branch.locator('.step-edit-toggle').click();
  await branch.locator('input[name="condition-value"]').fill('team');
  await expect(branch.locator('.step-summary').textContent()).resolves.toBe('If plan is team');
  await branch.locator('select[name="condition-op"]').selectOption('gte');
  await branch.locator('input[name="condition-value"]').fill('10');
  await branch.locator('input[name="condition-name"]').fill('company_size');
  await expect(branch.locator('.step-summary').textContent()).resolves.toBe('If company size is at least 10');
  await page.click('#sb-publish');
  await page.waitForSelector('#sb-status:text("Published version 2")');
  expect((await stepsOf('plan-branch')).definition.steps[0].condition).toEqual({
    field: 'traits.company_size',
    op: 'gte',
    value: 10,
  });
  await page.close();
}, 60_000);

test('the chairman sees the counts of an enrollment on the graph, and no control to edit it', async () => {
  await define({
    key: 'counted',
    name: 'Counted',
    triggers: [{ event: 'counted_started' }],
    steps: [
      { id: 'hello', type: 'send', template: 'welcome' },
      { id: 'pause', type: 'wait', duration: 'P2D' },
      { id: 'tip', type: 'send', template: 'first_action' },
    ],
  });
  const call = client(t);
  expect((await call('POST', '/v1/contacts', { id: 'counted-ada', email: 'ada@counted.test' })).status).toBe(201);
  const event = await call('POST', '/v1/events', { contactId: 'counted-ada', name: 'counted_started' });
  expect(event.body.enrolled).toEqual(['counted']);
  await t.smtp.waitFor(() => t.smtp.to('ada@counted.test').length === 1, 20_000);

  const page = await signedIn('chairman');
  await page.goto(`${t.api}/#/sequences/counted`);
  await page.waitForSelector('#flow > li.step[data-step="hello"] .node-stats:text("1 sent")');
  await expect(page.locator('#sb-start .node-stats').textContent()).resolves.toContain('1 enrolled');
  await expect(page.locator('#flow > li.step[data-step="pause"] .step-summary').textContent()).resolves.toBe(
    'Wait 2 days',
  );
  for (const control of ['#new-sequence', '#sb-publish', '#sb-add-step', '#flow select', '#flow input'])
    expect([control, await page.locator(control).count()]).toEqual([control, 0]);
  await expectAccessible(page, 'sequence graph (chairman)');
  await shot(page, 'sequence-builder-chairman');
  await page.close();
}, 60_000);

test('a step is added with the keyboard alone, and the builder with every step type passes the accessibility check', async () => {
  const page = await signedIn('marketer');
  await page.goto(`${t.api}/#/sequences`);
  await page.click('#new-sequence');
  await page.waitForSelector('#sb-add-step');
  await page.focus('#sb-name');
  const activeId = () => page.evaluate(() => document.activeElement?.id);
  // Tab forward until the type picker has focus, choose "wait" with the arrow key, Tab to the button, Enter.
  for (let i = 0; i < 40 && (await activeId()) !== 'sb-add-type'; i++) await page.keyboard.press('Tab');
  expect(await activeId()).toBe('sb-add-type');
  await page.keyboard.press('ArrowDown');
  expect(await page.inputValue('#sb-add-type')).toBe('wait');
  for (let i = 0; i < 5 && (await activeId()) !== 'sb-add-step'; i++) await page.keyboard.press('Tab');
  expect(await activeId()).toBe('sb-add-step');
  await page.keyboard.press('Enter');
  await card(page, 0).waitFor();
  // The new card takes the focus; its amount is typed straight away.
  expect(await page.evaluate(() => !!document.activeElement?.closest('#flow > li.step'))).toBe(true);
  await page.keyboard.type('5');
  await expect(card(page, 0).locator('.step-summary').textContent()).resolves.toBe('Wait 5 days');

  for (const type of ['send', 'waitFor', 'branch', 'split', 'goto', 'exit']) await addStep(page, type);
  await expect(card(page, 4).locator('.split-share').first().textContent()).resolves.toBe('50%');
  await expectAccessible(page, 'sequence builder');
  await shot(page, 'sequence-builder-every-step');
  await page.close();
}, 60_000);

// Last: it archives every sequence.
test('with no sequence, the page says what a sequence is and offers to start one', async () => {
  const call = client(t);
  for (const s of (await call('GET', '/v1/sequences')).body.sequences as { key: string }[])
    expect((await call('DELETE', `/v1/sequences/${s.key}`)).status).toBe(200);
  const page = await signedIn('marketer');
  await page.goto(`${t.api}/#/sequences`);
  const empty = page.locator('#sequences-empty');
  await expect(empty.locator('p').first().textContent()).resolves.toContain('A sequence is a series of steps');
  await empty.locator('#new-sequence').click();
  await page.waitForSelector('#sb-key');
  await expect(page.locator('#sb-title').textContent()).resolves.toContain('New sequence');
  await page.close();
}, 60_000);
