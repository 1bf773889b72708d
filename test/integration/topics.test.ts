import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { ContactStore } from '../../db/stores/contacts';
import { eligibleSql, TopicStore, UnknownTopicError } from '../../db/stores/topics';
import {
  confirmUrl,
  getTopicConfirmationWorkflowId,
  preferencesUrl,
  unsubscribeUrl,
} from '../../domain/preferenceLinks';
import { LinkSigner } from '../../infra/signing';
import { connectDevServer, createTestApp, createTestDatabase, uniqueId, type TestDatabase } from '../harness';

const signer = new LinkSigner('topics-test-signing-secret-long-enough-000');
const PUBLIC_URL = 'http://localhost:3000';
const SEEDED = ['advertising', 'newsletter', 'offers', 'onboarding', 'product_updates'];

let database: TestDatabase;
let env: TestWorkflowEnvironment;
let app: Express;
let key: string;
let taskQueue: string;

beforeAll(async () => {
  database = await createTestDatabase();
  env = await connectDevServer();
  taskQueue = uniqueId('topics');
  app = createTestApp(database.db, env.client, {
    signer,
    taskQueue,
    config: { publicUrl: PUBLIC_URL, UNSUBSCRIBE_RATE_LIMIT_PER_MINUTE: 1_000_000 },
  });
  key = (await new ApiKeyStore(database.db).create('topics marketer', 'marketer')).key;
});
afterAll(async () => {
  // The confirmation runs wait for a worker this file does not start: end them.
  if (env) {
    for await (const run of env.client.workflow.list({ query: `TaskQueue = '${taskQueue}'` }))
      await env.client.workflow
        .getHandle(run.workflowId, run.runId)
        .terminate('topics test over')
        .catch(() => undefined);
  }
  await env?.teardown();
  await database?.destroy();
});

const api = (method: 'get' | 'post' | 'put', path: string, body?: unknown) => {
  const req = request(app)[method](path).set('authorization', `Bearer ${key}`);
  return body === undefined ? req : req.send(body as object);
};

/** A contact made through the API: its external id and internal id. */
async function person(): Promise<{ id: string; internalId: string }> {
  const id = uniqueId('reader');
  const res = await api('post', '/v1/contacts', { id, email: `${id}@example.com` }).expect(201);
  return { id, internalId: res.body.internalId as string };
}

/** An opt-in topic of its own for a test. */
async function optInTopic(): Promise<string> {
  const topic = uniqueId('beta').replace(/-/g, '_');
  await api('post', '/v1/topics', {
    key: topic,
    name: 'Beta program',
    description: 'Try things first',
    optIn: true,
  }).expect(201);
  return topic;
}

type TopicView = { key: string; subscribed: boolean; state: string };
const stateOf = async (id: string, topic: string) => {
  const res = await api('get', `/v1/contacts/${id}/subscriptions`).expect(200);
  return (res.body.topics as TopicView[]).find((t) => t.key === topic);
};
const tokenAfter = (url: string, prefix: string) => url.slice(`${PUBLIC_URL}${prefix}`.length);
const changesOf = (internalId: string) =>
  database.db('contact_subscription_changes').where({ contact_id: internalId }).orderBy('id');

describe('topics', () => {
  test('the four seeded topics are listed, opt-out; a new one is created once, a taken key is a 409', async () => {
    const listed = (await api('get', '/v1/topics').expect(200)).body.topics as { key: string; optIn: boolean }[];
    expect(listed.filter((t) => SEEDED.includes(t.key)).map((t) => [t.key, t.optIn])).toEqual(
      expect.arrayContaining(SEEDED.map((k) => [k, false])),
    );
    const created = await api('post', '/v1/topics', { key: 'webinars', name: 'Webinars', optIn: true }).expect(201);
    expect(created.body).toMatchObject({ key: 'webinars', name: 'Webinars', description: null, optIn: true });
    expect((await api('get', '/v1/topics/webinars').expect(200)).body.optIn).toBe(true);
    const taken = await api('post', '/v1/topics', { key: 'newsletter', name: 'Another' }).expect(409);
    expect(taken.body.error).toContain('newsletter');
    await api('get', '/v1/topics/no_such_topic').expect(404);
  });

  test('a key that is reserved by the subscriptions body or not a lowercase identifier is a 400 naming key', async () => {
    for (const bad of ['confirmed', 'Has Spaces', 'a:b']) {
      const res = await api('post', '/v1/topics', { key: bad, name: 'x' }).expect(400);
      expect(res.body.problems.map((p: { path: string }) => p.path)).toEqual(['key']);
    }
  });
});

describe('a contact’s subscriptions', () => {
  test('default to subscribed for opt-out topics and unsubscribed for opt-in topics', async () => {
    const { id } = await person();
    const beta = await optInTopic();
    const res = await api('get', `/v1/contacts/${id}/subscriptions`).expect(200);
    expect(res.body.contactId).toBe(id);
    expect(res.body.unsubscribedFromAll).toBe(false);
    const byKey = new Map((res.body.topics as TopicView[]).map((t) => [t.key, t]));
    expect(byKey.get('newsletter')).toMatchObject({ subscribed: true, state: 'subscribed', optIn: false });
    expect(byKey.get(beta)).toMatchObject({ subscribed: false, state: 'unsubscribed', optIn: true });
    await api('get', '/v1/contacts/nobody-here/subscriptions').expect(404);
  });

  test('an unknown topic is a 400 that lists the topics, and nothing changes', async () => {
    const { id, internalId } = await person();
    const res = await api('put', `/v1/contacts/${id}/subscriptions`, { newsletter: false, newsleter: false }).expect(
      400,
    );
    expect(res.body.problems).toEqual([{ path: 'newsleter', message: expect.stringContaining('there is no topic') }]);
    for (const k of SEEDED) expect(res.body.problems[0].message).toContain(k);
    expect((await stateOf(id, 'newsletter'))?.state).toBe('subscribed');
    expect(await changesOf(internalId)).toEqual([]);
    const notBoolean = await api('put', `/v1/contacts/${id}/subscriptions`, { offers: 'no' }).expect(400);
    expect(notBoolean.body.problems.map((p: { path: string }) => p.path)).toEqual(['offers']);
    await api('put', `/v1/contacts/${id}/subscriptions`, {}).expect(400);
    await api('put', `/v1/contacts/${id}/subscriptions`).expect(400);
    // A key a schema would drop quietly is still a topic we do not have.
    const proto = await request(app)
      .put(`/v1/contacts/${id}/subscriptions`)
      .set('authorization', `Bearer ${key}`)
      .set('content-type', 'application/json')
      .send('{"__proto__": false}')
      .expect(400);
    expect(proto.body.problems.map((p: { path: string }) => p.path)).toEqual(['__proto__']);
  });

  test('leaving a topic by the API is immediate, recorded with the key, and on the timeline', async () => {
    const { id, internalId } = await person();
    const res = await api('put', `/v1/contacts/${id}/subscriptions`, { newsletter: false, offers: true }).expect(200);
    const byKey = new Map((res.body.topics as TopicView[]).map((t) => [t.key, t]));
    expect(byKey.get('newsletter')).toMatchObject({ subscribed: false, state: 'unsubscribed' });
    expect(byKey.get('offers')).toMatchObject({ subscribed: true, state: 'subscribed' });
    // Only what changed is recorded: offers was already on.
    expect(await changesOf(internalId)).toEqual([
      expect.objectContaining({
        change: 'topic_unsubscribed',
        topic: 'newsletter',
        source: 'api',
        actor: 'topics marketer',
        actor_role: 'marketer',
      }),
    ]);
    const timeline = (await api('get', `/v1/contacts/${id}/timeline`).expect(200)).body.items;
    expect(timeline.filter((i: { kind: string }) => i.kind === 'subscription')).toEqual([
      expect.objectContaining({
        kind: 'subscription',
        data: expect.objectContaining({ change: 'topic_unsubscribed', source: 'api' }),
      }),
    ]);
    // Back on: recorded too.
    await api('put', `/v1/contacts/${id}/subscriptions`, { newsletter: true }).expect(200);
    expect((await changesOf(internalId)).map((c) => [c.change, c.topic])).toEqual([
      ['topic_unsubscribed', 'newsletter'],
      ['topic_subscribed', 'newsletter'],
    ]);
  });
});

describe('double opt-in', () => {
  test('subscribing to an opt-in topic waits for the signed confirmation, which starts a confirmation email', async () => {
    const { id, internalId } = await person();
    const beta = await optInTopic();
    const res = await api('put', `/v1/contacts/${id}/subscriptions`, { [beta]: true }).expect(200);
    expect((res.body.topics as TopicView[]).find((t) => t.key === beta)).toMatchObject({
      subscribed: false,
      state: 'pending',
    });

    const handle = env.client.workflow.getHandle(getTopicConfirmationWorkflowId(internalId, beta, 1));
    const described = await handle.describe();
    expect(described.type).toBe('topicConfirmationWorkflow');
    expect(described.taskQueue).toBe(taskQueue);
    const history = await handle.fetchHistory();
    const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    expect(JSON.parse(Buffer.from(payload.data!).toString('utf8'))).toEqual({ contactId: internalId, topic: beta });

    // Asked again while pending: no second email.
    await api('put', `/v1/contacts/${id}/subscriptions`, { [beta]: true }).expect(200);
    await expect(
      env.client.workflow.getHandle(getTopicConfirmationWorkflowId(internalId, beta, 2)).describe(),
    ).rejects.toThrow();
    // Left, then asked again: a new confirmation email.
    await api('put', `/v1/contacts/${id}/subscriptions`, { [beta]: false }).expect(200);
    await api('put', `/v1/contacts/${id}/subscriptions`, { [beta]: true }).expect(200);
    const second = env.client.workflow.getHandle(getTopicConfirmationWorkflowId(internalId, beta, 2));
    expect((await second.describe()).type).toBe('topicConfirmationWorkflow');

    // The page a scanner fetches changes nothing; the button does.
    // The link the confirmation email carries.
    const token = tokenAfter(confirmUrl(signer, PUBLIC_URL, internalId, beta), '/p/confirm/');
    const page = await request(app).get(`/p/confirm/${token}`).expect(200);
    expect(page.text).toContain('Beta program');
    expect(page.text).toMatch(/<form method="post">/);
    expect((await stateOf(id, beta))?.state).toBe('pending');
    // A preferences token is not a confirmation.
    const prefs = tokenAfter(preferencesUrl(signer, PUBLIC_URL, internalId), '/p/');
    await request(app).post(`/p/confirm/${prefs}`).type('form').send('confirm=yes').expect(400);
    expect((await stateOf(id, beta))?.state).toBe('pending');

    const done = await request(app).post(`/p/confirm/${token}`).type('form').send('confirm=yes').expect(200);
    expect(done.text).toContain('Beta program');
    expect(await stateOf(id, beta)).toMatchObject({ subscribed: true, state: 'subscribed' });
    expect((await changesOf(internalId)).map((c) => [c.change, c.source, c.topic])).toEqual([
      ['topic_pending', 'api', beta],
      ['topic_unsubscribed', 'api', beta],
      ['topic_pending', 'api', beta],
      ['topic_subscribed', 'link', beta],
    ]);
  });

  test('"confirmed": true records consent the client already confirmed, without an email', async () => {
    const { id, internalId } = await person();
    const beta = await optInTopic();
    await api('put', `/v1/contacts/${id}/subscriptions`, { [beta]: true, confirmed: true }).expect(200);
    expect(await stateOf(id, beta)).toMatchObject({ subscribed: true, state: 'subscribed' });
    await expect(
      env.client.workflow.getHandle(getTopicConfirmationWorkflowId(internalId, beta, 1)).describe(),
    ).rejects.toThrow();
  });
});

describe('the preference page', () => {
  test('a tampered, repurposed or expired link is refused on GET and POST, and nothing changes', async () => {
    const { id, internalId } = await person();
    const token = tokenAfter(preferencesUrl(signer, PUBLIC_URL, internalId), '/p/');
    const at = token.length - 3;
    const flipped = `${token.slice(0, at)}${token[at] === 'x' ? 'y' : 'x'}${token.slice(at + 1)}`;
    const forUnsubscribe = tokenAfter(unsubscribeUrl(signer, PUBLIC_URL, internalId), '/u/');
    const expired = signer.sign('preferences', internalId, 60_000, Date.now() - 120_000);
    for (const bad of [flipped, forUnsubscribe, expired, `${token}.x`]) {
      const page = await request(app).get(`/p/${bad}`).expect(400);
      expect(page.text).toContain('This link is not valid or has expired');
      expect(page.text).not.toContain('<form');
      await request(app).post(`/p/${bad}`).type('form').send('saved=1&topic=offers').expect(400);
    }
    expect((await stateOf(id, 'newsletter'))?.state).toBe('subscribed');
    expect(await changesOf(internalId)).toEqual([]);
    // The real one works.
    const page = await request(app).get(`/p/${token}`).expect(200);
    expect(page.headers['cache-control']).toContain('no-store');
    expect(page.text).toContain('noindex');
    expect(page.text).not.toMatch(/\b(src|href)=/);
  });

  test('shows topic names and descriptions escaped; a GET changes nothing; a post without the form is refused', async () => {
    const { id, internalId } = await person();
    const topic = uniqueId('odd').replace(/-/g, '_');
    await api('post', '/v1/topics', { key: topic, name: '<script>alert(1)</script>', description: 'a & b' }).expect(
      201,
    );
    const token = tokenAfter(preferencesUrl(signer, PUBLIC_URL, internalId), '/p/');
    const page = await request(app).get(`/p/${token}`).expect(200);
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.text).not.toContain('<script>');
    expect(page.text).toContain('a &amp; b');
    // An empty post (nothing ticked, no form marker) must not read as "leave everything".
    await request(app).post(`/p/${token}`).type('form').send('').expect(400);
    expect(await changesOf(internalId)).toEqual([]);
    // A post that names a topic we do not have is refused with the list.
    const unknown = await request(app).post(`/p/${token}`).type('form').send('saved=1&topic=nope').expect(400);
    expect(unknown.text).toContain('Newsletter');
    expect((await stateOf(id, 'newsletter'))?.state).toBe('subscribed');
  });
});

describe('one-click unsubscribe from one topic', () => {
  test('leaves only the link’s topic; the page names it and offers "Unsubscribe from all"', async () => {
    const { id, internalId } = await person();
    const token = tokenAfter(unsubscribeUrl(signer, PUBLIC_URL, internalId, 'newsletter'), '/u/');
    const page = await request(app).get(`/u/${token}`).expect(200);
    expect(page.text).toContain('Newsletter');
    expect(page.text).toContain('Unsubscribe from all');
    expect(page.text).not.toMatch(/\b(src|href)=/);
    expect((await stateOf(id, 'newsletter'))?.state).toBe('subscribed');

    await request(app)
      .post(`/u/${token}`)
      .type('form')
      .send('List-Unsubscribe=One-Click')
      .expect(200, { unsubscribed: true, topic: 'newsletter' });
    expect((await stateOf(id, 'newsletter'))?.state).toBe('unsubscribed');
    expect((await stateOf(id, 'offers'))?.state).toBe('subscribed');
    const contact = await new ContactStore(database.db).getById(internalId);
    expect(contact?.unsubscribedAt).toBeNull();
    expect((await changesOf(internalId)).map((c) => [c.change, c.source, c.topic])).toEqual([
      ['topic_unsubscribed', 'link', 'newsletter'],
    ]);

    // The second button: everything.
    const all = await request(app)
      .post(`/u/${token}`)
      .set('accept', 'text/html')
      .type('form')
      .send('List-Unsubscribe=One-Click&scope=all')
      .expect(200);
    expect(all.text).toContain('You are unsubscribed');
    expect((await new ContactStore(database.db).getById(internalId))?.unsubscribedAt).not.toBeNull();
  });

  test('a topic link still needs the one-click body', async () => {
    const { id, internalId } = await person();
    const token = tokenAfter(unsubscribeUrl(signer, PUBLIC_URL, internalId, 'offers'), '/u/');
    await request(app).post(`/u/${token}`).type('form').send('List-Unsubscribe=Please').expect(400);
    expect((await stateOf(id, 'offers'))?.state).toBe('subscribed');
  });
});

describe('mayReceive and eligibleSql', () => {
  test('opt-out unless left, opt-in only once subscribed, nothing after the contact-wide unsubscribe', async () => {
    const store = new TopicStore(database.db);
    const beta = await optInTopic();
    const a = await person();
    const b = await person();
    const eligible = async (topic: string) => {
      const { sql, bindings } = eligibleSql(topic);
      const rows = await database
        .db('contacts as c')
        .whereIn('c.id', [a.internalId, b.internalId])
        .whereRaw(sql, bindings)
        .pluck('c.id');
      return rows.sort();
    };

    expect(await store.mayReceive(a.internalId, 'newsletter')).toBe(true);
    expect(await store.mayReceive(a.internalId, beta)).toBe(false);
    expect(await eligible(beta)).toEqual([]);

    await api('put', `/v1/contacts/${a.id}/subscriptions`, { newsletter: false, [beta]: true }).expect(200);
    expect(await store.mayReceive(a.internalId, 'newsletter')).toBe(false);
    expect(await store.mayReceive(b.internalId, 'newsletter')).toBe(true);
    expect(await store.mayReceive(a.internalId, beta)).toBe(false); // pending is not yet subscribed
    expect(await eligible('newsletter')).toEqual([b.internalId]);

    await api('put', `/v1/contacts/${a.id}/subscriptions`, { [beta]: true, confirmed: true }).expect(200);
    expect(await store.mayReceive(a.internalId, beta)).toBe(true);
    expect(await eligible(beta)).toEqual([a.internalId]);

    await api('post', `/v1/contacts/${a.id}/unsubscribe`).expect(200);
    expect(await store.mayReceive(a.internalId, beta)).toBe(false);
    expect(await store.mayReceive(a.internalId, 'offers')).toBe(false);

    const unknown = await store.mayReceive(a.internalId, 'nope').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(UnknownTopicError);
    expect((unknown as Error).message).toMatch(/nope.*newsletter/);
  });
});
