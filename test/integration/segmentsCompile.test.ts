import { mayReceiveSql } from '../../db/stores/topics';
import { compileSegment } from '../../domain/segments/compile';
import { checkDefinition, type SegmentDefinition } from '../../domain/segments/definition';
import { createTestDatabase, type TestDatabase } from '../harness';

/**
 * The compiled SQL against memberships computed by hand, in JavaScript, on generated contacts with events at known
 * times. Each seed draws a different population.
 */

const DAY = 86_400_000;
const NOW = new Date('2026-06-15T12:00:00Z');

interface Person {
  id: string;
  traits: Record<string, unknown>;
  /** Event name to the instants it happened, with its properties. */
  events: { name: string; at: Date; properties: Record<string, unknown> }[];
  clickedAt?: Date;
}

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function population(seed: number, n: number): Person[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const people: Person[] = [];
  for (let i = 0; i < n; i++) {
    const traits: Record<string, unknown> = {};
    const plan = pick(['free', 'pro', 'team', undefined]);
    if (plan) traits['plan'] = plan;
    // Seats as a number, as text that spells a number (CSV), or absent.
    const seats = Math.floor(r() * 20);
    const seatKind = r();
    if (seatKind < 0.4) traits['seats'] = seats;
    else if (seatKind < 0.7) traits['seats'] = String(seats);
    traits['country'] = pick(['DE', 'FR', 'US', 'de']);
    if (r() < 0.7)
      traits['signed_up_at'] = new Date(NOW.getTime() - Math.floor(r() * 60) * DAY - 3_600_000).toISOString();
    else if (r() < 0.5) traits['signed_up_at'] = 'not a date';
    if (r() < 0.5) traits['tags'] = [pick(['beta', 'vip', 'churned']), pick(['beta', 'early'])];
    const events: Person['events'] = [];
    const logins = Math.floor(r() * 5);
    for (let k = 0; k < logins; k++) {
      events.push({
        name: 'login',
        at: new Date(NOW.getTime() - Math.floor(r() * 50) * DAY - 7_200_000),
        properties: {},
      });
    }
    if (r() < 0.4) {
      const amount = Math.floor(r() * 200);
      events.push({
        name: 'purchase',
        at: new Date(NOW.getTime() - Math.floor(r() * 20) * DAY - 60_000),
        properties: { amount: r() < 0.5 ? amount : String(amount), currency: pick(['EUR', 'USD']) },
      });
    }
    const clicked = r() < 0.3 ? new Date(NOW.getTime() - Math.floor(r() * 40) * DAY - 60_000) : undefined;
    people.push({ id: '', traits, events, ...(clicked ? { clickedAt: clicked } : {}) });
  }
  return people;
}

const count = (
  p: Person,
  name: string,
  now: Date,
  days?: number,
  where?: (props: Record<string, unknown>) => boolean,
) =>
  p.events.filter(
    (e) =>
      e.name === name &&
      (days === undefined || (e.at.getTime() > now.getTime() - days * DAY && e.at <= now)) &&
      (!where || where(e.properties)),
  ).length;
const num = (v: unknown) =>
  typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : undefined;

/** Definitions, each with its membership computed by hand. */
const CASES: [string, SegmentDefinition, (p: Person, now: Date) => boolean][] = [
  [
    'pro, logged in twice in 30 days',
    {
      all: [
        { trait: 'plan', op: 'eq', value: 'pro' },
        { event: 'login', atLeast: 2, withinDays: 30 },
      ],
    },
    (p, now) => p.traits['plan'] === 'pro' && count(p, 'login', now, 30) >= 2,
  ],
  ['never logged in', { event: 'login', atMost: 0 }, (p, now) => count(p, 'login', now) === 0],
  ['ever purchased', { event: 'purchase' }, (p, now) => count(p, 'purchase', now) > 0],
  [
    'at most one login in 7 days, with at least one',
    { event: 'login', atLeast: 1, atMost: 1, withinDays: 7 },
    (p, now) => count(p, 'login', now, 7) === 1,
  ],
  [
    'seats >= 10 (numbers and numeric text)',
    { trait: 'seats', op: 'gte', value: 10 },
    (p) => (num(p.traits['seats']) ?? -Infinity) >= 10,
  ],
  [
    'plan is not free (missing is not "not free")',
    { trait: 'plan', op: 'neq', value: 'free' },
    (p) => p.traits['plan'] !== undefined && p.traits['plan'] !== 'free',
  ],
  ['not (plan is free)', { not: { trait: 'plan', op: 'eq', value: 'free' } }, (p) => p.traits['plan'] !== 'free'],
  [
    'country in DE, FR or team plan',
    {
      any: [
        { trait: 'country', op: 'in', value: ['DE', 'FR'] },
        { trait: 'plan', op: 'eq', value: 'team' },
      ],
    },
    (p) => ['DE', 'FR'].includes(p.traits['country'] as string) || p.traits['plan'] === 'team',
  ],
  [
    'tagged vip',
    { trait: 'tags', op: 'contains', value: 'vip' },
    (p) => Array.isArray(p.traits['tags']) && (p.traits['tags'] as string[]).includes('vip'),
  ],
  [
    'signed up within 14 days',
    { trait: 'signed_up_at', op: 'withinDays', value: 14 },
    (p, now) => {
      const t = Date.parse(String(p.traits['signed_up_at']));
      return Number.isFinite(t) && t > now.getTime() - 14 * DAY && t <= now.getTime();
    },
  ],
  ['has seats', { trait: 'seats', op: 'exists' }, (p) => p.traits['seats'] !== undefined],
  [
    'purchase over 100 EUR in 14 days',
    {
      event: 'purchase',
      withinDays: 14,
      where: [
        { property: 'amount', op: 'gt', value: 100 },
        { property: 'currency', op: 'eq', value: 'EUR' },
      ],
    },
    (p, now) =>
      count(p, 'purchase', now, 14, (pr) => (num(pr['amount']) ?? -Infinity) > 100 && pr['currency'] === 'EUR') > 0,
  ],
  [
    'clicked an email in 21 days',
    { email: 'clicked', withinDays: 21 },
    (p, now) => !!p.clickedAt && p.clickedAt.getTime() > now.getTime() - 21 * DAY && p.clickedAt <= now,
  ],
];

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
}, 60_000);
afterAll(async () => t?.destroy());

async function seed(people: Person[], tag: string) {
  const rows = await t
    .db('contacts')
    .insert(people.map((p, i) => ({ external_id: `${tag}-${i}`, email: `${tag}-${i}@example.com`, traits: p.traits })))
    .returning('id');
  rows.forEach((r: { id: string }, i: number) => (people[i]!.id = r.id));
  const events = people.flatMap((p) =>
    p.events.map((e) => ({ contact_id: p.id, name: e.name, occurred_at: e.at, properties: e.properties })),
  );
  for (let i = 0; i < events.length; i += 1000) await t.db('events').insert(events.slice(i, i + 1000));
  const clicks = people.filter((p) => p.clickedAt);
  if (clicks.length > 0) {
    await t.db('email_outbox').insert(
      clicks.map((p, i) => ({
        idempotency_key: `${tag}-click-${i}`,
        contact_id: p.id,
        template: 'welcome',
        to_email: `${tag}@example.com`,
        subject: 'Hi',
        status: 'sent',
        sent_at: new Date(p.clickedAt!.getTime() - 60_000),
        clicked_at: p.clickedAt,
      })),
    );
  }
}

async function members(definition: SegmentDefinition, now: Date, ids: string[]): Promise<Set<string>> {
  const p = compileSegment(definition, { contact: 'c', now, mayReceive: mayReceiveSql });
  const res = await t.db.raw(`SELECT c.id FROM contacts c WHERE c.id = ANY(?::uuid[]) AND ${p.sql}`, [
    `{${ids.join(',')}}`,
    ...p.bindings,
  ] as never[]);
  return new Set((res.rows as { id: string }[]).map((r) => r.id));
}

describe.each([1, 7, 42])('seed %i: 300 contacts', (seedNo) => {
  const people = population(seedNo, 300);
  beforeAll(async () => seed(people, `s${seedNo}`), 60_000);

  it.each(CASES)('%s', async (_name, definition, byHand) => {
    expect(checkDefinition(definition).ok).toBe(true);
    const expected = new Set(people.filter((p) => byHand(p, NOW)).map((p) => p.id));
    const actual = await members(
      definition,
      NOW,
      people.map((p) => p.id),
    );
    expect(expected.size).toBeGreaterThan(0);
    expect(expected.size).toBeLessThan(people.length);
    expect([...actual].sort()).toEqual([...expected].sort());
  });

  it('windows slide: as "now" advances, logins leave the 30-day window and people leave the segment', async () => {
    const definition = CASES[0]![1];
    const sizes: number[] = [];
    for (const days of [0, 5, 10, 20, 40]) {
      const now = new Date(NOW.getTime() + days * DAY);
      const expected = people
        .filter((p) => CASES[0]![2](p, now))
        .map((p) => p.id)
        .sort();
      const actual = [
        ...(await members(
          definition,
          now,
          people.map((p) => p.id),
        )),
      ].sort();
      expect(actual).toEqual(expected);
      sizes.push(actual.length);
    }
    // Nobody logs in after NOW: the segment only shrinks, and is empty once every login is 30 days old.
    expect(sizes[0]).toBeGreaterThan(sizes[2]!);
    expect(sizes[4]).toBe(0);
  });
});

describe('values from the definition are bound, never spliced into SQL', () => {
  const evil = "plan'); drop table contacts; --";
  it('a trait, a value and an event named like SQL are stored and matched as plain text', async () => {
    const [c] = await t
      .db('contacts')
      .insert({ external_id: 'evil-1', email: 'evil@example.com', traits: { [evil]: evil, 'x?y': 1 } })
      .returning('id');
    await t.db('events').insert({ contact_id: c.id, name: evil, occurred_at: NOW, properties: { [evil]: '?' } });
    const definition: SegmentDefinition = {
      all: [
        { trait: evil, op: 'eq', value: evil },
        { trait: 'x?y', op: 'gte', value: 1 },
        { event: evil, withinDays: 1, where: [{ property: evil, op: 'eq', value: '?' }] },
      ],
    };
    const checked = checkDefinition(definition);
    expect(checked.ok).toBe(true);
    const found = await members(checked.ok ? checked.definition : definition, NOW, [c.id]);
    expect([...found]).toEqual([c.id]);
    const notFound = await members({ trait: evil, op: 'contains', value: "'; select pg_sleep(5); --" }, NOW, [c.id]);
    expect(notFound.size).toBe(0);
    expect(Number((await t.db('contacts').count({ n: '*' }))[0]!.n)).toBeGreaterThan(0);
  });
});

describe('subscription conditions', () => {
  type State = 'subscribed' | 'unsubscribed' | 'pending' | undefined;
  interface Reader {
    id: string;
    plan: string;
    unsubscribedFromAll: boolean;
    topics: Record<string, State>;
  }
  const OPT_IN = 'beta_programme';
  const ARCHIVED = 'old_digest';
  const TOPICS = ['newsletter', OPT_IN, ARCHIVED];
  const readers: Reader[] = [];

  /** The rule by hand: nothing after a contact-wide unsubscribe; opt-out topics unless left, opt-in once confirmed. */
  const receives = (r: Reader, topic: string) => {
    if (r.unsubscribedFromAll || topic === ARCHIVED) return false;
    const state = r.topics[topic];
    return topic === OPT_IN ? state === 'subscribed' : state !== 'unsubscribed';
  };

  beforeAll(async () => {
    await t.db('topics').insert([
      { key: OPT_IN, name: 'Beta programme', opt_in: true },
      { key: ARCHIVED, name: 'Old digest', opt_in: false, archived_at: NOW },
    ]);
    const r = rng(99);
    const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
    for (let i = 0; i < 200; i++) {
      const reader: Reader = {
        id: '',
        plan: pick(['pro', 'free']),
        unsubscribedFromAll: r() < 0.15,
        topics: Object.fromEntries(
          TOPICS.map((k) => [k, pick<State>([undefined, 'subscribed', 'unsubscribed', 'pending'])]),
        ),
      };
      const [row] = await t
        .db('contacts')
        .insert({
          external_id: `topics-${i}`,
          email: `topics-${i}@example.com`,
          traits: { plan: reader.plan },
          unsubscribed_at: reader.unsubscribedFromAll ? NOW : null,
        })
        .returning('id');
      reader.id = row.id;
      readers.push(reader);
    }
    const choices = readers.flatMap((reader) =>
      TOPICS.flatMap((k) => {
        const state = reader.topics[k];
        return state ? [{ contact_id: reader.id, topic_key: k, state, source: 'api' }] : [];
      }),
    );
    await t.db('contact_topics').insert(choices);
  }, 60_000);

  const SUBSCRIPTION_CASES: [string, SegmentDefinition, (r: Reader) => boolean][] = [
    ['subscribed to an opt-out topic', { subscribed: 'newsletter' }, (r) => receives(r, 'newsletter')],
    ['subscribed to an opt-in topic', { subscribed: OPT_IN }, (r) => receives(r, OPT_IN)],
    ['not subscribed', { not: { subscribed: 'newsletter' } }, (r) => !receives(r, 'newsletter')],
    [
      'pro, on the newsletter, not in the beta',
      {
        all: [{ trait: 'plan', op: 'eq', value: 'pro' }, { subscribed: 'newsletter' }, { not: { subscribed: OPT_IN } }],
      },
      (r) => r.plan === 'pro' && receives(r, 'newsletter') && !receives(r, OPT_IN),
    ],
  ];

  it.each(SUBSCRIPTION_CASES)('%s', async (_name, definition, byHand) => {
    expect(checkDefinition(definition, 'definition', { topics: ['newsletter', OPT_IN] }).ok).toBe(true);
    const expected = readers.filter(byHand).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(readers.length);
    const actual = await members(
      definition,
      NOW,
      readers.map((r) => r.id),
    );
    expect([...actual].sort()).toEqual(expected.sort());
  });

  it('an archived topic lets no one through', async () => {
    const actual = await members(
      { subscribed: ARCHIVED },
      NOW,
      readers.map((r) => r.id),
    );
    expect(actual.size).toBe(0);
  });

  it('a definition naming a topic that does not exist is refused at its path, listing the topics', () => {
    const definition = { any: [{ trait: 'plan', op: 'exists' }, { not: { subscribed: 'newsleter' } }] };
    const checked = checkDefinition(definition, 'definition', { topics: ['newsletter', 'offers'] });
    expect(checked).toEqual({
      ok: false,
      problems: [
        {
          path: 'definition.any.1.not.subscribed',
          message: "there is no topic 'newsleter'; the topics are: newsletter, offers",
        },
      ],
    });
    // Without the list of topics (a request's schema cannot read them), only the key's shape is checked.
    expect(checkDefinition(definition).ok).toBe(true);
    expect(checkDefinition({ subscribed: 'News letter' }).ok).toBe(false);
    expect(checkDefinition({ subscribed: 'newsletter' }, 'definition', { topics: [] })).toMatchObject({
      ok: false,
      problems: [{ message: expect.stringMatching(/there is no topic yet/) }],
    });
  });

  it('compiling a subscription condition without the eligibility rule is refused', () => {
    expect(() => compileSegment({ subscribed: 'newsletter' }, { contact: 'c', now: NOW })).toThrow(/mayReceive/);
  });
});
