import path from 'node:path';
import type { Page } from 'playwright-core';
import { trainAndStore } from '../../bin/churn-train';
import { VentureStore } from '../../db/stores/ventures';
import { EVENT_FEATURE_LABELS } from '../../domain/churnFeatures';
import { churnScanWorkflow } from '../../workflows/churnScanWorkflow';
import { uniqueId } from '../harness';
import { expectAccessible } from '../harness/axe';
import { browserSuite, screenshot, signedIn, type Browser } from '../harness/browser';
import { client, type TestStack } from '../harness/stack';

let t: TestStack;
let browser: Browser;
/** Console errors and uncaught exceptions of every page: a script error fails the test. */
const errors = browserSuite({}, (stack, chromium) => {
  t = stack;
  browser = chromium;
});

const DAY = 86_400_000;

// Code passed to page.waitForFunction runs in the browser; the project compiles without the DOM library.
declare const document: {
  querySelectorAll(s: string): { length: number };
  querySelector(s: string): { value?: string } | null;
};

/**
 * Shows the churn page in the signed-in dashboard as the router shows a page: a fresh container named after the
 * route in #page, rendered with the dashboard's context (the venture picked). Its stylesheet is linked as the
 * dashboard's index links the others.
 */
async function showChurnPage(page: Page, ventureId: string | null): Promise<void> {
  await page.evaluate(`(async () => {
    if (!document.querySelector('link[href="/css/churn.css"]')) {
      const link = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: '/css/churn.css' });
      document.head.append(link);
    }
    const { render } = await import('/js/pages/churn.js');
    const container = document.createElement('div');
    container.dataset.route = 'churn';
    document.querySelector('#page').replaceChildren(container);
    await render(container, { ventureId: ${JSON.stringify(ventureId)}, ventures: [], roles: ['marketer'] });
  })()`);
}

const text = (page: Page, selector: string) => page.locator(selector).first().textContent();

test('the churn page: the rule in use before any model, then the CSV’s model card and the contacts it puts at risk', async () => {
  const call = client(t);
  const venture = await new VentureStore(t.stack.db).create({
    name: 'Notes',
    slug: uniqueId('notes'),
    productName: 'Notes',
  });
  const page = await signedIn(browser, t, 'marketer', errors);
  // The page is in the dashboard's navigation.
  expect(await page.textContent('a[href="#/churn"]')).toBe('Churn risk');

  // No model and nobody scored: the rule the scan uses instead, how to train, and an empty list that says why.
  await showChurnPage(page, venture.id);
  await page.waitForSelector('#churn-no-model');
  expect(await text(page, '#churn-no-model')).toContain('npm run churn:train -- --csv FILE --label COLUMN');
  expect(await page.locator('#churn-weights li').count()).toBe(5);
  expect(await text(page, '#churn-weights li[data-feature="payment_failures"]')).toContain('raises 1.20 (at most 3)');
  await page.waitForSelector('#churn-none-at-risk');
  await page.selectOption('#churn-min-score', '0');
  await page.waitForSelector('#churn-none-scored');
  await expectAccessible(page, 'churn, nothing yet');
  await screenshot(page, 'churn-page-empty');

  // No venture at all: the list says where to create one.
  await showChurnPage(page, null);
  await page.waitForSelector('#churn-no-venture');

  // Three contacts of the venture: a detractor who opened tickets, a calm one, and one who stopped logging in.
  const now = Date.now();
  const at = (d: number, h = 0) => new Date(now - (d - 0.5) * DAY + h * 3600_000).toISOString();
  const people = {
    detractor: {
      logins: () => true,
      extra: [
        ['support_ticket_created', 2],
        ['nps_submitted', 4, { score: 2 }],
      ],
    },
    calm: { logins: () => true, extra: [] },
    gone: { logins: (d: number) => d > 14, extra: [] },
  } as const;
  const ids: Record<string, string> = {};
  for (const [who, plan] of Object.entries(people)) {
    const id = uniqueId(who);
    ids[who] = id;
    const traits = who === 'detractor' ? { name: 'Dee Tractor' } : {};
    expect(
      (await call('POST', '/v1/contacts', { id, email: `${id}@example.com`, ventureId: venture.id, traits })).status,
    ).toBe(201);
    const events = [];
    for (let d = 69; d >= 1; d--) {
      if (plan.logins(d)) events.push({ contactId: id, name: 'login', occurredAt: at(d) });
      events.push({ contactId: id, name: 'feature_used', occurredAt: at(d, 1) });
    }
    for (const [name, d, properties] of plan.extra as readonly (readonly [string, number, object?])[])
      events.push({ contactId: id, name, occurredAt: at(d), properties: { ...properties } });
    expect((await call('POST', '/v1/events', { events })).status).toBe(202);
  }
  const csv = path.resolve(__dirname, '../../data/churn/saas-churn.csv');
  const trained = await trainAndStore(t.stack.db, { csv, label: 'churned', exclude: ['months_active'] });
  const e = trained.eventForm!.metrics;
  await t.stack.temporal.workflow.execute(churnScanWorkflow, {
    workflowId: uniqueId('churn-scan-page'),
    taskQueue: t.taskQueue,
    args: [{ version: 1 }],
  });

  await showChurnPage(page, venture.id);
  await page.waitForSelector('#churn-list');
  expect(await text(page, '#churn-auc .value')).toBe(e.auc.toFixed(3));
  expect(await text(page, '#churn-auc .hint')).toContain(
    `over all the export’s columns: ${trained.metrics.auc.toFixed(3)}`,
  );
  expect(await text(page, '#churn-model')).toContain('saas-churn.csv');
  expect(await text(page, '#churn-model')).toContain('2,000 rows, 932 churned');
  expect(await page.locator('#churn-weights li').count()).toBe(2);
  for (const f of ['nps_score_low', 'support_tickets_increase'] as const)
    expect(await text(page, `#churn-weights li[data-feature="${f}"]`)).toContain(EVENT_FEATURE_LABELS[f]);
  expect(await text(page, '#churn-unread')).toContain('logging in less than usual');
  expect(await text(page, '#churn-mapping summary')).toBe('Mapped from saas-churn.csv: 2 column(s) read');

  // At 50% and above only the detractor: the CSV's model does not read logins, so "gone" is not flagged.
  expect(await page.locator('#churn-list tbody tr').count()).toBe(1);
  const row = page.locator(`#churn-list tr[data-contact="${ids['detractor']}"]`);
  expect(await row.locator('a').getAttribute('href')).toBe(`#/contacts/${ids['detractor']}`);
  expect(await row.locator('a').textContent()).toBe('Dee Tractor');
  expect(await row.locator('.badge').textContent()).toBe('high');
  expect(await row.locator('.churn-factors li').first().textContent()).toBe(EVENT_FEATURE_LABELS.nps_score_low);
  await expectAccessible(page, 'churn, a model and contacts at risk');
  await screenshot(page, 'churn-page');

  // Everyone scored: all three, highest first; a calm contact has nothing that stands out.
  await page.selectOption('#churn-min-score', '0');
  await page.waitForFunction(() => document.querySelectorAll('#churn-list tbody tr').length === 3);
  const shown = await page
    .locator('#churn-list tbody tr')
    .evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { contact: string } }).dataset.contact));
  expect(shown[0]).toBe(ids['detractor']);
  expect(await text(page, `#churn-list tr[data-contact="${ids['calm']}"]`)).toContain('nothing stands out');

  // The contact's link opens the person's page.
  await page.click(`#churn-list tr[data-contact="${ids['detractor']}"] a`);
  await page.waitForFunction((id) => document.querySelector('#contact-search-id')?.value === id, ids['detractor']);
}, 120_000);
