import fs from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTestStack, type TestStack } from './stack';

/** Debian's Chromium, which .ci/run installs. */
export const CHROMIUM = '/usr/bin/chromium';

export interface Browser {
  /** The first context: pages opened in it share cookies and storage. */
  context: BrowserContext;
  /** A context of its own (cookies, storage), as another person's browser would be. */
  newContext(): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * A headless Chromium, quiet: no background networking, updates or sync, so the only requests a test sees are the
 * ones its pages make. Each context is a fresh profile, forgotten on close.
 */
export async function launchChromium(options: { userAgent?: string } = {}): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`the browser tests need Debian's Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  }
  const chromeBrowser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const newContext = () =>
    chromeBrowser.newContext({
      viewport: { width: 1280, height: 900 },
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    });
  return {
    context: await newContext(),
    newContext,
    async close() {
      await chromeBrowser.close();
    },
  };
}

/**
 * A page in a context of its own, so its sign-in cookie is nobody else's. Console errors and uncaught exceptions go
 * to `errors` (a script error fails the test), except the failed requests a test provokes on purpose
 * (`expectedStatus`, e.g. /4(03|04)/) and the sign-in page's probe for single sign-on, which answers 404 where it is
 * not set up. The context closes with the page.
 */
export async function freshPage(
  browser: Browser,
  label: string,
  errors: string[],
  expectedStatus?: RegExp,
): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('close', () => void context.close().catch(() => undefined));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const failedRequest = /status of \d{3}/.test(m.text());
    if (failedRequest && expectedStatus?.test(m.text())) return;
    if (failedRequest && m.location().url.endsWith(SSO_PROBE)) return;
    errors.push(`${label}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`${label}: ${e.message}`));
  return page;
}

/** Where the sign-in page asks whether single sign-on is set up. */
const SSO_PROBE = '/v1/session/sso';

/** Signs in through the form on the page (already on the sign-in page) and waits for the shell. */
export async function signInWithPassword(page: Page, email: string, password: string): Promise<void> {
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('#sign-in-form button[type=submit]');
}

/**
 * A dashboard page signed in as the role's person, with their email address and password through the sign-in form,
 * in a browser context of its own. Console errors fail the test as `freshPage` says.
 */
export async function signedIn(
  browser: Browser,
  stack: { api: string; keys: Record<string, string>; users: Record<string, { email: string; password: string }> },
  role: string,
  errors: string[],
  expectedStatus?: RegExp,
): Promise<Page> {
  const page = await freshPage(browser, role, errors, expectedStatus);
  await page.goto(stack.api);
  const person = stack.users[role]!;
  await signInWithPassword(page, person.email, person.password);
  await page.waitForSelector(`#role:text("${role}")`);
  return page;
}

/**
 * The hooks of a browser test file: the product on free ports (with `env`) and a Chromium, started before the
 * file's tests and stopped after them, and no console error or uncaught exception on any page during a test.
 * `ready` gets the stack and the browser once both run; the answer is the list pages report errors to (pass it to
 * `signedIn`).
 */
export function browserSuite(
  env: Record<string, string>,
  ready: (stack: TestStack, browser: Browser) => void,
): string[] {
  const errors: string[] = [];
  let stack: TestStack | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    // The test's own API calls (polling until a run is ready) share the signed-in person's rate budget with the
    // page; a generous budget keeps them from starving the page on a slow machine. The limit has its own tests.
    const limits = { RATE_LIMIT_PER_MINUTE: '6000', RATE_LIMIT_BURST: '1200' };
    [stack, browser] = await Promise.all([startTestStack({ ...limits, ...env }), launchChromium()]);
    ready(stack, browser);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });
  afterEach(() => {
    expect(errors).toEqual([]);
    errors.length = 0;
  });
  return errors;
}

/** Where browser tests keep their screenshots, as artifacts of the run (test/artifacts is not committed). */
export const SCREENSHOTS = path.resolve(__dirname, '..', 'artifacts', 'screenshots');

/** A full-page screenshot of a flow's state, kept under test/artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
