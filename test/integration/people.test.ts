import request from 'supertest';
import { LinkSigner } from '../../infra/signing';
import { createTestApp, eventually, uniqueId } from '../harness';
import { client, startTestStack, type TestStack } from '../harness/stack';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
}, 60_000);
afterAll(async () => t?.stop());

const call = (role: 'marketer' | 'operator' | 'chairman' = 'marketer') => client(t, role);
const problemPaths = (body: { problems?: { path: string }[] }) => (body.problems ?? []).map((p) => p.path);

/** Every contact a search answers, following nextCursor to the end. */
async function allPages(query: string, limit: number, between?: () => Promise<void>) {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const res = await call()('GET', `/v1/contacts?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    ids.push(...res.body.contacts.map((c: { id: string }) => c.id));
    cursor = res.body.nextCursor;
    if (!cursor) return ids;
    await between?.();
  }
  throw new Error('the pages never ended');
}

describe('GET /v1/contacts', () => {
  test('pages follow (created_at, id) newest first: contacts created between pages neither repeat nor hide any', async () => {
    const prefix = uniqueId('page');
    // Five share one creation time to the microsecond (as an import batch does): only the id tells them apart.
    const sameInstant = new Date('2026-01-05T10:00:00.123Z');
    await t.stack.db('contacts').insert(
      Array.from({ length: 5 }, (_, i) => ({
        external_id: `${prefix}-tie-${i}`,
        email: `${prefix}-tie-${i}@example.com`,
        created_at: sameInstant,
      })),
    );
    for (let i = 0; i < 4; i++)
      expect(
        (await call()('POST', '/v1/contacts', { id: `${prefix}-${i}`, email: `${prefix}-${i}@example.com` })).status,
      ).toBe(201);
    const before = await allPages(`q=${prefix}`, 100);
    expect(before).toHaveLength(9);

    let added = 0;
    const seen = await allPages(`q=${prefix}`, 2, async () => {
      added++;
      await call()('POST', '/v1/contacts', {
        id: `${prefix}-late-${added}`,
        email: `${prefix}-late-${added}@example.com`,
      });
    });
    expect(added).toBeGreaterThanOrEqual(4);
    // The walk saw exactly the contacts that existed when it began, each once, in the same order.
    expect(seen).toEqual(before);
    expect(new Set(seen).size).toBe(seen.length);
    // Newest first: the late ones lead a fresh first page.
    const fresh = await call()('GET', `/v1/contacts?q=${prefix}&limit=1`);
    expect(fresh.body.contacts[0].id).toBe(`${prefix}-late-${added}`);
  });

  test('a cursor this list did not make is a 400 naming cursor', async () => {
    for (const cursor of ['not a cursor!', Buffer.from('{"createdAt":1}').toString('base64url'), 'e30']) {
      const res = await call()('GET', `/v1/contacts?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(400);
      expect(problemPaths(res.body)).toEqual(['cursor']);
    }
  });

  test('q finds by a case-insensitive prefix of the email or the id; LIKE wildcards in q are literal', async () => {
    const tag = uniqueId('srch');
    await call()('POST', '/v1/contacts', { id: `${tag}-ada`, email: `Ada.${tag}@Example.com` });
    await call()('POST', '/v1/contacts', { id: `${tag}-bob`, email: `bob.${tag}@example.com` });
    const ids = async (q: string) =>
      (await call()('GET', `/v1/contacts?q=${encodeURIComponent(q)}`)).body.contacts.map((c: { id: string }) => c.id);
    expect(await ids(`ADA.${tag.toUpperCase()}`)).toEqual([`${tag}-ada`]);
    expect(await ids(`${tag}-b`)).toEqual([`${tag}-bob`]);
    expect((await ids(`${tag}`)).sort()).toEqual([`${tag}-ada`, `${tag}-bob`]);
    expect(await ids('%')).toEqual([]);
    expect(await ids(`_${tag.slice(1)}`)).toEqual([]);
    const internal = (await call()('GET', `/v1/contacts/${tag}-bob`)).body.internalId;
    expect(await ids(internal)).toEqual([`${tag}-bob`]);
  });

  test('segment= keeps the segment’s members; an unknown segment is a 400 naming segment', async () => {
    const tag = uniqueId('seg');
    const made = [];
    for (const n of ['a', 'b', 'c'])
      made.push((await call()('POST', '/v1/contacts', { id: `${tag}-${n}`, email: `${n}.${tag}@example.com` })).body);
    await t.stack.db('segments').insert({ key: tag, name: 'Pro in Germany', definition: JSON.stringify({ all: [] }) });
    await t.stack.db('segment_members').insert([
      { segment_key: tag, contact_id: made[0].internalId },
      { segment_key: tag, contact_id: made[2].internalId },
    ]);
    const res = await call()('GET', `/v1/contacts?segment=${tag}&limit=1`);
    expect(res.body.contacts.map((c: { id: string }) => c.id)).toEqual([`${tag}-c`]);
    expect((await allPages(`segment=${tag}`, 1)).sort()).toEqual([`${tag}-a`, `${tag}-c`]);
    expect(await allPages(`segment=${tag}&q=${tag}-a`, 5)).toEqual([`${tag}-a`]);

    const unknown = await call()('GET', '/v1/contacts?segment=no-such-segment');
    expect(unknown.status).toBe(400);
    expect(problemPaths(unknown.body)).toEqual(['segment']);
  });
});

describe('unsubscribe and resubscribe', () => {
  test('a marketer’s unsubscribe is recorded with the key’s name and role, audited, and ends the marketing enrollment', async () => {
    const id = uniqueId('hyg');
    const contact = (await call()('POST', '/v1/contacts', { id, email: `${id}@example.com` })).body;
    expect((await call()('POST', '/v1/events', { contactId: id, name: 'signup' })).body.enrolled).toEqual([
      'onboarding',
    ]);
    await eventually(async () =>
      (await t.stack.db('enrollments').where({ contact_id: contact.internalId, status: 'active' })).length
        ? true
        : undefined,
    );

    expect((await call('chairman')('POST', `/v1/contacts/${id}/unsubscribe`)).status).toBe(403);
    const res = await call()('POST', `/v1/contacts/${id}/unsubscribe`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.objectContaining({ id, changed: true, unsubscribedAt: expect.any(String) }));
    expect((await call()('POST', `/v1/contacts/${id}/unsubscribe`)).body.changed).toBe(false);

    const changes = await t.stack.db('contact_subscription_changes').where({ contact_id: contact.internalId });
    expect(changes).toEqual([
      expect.objectContaining({
        change: 'unsubscribed',
        source: 'marketer',
        actor: 'test marketer',
        actor_role: 'marketer',
      }),
    ]);
    const audited = await t.stack
      .db('audit_log')
      .where({ subject_id: contact.internalId, action: 'contact.unsubscribed' });
    expect(audited).toEqual([expect.objectContaining({ actor: 'test marketer', actor_role: 'marketer' })]);

    // The enrollment ends the way the email's link ends it.
    const ended = await eventually(async () => {
      const [row] = await t.stack.db('enrollments').where({ contact_id: contact.internalId });
      return row?.status === 'active' ? undefined : row;
    });
    expect(ended.status).toBe('unsubscribed');

    const back = await call('operator')('POST', `/v1/contacts/${id}/resubscribe`);
    expect(back.body).toEqual(expect.objectContaining({ changed: true, unsubscribedAt: null }));
    const timeline = (await call()('GET', `/v1/contacts/${id}/timeline`)).body.items;
    const subs = timeline
      .filter((i: { kind: string }) => i.kind === 'subscription')
      .map((i: { data: unknown }) => i.data);
    expect(subs).toEqual([
      expect.objectContaining({ change: 'resubscribed', actor: 'test operator', actorRole: 'operator' }),
      expect.objectContaining({ change: 'unsubscribed', actor: 'test marketer' }),
    ]);
    expect(timeline.map((i: { kind: string }) => i.kind)).toEqual(
      expect.arrayContaining(['event', 'enrollment.started', 'enrollment.ended']),
    );
  });

  test('the email’s unsubscribe link records a change from the link', async () => {
    const id = uniqueId('link');
    const contact = (await call()('POST', '/v1/contacts', { id, email: `${id}@example.com` })).body;
    const token = new LinkSigner('test-signing-secret-that-is-long-enough-000').sign(
      'unsubscribe',
      contact.internalId,
      60_000,
    );
    const res = await fetch(`${t.api}/u/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    expect(await t.stack.db('contact_subscription_changes').where({ contact_id: contact.internalId })).toEqual([
      expect.objectContaining({ change: 'unsubscribed', source: 'link', actor: `contact:${contact.internalId}` }),
    ]);
  });
});

describe('POST /v1/events', () => {
  test('names starting with email. or segment. are refused with a 400 naming name, alone or in a batch', async () => {
    const id = uniqueId('res');
    await call()('POST', '/v1/contacts', { id, email: `${id}@example.com` });
    for (const name of ['email.opened', 'segment.entered', 'Email.clicked']) {
      const res = await call()('POST', '/v1/events', { contactId: id, name });
      expect(res.status).toBe(400);
      expect(problemPaths(res.body)).toEqual(['name']);
    }
    const batch = await call()('POST', '/v1/events', {
      events: [
        { contactId: id, name: 'segment.left' },
        { contactId: id, name: 'emailed_support' },
      ],
    });
    expect(batch.status).toBe(202);
    expect(batch.body.rejected).toEqual([{ index: 0, problems: [expect.objectContaining({ path: 'name' })] }]);
    expect(batch.body.accepted).toBe(1);
    const internal = (await call()('GET', `/v1/contacts/${id}`)).body.internalId;
    expect((await t.stack.db('events').where({ contact_id: internal })).map((e) => e.name)).toEqual([
      'emailed_support',
    ]);
  });

  test('an unknown contact is a 404 by default, even with an email', async () => {
    const id = uniqueId('auto-off');
    const res = await call()('POST', '/v1/events', {
      contactId: id,
      name: 'signup',
      properties: { email: `${id}@example.com` },
    });
    expect(res.status).toBe(404);
    expect(await t.stack.db('contacts').where({ external_id: id })).toEqual([]);
  });

  test('with CONTACTS_FROM_EVENTS=true an event carrying a valid email creates its contact; without one, still 404', async () => {
    const app = createTestApp(t.stack.db, t.stack.temporal, {
      taskQueue: t.taskQueue,
      config: { CONTACTS_FROM_EVENTS: 'true' },
    });
    const auth = { authorization: `Bearer ${t.keys.marketer}` };
    const id = uniqueId('auto-on');
    const res = await request(app)
      .post('/v1/events')
      .set(auth)
      .send({ contactId: id, name: 'signup', properties: { email: `${id}@example.com` } });
    expect(res.status).toBe(202);
    expect(res.body.enrolled).toEqual(['onboarding']);
    const [created] = await t.stack.db('contacts').where({ external_id: id });
    expect(created).toEqual(expect.objectContaining({ email: `${id}@example.com`, timezone: 'UTC' }));

    const bad = await request(app)
      .post('/v1/events')
      .set(auth)
      .send({ contactId: `${id}-x`, name: 'signup', properties: { email: 'not an email' } });
    expect(bad.status).toBe(404);
    expect(await t.stack.db('contacts').where({ external_id: `${id}-x` })).toEqual([]);

    const batch = await request(app)
      .post('/v1/events')
      .set(auth)
      .send({
        events: [
          { contactId: `${id}-b1`, name: 'visit', properties: { email: `${id}-b1@example.com` } },
          { contactId: `${id}-b2`, name: 'visit' },
        ],
      });
    expect(batch.body.accepted).toBe(1);
    expect(batch.body.rejected).toEqual([{ index: 1, problems: [expect.objectContaining({ path: 'contactId' })] }]);
    expect(
      await t.stack
        .db('contacts')
        .whereIn('external_id', [`${id}-b1`, `${id}-b2`])
        .pluck('external_id'),
    ).toEqual([`${id}-b1`]);
  });
});

describe('GET /v1/contacts/:id/timeline', () => {
  test('pages newest first through events, messages and enrollments with nextBefore, each item once', async () => {
    const id = uniqueId('tl');
    await call()('POST', '/v1/contacts', { id, email: `${id}@example.com` });
    await call()('POST', '/v1/events', { contactId: id, name: 'signup' });
    for (let i = 0; i < 5; i++)
      await call()('POST', '/v1/events', {
        contactId: id,
        name: `visit_${i}`,
        occurredAt: `2026-01-0${i + 1}T00:00:00Z`,
      });
    await t.smtp.waitFor((m) => m.some((x) => x.envelopeTo.includes(`${id}@example.com`)), 15_000);
    await eventually(async () =>
      (await call()('GET', `/v1/contacts/${id}/timeline?limit=100`)).body.items.some(
        (i: { kind: string }) => i.kind === 'message',
      )
        ? true
        : undefined,
    );
    const whole = (await call()('GET', `/v1/contacts/${id}/timeline?limit=100`)).body;
    expect(whole.nextBefore).toBeNull();
    expect(whole.items.find((i: { kind: string }) => i.kind === 'message').data.channel).toBe('email');
    const times = whole.items.map((i: { at: string }) => i.at);
    expect([...times].sort().reverse()).toEqual(times);
    expect(whole.items.at(-1).data.name).toBe('visit_0');

    const walked: unknown[] = [];
    let before = '';
    for (let n = 0; n < 20; n++) {
      const page = (await call()('GET', `/v1/contacts/${id}/timeline?limit=2${before ? `&before=${before}` : ''}`))
        .body;
      walked.push(...page.items);
      if (!page.nextBefore) break;
      before = page.nextBefore;
    }
    expect(walked).toEqual(whole.items);

    const older = (await call()('GET', `/v1/contacts/${id}/timeline?before=2026-01-03T00:00:00Z`)).body.items;
    expect(older.map((i: { data: { name: string } }) => i.data.name)).toEqual(['visit_1', 'visit_0']);
    const bad = await call()('GET', `/v1/contacts/${id}/timeline?before=yesterday`);
    expect(bad.status).toBe(400);
    expect(problemPaths(bad.body)).toEqual(['before']);
  });
});
