import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTestStack, type TestStack } from './stack';

/** Debian's Chromium, which .ci/run installs. */
export const CHROMIUM = '/usr/bin/chromium';

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * A headless Chromium with a profile of its own (removed on close), quiet: no background networking, updates or
 * sync, so the only requests a test sees are the ones its pages make.
 */
export async function launchChromium(options: { userAgent?: string } = {}): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`the browser tests need Debian's Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
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
    viewport: { width: 1280, height: 900 },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A dashboard page signed in with a role's key. Console errors and uncaught exceptions go to `errors` (a script
 * error fails the test), except the failed requests a test provokes on purpose (`expectedStatus`, e.g. /4(03|04)/).
 */
export async function signedIn(
  browser: Browser,
  stack: { api: string; keys: Record<string, string> },
  role: string,
  errors: string[],
  expectedStatus?: RegExp,
): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (expectedStatus && /status of \d{3}/.test(m.text()) && expectedStatus.test(m.text())) return;
    errors.push(`${role}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`${role}: ${e.message}`));
  await page.goto(stack.api);
  await page.fill('#api-key', stack.keys[role]!);
  await page.click('button[type=submit]');
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
    [stack, browser] = await Promise.all([startTestStack(env), launchChromium()]);
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
