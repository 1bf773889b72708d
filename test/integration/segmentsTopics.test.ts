import { uniqueId } from '../harness';
import { client, startTestStack, type TestStack } from '../harness/stack';

/**
 * Segments that select people by their topic subscriptions, over the API as a client uses it: subscriptions set
 * through the contact's subscription routes, segments previewed and saved, counts and members read back.
 */

const SEEDED_TOPICS = ['advertising', 'newsletter', 'offers', 'onboarding', 'product_updates'];

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
}, 60_000);
afterAll(async () => t?.stop());

const api = () => client(t);

interface Person {
  id: string;
  internalId: string;
}

async function contact(traits: Record<string, unknown>): Promise<Person> {
  const id = uniqueId('p');
  const res = await api()('POST', '/v1/contacts', { id, email: `${id}@example.com`, traits });
  expect(res.status).toBeLessThan(300);
  return res.body as Person;
}

async function setTopics(p: Person, wishes: Record<string, boolean>) {
  const res = await api()('PUT', `/v1/contacts/${p.id}/subscriptions`, wishes);
  expect(res.status).toBe(200);
}

async function unsubscribeFromAll(p: Person) {
  const res = await api()('POST', `/v1/contacts/${p.id}/unsubscribe`);
  expect(res.status).toBe(200);
}

async function preview(definition: unknown) {
  const res = await api()('POST', '/v1/segments/preview', { definition });
  expect(res.status).toBe(200);
  return { count: res.body.count as number, ids: (res.body.sample as { id: string }[]).map((c) => c.id).sort() };
}

async function save(definition: unknown) {
  const key = uniqueId('seg');
  const res = await api()('POST', '/v1/segments', { key, name: 'By topic', definition });
  expect(res.status).toBe(201);
  return { key, count: res.body.count as number };
}

async function members(key: string): Promise<string[]> {
  const res = await api()('GET', `/v1/segments/${key}/members?limit=500`);
  expect(res.status).toBe(200);
  return (res.body.members as { id: string }[]).map((m) => m.id).sort();
}

async function segmentEvents(p: Person, key: string): Promise<string[]> {
  const rows: { name: string }[] = await t.stack
    .db('events')
    .where({ contact_id: p.internalId })
    .whereIn('name', ['segment.entered', 'segment.left'])
    .whereRaw(`properties ->> 'segment' = ?`, [key])
    .orderBy('id');
  return rows.map((r) => r.name);
}

const ids = (...people: Person[]) => people.map((p) => p.id).sort();

describe('a subscribed condition naming a topic that does not exist', () => {
  const definition = {
    all: [{ trait: 'plan', op: 'eq', value: 'pro' }, { subscribed: 'weekly-digest' }],
  };

  const expectTopicProblem = (res: { status: number; body: { problems?: { path: string; message: string }[] } }) => {
    expect(res.status).toBe(400);
    const problem = res.body.problems?.find((p) => p.path === 'definition.all.1.subscribed');
    expect(problem?.message).toMatch(/there is no topic 'weekly-digest'/);
    for (const topic of SEEDED_TOPICS) expect(problem?.message).toContain(topic);
  };

  it('is a 400 naming the field and listing the topics, on create, preview and update', async () => {
    const key = uniqueId('seg');
    expectTopicProblem(await api()('POST', '/v1/segments', { key, name: 'Digest', definition }));
    expect((await api()('GET', `/v1/segments/${key}`)).status).toBe(404);
    expectTopicProblem(await api()('POST', '/v1/segments/preview', { definition }));
    const existing = await save({ trait: 'plan', op: 'exists' });
    expectTopicProblem(await api()('PUT', `/v1/segments/${existing.key}`, { definition }));
    expect((await api()('GET', `/v1/segments/${existing.key}`)).body.version).toBe(1);
  });

  it('lists a topic created since, and accepts it', async () => {
    const topic = uniqueId('digest');
    expect((await api()('POST', '/v1/topics', { key: topic, name: 'Digest', optIn: false })).status).toBe(201);
    const res = await api()('POST', '/v1/segments/preview', { definition: { subscribed: `${topic}x` } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.problems)).toContain(topic);
    expect((await api()('POST', '/v1/segments/preview', { definition: { subscribed: topic } })).status).toBe(200);
  });
});

describe('subscribed: who may receive mail under the topic now', () => {
  it('excludes who left the topic and who unsubscribed from everything; preview and saved segment agree', async () => {
    const plan = uniqueId('pro');
    const stays = await contact({ plan });
    const leftOffersOnly = await contact({ plan });
    const leftNewsletter = await contact({ plan });
    const leftAll = await contact({ plan });
    const otherPlan = await contact({ plan: `${plan}-other` });
    await setTopics(leftOffersOnly, { offers: false });
    await setTopics(leftNewsletter, { newsletter: false });
    await unsubscribeFromAll(leftAll);

    const definition = { all: [{ trait: 'plan', op: 'eq', value: plan }, { subscribed: 'newsletter' }] };
    const previewed = await preview(definition);
    expect(previewed).toEqual({ count: 2, ids: ids(stays, leftOffersOnly) });
    const saved = await save(definition);
    expect(saved.count).toBe(2);
    expect(await members(saved.key)).toEqual(previewed.ids);

    const notSubscribed = { all: [{ trait: 'plan', op: 'eq', value: plan }, { not: { subscribed: 'newsletter' } }] };
    expect(await preview(notSubscribed)).toEqual({ count: 2, ids: ids(leftNewsletter, leftAll) });
    expect((await preview({ trait: 'plan', op: 'eq', value: `${plan}-other` })).ids).toEqual(ids(otherPlan));
  });

  it('an opt-in topic counts only the contacts who confirmed it', async () => {
    const topic = uniqueId('beta');
    expect((await api()('POST', '/v1/topics', { key: topic, name: 'Beta programme', optIn: true })).status).toBe(201);
    const tag = uniqueId('tag');
    const confirmed = await contact({ tag });
    const pending = await contact({ tag });
    await contact({ tag }); // never asked
    const confirmedThenLeft = await contact({ tag });
    const confirmedThenLeftAll = await contact({ tag });
    await setTopics(confirmed, { [topic]: true, confirmed: true });
    await setTopics(pending, { [topic]: true });
    await setTopics(confirmedThenLeft, { [topic]: true, confirmed: true });
    await setTopics(confirmedThenLeft, { [topic]: false });
    await setTopics(confirmedThenLeftAll, { [topic]: true, confirmed: true });
    await unsubscribeFromAll(confirmedThenLeftAll);

    const definition = { all: [{ trait: 'tag', op: 'eq', value: tag }, { subscribed: topic }] };
    expect(await preview(definition)).toEqual({ count: 1, ids: ids(confirmed) });
    const saved = await save(definition);
    expect(saved.count).toBe(1);
    expect(await members(saved.key)).toEqual(ids(confirmed));
  });
});

describe('membership follows subscription changes', () => {
  it('leaving the topic, unsubscribing from everything and coming back move people out and in', async () => {
    const plan = uniqueId('pro');
    const reader = await contact({ plan });
    const other = await contact({ plan });
    const { key } = await save({ all: [{ trait: 'plan', op: 'eq', value: plan }, { subscribed: 'newsletter' }] });
    expect(await members(key)).toEqual(ids(reader, other));

    await setTopics(reader, { newsletter: false });
    await unsubscribeFromAll(other);
    expect(await members(key)).toEqual([]);
    expect(await segmentEvents(reader, key)).toEqual(['segment.left']);
    expect(await segmentEvents(other, key)).toEqual(['segment.left']);

    await setTopics(reader, { newsletter: true });
    expect((await api()('POST', `/v1/contacts/${other.id}/resubscribe`)).status).toBe(200);
    expect(await members(key)).toEqual(ids(reader, other));
    expect(await segmentEvents(reader, key)).toEqual(['segment.left', 'segment.entered']);
  });
});
