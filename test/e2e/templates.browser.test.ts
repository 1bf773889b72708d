import type { Page } from 'playwright-core';
import { uniqueId } from '../harness';
import { browserSuite, signedIn as signInto, type Browser } from '../harness/browser';
import { client, type TestStack } from '../harness/stack';

// Code passed to page.evaluate runs in the browser; the project compiles without the DOM library, so this stands in.
declare const window: { ace: { edit(id: string): Record<string, (...a: unknown[]) => unknown> } };

/** Senders a template may name besides the default: a whole address and a domain each, for from and reply-to. */
const SENDERS = {
  MAIL_FROM_ALLOWED: 'offers@acme.test,@news.acme.test',
  MAIL_REPLY_TO_ALLOWED: 'support@acme.test,@help.acme.test',
};

let t: TestStack;
let browser: Browser;
/** Console errors and uncaught exceptions of every page: a script error fails the test. */
const errors = browserSuite(SENDERS, (stack, chromium) => {
  t = stack;
  browser = chromium;
});
/** A page of a role; `expectedStatus` lets through the failed requests a test provokes on purpose (a 400 on save). */
const signedIn = (role: 'marketer' | 'chairman', expectedStatus?: RegExp) =>
  signInto(browser, t, role, errors, expectedStatus);

/** An MJML body for the mjml_base layout: one section, one column, the given line as line 3. */
const mjmlBody = (line: string) => `<mj-section>\n  <mj-column>\n    ${line}\n  </mj-column>\n</mj-section>`;

/**
 * Calls a method of the page's Ace editor, as typing or clicking in it would change it (ace.edit on the element
 * answers the editor already there). The page's CSP allows no eval, so the method travels by name.
 */
function onEditor<T = unknown>(page: Page, method: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([name, values]) => {
      const editor = window.ace.edit('template-body');
      return editor[name as string]!(...(values as unknown[])) ?? null;
    },
    [method, args] as const,
  ) as Promise<T>;
}
const typeBody = (page: Page, body: string) => onEditor(page, 'setValue', body, 1);
const editorValue = (page: Page) => onEditor<string>(page, 'getValue');

test('the editor’s files are served by name only: a path that climbs out of the folder answers 404', async () => {
  const ace = await fetch(`${t.api}/vendor/ace/ace.js`);
  expect(ace.status).toBe(200);
  expect(ace.headers.get('content-type')).toMatch(/javascript/);
  for (const attempt of ['..%2F..%2Fpackage.json', '..%2Fpackage.json', '..%2F..%2F..%2Fpackage.json', 'mode-php.js'])
    expect([attempt, (await fetch(`${t.api}/vendor/ace/${attempt}`)).status]).toEqual([attempt, 404]);
});

test('a marketer writes an MJML template with live previews, fixes a syntax error, saves, edits and restores; the chairman only reads', async () => {
  const call = client(t);
  const key = uniqueId('spring')
    .replace(/[^a-z0-9_]/gi, '_')
    .toLowerCase();
  const first = mjmlBody('<mj-text>Hello {{first_name}}</mj-text>');

  const page = await signedIn('marketer');
  await page.goto(`${t.api}/#/templates`);
  // The built-in templates are listed, marked as such.
  await page.waitForSelector('#templates tr[data-key="welcome"] .badge');
  await page.click('#new-template');
  await page.waitForSelector('#template-body.ace_editor');
  await page.fill('#template-form input[name=key]', key);
  await page.fill('#template-form input[name=name]', 'Spring hello');
  await page.selectOption('#template-form select[name=format]', 'mjml');
  await page.fill('#template-form input[name=subject]', 'Hi {{first_name}}');
  await page.fill('#preview-variables', JSON.stringify({ first_name: 'Zelda' }));
  await typeBody(page, first);

  // Both previews render the unsaved draft with the sample's first name, in frames that run no script.
  await page.frameLocator('#preview-desktop').getByText('Hello Zelda').waitFor();
  await page.frameLocator('#preview-phone').getByText('Hello Zelda').waitFor();
  await page.waitForSelector('#preview-subject:text("Hi Zelda")');
  expect(await page.getAttribute('#preview-desktop', 'sandbox')).toBe('');
  expect(await page.getAttribute('#preview-phone', 'sandbox')).toBe('');

  // A Handlebars syntax error on line 3 is listed with its line; a click puts the cursor there.
  await typeBody(page, mjmlBody('<mj-text>Hello {{first_name}</mj-text>'));
  const error = page.locator('#template-problems li.error[data-line="3"]');
  await error.waitFor();
  await error.locator('button').click();
  const cursor = await onEditor<{ row: number }>(page, 'getCursorPosition');
  expect(cursor.row).toBe(2);

  await typeBody(page, first);
  await page.waitForSelector('#template-problems li.error', { state: 'detached' });
  await page.click('#template-save');
  await page.waitForURL((u) => u.hash === `#/templates/${key}`);
  await page.waitForSelector('#template-version[data-version="1"]');
  const saved = await call('GET', `/v1/templates/${key}`);
  expect(saved.status).toBe(200);
  expect(saved.body).toMatchObject({ key, name: 'Spring hello', format: 'mjml', version: 1 });
  expect(saved.body.content.en).toMatchObject({ subject: 'Hi {{first_name}}', body: first });

  // An edit, with a variable from the picker inserted at the cursor, saves as version 2.
  await page.waitForSelector('#template-body.ace_editor');
  await typeBody(page, mjmlBody('<mj-text>Hello again {{first_name}} from </mj-text>'));
  await onEditor(page, 'moveCursorTo', 2, '    <mj-text>Hello again {{first_name}} from '.length);
  await page.click('#template-variables summary');
  await page.click('#template-variables button[data-name="product_name"]');
  const second = mjmlBody('<mj-text>Hello again {{first_name}} from {{product_name}}</mj-text>');
  expect(await editorValue(page)).toBe(second);
  await page.click('#template-save');
  await page.waitForSelector('#template-version[data-version="2"]');
  expect((await call('GET', `/v1/templates/${key}`)).body.content.en.body).toBe(second);

  // A test goes to one address with the sample's variables.
  await page.fill('#test-email', 'me@example.com');
  await page.click('#test-send');
  await page.waitForSelector('#test-result:has-text("me@example.com")');
  await t.smtp.waitFor(() => t.smtp.to('me@example.com').length > 0);
  expect(t.smtp.to('me@example.com')[0]!.subject).toMatch(/^\[Test\].*Hi Zelda/);

  // Restoring version 1 publishes version 3 with version 1's body.
  await page.click('#template-versions tr[data-version="1"] button.restore');
  await page.waitForSelector('#template-version[data-version="3"]');
  await page.waitForSelector('#template-body.ace_editor');
  expect(await editorValue(page)).toBe(first);
  const restored = await call('GET', `/v1/templates/${key}`);
  expect(restored.body).toMatchObject({ version: 3 });
  expect(restored.body.content.en.body).toBe(first);
  const versions = (await call('GET', `/v1/templates/${key}/versions`)).body.versions;
  expect(versions.find((v: { version: number }) => v.version === 3)).toMatchObject({
    source: 'restore',
    restoredFrom: 1,
    current: true,
  });

  // The chairman reads the same page: the editor is read-only and nothing can be saved, sent or restored.
  const chairman = await signedIn('chairman');
  await chairman.goto(`${t.api}/#/templates`);
  await chairman.waitForSelector(`#templates tr[data-key="${key}"]`);
  expect(await chairman.locator('#new-template').count()).toBe(0);
  await chairman.goto(`${t.api}/#/templates/${key}`);
  await chairman.waitForSelector('#template-versions');
  await chairman.waitForSelector('#template-body.ace_editor');
  await chairman.frameLocator('#preview-desktop').getByText('Hello Ada').waitFor();
  expect(await chairman.locator('#template-save').count()).toBe(0);
  expect(await chairman.locator('#template-test').count()).toBe(0);
  expect(await chairman.locator('#template-versions button.restore').count()).toBe(0);
  expect(await onEditor(chairman, 'getReadOnly')).toBe(true);
}, 120_000);

test('a marketer picks the sender and reply-to from the allowed ones; one at another domain is refused at the field and nothing is stored', async () => {
  const call = client(t);
  const key = uniqueId('senders')
    .replace(/[^a-z0-9_]/gi, '_')
    .toLowerCase();
  const created = await call('POST', '/v1/templates', {
    key,
    name: 'Sender pick',
    format: 'html',
    subject: 'Hello {{first_name}}',
    body: '<p>Hello {{first_name}}</p>',
  });
  expect(created.status).toBe(201);
  const senders = (await call('GET', '/v1/senders')).body as { default: string; from: string[]; replyTo: string[] };

  const page = await signedIn('marketer', /status of 400/);
  await page.goto(`${t.api}/#/templates/${key}`);
  const from = page.locator('#template-form select[name=from]');
  const replyTo = page.locator('#template-form select[name=replyTo]');
  await from.waitFor();

  // The choices come from the allowed senders: the default (no sender of its own) and every whole address.
  expect(await from.inputValue()).toBe('');
  expect(await from.locator('option[value=""]').textContent()).toContain(senders.default);
  expect(await from.locator('option[value="offers@acme.test"]').count()).toBe(1);
  expect(await replyTo.locator('option[value="support@acme.test"]').count()).toBe(1);
  expect(await page.textContent('[data-field=from]')).toContain('@news.acme.test');

  // A name and an address at an allowed domain for the sender, a whole address for replies.
  await from.selectOption({ label: 'Another address…' });
  await page.fill('#template-form input[name=from-name]', 'Ada at Acme');
  await page.fill('#template-form input[name=from-address]', 'ada@news.acme.test');
  await replyTo.selectOption('support@acme.test');
  // Only the field set to another address asks for one.
  expect(await page.isVisible('#template-form input[name=from-address]')).toBe(true);
  expect(await page.isVisible('#template-form input[name=replyTo-address]')).toBe(false);
  await page.click('#template-save');
  await page.waitForSelector('#template-version[data-version="2"]');
  const saved = await call('GET', `/v1/templates/${key}`);
  expect(saved.body).toMatchObject({
    version: 2,
    from: 'Ada at Acme <ada@news.acme.test>',
    replyTo: 'support@acme.test',
  });

  // The editor shows what is stored.
  expect(await from.locator('option:checked').textContent()).toBe('Another address…');
  expect(await page.inputValue('#template-form input[name=from-name]')).toBe('Ada at Acme');
  expect(await page.inputValue('#template-form input[name=from-address]')).toBe('ada@news.acme.test');
  expect(await replyTo.inputValue()).toBe('support@acme.test');

  // A sender at a domain that is not allowed: the API's reason, naming the allowed ones, at the From field.
  await page.fill('#template-form input[name=from-address]', 'ada@elsewhere.test');
  await page.click('#template-save');
  const problem = page.locator('[data-problem-for="from"]');
  await problem.filter({ hasText: 'ada@elsewhere.test' }).waitFor();
  expect(await problem.textContent()).toContain('@news.acme.test');
  expect(await page.textContent('[data-problem-for="replyTo"]')).toBe('');
  const refused = await call('GET', `/v1/templates/${key}`);
  expect(refused.body).toMatchObject({ version: 2, from: 'Ada at Acme <ada@news.acme.test>' });

  // Back to the default sender: stored as none.
  await from.selectOption('');
  await page.click('#template-save');
  await page.waitForSelector('#template-version[data-version="3"]');
  expect((await call('GET', `/v1/templates/${key}`)).body).toMatchObject({
    version: 3,
    from: null,
    replyTo: 'support@acme.test',
  });
}, 90_000);
