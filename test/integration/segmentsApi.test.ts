import { createSegmentActivities } from '../../activities/segmentActivities';
import { uniqueId } from '../harness';
import { client, startTestStack, type TestStack } from '../harness/stack';

const DAY = 86_400_000;
let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
}, 60_000);
afterAll(async () => t?.stop());

const api = (role?: 'marketer' | 'chairman' | 'operator') => client(t, role);

async function contact(traits: Record<string, unknown> = {}) {
  const id = uniqueId('p');
  const res = await api()('POST', '/v1/contacts', { id, email: `${id}@example.com`, traits });
  expect(res.status).toBeLessThan(300);
  return res.body as { id: string; internalId: string };
}

async function segmentEvents(internalId: string) {
  const rows = await t.stack
    .db('events')
    .where({ contact_id: internalId })
    .whereLike('name', 'segment.%')
    .orderBy('id');
  return rows.map((r: { name: string; properties: { segment: string } }) => `${r.name}:${r.properties.segment}`);
}

async function isMember(key: string, internalId: string) {
  return !!(await t.stack.db('segment_members').where({ segment_key: key, contact_id: internalId }).first());
}

describe('definitions refused with a 400 naming the path and the choices', () => {
  it.each([
    [
      { trait: 'plan', op: 'like', value: 'p' },
      'definition.op',
      /eq, neq, in, gt, gte, lt, lte, exists, contains, withinDays/,
    ],
    [{ all: [{ event: 'login', atLeast: 0 }] }, 'definition.all.0.atLeast', /whole number from 1/],
    [{ email: 'read' }, 'definition.email', /sent, delivered, opened, clicked, bounced, complained/],
    [{ subscribed: 'News letter' }, 'definition.subscribed', /must be a topic key/],
    [{ subscribed: 'newsletter', op: 'eq' }, 'definition.op', /the fields are subscribed/],
    [{ not: { subscribed: 'newsleter' } }, 'definition.not.subscribed', /no topic 'newsleter'.*newsletter/],
    [{ any: [{ foo: 1 }] }, 'definition.any.0', /`all`, `any`, `not`/],
    [{ event: 'login', where: { property: 'x', op: 'withinDays', value: 3 } }, 'definition.where.op', /eq, neq, in/],
    [
      { not: { not: { not: { not: { not: { not: { trait: 'a', op: 'exists' } } } } } } },
      'definition.not.not.not.not.not.not',
      /deeper than 6/,
    ],
  ])('%j', async (definition, path, message) => {
    const res = await api()('POST', '/v1/segments', { key: uniqueId('bad'), name: 'Bad', definition });
    expect(res.status).toBe(400);
    const problem = (res.body.problems as { path: string; message: string }[]).find((p) => p.path === path);
    expect(problem?.message).toMatch(message);
  });

  it('too many conditions', async () => {
    const half = (n: number) => Array.from({ length: 26 }, (_, i) => ({ trait: `t${n}-${i}`, op: 'exists' }));
    const definition = { all: [{ any: half(1) }, { any: half(2) }] };
    const res = await api()('POST', '/v1/segments/preview', { definition });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.problems)).toMatch(/52 conditions; at most 50/);
  });
});

describe('segments over the API', () => {
  it('creates, counts, previews, pages members, refuses a taken key, and enforces roles', async () => {
    const plan = uniqueId('plan');
    const people = await Promise.all(Array.from({ length: 5 }, () => contact({ plan })));
    await contact({ plan: 'other' });
    const definition = { trait: 'plan', op: 'eq', value: plan };
    const preview = await api('chairman')('POST', '/v1/segments/preview', { definition });
    expect(preview.body.count).toBe(5);
    expect(preview.body.sample).toHaveLength(5);
    const key = uniqueId('seg');
    expect((await api('chairman')('POST', '/v1/segments', { key, name: 'X', definition })).status).toBe(403);
    const created = await api()('POST', '/v1/segments', { key, name: 'Plan', definition });
    expect(created.status).toBe(201);
    expect(created.body.count).toBe(5);
    expect((await api()('POST', '/v1/segments', { key, name: 'Again', definition })).status).toBe(409);
    expect((await api('chairman')('GET', `/v1/segments/${key}`)).body.count).toBe(5);
    expect((await api()('GET', '/v1/segments')).body.segments.map((s: { key: string }) => s.key)).toContain(key);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { members: { id: string }[]; nextCursor: string | null } } = await api()(
        'GET',
        `/v1/segments/${key}/members?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.members.map((m) => m.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(people.map((p) => p.id).sort());
    // Creating is a baseline: nobody is told they entered.
    expect(await segmentEvents(people[0]!.internalId)).toEqual([]);
  });

  it('an event moves a contact in, and the entry is an event in the contact’s timeline', async () => {
    const key = uniqueId('seg');
    const name = uniqueId('login');
    const definition = { event: name, atLeast: 2, withinDays: 30 };
    expect((await api()('POST', '/v1/segments', { key, name: 'Active', definition })).status).toBe(201);
    const p = await contact();
    const post = (i: number) => api()('POST', '/v1/events', { contactId: p.id, name, idempotencyKey: `${key}-${i}` });
    expect((await post(1)).status).toBeLessThan(300);
    expect(await isMember(key, p.internalId)).toBe(false);
    expect((await post(2)).status).toBeLessThan(300);
    expect(await isMember(key, p.internalId)).toBe(true);
    expect(await segmentEvents(p.internalId)).toEqual([`segment.entered:${key}`]);
  });

  it('a trait change moves a contact in and out, with segment.entered and segment.left', async () => {
    const key = uniqueId('seg');
    const definition = {
      all: [{ trait: 'seats', op: 'gte', value: 10 }, { not: { trait: 'plan', op: 'eq', value: 'free' } }],
    };
    expect((await api()('POST', '/v1/segments', { key, name: 'Big', definition })).status).toBe(201);
    const id = uniqueId('p');
    const upsert = (traits: Record<string, unknown>) =>
      api()('POST', '/v1/contacts', { id, email: `${id}@example.com`, traits });
    const created = (await upsert({ seats: 3 })).body as { internalId: string };
    expect(await isMember(key, created.internalId)).toBe(false);
    await upsert({ seats: '12' });
    expect(await isMember(key, created.internalId)).toBe(true);
    await upsert({ plan: 'free' });
    expect(await isMember(key, created.internalId)).toBe(false);
    expect(await segmentEvents(created.internalId)).toEqual([`segment.entered:${key}`, `segment.left:${key}`]);
  });

  it('the scheduled refresh removes someone whose window expired', async () => {
    const key = uniqueId('seg');
    const name = uniqueId('login');
    expect(
      (await api()('POST', '/v1/segments', { key, name: 'Recent', definition: { event: name, withinDays: 7 } })).status,
    ).toBe(201);
    const p = await contact();
    const at = new Date(Date.now() - 6 * DAY).toISOString();
    await api()('POST', '/v1/events', { contactId: p.id, name, occurredAt: at });
    expect(await isMember(key, p.internalId)).toBe(true);
    const { refreshWindowedSegments } = createSegmentActivities({
      db: t.stack.db,
      temporal: t.stack.temporal,
      taskQueue: t.taskQueue,
    });
    const today = await refreshWindowedSegments({});
    expect(today.segments.find((s) => s.key === key)).toEqual({ key, entered: 0, left: 0 });
    const later = await refreshWindowedSegments({ asOf: new Date(Date.now() + 2 * DAY).toISOString() });
    expect(later.segments.find((s) => s.key === key)).toEqual({ key, entered: 0, left: 1 });
    expect(await isMember(key, p.internalId)).toBe(false);
    expect(await segmentEvents(p.internalId)).toEqual([`segment.entered:${key}`, `segment.left:${key}`]);
  });

  it('a definition change recomputes membership and tells who left', async () => {
    const tag = uniqueId('tag');
    const p = await contact({ tier: tag });
    const key = uniqueId('seg');
    await api()('POST', '/v1/segments', { key, name: 'T', definition: { trait: 'tier', op: 'eq', value: tag } });
    expect(await isMember(key, p.internalId)).toBe(true);
    const res = await api()('PUT', `/v1/segments/${key}`, { definition: { trait: 'tier', op: 'eq', value: 'none' } });
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(0);
    expect(res.body.version).toBe(2);
    expect(await segmentEvents(p.internalId)).toEqual([`segment.left:${key}`]);
  });

  it('a segment a sequence starts on cannot be deleted; an unused one can', async () => {
    const key = uniqueId('seg');
    await api()('POST', '/v1/segments', { key, name: 'S', definition: { trait: 'x', op: 'exists' } });
    await t.stack.db('sequences').insert({ key: `${key}-seq`, name: 'uses it', current_version: 1 });
    await t.stack.db('sequence_versions').insert({
      sequence_key: `${key}-seq`,
      version: 1,
      definition: JSON.stringify({ triggers: [{ segmentEntered: key }], steps: [] }),
    });
    const refused = await api()('DELETE', `/v1/segments/${key}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error ?? refused.body.message).toMatch(`${key}-seq`);
    await t.stack
      .db('sequences')
      .where({ key: `${key}-seq` })
      .update({ archived_at: new Date() });
    expect((await api()('DELETE', `/v1/segments/${key}`)).status).toBe(204);
    expect((await api()('GET', `/v1/segments/${key}`)).status).toBe(404);
  });

  it('SQL in trait names, values and event names is stored and evaluated as text', async () => {
    const evil = "plan'); drop table contacts; --";
    const p = await contact({ [evil]: evil });
    const key = uniqueId('seg');
    const definition = {
      any: [
        { trait: evil, op: 'eq', value: evil },
        { event: evil, atLeast: 1 },
      ],
    };
    const res = await api()('POST', '/v1/segments', { key, name: evil, definition });
    expect(res.status).toBe(201);
    expect(res.body.definition).toEqual(definition);
    expect(res.body.count).toBe(1);
    expect(await isMember(key, p.internalId)).toBe(true);
    expect(await t.stack.db('contacts').where({ id: p.internalId }).first()).toBeDefined();
  });
});
