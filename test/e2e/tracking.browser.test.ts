import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext } from 'playwright-core';
import { STATUS_RANK, type MessageStatus } from '../../domain/messages';
import type { CaughtMail } from '../../infra/mailCatcher';
import { eventually } from '../harness';
import { launchChromium, type Browser } from '../harness/browser';
import { client, startTestStack, type TestStack } from '../harness/stack';

// Code passed to page.waitForFunction runs in the browser; the project compiles without the DOM library.
declare const document: any;

// Our own open pixel and click redirect, through the product as it runs: a real browser opens the welcome email and
// clicks its button, link scanners follow the same link, and forged links lead nowhere.

/**
 * A reader's desktop Chrome. Headless Chromium announces itself as HeadlessChrome, which is what safe-link services
 * render pages with, so the product rightly counts it as a machine; the reader this test stands for is a person.
 */
const READER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

interface Site {
  url: string;
  /** The path and query of every request the site received, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** The marketer's own site, where the email's call to action leads. */
async function startSite(): Promise<Site> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Acme app</title><h1>Your profile</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let t: TestStack;
let site: Site;
let browser: Browser;
let context: BrowserContext;
let appUrl: string;
/** Every Location header a click redirect answered with, over the whole file. */
const locations: string[] = [];

beforeAll(async () => {
  site = await startSite();
  // A query of its own, which the UTM tags must join rather than replace.
  appUrl = `${site.url}/app?ref=newsletter`;
  [t, browser] = await Promise.all([
    // A click a moment after sending would otherwise be taken for a scanner following every link on delivery.
    startTestStack({ TRACKING_SCANNER_WINDOW_SECONDS: '0', APP_URL: appUrl, PRODUCT_NAME: 'Acme Notes' }),
    launchChromium({ userAgent: READER_AGENT }),
  ]);
  context = browser.context;
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await site?.close();
});

interface TimelineEvent {
  status: MessageStatus;
  source: string;
  occurredAt: string;
  url?: string;
  machine?: { reason: string };
}

interface Signup {
  contactId: string;
  mail: CaughtMail;
  messageId: string;
}

/** A contact signs up; resolves once the welcome email arrived and the message log shows it sent. */
async function signUp(name: string, traits: Record<string, unknown> = {}): Promise<Signup> {
  const call = client(t);
  const contactId = `${name}-${Date.now()}`;
  const email = `${contactId}@example.com`;
  expect(
    (await call('POST', '/v1/contacts', { id: contactId, email, traits: { first_name: name, ...traits } })).status,
  ).toBe(201);
  expect(
    (await call('POST', '/v1/events', { contactId, name: 'signup', idempotencyKey: `signup-${contactId}` })).status,
  ).toBe(202);
  const mails = await t.smtp.waitFor((m) => m.some((x) => x.envelopeTo.includes(email)), 15_000);
  const mail = mails.find((x) => x.envelopeTo.includes(email))!;
  // The email reaches the SMTP server a moment before the send is recorded: a click must come after the send.
  const messageId = await eventually(async () => {
    const list = await call('GET', `/v1/contacts/${contactId}/messages`);
    const sent = list.body.messages?.find((m: { sentAt: string | null }) => m.sentAt !== null);
    return sent?.id as string | undefined;
  });
  return { contactId, mail, messageId };
}

const message = async (id: string) => (await client(t)('GET', `/v1/messages/${id}`)).body;

/** The tracked links and the open pixel of an email's HTML. */
function trackingOf(html: string): { clicks: string[]; pixels: string[] } {
  const clicks = [...html.matchAll(/href="([^"]*\/t\/c\/[^"]+)"/g)].map((m) => m[1]!);
  const pixels = [...html.matchAll(/src="([^"]*\/t\/o\/[^"]+)"/g)].map((m) => m[1]!);
  return { clicks, pixels };
}

/** The URL a click token signs: `base64url("click:" + JSON [messageId, link, url]).expiry.mac`. */
function signedUrl(clickUrl: string): string {
  const token = clickUrl.slice(clickUrl.lastIndexOf('/') + 1);
  const subject = Buffer.from(token.split('.')[0]!, 'base64url').toString();
  return (JSON.parse(subject.slice('click:'.length)) as [string, number, string])[2];
}

/** The text of an attribute value: the templates write `=` as `&#x3D;` and `&` as `&amp;`. */
const decodeAttribute = (value: string): string =>
  value
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&amp;/g, '&');

/** A click redirect fetched without following it, its Location kept for the file's last check. */
async function follow(url: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, { ...init, redirect: 'manual' });
  const location = res.headers.get('location');
  if (location !== null) locations.push(location);
  return res;
}

/** The contact events the message's engagement turned into (what sequences wait for). */
const contactEvents = (contactId: string) =>
  t.stack
    .db('events')
    .join('contacts', 'contacts.id', 'events.contact_id')
    .where('contacts.external_id', contactId)
    .pluck('events.name');

const firstHumanClick = async (messageId: string): Promise<Date | null> =>
  (await t.stack.db('email_outbox').where({ id: messageId }).first('clicked_at')).clicked_at;

let reader: Signup;
let ctaUrl: string;

test('a reader opens the welcome email in a browser and clicks through to the site, UTM tags intact', async () => {
  reader = await signUp('ada');
  const { clicks, pixels } = trackingOf(reader.mail.html);
  expect(clicks).toHaveLength(1);
  expect(clicks[0]).toMatch(new RegExp(`^${t.api}/t/c/[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
  expect(pixels).toEqual([expect.stringMatching(new RegExp(`^${t.api}/t/o/[\\w.-]+\\.gif$`))]);
  ctaUrl = signedUrl(clicks[0]!);
  // The unsubscribe link stays as it is: recognisable and working without us in between.
  expect(reader.mail.html).toMatch(new RegExp(`href="${t.api}/u/`));

  const page = await context.newPage();
  const requested: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  page.on('response', (r) => {
    const location = r.headers()['location'];
    if (r.url().includes('/t/c/') && location) locations.push(location);
  });
  const pixel = page.waitForRequest((r) => r.url().includes('/t/o/'));
  await page.setContent(reader.mail.html);
  expect((await pixel).url()).toBe(pixels[0]);
  // Showing the email loaded the pixel: a human open, before any click.
  const opened = await eventually(async () => {
    const timeline = (await message(reader.messageId)).timeline as TimelineEvent[];
    return timeline.find((e) => e.status === 'opened' && e.source === 'tracking');
  });
  expect(opened.machine).toBeUndefined();

  await Promise.all([page.waitForURL(`${site.url}/**`), page.click(`a[href^="${t.api}/t/c/"]`)]);
  await expect(page.textContent('h1')).resolves.toBe('Your profile');
  const landed = new URL(page.url());
  expect(landed.origin + landed.pathname).toBe(`${site.url}/app`);
  expect(Object.fromEntries(landed.searchParams)).toEqual({
    ref: 'newsletter',
    utm_source: 'gtm-strategist',
    utm_medium: 'email',
    utm_campaign: 'onboarding',
    utm_content: expect.any(String),
  });
  // What the site itself received (the browser's own favicon request aside), byte for byte the email's link.
  expect(site.requests.filter((url) => url !== '/favicon.ico')).toEqual([ctaUrl.slice(site.url.length)]);
  // The browser went nowhere but our tracking routes and the marketer's site.
  for (const url of requested) expect(url.startsWith(`${t.api}/t/`) || url.startsWith(`${site.url}/`)).toBe(true);
  await page.close();

  const read = await eventually(async () => {
    const m = await message(reader.messageId);
    return m.status === 'clicked' ? m : undefined;
  });
  expect(read.tracked).toBe(true);
  const timeline = read.timeline as TimelineEvent[];
  expect(timeline).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ status: 'opened', source: 'tracking' }),
      expect.objectContaining({ status: 'clicked', source: 'tracking', url: ctaUrl }),
    ]),
  );
  expect(timeline.filter((e) => e.source === 'tracking' && e.machine)).toEqual([]);
  expect(await firstHumanClick(reader.messageId)).toBeInstanceOf(Date);
  // A sequence can wait for these: the open and the click became events of the contact.
  await eventually(async () => {
    const names = await contactEvents(reader.contactId);
    return names.includes('email.opened') && names.includes('email.clicked') ? true : undefined;
  });
}, 60_000);

test('the open pixel loads as an image in a browser showing the email on another origin', async () => {
  const shown = await signUp('hedy');
  const page = await context.newPage();
  const failed: string[] = [];
  page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('console', (m) => {
    if (m.type() === 'error') failed.push(m.text());
  });
  // A page of the site's origin, as webmail is: the pixel comes from this service's origin.
  await page.goto(`${site.url}/inbox`);
  await page.setContent(shown.mail.html);
  const width = await page.waitForFunction(() => {
    const img = document.querySelector('img[src*="/t/o/"]');
    return img && img.complete ? img.naturalWidth : undefined;
  });
  expect(await width.jsonValue()).toBe(1);
  expect(failed).toEqual([]);
  await page.close();
}, 60_000);

test('link scanners and HEAD requests are redirected too, but flagged, and never count as a click', async () => {
  expect(reader).toBeDefined();
  const [scanned, script] = await Promise.all([signUp('grace'), signUp('linus')]);
  const humanClickAt = await firstHumanClick(reader.messageId);

  const proofpoint = await follow(trackingOf(reader.mail.html).clicks[0]!, {
    headers: { 'user-agent': 'Mozilla/5.0 (compatible; Proofpoint URL Defense/3.0)' },
  });
  const python = await follow(trackingOf(scanned.mail.html).clicks[0]!, {
    headers: { 'user-agent': 'python-requests/2.32.3' },
  });
  const head = await follow(trackingOf(script.mail.html).clicks[0]!, {
    method: 'HEAD',
    headers: { 'user-agent': READER_AGENT },
  });
  for (const res of [proofpoint, python, head]) {
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(ctaUrl);
  }

  const machineClicks = async (id: string) => {
    const timeline = (await message(id)).timeline as TimelineEvent[];
    return timeline.filter((e) => e.status === 'clicked' && e.machine).map((e) => e.machine!.reason);
  };
  expect(await machineClicks(reader.messageId)).toEqual([expect.stringMatching(/proofpoint/i)]);
  expect(await machineClicks(scanned.messageId)).toEqual([expect.stringMatching(/python-requests/)]);
  expect(await machineClicks(script.messageId)).toEqual([expect.stringMatching(/head/i)]);

  // The reader's first click keeps its time; the messages only machines clicked are not clicked.
  expect(await firstHumanClick(reader.messageId)).toEqual(humanClickAt);
  expect((await message(reader.messageId)).status).toBe('clicked');
  for (const { messageId, contactId } of [scanned, script]) {
    const { status } = await message(messageId);
    expect(STATUS_RANK[status as MessageStatus]).toBeLessThan(STATUS_RANK.clicked);
    expect(await firstHumanClick(messageId)).toBeNull();
    expect(await contactEvents(contactId)).not.toContain('email.clicked');
  }
});

test('a forged or mangled click link is a 404 page with no redirect, and a valid one goes only where it was signed', async () => {
  expect(reader).toBeDefined();
  const clickUrl = trackingOf(reader.mail.html).clicks[0]!;
  const [payload, expiry, mac] = clickUrl.slice(clickUrl.lastIndexOf('/') + 1).split('.');
  const base = `${t.api}/t/c/`;
  const forge = (url: string) =>
    Buffer.from(`click:${JSON.stringify([reader.messageId, 0, url])}`).toString('base64url');
  const pixelToken = trackingOf(reader.mail.html)
    .pixels[0]!.split('/t/o/')[1]!
    .replace(/\.gif$/, '');

  const refused = [
    `${base}${forge('https://evil.example')}.${expiry}.${mac}`,
    `${base}${forge('https://evil.example/?next=' + encodeURIComponent(ctaUrl))}.${expiry}.${mac}`,
    `${base}garbage`,
    `${base}${payload}.${expiry}.${mac}.x`,
    `${base}${payload}.${expiry}.${mac!.slice(0, -1)}${mac!.endsWith('A') ? 'B' : 'A'}`,
    // The open pixel's token is signed, but not for a redirect.
    `${base}${pixelToken}`,
  ];
  for (const url of refused) {
    const res = await follow(url, { headers: { 'user-agent': READER_AGENT } });
    expect(res.status).toBe(404);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('Link not valid');
  }

  // Anything a forger adds in the query is ignored: the redirect still goes where the message's link went.
  const withQuery = await follow(`${clickUrl}?url=https://evil.example`, { headers: { 'user-agent': READER_AGENT } });
  expect(withQuery.status).toBe(302);
  expect(withQuery.headers.get('location')).toBe(ctaUrl);

  // Over the whole file, every redirect pointed at the URL that was in the message, and nowhere else.
  expect(locations.length).toBeGreaterThanOrEqual(5);
  expect(new Set(locations)).toEqual(new Set([ctaUrl]));
});

test('a contact who asked not to be tracked gets the welcome email with plain links and no pixel', async () => {
  expect(ctaUrl).toBeDefined();
  const hedy = await signUp('hedy', { doNotTrack: true });
  const html = hedy.mail.html;
  expect(html).not.toContain('/t/');
  expect(html).not.toMatch(/<img[^>]+width="1"/);
  expect(trackingOf(html)).toEqual({ clicks: [], pixels: [] });
  // The button goes straight to the site: the same URL the tracked email's link was signed for.
  const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) => decodeAttribute(m[1]!));
  expect(hrefs).toContain(ctaUrl);
  expect((await message(hedy.messageId)).tracked).toBe(false);
});

test('a sequence with tracking turned off sends its email without our links or pixel', async () => {
  const call = client(t);
  const defined = await call('POST', '/v1/sequences', {
    key: 'untracked-news',
    name: 'News without tracking',
    tracking: false,
    topic: 'onboarding',
    triggers: [{ event: 'newsletter_joined' }],
    steps: [{ id: 'news', type: 'send', template: 'first_action', subject: 'This week' }],
  });
  expect(defined.status).toBe(201);
  const contactId = `untracked-${Date.now()}`;
  const email = `${contactId}@example.com`;
  expect((await call('POST', '/v1/contacts', { id: contactId, email })).status).toBe(201);
  expect((await call('POST', '/v1/events', { contactId, name: 'newsletter_joined' })).body.enrolled).toEqual([
    'untracked-news',
  ]);
  const mails = await t.smtp.waitFor((m) => m.some((x) => x.envelopeTo.includes(email) && x.subject === 'This week'));
  const html = mails.find((x) => x.envelopeTo.includes(email) && x.subject === 'This week')!.html;
  expect(trackingOf(html)).toEqual({ clicks: [], pixels: [] });
  expect(html).toContain(site.url);
  const sent = await eventually(async () => {
    const list = await call('GET', `/v1/contacts/${contactId}/messages`);
    return list.body.messages?.find((m: { sequenceKey: string; sentAt: string | null }) => m.sentAt);
  });
  expect(sent.tracked).toBe(false);
});
