import type { Locator, Page } from 'playwright-core';

// Code passed to page.evaluate runs in the browser; the project compiles without the DOM library.
declare const document: { querySelectorAll(sel: string): { length: number } };

/** The step cards of the Sequences builder's graph, in list order. */
export const stepCards = (page: Page) => page.locator('#flow > li.step');

/** Adds a step of a type at the end of the builder's graph through its add control, and answers its card. */
export async function addStep(page: Page, type: string): Promise<Locator> {
  const before = await stepCards(page).count();
  await page.selectOption('#sb-add-type', type);
  await page.selectOption('#sb-add-after', '');
  await page.click('#sb-add-step');
  await page.waitForFunction((n) => document.querySelectorAll('#flow > li.step').length === n, before + 1);
  return stepCards(page).nth(before);
}

/**
 * Starts a new sequence on the Sequences page and builds three steps as a marketer would: send `welcome`, wait
 * two days, send `first_action` (not yet published). Answers the three cards.
 */
export async function buildWelcomeTrio(
  page: Page,
  sequence: { key: string; name: string; trigger: string },
): Promise<{ first: Locator; wait: Locator; last: Locator }> {
  await page.click('#new-sequence');
  await page.fill('#sb-key', sequence.key);
  await page.fill('#sb-name', sequence.name);
  await page.selectOption('#sb-topic', 'onboarding');
  await page.fill('#sb-triggers-0-name', sequence.trigger);
  const first = await addStep(page, 'send');
  await first.locator('select[name=template]').selectOption('welcome');
  const wait = await addStep(page, 'wait');
  await wait.locator('input[name=amount]').fill('2');
  await wait.locator('select[name=unit]').selectOption('days');
  const last = await addStep(page, 'send');
  await last.locator('select[name=template]').selectOption('first_action');
  return { first, wait, last };
}
