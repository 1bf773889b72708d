// The real signer, so the forge and expiry cases run against the real MAC rather than a stand-in; the domain code
// itself only sees the TokenSigner interface.
// eslint-disable-next-line import/no-restricted-paths
import { LinkSigner } from '../infra/signing';
import { machineEngagement, MACHINE_USER_AGENTS, readClickToken, readOpenToken, trackEmail } from './tracking';

const PUBLIC_URL = 'https://mail.example.com';
const signer = new LinkSigner('tracking-test-secret-that-is-long-enough-0');
const opts = { messageId: 'msg-42', publicUrl: PUBLIC_URL, signer, ttlMs: 60 * 86_400_000 };
const CTA =
  'https://app.example.com/start?utm_source=gtm-strategist&utm_medium=email&utm_campaign=onboarding&utm_content=first_action';

/** The href of every `<a>` in the html, as written. */
function hrefs(html: string): string[] {
  return [...html.matchAll(/<a\b(?:[^>"']|"[^"]*"|'[^']*')*?\shref\s*=\s*(["'])(.*?)\1/gi)].map((m) => m[2]!);
}

/** The token of a tracked link `${PUBLIC_URL}/t/c/<token>`. */
function clickToken(href: string): string {
  expect(href.startsWith(`${PUBLIC_URL}/t/c/`)).toBe(true);
  return href.slice(`${PUBLIC_URL}/t/c/`.length);
}

describe('trackEmail', () => {
  test('rewrites each web link and keeps its visible text and other attributes', () => {
    const html = [
      '<html><body>',
      `<p>Read <a href="https://example.com/guide" style="color:#4f46e5;" target="_blank">the guide</a></p>`,
      `<p><A class='cta' HREF='http://example.com/plain'>Plain <b>bold</b></A></p>`,
      `<p><a title="x > y" data-x="1" href="https://example.com/third">Third</a></p>`,
      '</body></html>',
    ].join('\n');
    const tracked = trackEmail(html, opts);
    expect(tracked.links).toBe(3);
    const links = hrefs(tracked.html);
    expect(links).toHaveLength(3);
    expect(links.map((href) => readClickToken(signer, clickToken(href))?.url)).toEqual([
      'https://example.com/guide',
      'http://example.com/plain',
      'https://example.com/third',
    ]);
    expect(tracked.html).toContain('style="color:#4f46e5;" target="_blank">the guide</a>');
    expect(tracked.html).toMatch(/<A class='cta' HREF='[^']+'>Plain <b>bold<\/b><\/A>/);
    expect(tracked.html).toContain('<a title="x > y" data-x="1" href="');
    expect(tracked.html).not.toContain('example.com/guide');
  });

  test('the click token names the message, the link index and the exact URL with its utm tags', () => {
    const html = `<body><a href="https://example.com/a">A</a> <a href="${CTA.replace(/&/g, '&amp;')}">Start</a></body>`;
    const tracked = trackEmail(html, opts);
    const [first, second] = hrefs(tracked.html).map((href) => readClickToken(signer, clickToken(href)));
    expect(first).toEqual({ messageId: 'msg-42', link: 0, url: 'https://example.com/a' });
    // &amp; in the HTML is & in the URL the reader's browser would have opened.
    expect(second).toEqual({ messageId: 'msg-42', link: 1, url: CTA });
  });

  test('leaves unsubscribe, mailto, tel, anchors, relative and data-no-track links alone', () => {
    const untouched = [
      `<a href="${PUBLIC_URL}/u/abc.def.ghi" style="color:#6b7280;">Unsubscribe</a>`,
      '<a href="mailto:help@example.com">Mail us</a>',
      '<a href="tel:+15551234567">Call us</a>',
      '<a href="#top">Top</a>',
      '<a href="/pricing">Pricing</a>',
      '<a data-no-track href="https://example.com/private">Private</a>',
      '<a name="anchor-only">No href</a>',
    ];
    const html = `<body>${untouched.join('\n')}\n<a href="https://example.com/tracked">Tracked</a></body>`;
    const tracked = trackEmail(html, opts);
    expect(tracked.links).toBe(1);
    for (const link of untouched) expect(tracked.html).toContain(link);
    expect(tracked.html).not.toContain('https://example.com/tracked');
  });

  test('adds the open pixel just before </body>, or at the end when there is none', () => {
    const tracked = trackEmail('<html><BODY><p>Hi</p></BODY></html>', opts);
    const pixel = tracked.html.match(
      /<img src="https:\/\/mail\.example\.com\/t\/o\/([^"]+)" width="1" height="1" alt="" style="display:none"><\/BODY><\/html>$/,
    );
    expect(pixel).not.toBeNull();
    expect(readOpenToken(signer, pixel![1]!)).toBe('msg-42');
    expect(pixel![1]!.endsWith('.gif')).toBe(true);
    expect(tracked.links).toBe(0);

    const fragment = trackEmail('<p>Hi</p>', opts).html;
    expect(fragment).toMatch(/^<p>Hi<\/p><img src="https:\/\/mail\.example\.com\/t\/o\/[^"]+\.gif"[^>]*>$/);
  });

  test('a publicUrl with a trailing slash still recognises unsubscribe links and builds clean URLs', () => {
    const html = `<body><a href="${PUBLIC_URL}/u/tok">Unsubscribe</a><a href="https://example.com/">Go</a></body>`;
    const tracked = trackEmail(html, { ...opts, publicUrl: `${PUBLIC_URL}/` });
    expect(tracked.links).toBe(1);
    expect(tracked.html).toContain(`href="${PUBLIC_URL}/u/tok"`);
    expect(tracked.html).toContain(`href="${PUBLIC_URL}/t/c/`);
  });
});

describe('readClickToken', () => {
  const token = clickToken(hrefs(trackEmail(`<a href="${CTA.replace(/&/g, '&amp;')}">Go</a>`, opts).html)[0]!);

  test('a token edited to point at another site is refused', () => {
    const [payload, expiry, mac] = token.split('.');
    const decoded = Buffer.from(payload!, 'base64url').toString();
    expect(decoded).toContain(CTA);
    const edited = Buffer.from(decoded.replace(CTA, 'https://evil.example')).toString('base64url');
    expect(readClickToken(signer, `${edited}.${expiry}.${mac}`)).toBeUndefined();
  });

  test('a token signed with another secret, or expired, is refused', () => {
    const other = new LinkSigner('another-secret-that-is-also-long-enough-00');
    const foreign = clickToken(
      hrefs(trackEmail('<a href="https://example.com/">Go</a>', { ...opts, signer: other }).html)[0]!,
    );
    expect(readClickToken(signer, foreign)).toBeUndefined();
    const expired = clickToken(
      hrefs(trackEmail('<a href="https://example.com/">Go</a>', { ...opts, ttlMs: -1000 }).html)[0]!,
    );
    expect(readClickToken(signer, expired)).toBeUndefined();
  });

  test('a token signed for opens does not read as a click', () => {
    const openToken = signer.sign('open', 'msg-42', 60_000);
    expect(readClickToken(signer, openToken)).toBeUndefined();
    expect(readOpenToken(signer, openToken)).toBe('msg-42');
  });

  test('a validly signed token for a javascript: URL is refused', () => {
    const subject = Buffer.from(token.split('.')[0]!, 'base64url').toString().slice('click:'.length);
    for (const url of ['javascript:alert(1)', 'data:text/html,hi', '//evil.example/']) {
      const signed = signer.sign('click', subject.replace(CTA, url), 60_000);
      expect(readClickToken(signer, signed)).toBeUndefined();
    }
    expect(readClickToken(signer, signer.sign('click', subject, 60_000))?.url).toBe(CTA);
  });

  test('a click token does not read as an open, and an open token reads with or without .gif', () => {
    expect(readOpenToken(signer, token)).toBeUndefined();
    const openToken = signer.sign('open', 'msg-7', 60_000);
    expect(readOpenToken(signer, `${openToken}.gif`)).toBe('msg-7');
    expect(readOpenToken(signer, `${openToken}.png`)).toBeUndefined();
  });
});

describe('machineEngagement', () => {
  const CHROME =
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
  const sentAt = new Date('2026-03-02T09:00:00.000Z');
  const base = {
    kind: 'click' as const,
    method: 'GET',
    userAgent: CHROME,
    ip: '203.0.113.9',
    sentAt,
    at: new Date(sentAt.getTime() + 3_600_000),
    scannerWindowMs: 10_000,
  };

  test('a person in Chrome is human, for opens and clicks', () => {
    expect(machineEngagement(base)).toBeUndefined();
    expect(machineEngagement({ ...base, kind: 'open' })).toBeUndefined();
  });

  test('a HEAD request is a machine', () => {
    expect(machineEngagement({ ...base, method: 'HEAD' })).toBe('head request');
    expect(machineEngagement({ ...base, method: 'head', kind: 'open' })).toBe('head request');
  });

  test('Apple Mail Privacy Protection opens are machines: bare Mozilla/5.0 or an Apple address', () => {
    expect(machineEngagement({ ...base, kind: 'open', userAgent: 'Mozilla/5.0' })).toMatch(/apple/i);
    expect(machineEngagement({ ...base, kind: 'open', ip: '17.58.1.2' })).toMatch(/apple/i);
    expect(machineEngagement({ ...base, kind: 'open', ip: '::ffff:17.58.1.2' })).toMatch(/apple/i);
    expect(machineEngagement({ ...base, kind: 'open', ip: '170.58.1.2' })).toBeUndefined();
    expect(machineEngagement({ ...base, kind: 'open', ip: '::ffff:170.58.1.2' })).toBeUndefined();
  });

  test('scanners and scripts are machines by their user agent, and so is a missing one', () => {
    expect(machineEngagement({ ...base, userAgent: 'Mozilla/5.0 (compatible; Proofpoint URL Defense)' })).toMatch(
      /proofpoint/i,
    );
    expect(machineEngagement({ ...base, userAgent: 'python-requests/2.31.0' })).toMatch(/python-requests/i);
    expect(machineEngagement({ ...base, userAgent: 'Microsoft Office Protocol Discovery' })).toBeDefined();
    expect(machineEngagement({ ...base, userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' })).toBeDefined();
    expect(machineEngagement({ ...base, kind: 'open', userAgent: undefined })).toBeDefined();
    expect(machineEngagement({ ...base, userAgent: '  ' })).toBeDefined();
    expect(MACHINE_USER_AGENTS.length).toBeGreaterThan(10);
  });

  test('a click seconds after sending is a scanner; a minute later it is a person', () => {
    const early = { ...base, at: new Date(sentAt.getTime() + 2_000) };
    expect(machineEngagement(early)).toBe('clicked 2000 ms after sending');
    expect(machineEngagement({ ...base, at: new Date(sentAt.getTime() + 60_000) })).toBeUndefined();
    // An open shortly after sending is normal (the reader had the inbox open); without a send time there is no timing.
    expect(machineEngagement({ ...early, kind: 'open' })).toBeUndefined();
    expect(machineEngagement({ ...early, sentAt: null })).toBeUndefined();
  });
});
