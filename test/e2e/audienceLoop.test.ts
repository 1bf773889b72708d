import { eventually, findEverywhere, uniqueId } from '../harness';
import { client, startTestStack, type TestStack } from '../harness/stack';

// The marketer's loop through the HTTP API against the whole product: a CSV import, events, a segment whose count
// is worked out by hand from the generated data, a sequence started by entering the segment, a broadcast that
// reaches exactly those who may receive it, and an erasure that leaves the address nowhere.

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ PRODUCT_NAME: 'Acme Notes' });
}, 60_000);
afterAll(async () => t?.stop());

const DAY = 86_400_000;
const PLANS = ['pro', 'free', 'pro', 'team', 'pro'];
const COUNTRIES = ['DE', 'DE', 'FR', 'US', 'DE', 'AT', 'DE'];

interface Person {
  id: string;
  email: string;
  plan: string;
  country: string;
  /** Login times, as days before now. */
  loginsDaysAgo: number[];
  unsubscribed: boolean;
}

/** Sixty people whose plan, country and logins vary with their index (several periods, so every mix occurs). */
function people(tag: string): Person[] {
  return Array.from({ length: 60 }, (_, i) => {
    const recent = Math.floor(i / 3) % 4; // 0 to 3 logins inside the 30 days
    const loginsDaysAgo = Array.from({ length: recent }, (_, k) => 2 + k * 9); // 2, 11, 20 days ago
    if (i % 2 === 0) loginsDaysAgo.push(45); // an old login, outside the window: it must not count
    return {
      // Two digits: no id is a prefix of another, so a search for one finds only that one.
      id: `${tag}-${String(i).padStart(2, '0')}`,
      email: `${tag}-${String(i).padStart(2, '0')}@example.com`,
      plan: PLANS[i % PLANS.length]!,
      country: COUNTRIES[i % COUNTRIES.length]!,
      loginsDaysAgo,
      unsubscribed: i % 9 === 4,
    };
  });
}

const recentLogins = (p: Person) => p.loginsDaysAgo.filter((d) => d < 30).length;
/** The segment's rule, in plain TypeScript: pro plan, logged in at least twice in the last 30 days, in Germany. */
const qualifies = (p: Person, extraLogins = 0) =>
  p.plan === 'pro' && p.country === 'DE' && recentLogins(p) + extraLogins >= 2;

test('import, segment count by hand, a segment-started sequence, a broadcast to exactly who may receive it, and an erasure', async () => {
  const marketer = client(t);
  const operator = client(t, 'operator');
  const tag = uniqueId('loop');
  const everyone = people(tag);

  // 1. A CSV import: sixty good rows and one bad address, reported by its row number.
  const csv = [
    'id,email,timezone,plan,country',
    ...everyone.map((p) => `${p.id},${p.email},Europe/Berlin,${p.plan},${p.country}`),
    `${tag}-bad,not-an-email,UTC,pro,DE`,
  ].join('\n');
  const imported = await fetch(`${t.api}/v1/contacts/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.keys.marketer}`, 'content-type': 'text/csv' },
    body: csv,
  });
  const report = (await imported.json()) as { rejectedRows: unknown[] };
  expect(imported.status).toBe(200);
  expect(report).toMatchObject({ status: 'completed', rows: 61, created: 60, rejected: 1 });
  expect(report.rejectedRows).toEqual([expect.objectContaining({ row: 61, field: 'email' })]);

  // 2. Logins at known times; then list hygiene: some unsubscribed by the marketer.
  const now = Date.now();
  const logins = everyone.flatMap((p) =>
    p.loginsDaysAgo.map((d) => ({
      contactId: p.id,
      name: 'login',
      occurredAt: new Date(now - d * DAY).toISOString(),
    })),
  );
  const posted = await marketer('POST', '/v1/events', { events: logins });
  expect(posted.status).toBe(202);
  expect(posted.body).toMatchObject({ accepted: logins.length, rejected: [] });
  for (const p of everyone.filter((x) => x.unsubscribed))
    expect((await marketer('POST', `/v1/contacts/${p.id}/unsubscribe`)).status).toBe(200);

  const members = everyone.filter((p) => qualifies(p));
  // One member's address suppressed; a newcomer who is one login short (and may be mailed) enters later.
  const suppressed = members.find((p) => !p.unsubscribed)!;
  const newcomer = everyone.find((p) => !qualifies(p) && qualifies(p, 1) && !p.unsubscribed)!;
  // The generated data holds every case the test is about.
  expect(members.length).toBeGreaterThanOrEqual(5);
  expect(members.some((p) => p.unsubscribed)).toBe(true);
  // Someone with two logins, one outside the window, is not a member.
  expect(
    everyone.some((p) => p.plan === 'pro' && p.country === 'DE' && p.loginsDaysAgo.length >= 2 && !qualifies(p)),
  ).toBe(true);
  expect(suppressed && newcomer).toBeTruthy();
  expect(
    (await marketer('POST', '/v1/suppressions', { email: suppressed.email, detail: 'asked by phone' })).status,
  ).toBe(201);

  // 3. The segment: its count is the hand count.
  const key = `${tag}-pro-de`;
  const definition = {
    all: [
      { trait: 'plan', op: 'eq', value: 'pro' },
      { event: 'login', atLeast: 2, withinDays: 30 },
      { trait: 'country', op: 'eq', value: 'DE' },
    ],
  };
  expect((await marketer('POST', '/v1/segments/preview', { definition })).body.count).toBe(members.length);
  expect((await marketer('POST', '/v1/segments', { key, name: 'Active pro in Germany', definition })).status).toBe(201);
  const segment = await marketer('GET', `/v1/segments/${key}`);
  expect(segment.body.count).toBe(members.length);

  // 4. A sequence started by entering the segment, created before the newcomer's second login.
  const sequence = {
    key: `${tag}-welcome`,
    name: 'Welcome to the active pros',
    topic: 'onboarding',
    triggers: [{ segmentEntered: key }],
    steps: [{ id: 'hello', type: 'send', template: 'welcome', subject: 'You are one of our active pros' }],
  };
  expect((await marketer('POST', '/v1/sequences', sequence)).status).toBe(201);
  expect(
    (
      await marketer('POST', '/v1/events', {
        contactId: newcomer.id,
        name: 'login',
        occurredAt: new Date().toISOString(),
      })
    ).status,
  ).toBe(202);
  await t.smtp.waitFor(() => t.smtp.to(newcomer.email).length === 1, 15_000);
  expect(t.smtp.to(newcomer.email).map((m) => m.subject)).toEqual(['You are one of our active pros']);
  const audience = [...members, newcomer];
  expect((await marketer('GET', `/v1/segments/${key}`)).body.count).toBe(audience.length);

  // 5. The broadcast: the audience count first, then exactly one email to each who may receive it.
  const mayReceive = audience.filter((p) => !p.unsubscribed && p !== suppressed);
  const unsubscribedMembers = audience.filter((p) => p.unsubscribed).length;
  expect((await marketer('POST', '/v1/broadcasts/preview-audience', { segment: key })).body).toEqual({
    segment: key,
    members: audience.length,
    eligible: audience.length - unsubscribedMembers,
  });
  const created = await marketer('POST', '/v1/broadcasts', {
    name: 'Spring news',
    segment: key,
    template: 'nurture_intro',
    subject: 'Spring news from {{product_name}}',
    topic: 'newsletter',
    rateLimitPerSecond: 50,
  });
  expect(created.status).toBe(201);
  const done = await eventually(async () => {
    const b = (await marketer('GET', `/v1/broadcasts/${created.body.id}`)).body;
    return b.status === 'completed' ? b : undefined;
  }, 20_000);
  expect(done.counts).toEqual({
    recipients: audience.length,
    sent: mayReceive.length,
    skipped: unsubscribedMembers + 1,
    skippedByReason: { unsubscribed: unsubscribedMembers, suppressed: 1 },
    failed: 0,
    remaining: 0,
  });
  const news = (p: Person) => t.smtp.to(p.email).filter((m) => m.subject === 'Spring news from Acme Notes').length;
  for (const p of everyone) expect([p.id, news(p)]).toEqual([p.id, mayReceive.includes(p) ? 1 : 0]);
  // The sequence started for the newcomer alone: the members already there when it was made did not enter then.
  const welcomed = t.smtp.list().filter((m) => m.subject === 'You are one of our active pros');
  expect(welcomed.map((m) => m.envelopeTo)).toEqual([[newcomer.email]]);

  // 6. Erasure of a member who got both emails: the address is in no table afterwards.
  expect(await findEverywhere(t.stack.db, newcomer.email)).not.toEqual([]);
  const erased = await operator('DELETE', `/v1/contacts/${newcomer.id}`);
  expect(erased.status).toBe(200);
  expect(erased.body).toMatchObject({ erased: true, segmentMemberships: 1, enrollments: 1 });
  expect(await findEverywhere(t.stack.db, newcomer.email)).toEqual([]);
  expect(await findEverywhere(t.stack.db, newcomer.id)).toEqual([]);
  expect((await marketer('GET', `/v1/segments/${key}`)).body.count).toBe(audience.length - 1);
}, 60_000);
