import type { Page } from 'playwright-core';
import type { Role } from '../../db/stores/apiKeys';
import { uniqueId } from '../harness';
import { expectAccessible } from '../harness/axe';
import {
  browserSuite,
  freshPage,
  signedIn as signInto,
  signInWithPassword,
  type Browser,
  screenshot,
} from '../harness/browser';
import { client, type TestStack } from '../harness/stack';

// People sign in to the dashboard with an email address and a password: a session cookie, a CSRF token on every
// change, a lock after repeated wrong passwords, password resets by email, and the pages for people, keys and the
// audit log.

const LOCK_AFTER = 3;

let t: TestStack;
let browser: Browser;
const errors = browserSuite({ SIGN_IN_LOCK_AFTER: String(LOCK_AFTER) }, (stack, chromium) => {
  t = stack;
  browser = chromium;
});
const signedIn = (role: Role, expected?: RegExp) => signInto(browser, t, role, errors, expected);

const shot = screenshot;

/** The dashboard's front page in a browser of its own, nobody signed in. */
async function front(label: string, expected?: RegExp): Promise<Page> {
  const page = await freshPage(browser, label, errors, expected);
  await page.goto(t.api);
  await page.waitForSelector('#sign-in-form');
  return page;
}

const sessionCookie = async (page: Page) => (await page.context().cookies()).find((c) => c.name === 'gtm_session');

/** A person made by the operator through the API, with a password. */
async function person(roles: Role[], password = `password of ${uniqueId('p')}`) {
  const email = `${uniqueId('person')}@gtm.test`;
  const made = await client(t, 'operator')('POST', '/v1/users', { email, name: `Person ${email}`, roles, password });
  expect(made.status).toBe(201);
  return { id: made.body.id as string, email, password, name: made.body.name as string };
}

/** The set-password link of the newest email to the address. */
async function emailedLink(email: string): Promise<string> {
  const [mail] = (await t.smtp.waitFor((m) => m.some((x) => x.envelopeTo.includes(email)))).filter((m) =>
    m.envelopeTo.includes(email),
  );
  const link = /(http\S+#\/reset-password\/[\w.-]+)/.exec(mail!.text)?.[1];
  expect(link).toBeDefined();
  return link!;
}

/** Opens a set-password link and chooses the password (twice). */
async function choosePassword(page: Page, link: string, password: string) {
  await page.goto(link);
  await page.fill('#new-password', password);
  await page.fill('#new-password-again', password);
  await page.click('#reset-form button[type=submit]');
}

test('a person signs in with their password, sees their name and roles, and signing out ends the session', async () => {
  const page = await front('sign-in');
  await expectAccessible(page, 'sign-in');
  await shot(page, 'sign-in');
  expect(await page.getAttribute('#email', 'autocomplete')).toBe('username');
  expect(await page.getAttribute('#password', 'autocomplete')).toBe('current-password');
  // No single sign-on on this server: no button for it.
  expect(await page.locator('#sso-sign-in').isVisible()).toBe(false);

  await signInWithPassword(page, t.users.marketer.email, t.users.marketer.password);
  await page.waitForSelector('#role:text("marketer")');
  expect(await page.textContent('#who-name')).toBe('test marketer');
  const nav = await page
    .locator('nav[aria-label=Pages] a')
    .evaluateAll((as) => as.map((a) => a.getAttribute('data-page')));
  expect(nav).toContain('account');
  expect(nav).not.toContain('users');
  expect(nav).not.toContain('audit');
  const cookie = await sessionCookie(page);
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
  // The key of the old way is not kept in the tab.
  expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('gtm.apiKey'))).toBeNull();
  const me = await fetch(`${t.api}/v1/me`, { headers: { cookie: `gtm_session=${cookie!.value}` } });
  expect(me.status).toBe(200);

  await page.click('#sign-out');
  await page.waitForSelector('#sign-in-form');
  const after = await fetch(`${t.api}/v1/me`, { headers: { cookie: `gtm_session=${cookie!.value}` } });
  expect(after.status).toBe(401);
  await page.reload();
  await page.waitForSelector('#sign-in-form');
  expect(await page.locator('#role').count()).toBe(0);

  // Several roles show together, and each role's pages are in the navigation.
  const both = await person(['marketer', 'operator']);
  const second = await front('two roles');
  await signInWithPassword(second, both.email, both.password);
  await second.waitForSelector('#role:text("marketer, operator")');
  await second.waitForSelector('nav a[data-page=users]');
  await second.waitForSelector('nav a[data-page=audit]');
  await second.close();
  await page.close();
}, 60_000);

test('for a local run, an API key still signs in (kept in the tab), and needs no CSRF token', async () => {
  const page = await front('api key', /status of 401/);
  expect(await page.locator('#api-key').isVisible()).toBe(false);
  // By keyboard: the disclosure opens with Enter.
  await page.focus('#use-api-key summary');
  await page.keyboard.press('Enter');
  await page.fill('#api-key', 'gtm_not_a_key_at_all');
  await page.click('#api-key-form button[type=submit]');
  await page.waitForSelector('#api-key-form .error:text("That key is not valid.")');
  await page.fill('#api-key', t.keys.operator);
  await page.click('#api-key-form button[type=submit]');
  await page.waitForSelector('#role:text("operator")');
  expect(await page.textContent('#who-name')).toBe('test operator');
  expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('gtm.apiKey'))).toBe(t.keys.operator);
  expect(await sessionCookie(page)).toBeUndefined();
  // The dashboard's own requests go with the key: a change made from a page works.
  await page.click('nav a[data-page=users]');
  await page.fill('#user-name', 'Key Made');
  await page.fill('#user-email', `${uniqueId('keymade')}@gtm.test`);
  await page.check('#user-role-marketer');
  await page.click('#user-add button[type=submit]');
  await page.waitForSelector('#users tr:has-text("Key Made")');
  await page.close();
});

test('a wrong password shows an error and opens no session; repeated ones lock the account', async () => {
  const someone = await person(['marketer']);
  const page = await front('wrong password', /status of 40[1]|status of 429/);
  await signInWithPassword(page, someone.email, 'not the password at all');
  await page.waitForSelector('#sign-in-error:text("The email address or the password is wrong.")');
  expect(await sessionCookie(page)).toBeUndefined();
  expect(await page.inputValue('#email')).toBe(someone.email);

  for (let i = 1; i < LOCK_AFTER; i++) {
    await page.fill('#password', `wrong ${i} again and again`);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(
      () => (globalThis as any).document.querySelector('#sign-in-form button').disabled === false,
    );
  }
  await page.waitForSelector('#sign-in-error:text("Too many attempts. Try again in 15 minutes.")');
  await shot(page, 'sign-in-locked');
  expect(await sessionCookie(page)).toBeUndefined();

  // Locked: even the right password is refused, with how long to wait.
  const locked = await fetch(`${t.api}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: someone.email, password: someone.password }),
  });
  expect(locked.status).toBe(429);
  expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(60);
  await page.close();
}, 60_000);

test('a change made with the cookie needs the CSRF token: without it 403, with it done', async () => {
  const page = await signedIn('marketer', /status of 403/);
  const userId = t.users.marketer.id;
  const statuses = await page.evaluate(async (id) => {
    const body = JSON.stringify({ name: 'csrf check', role: 'marketer' });
    const headers = { 'content-type': 'application/json' };
    const without = await fetch(`/v1/users/${id}/keys`, { method: 'POST', headers, body });
    const me = (await (await fetch('/v1/me')).json()) as { csrfToken: string };
    const token = me.csrfToken;
    const withIt = await fetch(`/v1/users/${id}/keys`, {
      method: 'POST',
      headers: { ...headers, 'x-csrf-token': token },
      body,
    });
    return [without.status, withIt.status];
  }, userId);
  expect(statuses).toEqual([403, 201]);
  await page.close();
});

test('a forgotten password: the emailed link sets a new one, once', async () => {
  const someone = await person(['marketer']);
  const page = await front('reset', /status of 400/);
  // The address typed in the sign-in form carries over.
  await page.fill('#email', someone.email);
  await page.click('#forgot-password');
  expect(await page.inputValue('#forgot-email')).toBe(someone.email);
  await page.click('#forgot-form button[type=submit]');
  await page.waitForSelector('#forgot-status:text("If that address has an account, an email is on its way")');
  const link = await emailedLink(someone.email);
  expect(link.startsWith(`${t.api}/#/reset-password/`)).toBe(true);

  // Too short, then two different ones: said at the field, and nothing is set.
  await choosePassword(page, link, 'short');
  await page.waitForSelector('#new-password-problem:text("at least 10 characters")');
  await page.fill('#new-password', 'a brand new password');
  await page.fill('#new-password-again', 'another new password');
  await page.click('#reset-form button[type=submit]');
  await page.waitForSelector('#new-password-again-problem:text("The two passwords differ.")');
  await expectAccessible(page, 'reset password');
  await shot(page, 'reset-password');

  await choosePassword(page, link, 'a brand new password');
  await page.waitForSelector('#sign-in-notice:text("Your password is set. Sign in.")');
  expect(await page.inputValue('#email')).toBe(someone.email);
  await page.fill('#password', 'a brand new password');
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForSelector('#role:text("marketer")');

  const again = await freshPage(browser, 'reset again', errors, /status of 400/);
  await choosePassword(again, link, 'yet another password');
  await again.waitForSelector('#reset-problem:has-text("This link is not valid: it has expired or was used already")');
  await again.close();
  await page.close();
}, 60_000);

test('an operator gives a person access; the person chooses a password from the email and signs in', async () => {
  const operator = await signedIn('operator');
  await operator.click('nav a[data-page=users]');
  await operator.waitForSelector(`#users tr[data-user="${t.users.chairman.id}"]`);
  await expectAccessible(operator, 'users');
  const email = `${uniqueId('new')}@gtm.test`;
  await operator.fill('#user-name', 'Ana Lima');
  await operator.fill('#user-email', email);
  await operator.check('#user-role-marketer');
  await operator.click('#user-add button[type=submit]');
  await operator.waitForSelector(`#users tr:has-text("${email}")`);
  await operator.waitForSelector('#user-add-status:text("email with a link")');
  const row = operator.locator(`#users tr:has-text("${email}")`);
  expect(await row.locator('.roles').textContent()).toBe('marketer');

  // Roles change in place.
  await row.locator('[data-action=edit-roles]').click();
  await row.locator('input[value=chairman]').check();
  await row.locator('[data-action=save-roles]').click();
  await operator.waitForSelector(`#users tr:has-text("${email}") .roles:text("marketer, chairman")`);
  await shot(operator, 'users');

  const newcomer = await freshPage(browser, 'newcomer', errors);
  await choosePassword(newcomer, await emailedLink(email), 'Ana chose this password');
  await newcomer.waitForSelector('#sign-in-notice');
  await newcomer.fill('#password', 'Ana chose this password');
  await newcomer.click('#sign-in-form button[type=submit]');
  await newcomer.waitForSelector('#role:text("marketer, chairman")');
  expect(await newcomer.textContent('#who-name')).toBe('Ana Lima');

  // Deactivating asks once more; the person's session stops at once; reactivating lets them back.
  await row.locator('[data-action=deactivate]').click();
  expect(await row.locator('.active').textContent()).toBe('active');
  await row.locator('[data-action=deactivate]').click();
  await operator.waitForSelector(`#users tr:has-text("${email}") .active:text("deactivated")`);
  const cookie = await sessionCookie(newcomer);
  const refused = await fetch(`${t.api}/v1/me`, { headers: { cookie: `gtm_session=${cookie!.value}` } });
  expect(refused.status).toBe(401);
  await operator.locator(`#users tr:has-text("${email}") [data-action=reactivate]`).click();
  await operator.waitForSelector(`#users tr:has-text("${email}") .active:text-is("active")`);
  await newcomer.close();
  await operator.close();
}, 60_000);

test('Account: a key is shown once, works, and stops working when revoked; an operator sees anyone’s keys', async () => {
  const page = await signedIn('marketer');
  await page.click('nav a[data-page=account]');
  await page.waitForSelector('#key-create');
  await expectAccessible(page, 'account');
  await page.fill('#key-name', 'CRM sync');
  await page.selectOption('#key-role', 'marketer');
  await page.click('#key-create button[type=submit]');
  const key = (await page.textContent('#new-key-value'))!;
  expect(key).toMatch(/^gtm_/);
  expect(await page.textContent('#new-key')).toContain('will not be shown again');
  await page.waitForSelector('#copy-key');
  const row = page.locator('#keys tr:has-text("CRM sync")');
  await row.waitFor();
  await shot(page, 'account-keys');

  const withKey = () => fetch(`${t.api}/v1/me`, { headers: { authorization: `Bearer ${key}` } });
  expect((await withKey()).status).toBe(200);

  // Shown once: the list never shows it again.
  await page.reload();
  await page.waitForSelector('#keys tr:has-text("CRM sync")');
  expect(await page.locator('#new-key').count()).toBe(0);
  expect(await page.textContent('#page')).not.toContain(key);

  const operator = await signedIn('operator');
  await operator.click('nav a[data-page=users]');
  await operator.click(`#users tr[data-user="${t.users.marketer.id}"] [data-action=keys]`);
  await operator.waitForSelector('#page h1:text("test marketer")');
  await operator.waitForSelector('#keys tr:has-text("CRM sync")');
  await operator.close();

  const live = page.locator('#keys tr:has-text("CRM sync")');
  await live.locator('[data-action=revoke]').click();
  await live.locator('[data-action=revoke]').click();
  await page.waitForSelector('#keys tr:has-text("CRM sync") .status:text("revoked")');
  expect((await withKey()).status).toBe(401);
  await page.close();
}, 60_000);

test('the audit log: newest first, who, how and what, filtered by person', async () => {
  const chairman = await signedIn('chairman');
  await chairman.click('nav a[data-page=audit]');
  await chairman.waitForSelector('#audit tbody tr');
  await expectAccessible(chairman, 'audit');
  const times = await chairman
    .locator('#audit tbody tr')
    .evaluateAll((rows) => rows.map((r) => Date.parse(r.getAttribute('data-at')!)));
  expect(times.length).toBeGreaterThan(1);
  expect([...times].sort((a, b) => b - a)).toEqual(times);
  // The chairman's own sign-in is the newest row.
  const newest = chairman.locator('#audit tbody tr').first();
  expect(await newest.textContent()).toContain('chairman@gtm.test');
  expect(await newest.textContent()).toContain('signed in');
  expect(await newest.locator('.via').textContent()).toBe('Dashboard');

  await chairman.selectOption('#audit-person', t.users.marketer.id);
  await chairman.waitForSelector(`#audit[data-person="${t.users.marketer.id}"]`);
  const who = await chairman.locator('#audit tbody tr .who').allTextContents();
  expect(who.length).toBeGreaterThan(0);
  for (const w of who) expect(w).toContain('marketer@gtm.test');
  await shot(chairman, 'audit');
  await chairman.close();
});
